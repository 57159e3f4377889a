/* SPDX-License-Identifier: MIT */
/*
 * slub.c - the SLUB slab allocator, as the kernel's mm/slub.c. It exports one symbol,
 * slub_ops (slab.h), and is in two parts: the cache geometry below, and the allocator
 * after it (its own comment gives the lock order and the states of a slab).
 *
 * The geometry: given what kmem_cache_create() was asked
 * for, the layout of one object (where the free pointer and the debug metadata go, the
 * stride `size`), the slab order and the number of objects per slab, and the limits of
 * the partial lists. It is Linux 6.18's computation, step for step, because kmm's
 * caches must look exactly like a real kernel's: tests/test_slub_geometry.c compares
 * every cache of the machine's /sys/kernel/slab with what this file computes.
 *
 * The steps (do_kmem_cache_create() and the functions it calls):
 *  1. calculate_alignment() (mm/slab_common.c): the requested alignment, raised to a
 *     cache line for SLAB_HWCACHE_ALIGN - halved while the object fits in half of it,
 *     so that small objects share lines - and to ARCH_SLAB_MINALIGN and a word.
 *     It is idempotent, so a cache's final alignment may be given back as the request.
 *  2. calculate_sizes(): round the object to a word; add a right red zone word if there
 *     is no slack; place the free pointer in the middle of the object (away from both
 *     ends, where overflows from neighbours land), or after it when the object's memory
 *     must stay intact while free (RCU-typesafe without a freeptr_offset, constructor,
 *     poisoning, some red zone cases), or at the creator's freeptr_offset; then the
 *     debug metadata (two struct track, the kmalloc request size), the left red zone,
 *     and padding to the alignment.
 *  3. calculate_order(): the smallest order that holds at least min_objects objects
 *     (4 * (fls(CPUs) + 1), capped by what fits in slab_max_order) and wastes at most
 *     1/16 of the slab; failing that 1/8, then 1/4; past slab_max_order, the smallest
 *     order that holds one object.
 *  4. min_partial = ilog2(size) / 2 within [MIN_PARTIAL, MAX_PARTIAL]; cpu_partial by
 *     size class (120, 52, 24, 6 objects; 0 for debug caches), and in slabs assuming
 *     half-full slabs.
 *
 * The kernel this reproduces: x86-64, 4 KiB pages, 64-byte cache lines,
 * CONFIG_SLUB_DEBUG=y, CONFIG_SLUB_CPU_PARTIAL=y, CONFIG_STACKDEPOT=y (struct track is
 * 32 bytes), CONFIG_KASAN=n (KASAN would add its own metadata), CONFIG_SLUB_TINY=n.
 * Per-CPU sheaves (6.18) change neither the layout nor cpu_partial.
 */
#include "internal.h"

/* ---- geometry: calculate_sizes, calculate_order (mm/slub.c) ---- */

#ifndef fls
/* 1-based index of the most significant set bit, 0 for 0 (asm-generic/bitops/fls.h). */
#define fls(x) ((x) ? 32 - __builtin_clz(x) : 0)
#endif
#ifndef ilog2
#define ilog2(n) (63 - __builtin_clzl(n))
#endif
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#endif
#ifndef ALIGN_DOWN
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#endif

/* Empty slabs a node keeps on its partial list, whatever the object size. */
#define MIN_PARTIAL 5
#define MAX_PARTIAL 10
/* slab->objects is a 15-bit field. */
#define MAX_OBJS_PER_PAGE 32767
/* x86-64's cache_line_size() on every current CPU. */
#define L1_CACHE_BYTES 64
/* Debug flags that add metadata to each object; slab_debug=O drops them if they cost. */
#define DEBUG_METADATA_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
/* The free pointer: the kernel's freeptr_t, one word. */
#define FREEPTR_SIZE sizeof(unsigned long)

static const struct slub_order_params slub_default_params = {
	.min_order = 0,
	.max_order = PAGE_ALLOC_COSTLY_ORDER,
	.min_objects = 0, /* derived from the CPU count */
};

static unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

/*
 * The smallest order from @min_order up that wastes at most 1/@fract_leftover of the
 * slab; @max_order + 1 if none does. A higher order never wastes a larger fraction.
 */
static unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/*
 * Enough objects per slab keep the per-node list_lock rare, and more CPUs contend for it
 * more; but order-0 pages fragment memory least. Try 1/16 waste first, then accept more.
 */
static int calculate_order(unsigned int size, const struct slub_geometry_args *args,
			   const struct slub_order_params *p)
{
	unsigned int min_objects = p->min_objects;
	unsigned int max_objects, min_order, fraction, order;

	if (!min_objects) {
		/*
		 * The kernel counts present CPUs, and falls back to the possible ones when
		 * only one is present (some architectures bring the rest online later).
		 */
		unsigned int nr_cpus = args->nr_cpus;

		if (nr_cpus <= 1 && args->nr_cpu_ids)
			nr_cpus = args->nr_cpu_ids;
		min_objects = 4 * (fls(nr_cpus) + 1);
	}
	/* Never ask for more than slab_max_order holds, nor for 0 (get_order(0)). */
	max_objects = max(order_objects(p->max_order, size), 1U);
	min_objects = min(min_objects, max_objects);

	min_order = max(p->min_order, (unsigned int)get_order((unsigned long)min_objects * size));
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;

	for (fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, p->max_order, fraction);
		if (order <= p->max_order)
			return (int)order;
	}
	/* Not even one object fits in slab_max_order: the order of one object. */
	order = (unsigned int)get_order(size);
	if (order <= MAX_PAGE_ORDER)
		return (int)order;
	return -1;
}

/*
 * kmalloc caches with SLAB_STORE_USER keep the requested size after the tracks, and a
 * red zone then extends over the unrequested tail of the object: the free pointer must
 * not sit there.
 */
static bool slub_debug_orig_size(const struct slub_geometry *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

static bool calculate_sizes(const struct slub_geometry_args *args, struct slub_geometry *s,
			    const struct slub_order_params *p)
{
	slab_flags_t flags = s->flags;
	/* The free pointer can only go at a word boundary. */
	unsigned int size = ALIGN(s->object_size, (unsigned int)sizeof(void *));
	int order;

	/* Poison the object itself only if nobody may look at it while it is free. */
	if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !args->has_ctor)
		s->flags |= __OBJECT_POISON;
	else
		s->flags &= ~__OBJECT_POISON;

	/* A right red zone needs at least one byte after the object. */
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->inuse = size;

	if (((flags & SLAB_TYPESAFE_BY_RCU) && !args->use_freeptr_offset) ||
	    (flags & SLAB_POISON) || args->has_ctor ||
	    ((flags & SLAB_RED_ZONE) &&
	     (s->object_size < sizeof(void *) || slub_debug_orig_size(s)))) {
		/* A free object's contents must survive (or be checked): pointer after it. */
		s->offset = size;
		size += FREEPTR_SIZE;
	} else if ((flags & SLAB_TYPESAFE_BY_RCU) && args->use_freeptr_offset) {
		s->offset = args->freeptr_offset;
	} else {
		/* Mid-object, out of reach of small over- and underflows from neighbours. */
		s->offset = ALIGN_DOWN(s->object_size / 2, (unsigned int)sizeof(void *));
	}

	if (flags & SLAB_STORE_USER) {
		size += 2 * SLUB_TRACK_SIZE; /* last alloc and last free */
		/*
		 * The kmalloc request size. Linux 6.18 stored it as unsigned int; the stable
		 * fix "use unsigned long for orig_size" widened it. Both give the same
		 * stride on 64-bit: the next step adds a word, and the total is rounded to
		 * the alignment (at least a word) anyway.
		 */
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned long);
	}

	s->red_left_pad = 0;
	if (flags & SLAB_RED_ZONE) {
		/* Padding that catches writes before the next object's start... */
		size += sizeof(void *);
		/* ...and a left red zone, kept aligned so that the object stays aligned. */
		s->red_left_pad = ALIGN((unsigned int)sizeof(void *), s->align);
		size += s->red_left_pad;
	}

	/* Objects follow each other from the slab's start: the stride keeps them aligned. */
	size = ALIGN(size, s->align);
	s->size = size;

	order = calculate_order(size, args, p);
	if (order < 0)
		return false;
	s->order = (unsigned int)order;
	s->objects = order_objects(s->order, size);
	s->min_order = (unsigned int)get_order(size);
	s->min_objects = order_objects(s->min_order, size);
	return s->objects != 0;
}

/* Bigger objects: more empty slabs kept, so as not to pound the page allocator. */
static void set_min_partial(struct slub_geometry *s, unsigned long min)
{
	if (min < MIN_PARTIAL)
		min = MIN_PARTIAL;
	else if (min > MAX_PARTIAL)
		min = MAX_PARTIAL;
	s->min_partial = min;
}

/*
 * Per-CPU partial slabs mostly have one object freed, so refilling from them is cheap
 * and lock-free; debug caches take the slow path always and keep none. The limit is
 * given in objects (the sysfs interface) and applied in slabs, assuming half-full ones.
 */
static void set_cpu_partial(struct slub_geometry *s)
{
	unsigned int nr_objects;

	if (s->flags & SLAB_DEBUG_FLAGS)
		nr_objects = 0;
	else if (s->size >= PAGE_SIZE)
		nr_objects = 6;
	else if (s->size >= 1024)
		nr_objects = 24;
	else if (s->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;

	s->cpu_partial = nr_objects;
	s->cpu_partial_slabs = DIV_ROUND_UP(nr_objects * 2, s->objects);
}

static bool slub_geometry_args_valid(const struct slub_geometry_args *args,
				     const struct slub_order_params *p)
{
	if (!args->object_size || args->object_size > KMALLOC_MAX_SIZE)
		return false;
	if (args->align & (args->align - 1) || args->align > KMALLOC_MAX_SIZE)
		return false;
	if (!args->nr_cpus)
		return false;
	if (p->min_order > p->max_order || p->max_order > MAX_PAGE_ORDER)
		return false;
	/* create_cache(): the free pointer must be a word inside an RCU-typesafe object. */
	if (args->use_freeptr_offset &&
	    (args->freeptr_offset >= args->object_size || !(args->flags & SLAB_TYPESAFE_BY_RCU) ||
	     !IS_ALIGNED(args->freeptr_offset, (unsigned int)__alignof__(unsigned long))))
		return false;
	return true;
}

int slub_calculate_geometry(const struct slub_geometry_args *args, struct slub_geometry *out)
{
	const struct slub_order_params *p = args->params ? args->params : &slub_default_params;
	unsigned int cache_line = args->cache_line_size ? args->cache_line_size : L1_CACHE_BYTES;

	if (!slub_geometry_args_valid(args, p))
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->flags = args->flags;
	out->object_size = args->object_size;
	out->align = calculate_alignment(args->flags, args->align, args->object_size, cache_line);
	if (!calculate_sizes(args, out, p))
		return -EINVAL;

	if (p->disable_higher_order_debug && get_order(out->size) > get_order(out->object_size)) {
		out->flags &= ~DEBUG_METADATA_FLAGS;
		if (!calculate_sizes(args, out, p))
			return -EINVAL;
	}

	set_min_partial(out, (unsigned long)ilog2((unsigned long)out->size) / 2);
	set_cpu_partial(out);
	return 0;
}

/* ======================================================================================== */
/* ---- the allocator -------------------------------------------------------------------- */
/* ======================================================================================== */

/*
 * Lock order:
 *   1. slab_mutex (slab_common.c): cache creation, destruction, shrinking of other
 *      threads' state, reports; held around cache_create/cache_shutdown/flush_thread
 *   2. slab_areas_lock (slab_common.c): the list of thread areas
 *   3. node->list_lock: a node's partial (and, for SLAB_STORE_USER, full) list, nr_partial
 *   4. slab_lock(slab): slab->freelist and slab->counters (inuse, objects, frozen),
 *      a bit spin lock on PG_locked of the slab's page flags - the kernel's fallback
 *      when the architecture has no cmpxchg_double; kmm takes it always
 *   5. the page allocator's locks (zone->lock), never while holding 3 or 4
 *
 * The per-"CPU" state (struct kmem_cache_cpu, one per thread and cache) needs no lock:
 * only its thread touches it, except under slab_mutex when the cache is being destroyed
 * or the thread has exited (flush_thread), and for the racy counts in the sysfs-style
 * attributes, which read c->slab and c->partial with relaxed atomics (the kernel's
 * data_race()). So the allocation fast path is a load of c->freelist and of the next free
 * pointer, and the free fast path two stores: no lock, no atomic read-modify-write.
 *
 * The states of a slab (Linux 6.8+: per-CPU partial slabs are no longer frozen):
 *
 *   state        frozen  on list                 who may take objects
 *   cpu slab       1     none (c->slab)          the owning thread, from c->freelist and,
 *                                                after get_freelist(), slab->freelist
 *   cpu partial    0     c->partial (->next)     nobody until the owner makes it its cpu
 *                                                slab; remote frees go to slab->freelist
 *   node partial   0     n->partial              whoever takes n->list_lock
 *   full           0     none (n->full with      nobody; the first free moves it to the
 *                        SLAB_STORE_USER)        freeing thread's cpu partial list
 *   empty          0     n->partial, or freed    kept while n->nr_partial < min_partial
 *
 * Any thread may free into any slab: into its own cpu slab through c->freelist, into
 * any other through slab->freelist under slab_lock (__slab_free). A cpu slab's inuse
 * counts every object not on slab->freelist, so objects - inuse == the length of
 * slab->freelist in every state; validate() checks exactly that.
 *
 * Caches with sheaves (all but the debug and boot ones) are Linux 7.0's: their threads
 * hold objects in sheaves, refilled by refill_objects() with whole freelists of
 * node-partial slabs (off-list, not frozen, while it takes them) and new slabs, and
 * flushed back through __slab_free(); they keep no cpu partial lists, and a cpu slab
 * only where an allocation bypasses the sheaves (a node asked for, no sheaf to be had).
 *
 * Debug caches (SLAB_DEBUG_FLAGS) keep no per-thread state at all: every allocation and
 * free goes through the node lists under list_lock, one object at a time, so that the
 * debug checks (alloc_debug_processing, free_debug_processing) see each.
 */

#include "slab.h"

/* CONFIG_SLAB_FREELIST_HARDENED: free pointers obfuscated, the naive double-free check. */
static const bool slab_freelist_hardened = true;
/* CONFIG_SLAB_FREELIST_RANDOM: a new slab's freelist in a shuffled order. */
static const bool slab_freelist_random = true;

/* Where deactivate_slab()/add_partial() put a slab: cache-hot first, or last. */
enum { DEACTIVATE_TO_HEAD, DEACTIVATE_TO_TAIL };

/* mm/internal.h: the GFP bits a slab's page allocation inherits from the caller. */
#define GFP_RECLAIM_MASK                                                                         \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
	 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NOLOCKDEP)
#define GFP_CONSTRAINT_MASK (__GFP_HARDWALL | __GFP_THISNODE)
/* __kmem_cache_do_shrink(): partial slabs with up to this many free objects are sorted. */
#define SHRINK_PROMOTE_MAX 32
/* Spins on a contended slab_lock before yielding: its holder may have been preempted. */
#define SLAB_LOCK_SPINS 64
/* Remote node defrag ratio as sysfs shows it (the kernel's default 1000, shown / 10). */
#define REMOTE_NODE_DEFRAG_RATIO 100
#define BITS_PER_LONG		 (8 * sizeof(unsigned long))

static const char *slub_tainted(void)
{
	return print_tainted();
}

/* ---- debug hooks (slab_debug): the checks follow the reports below ------------------------ */

static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}

/* Red zones, poison and tracks of a new object (SLUB_RED_INACTIVE). */
static void setup_object_debug(struct kmem_cache *s, void *object);
/* Poison a new slab's padding (setup_slab_debug). */
static void setup_slab_debug(struct kmem_cache *s, struct slab *slab, void *addr);
/* Check an object handed out by a debug cache; false: do not hand it out. */
static bool alloc_debug_processing(struct kmem_cache *s, struct slab *slab, void *object,
				   unsigned long orig_size);
/* Check @cnt objects head..tail freed to a debug cache; false: free none of them. */
static bool free_debug_processing(struct kmem_cache *s, struct slab *slab, void *head, void *tail,
				  int *cnt, unsigned long addr, depot_stack_handle_t handle);
/* A debug cache's slab about to be freed: its padding and every object checked. */
static void free_slab_debug_checks(struct kmem_cache *s, struct slab *slab);

/* ---- the kmem_cache_node cache -------------------------------------------------------- */

/*
 * Each cache's per-node structures come from a cache of their own, as the kernel's
 * kmem_cache_node. It exists before any other cache, so its own per-node structures
 * are static (the kernel's early_kmem_cache_node_alloc() bootstrap), and it has no
 * per-thread slot: it is served like a debug cache, under list_lock.
 */
static struct kmem_cache kmem_cache_node_cache;
static struct kmem_cache_node kmem_cache_node_boot[MAX_NUMNODES];

/* Served one object at a time under list_lock, never from per-thread slabs. */
static inline bool slab_no_cpu_cache(const struct kmem_cache *s)
{
	return kmem_cache_debug(s) || s == &kmem_cache_node_cache;
}

/*
 * CONFIG_SLUB_CPU_PARTIAL: debug caches keep no per-CPU partial slabs, and neither do
 * caches with sheaves - Linux 7.0 removed per-CPU partial slabs once every cache had
 * sheaves: a slab that gets its first free object goes to its node's partial list,
 * where any thread's sheaf refill finds it, instead of onto the freeing thread's own
 * list, where a thread that only frees (a consumer) would hoard it.
 */
static inline bool kmem_cache_has_cpu_partial(const struct kmem_cache *s)
{
	return !slab_no_cpu_cache(s) && !s->sheaf_capacity;
}

static inline struct kmem_cache_node *get_node(const struct kmem_cache *s, int node)
{
	return s->node[node];
}

#define for_each_kmem_cache_node(__s, __node, __n)                 \
	for ((__node) = 0; (__node) < nr_online_nodes; (__node)++) \
		if (((__n) = get_node(__s, __node)) != NULL)

static inline bool node_online_for(const struct kmem_cache *s, int node)
{
	return node >= 0 && node < nr_online_nodes && s->node[node];
}

/* ---- the slab's page flags: its lock and its node-partial mark ------------------------- */

/*
 * page->flags is shared with the page allocator (zone, node, PG_head). While a slab is
 * live, slub.c changes only its own two bits, with atomic read-modify-write, and reads
 * the word atomically: another thread may be taking the lock at the same moment.
 */
#define SLAB_LOCKED	  (1UL << PG_locked)
#define SLAB_NODE_PARTIAL (1UL << PG_workingset) /* as 6.8+'s slab_set_node_partial() */

static inline unsigned long slab_flags_read(const struct slab *slab)
{
	return READ_ONCE(slab->__page_flags);
}

static inline void slab_lock(struct slab *slab)
{
	unsigned int spins = 0;

	while (__atomic_fetch_or(&slab->__page_flags, SLAB_LOCKED, __ATOMIC_ACQUIRE) &
	       SLAB_LOCKED) {
		while (slab_flags_read(slab) & SLAB_LOCKED) {
			if (++spins < SLAB_LOCK_SPINS)
				port_cpu_relax();
			else
				port_yield();
		}
	}
}

static inline void slab_unlock(struct slab *slab)
{
	__atomic_fetch_and(&slab->__page_flags, ~SLAB_LOCKED, __ATOMIC_RELEASE);
}

static inline int slab_nid(const struct slab *slab)
{
	return (int)((slab_flags_read(slab) >> NODES_PGSHIFT) & NODES_MASK);
}

/* compound_order(), reading the flags word atomically. */
static inline unsigned int slab_page_order(const struct slab *slab)
{
	if (!(slab_flags_read(slab) & (1UL << PG_head)))
		return 0;
	return slab_page(slab)[1].compound_order;
}

/* Objects in a slab of @s, from its order alone (no lock: never changes). */
static inline unsigned int slab_objects_nolock(const struct kmem_cache *s, const struct slab *slab)
{
	return order_objects(slab_page_order(slab), s->size);
}

/* list_lock held */
static inline bool slab_test_node_partial(const struct slab *slab)
{
	return slab_flags_read(slab) & SLAB_NODE_PARTIAL;
}

static inline void slab_set_node_partial(struct slab *slab)
{
	__atomic_fetch_or(&slab->__page_flags, SLAB_NODE_PARTIAL, __ATOMIC_RELAXED);
}

static inline void slab_clear_node_partial(struct slab *slab)
{
	__atomic_fetch_and(&slab->__page_flags, ~SLAB_NODE_PARTIAL, __ATOMIC_RELAXED);
}

/* ---- free pointers ---------------------------------------------------------------------- */

typedef struct {
	unsigned long v;
} freeptr_t;

/*
 * CONFIG_SLAB_FREELIST_HARDENED: a leaked or overwritten free pointer is useless without
 * the cache's secret, and it differs at every address (swab() moves the varying low bits
 * of the address to the top, where the pointer's own bits are constant).
 */
static inline freeptr_t freelist_ptr_encode(const struct kmem_cache *s, void *ptr,
					    unsigned long ptr_addr)
{
	unsigned long encoded = (unsigned long)ptr;

	if (slab_freelist_hardened)
		encoded ^= s->random ^ __builtin_bswap64(ptr_addr);
	return (freeptr_t){ .v = encoded };
}

static inline void *freelist_ptr_decode(const struct kmem_cache *s, freeptr_t ptr,
					unsigned long ptr_addr)
{
	unsigned long decoded = ptr.v;

	if (slab_freelist_hardened)
		decoded ^= s->random ^ __builtin_bswap64(ptr_addr);
	return (void *)decoded;
}

static inline void *get_freepointer(const struct kmem_cache *s, void *object)
{
	unsigned long ptr_addr = (unsigned long)object + s->offset;
	freeptr_t p;

	memcpy(&p, (void *)ptr_addr, sizeof(p));
	return freelist_ptr_decode(s, p, ptr_addr);
}

static inline void set_freepointer(const struct kmem_cache *s, void *object, void *fp)
{
	unsigned long ptr_addr = (unsigned long)object + s->offset;
	freeptr_t p = freelist_ptr_encode(s, fp, ptr_addr);

	memcpy((void *)ptr_addr, &p, sizeof(p));
}

static inline void *fixup_red_left(const struct kmem_cache *s, void *p)
{
	return (char *)p + s->red_left_pad;
}

#define for_each_object(__p, __s, __addr, __objects)                             \
	for (__p = fixup_red_left(__s, __addr);                                  \
	     (char *)__p < (char *)(__addr) + (size_t)(__objects) * (__s)->size; \
	     __p = (char *)__p + (__s)->size)

/* Is @object the start of an object of @slab (of @objects objects)? */
static bool check_valid_pointer(const struct kmem_cache *s, const struct slab *slab,
				unsigned int objects, const void *object)
{
	const char *base = (const char *)slab_address(slab) + s->red_left_pad;
	const char *p = object;

	if (!object)
		return true;
	return p >= base && p < base + (size_t)objects * s->size &&
	       (size_t)(p - base) % s->size == 0;
}

static inline unsigned int obj_to_index(const struct kmem_cache *s, const struct slab *slab,
					const void *object)
{
	return (unsigned int)(((const char *)object -
			       (const char *)fixup_red_left(s, slab_address(slab))) /
			      s->size);
}

static bool map_test_and_set(unsigned long *map, unsigned int idx)
{
	unsigned long bit = 1UL << (idx % BITS_PER_LONG);
	bool was = map[idx / BITS_PER_LONG] & bit;

	map[idx / BITS_PER_LONG] |= bit;
	return was;
}

/* ---- reports (slab_bug, slab_err, object_err, slab_fix) ---------------------------------- */

/*
 * Problems the calling thread has reported: each "BUG" header and each "FIX" line counts
 * one, as slub_kunit counts them, so that validate() returns what it found.
 */
static port_thread_local unsigned int slab_errors;

static __printf(2, 3) void slab_bug(const struct kmem_cache *s, const char *fmt, ...)
{
	char text[160];
	va_list args;

	va_start(args, fmt);
	vscnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	slab_errors++;
	pr_err("=============================================================================\n");
	pr_err("BUG %s (%s): %s\n", s ? s->name : "<unknown>", slub_tainted(), text);
	pr_err("-----------------------------------------------------------------------------\n\n");
}

static __printf(2, 3) void slab_fix(const struct kmem_cache *s, const char *fmt, ...)
{
	char text[160];
	va_list args;

	va_start(args, fmt);
	vscnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	slab_errors++;
	pr_err("FIX %s: %s\n", s->name, text);
}

/* slab_lock held (or the slab private to the caller) */
static void print_slab_info(const struct slab *slab)
{
	pr_err("Slab 0x%016lx objects=%u used=%u fp=0x%016lx flags=%#lx\n", (unsigned long)slab,
	       slab->objects, slab->inuse, (unsigned long)slab->freelist, slab_flags_read(slab));
}

/* The end of a slab report: the slab, a taint, and the WARN that shows who got here. */
static void __slab_err(const struct slab *slab)
{
	print_slab_info(slab);
	add_taint(TAINT_BAD_PAGE);
	WARN_ON(1);
}

static __printf(3, 4) void slab_err(const struct kmem_cache *s, const struct slab *slab,
				    const char *fmt, ...)
{
	char buf[160];
	va_list args;

	va_start(args, fmt);
	vscnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	slab_bug(s, "%s", buf);
	__slab_err(slab);
}

static void print_section(const char *level, const char *text, const void *addr,
			  unsigned int length)
{
	print_hex_dump(level, text, DUMP_PREFIX_ADDRESS, 16, 1, addr, length, true);
}

/*
 * CONFIG_SLAB_FREELIST_HARDENED's naive check, which the kernel makes a BUG_ON() in
 * set_freepointer(): an object freed while it is already the first free object would
 * point at itself and loop the freelist. kmm reports it and drops the second free, so
 * nothing is lost. Caller holds slab_lock, or owns the freelist. True: do not free.
 */
static bool naive_double_free(const struct kmem_cache *s, const void *object, const void *fp)
{
	if (likely(!slab_freelist_hardened || object != fp))
		return false;
	return true;
}

static noinline void report_double_free(const struct kmem_cache *s, const void *object)
{
	struct slab *slab = virt_to_slab(object);

	slab_bug(s, "Object 0x%016lx: double free or corruption detected", (unsigned long)object);
	pr_err("Object 0x%016lx @offset=%lu: freed while first on the freelist; free ignored\n",
	       (unsigned long)object,
	       (unsigned long)((const char *)object - (const char *)slab_address(slab)));
	slab_lock(slab);
	print_slab_info(slab);
	slab_unlock(slab);
	dump_stack();
	add_taint(TAINT_BAD_PAGE);
}

/* ---- slab_debug: red zones, poison, tracks and their checks (CONFIG_SLUB_DEBUG) ---------- */

/*
 * A debug cache's object, as calculate_sizes() lays it out (s->size bytes in all):
 *   [left red zone: red_left_pad]            SLAB_RED_ZONE: SLUB_RED_ACTIVE/INACTIVE
 *   [object: object_size]                    __OBJECT_POISON: 0x6b..0x6b 0xa5 while free;
 *                                            a kmalloc object's bytes past the request
 *                                            are red zone while allocated
 *   [right red zone: inuse - object_size]    SLAB_RED_ZONE (word alignment otherwise)
 *   [free pointer, when outside the object]  get_info_end() is after it
 *   [struct track alloc, free]               SLAB_STORE_USER
 *   [unsigned long orig_size]                SLAB_STORE_USER on kmalloc caches
 *   [padding to s->size]                     SLAB_POISON: POISON_INUSE
 * and the slab's tail beyond its last object is POISON_INUSE too. Debug caches are
 * served under the node's list_lock, so the checks see each object at every change.
 */

/* include/linux/poison.h */
#define SLUB_RED_INACTIVE 0xbb /* red zone of a free object */
#define SLUB_RED_ACTIVE	  0xcc /* red zone of an allocated one */
#define POISON_INUSE	  0x5a /* padding: never handed out */
#define POISON_FREE	  0x6b /* a free object's bytes */
#define POISON_END	  0xa5 /* its last byte */

/* Frames a track's stack keeps, and those of the bookkeeping above the caller. */
#define TRACK_ADDRS_COUNT 16
#define TRACK_SKIP_FRAMES 2
/* CONFIG_HZ_250, the distributions' choice: the age of a track is given in jiffies. */
#define HZ 250

/* Who allocated or freed an object last: x86-64's layout with CONFIG_STACKDEPOT. */
struct track {
	unsigned long addr; /* the caller of the allocation or free */
	depot_stack_handle_t handle;
	int cpu;
	int pid;
	unsigned long when; /* jiffies */
};
_Static_assert(sizeof(struct track) == SLUB_TRACK_SIZE, "the geometry counts on this size");

enum track_item { TRACK_ALLOC, TRACK_FREE };

static unsigned long slub_jiffies(void)
{
	return (unsigned long)(port_clock_ns() / (1000000000ULL / HZ));
}

static inline bool freeptr_outside_object(const struct kmem_cache *s)
{
	return s->offset >= s->inuse;
}

/* Where the metadata after the object and its free pointer begins. */
static inline unsigned int get_info_end(const struct kmem_cache *s)
{
	return freeptr_outside_object(s) ? s->inuse + (unsigned int)sizeof(void *) : s->inuse;
}

/* slub_debug_orig_size() of a live cache: kmalloc caches that store users keep the size. */
static inline bool cache_debug_orig_size(const struct kmem_cache *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

/* The object's share of its stride, not counting the left red zone before it. */
static inline unsigned int size_from_object(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RED_ZONE) ? s->size - s->red_left_pad : s->size;
}

static unsigned long *orig_size_slot(const struct kmem_cache *s, void *object)
{
	return (unsigned long *)((char *)object + get_info_end(s) + 2 * sizeof(struct track));
}

static void set_orig_size(struct kmem_cache *s, void *object, unsigned long orig_size)
{
	if (cache_debug_orig_size(s))
		*orig_size_slot(s, object) = orig_size;
}

static unsigned long get_orig_size(struct kmem_cache *s, void *object)
{
	return cache_debug_orig_size(s) ? *orig_size_slot(s, object) : s->object_size;
}

/* __GFP_ZERO clears what was asked for: on a kmalloc debug cache the rest is red zone. */
static size_t slab_zero_size(const struct kmem_cache *s, size_t orig_size)
{
	return cache_debug_orig_size(s) ? orig_size : s->object_size;
}

/*
 * init_on_free, as slab_free_hook() clears an object: the bytes asked for and the
 * metadata after the object (tracks, orig_size, padding), but neither red zone, nor a
 * kmalloc object's red zone past its request; orig_size is put back, or that red zone
 * would read as overwritten. The free's own checks run after this.
 */
static void slub_init_on_free(struct kmem_cache *s, void *object)
{
	unsigned long orig_size = get_orig_size(s, object);
	unsigned int inuse = get_info_end(s);
	unsigned int rsize = (s->flags & SLAB_RED_ZONE) ? s->red_left_pad : 0;

	memset(object, 0, orig_size);
	memset((char *)object + inuse, 0, s->size - inuse - rsize);
	set_orig_size(s, object, orig_size);
}

static struct track *get_track(struct kmem_cache *s, void *object, enum track_item alloc)
{
	return (struct track *)((char *)object + get_info_end(s)) + alloc;
}

static noinline depot_stack_handle_t set_track_prepare(void)
{
	unsigned long entries[TRACK_ADDRS_COUNT];
	unsigned int nr = stack_trace_save(entries, TRACK_ADDRS_COUNT, TRACK_SKIP_FRAMES);

	return stack_depot_save(entries, nr, GFP_NOWAIT);
}

static void set_track_update(struct kmem_cache *s, void *object, enum track_item alloc,
			     unsigned long addr, depot_stack_handle_t handle)
{
	struct track *p = get_track(s, object, alloc);

	p->handle = handle;
	p->addr = addr;
	p->cpu = (int)smp_processor_id();
	p->pid = port_task_id();
	p->when = slub_jiffies();
}

static void set_track(struct kmem_cache *s, void *object, enum track_item alloc, unsigned long addr)
{
	set_track_update(s, object, alloc, addr, set_track_prepare());
}

static void init_tracking(struct kmem_cache *s, void *object)
{
	if (s->flags & SLAB_STORE_USER)
		memset(get_track(s, object, TRACK_ALLOC), 0, 2 * sizeof(struct track));
}

static void print_track(const char *what, const struct track *t, unsigned long pr_time)
{
	char sym[256];

	if (!t->addr)
		return;
	port_symbolize((void *)t->addr, sym, sizeof(sym));
	pr_err("%s in %s age=%lu cpu=%u pid=%d\n", what, sym, pr_time - t->when,
	       (unsigned int)t->cpu, t->pid);
	if (t->handle)
		stack_depot_print(t->handle);
	else
		pr_err("object allocation/free stack trace missing\n");
}

static void print_tracking(struct kmem_cache *s, void *object)
{
	unsigned long pr_time = slub_jiffies();

	if (!(s->flags & SLAB_STORE_USER))
		return;
	print_track("Allocated", get_track(s, object, TRACK_ALLOC), pr_time);
	print_track("Freed", get_track(s, object, TRACK_FREE), pr_time);
}

/* The object, what surrounds it and its metadata, as hex dumps. */
static void print_trailer(struct kmem_cache *s, struct slab *slab, u8 *p)
{
	u8 *addr = slab_address(slab);
	unsigned int off;

	print_tracking(s, p);
	print_slab_info(slab);
	pr_err("Object 0x%016lx @offset=%lu fp=0x%016lx\n\n", (unsigned long)p,
	       (unsigned long)(p - addr), (unsigned long)get_freepointer(s, p));
	if (s->flags & SLAB_RED_ZONE)
		print_section(KERN_ERR, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	else if (p > addr + 16)
		print_section(KERN_ERR, "Bytes b4 ", p - 16, 16);
	print_section(KERN_ERR, "Object   ", p, min(s->object_size, (unsigned int)PAGE_SIZE));
	if (s->flags & SLAB_RED_ZONE)
		print_section(KERN_ERR, "Redzone  ", p + s->object_size, s->inuse - s->object_size);

	off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * (unsigned int)sizeof(struct track);
	if (cache_debug_orig_size(s))
		off += (unsigned int)sizeof(unsigned long);
	if (off != size_from_object(s))
		/* the filler begins with the free pointer */
		print_section(KERN_ERR, "Padding  ", p + off, size_from_object(s) - off);
}

static void object_err(struct kmem_cache *s, struct slab *slab, void *object, const char *reason)
{
	slab_bug(s, "%s", reason);
	if (!object || !check_valid_pointer(s, slab, slab->objects, object)) {
		print_slab_info(slab);
		pr_err("Invalid pointer 0x%016lx\n", (unsigned long)object);
	} else {
		print_trailer(s, slab, object);
	}
	add_taint(TAINT_BAD_PAGE);
	WARN_ON(1);
}

/* Red zones with @val, the object poisoned where the cache asks for it. */
static void init_object(struct kmem_cache *s, void *object, u8 val)
{
	u8 *p = object;
	unsigned int poison_size = s->object_size;

	if (s->flags & SLAB_RED_ZONE) {
		memset(p - s->red_left_pad, val, s->red_left_pad);
		/* the bytes kmalloc gave beyond the request are red zone too */
		if (cache_debug_orig_size(s) && val == SLUB_RED_ACTIVE)
			poison_size = (unsigned int)get_orig_size(s, object);
	}
	if (s->flags & __OBJECT_POISON) {
		memset(p, POISON_FREE, poison_size - 1);
		p[poison_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + poison_size, val, s->inuse - poison_size);
}

/* The first byte of [start, start + bytes) that is not @c, or NULL (lib/string.c). */
static u8 *memchr_inv(u8 *start, int c, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		if (start[i] != (u8)c)
			return start + i;
	return NULL;
}

static void restore_bytes(struct kmem_cache *s, const char *message, u8 data, u8 *from, u8 *to)
{
	slab_fix(s, "Restoring %s 0x%016lx-0x%016lx=0x%x", message, (unsigned long)from,
		 (unsigned long)(to - 1), data);
	memset(from, data, (size_t)(to - from));
}

/*
 * Are the @bytes at @start all @value? If not: the damaged range, the object report
 * (once per check_object(), @slab_obj_print), and the bytes restored.
 */
static int check_bytes_and_report(struct kmem_cache *s, struct slab *slab, u8 *object,
				  const char *what, u8 *start, unsigned int value,
				  unsigned int bytes, bool slab_obj_print)
{
	u8 *addr = slab_address(slab), *fault, *end;

	fault = memchr_inv(start, (int)value, bytes);
	if (!fault)
		return 1;
	end = start + bytes;
	while (end > fault && end[-1] == value)
		end--;
	pr_err("[%s overwritten] 0x%016lx-0x%016lx @offset=%lu. First byte 0x%x instead of 0x%x\n",
	       what, (unsigned long)fault, (unsigned long)(end - 1), (unsigned long)(fault - addr),
	       fault[0], value);
	if (slab_obj_print)
		object_err(s, slab, object, "Object corrupt");
	restore_bytes(s, what, (u8)value, fault, end);
	return 0;
}

/* The object's padding after its metadata (SLAB_POISON: POISON_INUSE). */
static int check_pad_bytes(struct kmem_cache *s, struct slab *slab, u8 *p)
{
	unsigned long off = get_info_end(s);

	if (s->flags & SLAB_STORE_USER) {
		off += 2 * sizeof(struct track);
		if (s->flags & SLAB_KMALLOC)
			off += sizeof(unsigned long);
	}
	if (size_from_object(s) == off)
		return 1;
	return check_bytes_and_report(s, slab, p, "Object padding", p + off, POISON_INUSE,
				      size_from_object(s) - (unsigned int)off, true);
}

/* The slab's tail after its last object (SLAB_POISON: POISON_INUSE). */
static void slab_pad_check(struct kmem_cache *s, struct slab *slab)
{
	u8 *start, *end, *pad, *fault;
	size_t length, remainder;

	if (!(s->flags & SLAB_POISON))
		return;
	start = slab_address(slab);
	length = slab_size(slab);
	end = start + length;
	remainder = length % s->size;
	if (!remainder)
		return;
	pad = end - remainder;
	fault = memchr_inv(pad, POISON_INUSE, remainder);
	if (!fault)
		return;
	while (end > fault && end[-1] == POISON_INUSE)
		end--;
	slab_bug(s, "Padding overwritten. 0x%016lx-0x%016lx @offset=%lu", (unsigned long)fault,
		 (unsigned long)(end - 1), (unsigned long)(fault - start));
	print_section(KERN_ERR, "Padding ", pad, (unsigned int)remainder);
	__slab_err(slab);
	restore_bytes(s, "slab padding", POISON_INUSE, fault, end);
}

/*
 * Everything that can be checked of one object, allocated (@val SLUB_RED_ACTIVE) or free
 * (SLUB_RED_INACTIVE): red zones, poison, padding, the free pointer. Each damage is
 * reported and repaired; returns 1 if there was none.
 */
static int check_object(struct kmem_cache *s, struct slab *slab, void *object, u8 val)
{
	u8 *p = object, *endobject = p + s->object_size;
	int ret = 1;

	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(s, slab, p, "Left Redzone", p - s->red_left_pad, val,
					    s->red_left_pad, ret))
			ret = 0;
		if (!check_bytes_and_report(s, slab, p, "Right Redzone", endobject, val,
					    s->inuse - s->object_size, ret))
			ret = 0;
		if (cache_debug_orig_size(s) && val == SLUB_RED_ACTIVE) {
			unsigned long orig_size = get_orig_size(s, object);

			if (s->object_size > orig_size &&
			    !check_bytes_and_report(s, slab, p, "kmalloc Redzone", p + orig_size,
						    val, s->object_size - (unsigned int)orig_size,
						    ret))
				ret = 0;
		}
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes_and_report(s, slab, p, "Alignment padding", endobject,
					    POISON_INUSE, s->inuse - s->object_size, ret))
			ret = 0;
	}

	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && (s->flags & __OBJECT_POISON)) {
			if (!check_bytes_and_report(s, slab, p, "Poison", p, POISON_FREE,
						    s->object_size - 1, ret))
				ret = 0;
			if (!check_bytes_and_report(s, slab, p, "End Poison",
						    p + s->object_size - 1, POISON_END, 1, ret))
				ret = 0;
		}
		/* check_pad_bytes() repairs what it finds */
		if (!check_pad_bytes(s, slab, p))
			ret = 0;
	}

	/* An allocated object's free pointer inside it is the owner's data. */
	if ((freeptr_outside_object(s) || val != SLUB_RED_ACTIVE) &&
	    !check_valid_pointer(s, slab, slab->objects, get_freepointer(s, p))) {
		object_err(s, slab, p, "Freepointer corrupt");
		/* the rest of the slab's free objects are lost: better than following it */
		set_freepointer(s, p, NULL);
		ret = 0;
	}
	return ret;
}

/* The slab's counters and padding; 0 if it must not be touched. */
static int check_slab(struct kmem_cache *s, struct slab *slab)
{
	unsigned int maxobj = order_objects(slab_page_order(slab), s->size);

	if (slab->objects > maxobj) {
		slab_err(s, slab, "objects %u > max %u", slab->objects, maxobj);
		return 0;
	}
	if (slab->inuse > slab->objects) {
		slab_err(s, slab, "inuse %u > max %u", slab->inuse, slab->objects);
		return 0;
	}
	/* a debug cache freezes a slab only when a check failed (alloc_debug_processing) */
	if (slab_no_cpu_cache(s) && slab->frozen) {
		slab_err(s, slab, "Slab disabled since SLUB metadata consistency check failed");
		return 0;
	}
	slab_pad_check(s, slab);
	return 1;
}

/*
 * Is @search on the slab's freelist? The walk checks every pointer, cuts the list where
 * it goes wrong or loops, and sets the counters right (list_lock, or slab_lock, held).
 * With @search NULL: true once the freelist is sound.
 */
static bool on_freelist(struct kmem_cache *s, struct slab *slab, void *search)
{
	unsigned int nr = 0, max_objects;
	void *fp = slab->freelist, *object = NULL;

	while (fp && nr <= slab->objects) {
		if (fp == search)
			return true;
		if (!check_valid_pointer(s, slab, slab->objects, fp)) {
			if (object) {
				object_err(s, slab, object, "Freechain corrupt");
				set_freepointer(s, object, NULL);
				break;
			}
			slab_err(s, slab, "Freepointer corrupt");
			slab->freelist = NULL;
			slab->inuse = slab->objects;
			slab_fix(s, "Freelist cleared");
			return false;
		}
		object = fp;
		fp = get_freepointer(s, object);
		nr++;
	}
	if (nr > slab->objects) {
		slab_err(s, slab, "Freelist cycle detected");
		slab->freelist = NULL;
		slab->inuse = slab->objects;
		slab_fix(s, "Freelist cleared");
		return false;
	}
	max_objects =
		min(order_objects(slab_page_order(slab), s->size), (unsigned int)MAX_OBJS_PER_PAGE);
	if (slab->objects != max_objects) {
		slab_err(s, slab, "Wrong number of objects. Found %u but should be %u",
			 slab->objects, max_objects);
		slab->objects = max_objects;
		slab_fix(s, "Number of objects adjusted");
	}
	if (slab->inuse != slab->objects - nr) {
		slab_err(s, slab, "Wrong object count. Counter is %u but counted were %u",
			 slab->inuse, slab->objects - nr);
		slab->inuse = slab->objects - nr;
		slab_fix(s, "Object count adjusted");
	}
	return search == NULL;
}

/* SLAB_TRACE: every allocation and free of the cache, with its stack. */
static void trace(struct kmem_cache *s, struct slab *slab, void *object, int alloc)
{
	if (!(s->flags & SLAB_TRACE))
		return;
	pr_info("TRACE %s %s 0x%016lx inuse=%u fp=0x%016lx\n", s->name, alloc ? "alloc" : "free",
		(unsigned long)object, slab->inuse, (unsigned long)slab->freelist);
	if (!alloc)
		print_section(KERN_INFO, "Object ", object, s->object_size);
	dump_stack();
}

static void setup_object_debug(struct kmem_cache *s, void *object)
{
	if (!(s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE | __OBJECT_POISON)))
		return;
	init_object(s, object, SLUB_RED_INACTIVE);
	init_tracking(s, object);
}

static void setup_slab_debug(struct kmem_cache *s, struct slab *slab, void *addr)
{
	if (s->flags & SLAB_POISON)
		memset(addr, POISON_INUSE, slab_size(slab));
}

static int alloc_consistency_checks(struct kmem_cache *s, struct slab *slab, void *object)
{
	if (!check_slab(s, slab))
		return 0;
	if (!check_valid_pointer(s, slab, slab->objects, object)) {
		object_err(s, slab, object, "Freelist Pointer check fails");
		return 0;
	}
	return check_object(s, slab, object, SLUB_RED_INACTIVE);
}

static noinline bool alloc_debug_processing(struct kmem_cache *s, struct slab *slab, void *object,
					    unsigned long orig_size)
{
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !alloc_consistency_checks(s, slab, object))
		goto bad;
	trace(s, slab, object, 1);
	set_orig_size(s, object, orig_size);
	init_object(s, object, SLUB_RED_ACTIVE);
	return true;

bad:
	/* Touch none of the slab's other objects again: all of them count as used. */
	slab_fix(s, "Marking all objects used");
	slab_lock(slab);
	slab->inuse = slab->objects;
	slab->freelist = NULL;
	slab->frozen = 1; /* check_slab() refuses it from now on */
	slab_unlock(slab);
	return false;
}

static int free_consistency_checks(struct kmem_cache *s, struct slab *slab, void *object,
				   unsigned long addr)
{
	if (!check_valid_pointer(s, slab, slab->objects, object)) {
		slab_err(s, slab, "Invalid object pointer 0x%016lx", (unsigned long)object);
		return 0;
	}
	if (on_freelist(s, slab, object)) {
		object_err(s, slab, object, "Object already free");
		return 0;
	}
	if (!check_object(s, slab, object, SLUB_RED_ACTIVE))
		return 0;
	if (unlikely(s != slab->slab_cache)) {
		if (!slab->slab_cache)
			slab_err(NULL, slab, "No slab cache for object 0x%016lx",
				 (unsigned long)object);
		else
			object_err(s, slab, object, "page slab pointer corrupt.");
		return 0;
	}
	return 1;
}

/* list_lock held */
static noinline bool free_debug_processing(struct kmem_cache *s, struct slab *slab, void *head,
					   void *tail, int *bulk_cnt, unsigned long addr,
					   depot_stack_handle_t handle)
{
	bool checks_ok = false;
	void *object = head;
	int cnt = 0;

	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_slab(s, slab))
		goto out;
	if (slab->inuse < (unsigned int)*bulk_cnt) {
		slab_err(s, slab, "Slab has %u allocated objects but %d are to be freed",
			 slab->inuse, *bulk_cnt);
		goto out;
	}
next_object:
	if (++cnt > *bulk_cnt)
		goto out_cnt;
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !free_consistency_checks(s, slab, object, addr))
		goto out;
	if (s->flags & SLAB_STORE_USER)
		set_track_update(s, object, TRACK_FREE, addr, handle);
	trace(s, slab, object, 0);
	/* the free pointer survives: poisoning moved it out of the object */
	init_object(s, object, SLUB_RED_INACTIVE);
	if (object != tail) {
		object = get_freepointer(s, object);
		goto next_object;
	}
	checks_ok = true;

out_cnt:
	if (cnt != *bulk_cnt) {
		slab_err(s, slab, "Bulk free expected %d objects but found %d", *bulk_cnt, cnt);
		*bulk_cnt = cnt;
	}
out:
	if (!checks_ok)
		slab_fix(s, "Object at 0x%016lx not freed", (unsigned long)object);
	return checks_ok;
}

static void free_slab_debug_checks(struct kmem_cache *s, struct slab *slab)
{
	void *p;

	slab_pad_check(s, slab);
	for_each_object(p, s, slab_address(slab), slab->objects)
		check_object(s, slab, p, SLUB_RED_INACTIVE);
}

/* ---- node lists and counters ---------------------------------------------------------- */

static inline unsigned long node_nr_partial(const struct kmem_cache_node *n)
{
	return READ_ONCE(n->nr_partial);
}

static inline unsigned long node_nr_slabs(struct kmem_cache_node *n)
{
	return (unsigned long)atomic_load_explicit(&n->nr_slabs, memory_order_relaxed);
}

static inline unsigned long node_nr_objs(struct kmem_cache_node *n)
{
	return (unsigned long)atomic_load_explicit(&n->total_objects, memory_order_relaxed);
}

static void inc_slabs_node(struct kmem_cache *s, int node, int objects)
{
	struct kmem_cache_node *n = get_node(s, node);

	atomic_fetch_add_explicit(&n->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n->total_objects, objects, memory_order_relaxed);
}

static void dec_slabs_node(struct kmem_cache *s, int node, int objects)
{
	struct kmem_cache_node *n = get_node(s, node);

	atomic_fetch_sub_explicit(&n->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n->total_objects, objects, memory_order_relaxed);
}

/* list_lock held; nr_partial is also read without it, so it is stored atomically */
static void __add_partial(struct kmem_cache_node *n, struct slab *slab, int tail)
{
	WRITE_ONCE(n->nr_partial, n->nr_partial + 1);
	if (tail == DEACTIVATE_TO_TAIL)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
	slab_set_node_partial(slab);
}

static inline void add_partial(struct kmem_cache_node *n, struct slab *slab, int tail)
{
	__add_partial(n, slab, tail);
}

static inline void remove_partial(struct kmem_cache_node *n, struct slab *slab)
{
	list_del(&slab->slab_list);
	slab_clear_node_partial(slab);
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
}

/* Full slabs are tracked only where validation needs them (SLAB_STORE_USER). */
static void add_full(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab)
{
	if (s->flags & SLAB_STORE_USER)
		list_add(&slab->slab_list, &n->full);
}

static void remove_full(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab)
{
	if (s->flags & SLAB_STORE_USER)
		list_del(&slab->slab_list);
}

/* ---- per-thread state: relaxed atomics where other threads read it racily ------------- */

static inline struct slab *cpu_slab_read(const struct kmem_cache_cpu *c)
{
	return READ_ONCE(c->slab);
}

static inline void cpu_slab_write(struct kmem_cache_cpu *c, struct slab *slab)
{
	WRITE_ONCE(c->slab, slab);
}

static inline struct slab *cpu_partial_read(const struct kmem_cache_cpu *c)
{
	return READ_ONCE(c->partial);
}

static inline void cpu_partial_write(struct kmem_cache_cpu *c, struct slab *slab)
{
	WRITE_ONCE(c->partial, slab);
}

static inline int slab_slabs_read(const struct slab *slab)
{
	return READ_ONCE(slab->slabs);
}

/* ---- new slabs ---------------------------------------------------------------------- */

/* Per-slab randomness (the start of the shuffled sequence): splitmix64, seeded once. */
static _Atomic uint64_t slab_random_state;
#define SPLITMIX64_GAMMA 0x9e3779b97f4a7c15ULL

static uint64_t splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number below @ceil from 64 random bits (the high half, scaled: no division). */
static uint32_t random_below(uint64_t r, uint32_t ceil)
{
	return (uint32_t)(((r >> 32) * (uint64_t)ceil) >> 32);
}

static uint32_t get_random_u32_below(uint32_t ceil)
{
	return random_below(splitmix64_mix(atomic_fetch_add_explicit(
				    &slab_random_state, SPLITMIX64_GAMMA, memory_order_relaxed)),
			    ceil);
}

/* slab_state >= UP: the kmalloc caches exist (slub_init_late()). */
static bool slab_up;

/*
 * CONFIG_SLAB_FREELIST_RANDOM: a Fisher-Yates shuffle of the object indices, stored as
 * byte offsets (init_cache_random_seq). Each new slab starts at a random point of it.
 * The sequence is kmalloc'd (cache_random_seq_create()), so the caches made before the
 * kmalloc caches get theirs once those exist, and their first slabs are not shuffled,
 * as in the kernel.
 */
static int init_cache_random_seq(struct kmem_cache *s)
{
	unsigned int count = oo_objects(s->oo), i;
	unsigned int *list;
	uint64_t seed;

	if (s->random_seq || count < 2 || !slab_up)
		return 0;
	list = kcalloc(count, sizeof(unsigned int), GFP_KERNEL);
	if (!list) {
		pr_err("SLUB: Unable to initialize free list for %s\n", s->name);
		return -ENOMEM;
	}
	/*
	 * The "inside-out" form of the shuffle, writing the offsets as it goes, on a stream
	 * of its own seeded from the shared one: one pass and no atomic per object (this
	 * ran for every cache at start-up, a quarter of the shim's start-up instructions).
	 */
	seed = splitmix64_mix(atomic_fetch_add_explicit(&slab_random_state, SPLITMIX64_GAMMA,
							memory_order_relaxed));
	for (i = 0; i < count; i++) {
		unsigned int j = random_below(splitmix64_mix(seed += SPLITMIX64_GAMMA), i + 1);

		list[i] = list[j];
		list[j] = i * s->size;
	}
	s->random_seq = list;
	return 0;
}

static void free_cache_random_seq(struct kmem_cache *s)
{
	kfree(s->random_seq);
	s->random_seq = NULL;
}

/* A slab of the fallback order holds fewer objects: skip offsets beyond it. */
static void *next_freelist_entry(struct kmem_cache *s, unsigned long *pos, void *start,
				 unsigned long page_limit, unsigned long freelist_count)
{
	unsigned int idx;

	do {
		idx = s->random_seq[*pos];
		*pos += 1;
		if (*pos >= freelist_count)
			*pos = 0;
	} while (unlikely(idx >= page_limit));
	return (char *)start + idx;
}

/*
 * A new object: debug patterns, then the constructor - once in the object's life. Inline:
 * a new slab calls it for every object, and most caches have neither.
 */
static __always_inline void *setup_object(struct kmem_cache *s, void *object)
{
	if (unlikely(kmem_cache_debug(s)))
		setup_object_debug(s, object);
	if (unlikely(s->ctor))
		s->ctor(object);
	return object;
}

static bool shuffle_freelist(struct kmem_cache *s, struct slab *slab)
{
	unsigned long idx, pos, page_limit, freelist_count;
	void *start, *cur, *next;

	if (slab->objects < 2 || !s->random_seq)
		return false;
	freelist_count = oo_objects(s->oo);
	pos = get_random_u32_below((uint32_t)freelist_count);
	page_limit = (unsigned long)slab->objects * s->size;
	start = fixup_red_left(s, slab_address(slab));

	cur = setup_object(s, next_freelist_entry(s, &pos, start, page_limit, freelist_count));
	slab->freelist = cur;
	for (idx = 1; idx < slab->objects; idx++) {
		next = next_freelist_entry(s, &pos, start, page_limit, freelist_count);
		next = setup_object(s, next);
		set_freepointer(s, cur, next);
		cur = next;
	}
	set_freepointer(s, cur, NULL);
	return true;
}

static void build_linear_freelist(struct kmem_cache *s, struct slab *slab)
{
	void *p = setup_object(s, fixup_red_left(s, slab_address(slab))), *next;
	unsigned int idx;

	slab->freelist = p;
	for (idx = 0; idx + 1 < slab->objects; idx++) {
		next = setup_object(s, (char *)p + s->size);
		set_freepointer(s, p, next);
		p = next;
	}
	set_freepointer(s, p, NULL);
}

static struct slab *alloc_slab_page(gfp_t flags, int node, struct kmem_cache_order_objects oo)
{
	unsigned int order = oo_order(oo);
	struct page *page;

	if (node == NUMA_NO_NODE)
		page = alloc_pages(flags, order);
	else
		page = alloc_pages_node(node, flags, order);
	return page ? page_slab(page) : NULL;
}

static struct slab *allocate_slab(struct kmem_cache *s, gfp_t flags, int node)
{
	struct kmem_cache_order_objects oo = s->oo;
	struct slab *slab;
	gfp_t alloc_gfp;

	flags |= s->allocflags;
	/* Let the preferred order fail under pressure: the minimum order may still succeed. */
	alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	if ((alloc_gfp & __GFP_DIRECT_RECLAIM) && oo_order(oo) > oo_order(s->min))
		alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;

	slab = alloc_slab_page(alloc_gfp, node, oo);
	if (unlikely(!slab)) {
		oo = s->min;
		slab = alloc_slab_page(flags, node, oo);
		if (unlikely(!slab))
			return NULL;
	}

	slab_set_page_type(slab, s);
	slab->slab_cache = s;
	slab->objects = oo_objects(oo);
	slab->inuse = 0;
	slab->frozen = 0;
	slab_account(s, slab, 1);

	setup_slab_debug(s, slab, slab_address(slab));
	if (!shuffle_freelist(s, slab))
		build_linear_freelist(s, slab);
	return slab;
}

static struct slab *new_slab(struct kmem_cache *s, gfp_t flags, int node)
{
	WARN_ON_ONCE(s->ctor && (flags & __GFP_ZERO));
	return allocate_slab(s, flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK), node);
}

static void __free_slab(struct kmem_cache *s, struct slab *slab)
{
	unsigned int order = slab_page_order(slab);

	slab_account(s, slab, -1);
	slab_clear_node_partial(slab);
	slab_clear_page_type(slab);
	__free_pages(slab_page(slab), order);
}

static void rcu_free_slab(struct rcu_head *h)
{
	struct slab *slab = container_of(h, struct slab, rcu_head);

	__free_slab(slab->slab_cache, slab);
}

/*
 * The slab is off every list and nobody holds an object of it. A SLAB_TYPESAFE_BY_RCU
 * slab stays a slab of @s until the readers that may still look at its objects are gone.
 */
static void free_slab(struct kmem_cache *s, struct slab *slab)
{
	/* before the grace period: the rcu_head shares the words the checks read */
	if (s->flags & SLAB_CONSISTENCY_CHECKS)
		free_slab_debug_checks(s, slab);
	if (unlikely(s->flags & SLAB_TYPESAFE_BY_RCU))
		call_rcu(&slab->rcu_head, rcu_free_slab);
	else
		__free_slab(s, slab);
}

static void discard_slab(struct kmem_cache *s, struct slab *slab)
{
	dec_slabs_node(s, slab_nid(slab), slab->objects);
	free_slab(s, slab);
}

/* ---- freezing and unfreezing: a thread's cpu slab and cpu partial list ----------------- */

/* Take a node-partial slab (already off the list) as the cpu slab: all its free objects. */
static void *freeze_slab(struct kmem_cache *s, struct slab *slab)
{
	void *freelist;

	slab_lock(slab);
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = 1;
	slab_unlock(slab);
	return freelist;
}

/*
 * Take the remote frees of the cpu slab (or of a cpu partial slab becoming the cpu slab).
 * A cpu slab left with nothing free is unfrozen: it is full, on no list, and its next free
 * puts it on the freeing thread's partial list.
 */
static void *get_freelist(struct kmem_cache *s, struct slab *slab)
{
	void *freelist;

	slab_lock(slab);
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = freelist != NULL;
	slab_unlock(slab);
	return freelist;
}

/*
 * Put a list of cpu partial slabs (not frozen) back on their nodes' partial lists, or
 * free the empty ones the nodes have enough of.
 */
static void __put_partials(struct kmem_cache *s, struct slab *partial_slab)
{
	struct kmem_cache_node *n = NULL, *n2;
	struct slab *slab, *slab_to_discard = NULL;

	while (partial_slab) {
		unsigned int inuse;

		slab = partial_slab;
		partial_slab = slab->next;

		n2 = get_node(s, slab_nid(slab));
		if (n != n2) {
			if (n)
				spin_unlock(&n->list_lock);
			n = n2;
			spin_lock(&n->list_lock);
		}
		slab_lock(slab);
		inuse = slab->inuse;
		slab_unlock(slab);
		if (unlikely(!inuse && n->nr_partial >= s->min_partial)) {
			slab->next = slab_to_discard;
			slab_to_discard = slab;
		} else {
			add_partial(n, slab, DEACTIVATE_TO_TAIL);
		}
	}
	if (n)
		spin_unlock(&n->list_lock);

	while (slab_to_discard) {
		slab = slab_to_discard;
		slab_to_discard = slab_to_discard->next;
		discard_slab(s, slab);
	}
}

/* Give back the calling (or exited) thread's cpu partial slabs. */
static void put_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab *partial_slab = c->partial;

	cpu_partial_write(c, NULL);
	if (partial_slab)
		__put_partials(s, partial_slab);
}

/*
 * A slab that got its first free object since it was full goes to the freeing thread's
 * partial list. @drain: if the list already holds cpu_partial_slabs, move it to the
 * node first. slab->slabs counts the slabs from this one to the end of the list.
 */
static void put_cpu_partial(struct kmem_cache *s, struct kmem_cache_cpu *c, struct slab *slab,
			    int drain)
{
	struct slab *oldslab = c->partial, *slab_to_put = NULL;
	int slabs = 0;

	if (oldslab) {
		if (drain && oldslab->slabs >= (int)s->cpu_partial_slabs) {
			slab_to_put = oldslab;
			oldslab = NULL;
		} else {
			slabs = oldslab->slabs;
		}
	}
	slabs++;
	WRITE_ONCE(slab->slabs, slabs);
	slab->next = oldslab;
	cpu_partial_write(c, slab);

	if (slab_to_put)
		__put_partials(s, slab_to_put);
}

/*
 * The cpu slab is given up: splice the thread's lockless freelist back into the slab,
 * unfreeze it, and put it on the node partial list, free it if it is empty and the node
 * has min_partial slabs already, or leave it off-list if it is full.
 */
static void deactivate_slab(struct kmem_cache *s, struct slab *slab, void *freelist)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	void *freelist_tail = NULL, *iter;
	int tail = DEACTIVATE_TO_HEAD, free_delta = 0;
	unsigned int inuse;
	bool has_free;

	/* Stage one: count the thread's free objects and find the last one. */
	for (iter = freelist; iter; iter = get_freepointer(s, iter)) {
		freelist_tail = iter;
		free_delta++;
	}

	/* Stage two: unfreeze, with the thread's free objects in front. */
	slab_lock(slab);
	if (slab->freelist)
		tail = DEACTIVATE_TO_TAIL; /* remote frees: the slab is cache-cold */
	if (freelist_tail) {
		set_freepointer(s, freelist_tail, slab->freelist);
		slab->freelist = freelist;
		slab->inuse -= free_delta;
	}
	slab->frozen = 0;
	inuse = slab->inuse;
	has_free = slab->freelist != NULL;
	slab_unlock(slab);

	/* Stage three: the list the slab now belongs on. */
	if (!inuse && node_nr_partial(n) >= s->min_partial) {
		discard_slab(s, slab);
	} else if (has_free) {
		spin_lock(&n->list_lock);
		add_partial(n, slab, tail);
		spin_unlock(&n->list_lock);
	}
}

/* Empty a thread's kmem_cache_cpu of @s: the cpu slab and the cpu partial list. */
static void flush_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab *slab = c->slab;
	void *freelist = c->freelist;

	cpu_slab_write(c, NULL);
	c->freelist = NULL;
	if (slab)
		deactivate_slab(s, slab, freelist);
	put_partials(s, c);
}

/* ---- allocation ------------------------------------------------------------------------- */

struct partial_context {
	gfp_t flags;
	unsigned int orig_size;
	void *object; /* debug caches: the object allocated under list_lock */
};

/* Debug caches: one object from a node-partial slab, list_lock held. */
static void *alloc_single_from_partial(struct kmem_cache *s, struct kmem_cache_node *n,
				       struct slab *slab, unsigned int orig_size)
{
	void *object;
	bool full;

	slab_lock(slab);
	object = slab->freelist;
	slab->freelist = get_freepointer(s, object);
	slab->inuse++;
	full = slab->inuse == slab->objects;
	slab_unlock(slab);

	if (!alloc_debug_processing(s, slab, object, orig_size)) {
		remove_partial(n, slab);
		return NULL;
	}
	if (full) {
		remove_partial(n, slab);
		add_full(s, n, slab);
	}
	return object;
}

/* Debug caches: the first object of a new slab, which then joins the node's lists. */
static void *alloc_single_from_new_slab(struct kmem_cache *s, struct slab *slab,
					unsigned int orig_size)
{
	int nid = slab_nid(slab);
	struct kmem_cache_node *n = get_node(s, nid);
	void *object;

	object = slab->freelist;
	slab->freelist = get_freepointer(s, object);
	slab->inuse = 1;
	if (!alloc_debug_processing(s, slab, object, orig_size))
		return NULL; /* the slab is leaked, as the kernel does: it is corrupted */

	spin_lock(&n->list_lock);
	if (slab->inuse == slab->objects)
		add_full(s, n, slab);
	else
		add_partial(n, slab, DEACTIVATE_TO_HEAD);
	inc_slabs_node(s, nid, slab->objects);
	spin_unlock(&n->list_lock);
	return object;
}

/*
 * Take partial slabs from node @n: the first becomes the cpu slab (returned, off the
 * list), and up to half of cpu_partial_slabs more go to the thread's partial list, so
 * that the next refills need no list_lock. Debug caches take one object instead.
 */
static struct slab *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n,
				     struct partial_context *pc, struct kmem_cache_cpu *c)
{
	struct slab *slab, *slab2, *partial = NULL;
	unsigned int partial_slabs = 0;

	/* Racy check: a wrong answer costs a new slab, or a look at an empty list. */
	if (!n || !node_nr_partial(n))
		return NULL;

	spin_lock(&n->list_lock);
	list_for_each_entry_safe(slab, slab2, &n->partial, slab_list) {
		if (slab_no_cpu_cache(s)) {
			void *object = alloc_single_from_partial(s, n, slab, pc->orig_size);

			if (object) {
				partial = slab;
				pc->object = object;
				break;
			}
			continue;
		}

		remove_partial(n, slab);
		if (!partial) {
			partial = slab;
			if (!kmem_cache_has_cpu_partial(s) || !s->cpu_partial)
				break;
		} else {
			put_cpu_partial(s, c, slab, 0);
			if (++partial_slabs > s->cpu_partial_slabs / 2)
				break;
		}
	}
	spin_unlock(&n->list_lock);
	return partial;
}

/*
 * Other nodes' partial slabs, where they have more than they keep, nearest node first:
 * the zonelist of the caller's node (get_any_partial). The kernel also skips this now
 * and then at random (remote_node_defrag_ratio); kmm always looks, so that tests see
 * the same answer every time.
 */
static struct slab *get_any_partial(struct kmem_cache *s, struct partial_context *pc,
				    struct kmem_cache_cpu *c, int skip)
{
	struct zonelist *zonelist = &NODE_DATA(numa_mem_id())->node_zonelists[ZONELIST_FALLBACK];
	enum zone_type highest_zoneidx = gfp_zone(pc->flags);

	for (struct zoneref *z = zonelist->_zonerefs; z->zone; z++) {
		int node = zone_to_nid(z->zone);
		struct kmem_cache_node *n = get_node(s, node);
		struct slab *slab;

		if (z->zone_idx > (int)highest_zoneidx || node == skip || !n ||
		    node_nr_partial(n) <= s->min_partial)
			continue;
		slab = get_partial_node(s, n, pc, c);
		if (slab)
			return slab;
	}
	return NULL;
}

static struct slab *get_partial(struct kmem_cache *s, int node, struct partial_context *pc,
				struct kmem_cache_cpu *c)
{
	int searchnode = node == NUMA_NO_NODE ? numa_mem_id() : node;
	struct slab *slab;

	slab = get_partial_node(s, get_node(s, searchnode), pc, c);
	if (slab || (node != NUMA_NO_NODE && (pc->flags & __GFP_THISNODE)))
		return slab;
	return get_any_partial(s, pc, c, searchnode);
}

static void slab_out_of_memory(struct kmem_cache *s, gfp_t gfpflags, int nid);

/* Debug caches and the kmem_cache_node cache: everything under list_lock. */
static void *alloc_single(struct kmem_cache *s, gfp_t gfpflags, int node, size_t orig_size)
{
	struct partial_context pc = { .flags = gfpflags, .orig_size = (unsigned int)orig_size };
	struct slab *slab;

	if (get_partial(s, node, &pc, NULL))
		return pc.object;
	slab = new_slab(s, gfpflags, node);
	if (unlikely(!slab)) {
		slab_out_of_memory(s, gfpflags, node);
		return NULL;
	}
	return alloc_single_from_new_slab(s, slab, (unsigned int)orig_size);
}

static inline bool node_match(const struct slab *slab, int node)
{
	return node == NUMA_NO_NODE || slab_nid(slab) == node;
}

/*
 * The slow path: the thread's freelist is empty (or on the wrong node). In order: the
 * remote frees of the cpu slab, the next cpu partial slab, the node's partial slabs, a
 * new slab.
 */
static noinline void *___slab_alloc(struct kmem_cache *s, gfp_t gfpflags, int node,
				    unsigned long addr, struct kmem_cache_cpu *c, size_t orig_size)
{
	struct partial_context pc;
	struct slab *slab;
	void *freelist;
	bool try_thisnode = true;

	if (slab_no_cpu_cache(s)) {
		freelist = alloc_single(s, gfpflags, node, orig_size);
		if (freelist && (s->flags & SLAB_STORE_USER))
			set_track(s, freelist, TRACK_ALLOC, addr);
		return freelist;
	}

	if (node != NUMA_NO_NODE && !node_online_for(s, node))
		node = NUMA_NO_NODE;
	slab = c->slab;
	if (!slab)
		goto new_slab;
	if (unlikely(!node_match(slab, node)))
		goto deactivate_slab;

	freelist = c->freelist;
	if (freelist)
		goto load_freelist;
	freelist = get_freelist(s, slab);
	if (!freelist) {
		cpu_slab_write(c, NULL);
		goto new_slab;
	}

load_freelist:
	c->freelist = get_freepointer(s, freelist);
	return freelist;

deactivate_slab:
	freelist = c->freelist;
	cpu_slab_write(c, NULL);
	c->freelist = NULL;
	deactivate_slab(s, slab, freelist);

new_slab:
	while ((slab = c->partial)) {
		cpu_partial_write(c, slab->next);
		if (likely(node_match(slab, node))) {
			cpu_slab_write(c, slab);
			freelist = get_freelist(s, slab);
			goto load_freelist; /* a cpu partial slab always has free objects */
		}
		slab->next = NULL;
		__put_partials(s, slab);
	}

new_objects:
	/*
	 * A node asked for without __GFP_THISNODE: first its partial slabs only, then a new
	 * slab there if one comes without waiting, and only then anything the other nodes
	 * have, as the kernel's try_thisnode.
	 */
	pc.flags = gfpflags;
	if (unlikely(node != NUMA_NO_NODE && !(gfpflags & __GFP_THISNODE) && try_thisnode))
		pc.flags = GFP_NOWAIT | __GFP_THISNODE;
	pc.orig_size = (unsigned int)orig_size;
	pc.object = NULL;
	slab = get_partial(s, node, &pc, c);
	if (slab) {
		freelist = freeze_slab(s, slab);
		goto retry_load_slab;
	}

	slab = new_slab(s, pc.flags, node);
	if (unlikely(!slab)) {
		if (node != NUMA_NO_NODE && !(gfpflags & __GFP_THISNODE) && try_thisnode) {
			try_thisnode = false;
			goto new_objects;
		}
		slab_out_of_memory(s, gfpflags, node);
		return NULL;
	}
	/* Nobody else knows the slab yet: no lock needed. */
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = 1;
	inc_slabs_node(s, slab_nid(slab), slab->objects);

retry_load_slab:
	/* Reclaim may have run this thread's frees and allocations meanwhile. */
	if (unlikely(c->slab)) {
		void *flush_freelist = c->freelist;
		struct slab *flush_slab = c->slab;

		cpu_slab_write(c, NULL);
		c->freelist = NULL;
		deactivate_slab(s, flush_slab, flush_freelist);
		goto retry_load_slab;
	}
	cpu_slab_write(c, slab);
	goto load_freelist;
}

static noinline void *slab_zero_object(const struct kmem_cache *s, void *object)
{
	memset(object, 0, s->object_size);
	return object;
}

/* Everything but the lockless case, out of line so that the fast path saves no registers. */
static noinline void *slab_alloc_slow(struct kmem_cache *s, gfp_t gfpflags, int node,
				      unsigned long addr, size_t orig_size)
{
	void *object = ___slab_alloc(s, gfpflags, node, addr, this_cpu_slab(s), orig_size);

	/* kzalloc on a kmalloc debug cache: the bytes past the request are its red zone */
	if (unlikely(gfpflags & __GFP_ZERO) && object)
		memset(object, 0, slab_zero_size(s, orig_size));
	return object;
}

/*
 * The fast path: the next object of the thread's freelist. A leaf that hands every
 * other case to slab_alloc_slow() as a tail call.
 */
static __always_inline void *slab_alloc_node(struct kmem_cache *s, gfp_t gfpflags, int node,
					     unsigned long addr, size_t orig_size)
{
	struct slab_thread_area *area = slab_thread_area_current;
	struct kmem_cache_cpu *c;
	void *object;

	if (unlikely(!area))
		return slab_alloc_slow(s, gfpflags, node, addr, orig_size);
	c = &area->cpu[s->cpu_index];
	object = c->freelist;
	if (unlikely(!object || (node != NUMA_NO_NODE && !node_match(c->slab, node))))
		return slab_alloc_slow(s, gfpflags, node, addr, orig_size);
	c->freelist = get_freepointer(s, object);
	if (unlikely(gfpflags & __GFP_ZERO))
		return slab_zero_object(s, object);
	return object;
}

static noinline void slab_out_of_memory(struct kmem_cache *s, gfp_t gfpflags, int nid)
{
	struct kmem_cache_node *n;
	char gfp[128];
	int node;

	if (gfpflags & __GFP_NOWARN)
		return;
	gfp_flags_snprint(gfp, sizeof(gfp), gfpflags);
	pr_warn("SLUB: Unable to allocate memory on CPU %u (of node %d) on node %d, gfp=%#x(%s)\n",
		smp_processor_id(), numa_mem_id(), nid, gfpflags, gfp);
	pr_warn("  cache: %s, object size: %u, buffer size: %u, default order: %u, min order: %u\n",
		s->name, s->object_size, s->size, oo_order(s->oo), oo_order(s->min));
	if (oo_order(s->min) > (unsigned int)get_order(s->object_size))
		pr_warn("  %s debugging increased min order, use slab_debug=O to disable.\n",
			s->name);
	for_each_kmem_cache_node(s, node, n) pr_warn("  node %d: slabs: %ld, objs: %ld\n", node,
						     (long)node_nr_slabs(n), (long)node_nr_objs(n));
}

/* ---- freeing ------------------------------------------------------------------------------ */

/* Debug caches and the kmem_cache_node cache: free under list_lock, lists kept exact. */
static noinline void free_to_partial_list(struct kmem_cache *s, struct slab *slab, void *head,
					  void *tail, int bulk_cnt, unsigned long addr)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	struct slab *slab_free = NULL;
	int cnt = bulk_cnt;
	bool double_free = false;
	depot_stack_handle_t handle = 0;

	/* the stack is saved before the lock: the depot has a lock of its own */
	if (s->flags & SLAB_STORE_USER)
		handle = set_track_prepare();
	spin_lock(&n->list_lock);
	if (free_debug_processing(s, slab, head, tail, &cnt, addr, handle)) {
		void *prior;
		unsigned int inuse;

		slab_lock(slab);
		prior = slab->freelist;
		double_free = naive_double_free(s, tail, prior);
		if (!double_free) {
			slab->inuse -= cnt;
			set_freepointer(s, tail, prior);
			slab->freelist = head;
		}
		inuse = slab->inuse;
		slab_unlock(slab);

		if (!double_free) {
			/* Empty with enough partial slabs on the node: free it, whichever list. */
			if (inuse == 0 && n->nr_partial >= s->min_partial)
				slab_free = slab;
			if (!prior) {
				remove_full(s, n, slab);
				if (!slab_free)
					add_partial(n, slab, DEACTIVATE_TO_TAIL);
			} else if (slab_free) {
				remove_partial(n, slab);
			}
		}
	}
	if (slab_free)
		dec_slabs_node(s, slab_nid(slab), slab->objects);
	spin_unlock(&n->list_lock);

	if (double_free)
		report_double_free(s, tail);
	if (slab_free)
		free_slab(s, slab);
}

/*
 * The slow path of freeing @cnt objects head..tail of @slab, which is not the calling
 * thread's cpu slab. Under slab_lock, with n->list_lock first where the slab may change
 * lists: a full slab gets its first free object (it goes to this thread's cpu partial
 * list, no list_lock needed), or a slab on the node partial list becomes empty.
 */
static void __slab_free(struct kmem_cache *s, struct slab *slab, void *head, void *tail, int cnt,
			unsigned long addr)
{
	struct kmem_cache_node *n = NULL;
	bool was_frozen, on_node_partial = false, needs_list;
	unsigned int inuse;
	void *prior;

	if (slab_no_cpu_cache(s)) {
		free_to_partial_list(s, slab, head, tail, cnt, addr);
		return;
	}

	for (;;) {
		slab_lock(slab);
		prior = slab->freelist;
		was_frozen = slab->frozen;
		inuse = slab->inuse - cnt;
		needs_list = (!inuse || !prior) && !was_frozen &&
			     (!kmem_cache_has_cpu_partial(s) || prior);
		if (!needs_list || n)
			break;
		/* list_lock comes before slab_lock: take it and look again */
		slab_unlock(slab);
		n = get_node(s, slab_nid(slab));
		spin_lock(&n->list_lock);
	}
	if (unlikely(naive_double_free(s, tail, prior))) {
		slab_unlock(slab);
		if (n)
			spin_unlock(&n->list_lock);
		report_double_free(s, tail);
		return;
	}
	set_freepointer(s, tail, prior);
	slab->freelist = head;
	slab->inuse = inuse;
	if (needs_list)
		on_node_partial = slab_test_node_partial(slab);
	slab_unlock(slab);

	if (!needs_list) {
		if (n)
			spin_unlock(&n->list_lock);
		/* A frozen slab is some thread's cpu slab: no list to change. */
		if (!was_frozen && kmem_cache_has_cpu_partial(s) && !prior)
			put_cpu_partial(s, this_cpu_slab(s), slab, 1);
		return;
	}

	/* Partially empty but on no node list (a cpu partial slab): leave it to its owner. */
	if (prior && !on_node_partial) {
		spin_unlock(&n->list_lock);
		return;
	}
	if (unlikely(!inuse && n->nr_partial >= s->min_partial))
		goto slab_empty;
	/* Without cpu partial lists a slab that was full goes to the node's list. */
	if (!kmem_cache_has_cpu_partial(s) && unlikely(!prior))
		add_partial(n, slab, DEACTIVATE_TO_TAIL);
	spin_unlock(&n->list_lock);
	return;

slab_empty:
	if (prior)
		remove_partial(n, slab);
	spin_unlock(&n->list_lock);
	discard_slab(s, slab);
}

/* Into the thread's own cpu slab, lock-free; or the slab's own freelist, locked. */
static noinline void do_slab_free(struct kmem_cache *s, struct slab *slab, void *head, void *tail,
				  int cnt, unsigned long addr)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);
	void *freelist = c->freelist;

	if (likely(slab == c->slab)) {
		if (unlikely(naive_double_free(s, tail, freelist))) {
			report_double_free(s, tail);
			return;
		}
		set_freepointer(s, tail, freelist);
		c->freelist = head;
	} else {
		__slab_free(s, slab, head, tail, cnt, addr);
	}
}

/*
 * The fast path of a single free: a leaf for the common case (the object's slab is the
 * thread's cpu slab, and the object is not the freelist's head, which would be the
 * naive double free); everything else is do_slab_free()'s, as a tail call.
 */
static __always_inline void slab_free_one(struct kmem_cache *s, struct slab *slab, void *object,
					  unsigned long addr)
{
	struct slab_thread_area *area = slab_thread_area_current;
	struct kmem_cache_cpu *c;
	void *freelist;

	if (unlikely(!area))
		return do_slab_free(s, slab, object, object, 1, addr);
	c = &area->cpu[s->cpu_index];
	freelist = c->freelist;
	if (unlikely(slab != c->slab || object == freelist))
		return do_slab_free(s, slab, object, object, 1, addr);
	set_freepointer(s, object, freelist);
	c->freelist = object;
}

/* ---- bulk ------------------------------------------------------------------------------- */

static void free_bulk_to_slabs(struct kmem_cache *s, size_t size, void **p);
static unsigned int refill_objects(struct kmem_cache *s, void **p, gfp_t gfp, unsigned int min,
				   unsigned int max);

/*
 * All or nothing: @size objects into @p, or 0 with nothing allocated. A cache with
 * sheaves takes them from partial and new slabs in bulk (7.0's __kmem_cache_alloc_bulk);
 * the others, through the thread's cpu slab.
 */
static int alloc_bulk_from_slabs(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	struct kmem_cache_cpu *c;
	size_t i;

	if (!size)
		return 0;
	if (s->sheaf_capacity) {
		i = refill_objects(s, p, flags, (unsigned int)size, (unsigned int)size);
		if (unlikely(i < size))
			goto error;
		goto zero;
	}
	c = this_cpu_slab(s);
	for (i = 0; i < size; i++) {
		void *object = c->freelist;

		if (unlikely(!object)) {
			p[i] = ___slab_alloc(s, flags, NUMA_NO_NODE, _RET_IP_, c, s->object_size);
			if (unlikely(!p[i]))
				goto error;
			continue;
		}
		c->freelist = get_freepointer(s, object);
		p[i] = object;
	}
zero:
	if (unlikely(flags & __GFP_ZERO)) {
		for (i = 0; i < size; i++)
			memset(p[i], 0, s->object_size);
	}
	return (int)size;

error:
	free_bulk_to_slabs(s, i, p);
	return 0;
}

struct detached_freelist {
	struct slab *slab;
	void *tail;
	void *freelist;
	int cnt;
	struct kmem_cache *s;
};

/*
 * Gather objects of the same slab as the last of p[0..size) into one freelist, looking
 * past at most 3 objects of other slabs; the rest are moved to the front of @p. Returns
 * how many objects remain. With @s NULL (kfree_bulk) each object names its own cache,
 * and one that is not a slab object is kfree()d on its own.
 */
static size_t build_detached_freelist(struct kmem_cache *s, size_t size, void **p,
				      struct detached_freelist *df)
{
	int lookahead = 3;
	void *object;
	size_t same;

	object = p[--size];
	df->slab = NULL;
	if (unlikely(ZERO_OR_NULL_PTR(object) || !virt_addr_valid(object) ||
		     !(df->slab = virt_to_slab(object)))) {
		if (!s)
			kfree(object);
		else if (object)
			WARN(1, "kmem_cache_free_bulk(%s): %p is not a slab object\n", s->name,
			     object);
		return size;
	}
	df->s = s ? s : df->slab->slab_cache;
	df->tail = object;
	df->freelist = object;
	df->cnt = 1;
	set_freepointer(df->s, object, NULL);

	same = size;
	while (size) {
		object = p[--size];
		if (!ZERO_OR_NULL_PTR(object) && virt_addr_valid(object) &&
		    df->slab == virt_to_slab(object)) {
			void *tmp;

			if (unlikely(naive_double_free(df->s, object, df->freelist))) {
				report_double_free(df->s, object);
			} else {
				set_freepointer(df->s, object, df->freelist);
				df->freelist = object;
				df->cnt++;
			}
			same--;
			tmp = p[size];
			p[size] = p[same];
			p[same] = tmp;
			continue;
		}
		if (!--lookahead)
			break;
	}
	return same;
}

static void free_bulk_to_slabs(struct kmem_cache *s, size_t size, void **p)
{
	while (size) {
		struct detached_freelist df;

		size = build_detached_freelist(s, size, p, &df);
		if (df.slab)
			do_slab_free(df.s, df.slab, df.freelist, df.tail, df.cnt, _RET_IP_);
	}
}

/* ---- refilling in bulk: objects straight from partial and new slabs --------------------- */

/*
 * get_partial_node_bulk(): take slabs off @n's partial list until they hold at least
 * @min free objects, stopping before @max would be overshot. The slabs, off every list
 * and not frozen, go on @slabs; remote frees may still add to them meanwhile, so the
 * caller may find more free objects than counted here.
 */
static bool get_partial_node_bulk(struct kmem_cache *s, struct kmem_cache_node *n, unsigned int min,
				  unsigned int max, struct list_head *slabs)
{
	struct slab *slab, *slab2;
	unsigned int total_free = 0;

	/* Racy check: a wrong answer costs a new slab, or a look at an empty list. */
	if (!n || !node_nr_partial(n))
		return false;
	spin_lock(&n->list_lock);
	list_for_each_entry_safe(slab, slab2, &n->partial, slab_list) {
		unsigned int slab_free;

		slab_lock(slab);
		slab_free = slab->objects - slab->inuse;
		slab_unlock(slab);
		/* we have min already and this one would take us past max */
		if (total_free >= min && total_free + slab_free > max)
			break;
		remove_partial(n, slab);
		list_add(&slab->slab_list, slabs);
		total_free += slab_free;
		if (total_free >= max)
			break;
	}
	spin_unlock(&n->list_lock);
	return total_free > 0;
}

/* get_freelist_nofreeze(): every free object of an off-list slab, leaving it full. */
static void *get_freelist_nofreeze(struct kmem_cache *s, struct slab *slab)
{
	void *freelist;

	slab_lock(slab);
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab_unlock(slab);
	return freelist;
}

/*
 * Up to @max objects of @freelist (all of @slab's free objects) into @p; the ones that do
 * not fit go back to the slab as a detached freelist, which puts it on the partial list.
 */
static unsigned int take_from_freelist(struct kmem_cache *s, struct slab *slab, void *object,
				       void **p, unsigned int max)
{
	unsigned int taken = 0;
	void *head, *tail;
	int cnt = 0;

	while (object && taken < max) {
		p[taken++] = object;
		object = get_freepointer(s, object);
	}
	if (likely(!object))
		return taken;
	head = object;
	do {
		tail = object;
		cnt++;
		object = get_freepointer(s, object);
	} while (object);
	__slab_free(s, slab, head, tail, cnt, _RET_IP_);
	return taken;
}

/* Slabs taken but not needed: back on the partial list, or freed if empty and enough. */
static void putback_partial_slabs(struct kmem_cache *s, struct kmem_cache_node *n,
				  struct list_head *slabs)
{
	struct slab *slab, *slab2;

	spin_lock(&n->list_lock);
	list_for_each_entry_safe(slab, slab2, slabs, slab_list) {
		unsigned int inuse;

		slab_lock(slab);
		inuse = slab->inuse;
		slab_unlock(slab);
		if (unlikely(!inuse && n->nr_partial >= s->min_partial))
			continue;
		list_del(&slab->slab_list);
		add_partial(n, slab, DEACTIVATE_TO_HEAD);
	}
	spin_unlock(&n->list_lock);
	/* what is left is empty, and nobody can free into a slab with nothing allocated */
	list_for_each_entry_safe(slab, slab2, slabs, slab_list) {
		list_del(&slab->slab_list);
		discard_slab(s, slab);
	}
}

/* __refill_objects_node(): between @min and @max objects from @n's partial slabs. */
static unsigned int refill_objects_node(struct kmem_cache *s, void **p, unsigned int min,
					unsigned int max, struct kmem_cache_node *n)
{
	struct slab *slab, *slab2;
	unsigned int refilled = 0;
	LIST_HEAD(slabs);

	if (!get_partial_node_bulk(s, n, min, max, &slabs))
		return 0;
	list_for_each_entry_safe(slab, slab2, &slabs, slab_list) {
		list_del(&slab->slab_list);
		refilled += take_from_freelist(s, slab, get_freelist_nofreeze(s, slab),
					       p + refilled, max - refilled);
		if (refilled >= max)
			break;
	}
	if (unlikely(!list_empty(&slabs)))
		putback_partial_slabs(s, n, &slabs);
	return refilled;
}

/*
 * __refill_objects_any(): other nodes' partial slabs, where they have more than they
 * keep, nearest node first. As get_any_partial(), kmm always looks (no random
 * remote_node_defrag_ratio skip), so that tests see the same answer every time.
 */
static unsigned int refill_objects_any(struct kmem_cache *s, void **p, gfp_t gfp, unsigned int min,
				       unsigned int max, int skip)
{
	struct zonelist *zonelist = &NODE_DATA(numa_mem_id())->node_zonelists[ZONELIST_FALLBACK];
	enum zone_type highest_zoneidx = gfp_zone(gfp);
	unsigned int refilled = 0;

	for (struct zoneref *z = zonelist->_zonerefs; z->zone && refilled < min; z++) {
		int node = zone_to_nid(z->zone);
		struct kmem_cache_node *n = get_node(s, node);

		if (z->zone_idx > (int)highest_zoneidx || node == skip || !n ||
		    node_nr_partial(n) <= s->min_partial)
			continue;
		refilled += refill_objects_node(s, p + refilled, min - refilled, max - refilled, n);
	}
	return refilled;
}

/*
 * alloc_from_new_slab(): up to @count objects of a new slab, which joins the node's
 * partial list if objects are left (it is on no list when all of them are taken).
 */
static unsigned int alloc_from_new_slab(struct kmem_cache *s, struct slab *slab, void **p,
					unsigned int count)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	unsigned int allocated = 0;
	void *object = slab->freelist;

	while (object && allocated < count) {
		p[allocated++] = object;
		object = get_freepointer(s, object);
	}
	/* nobody else knows the slab yet: no lock needed until it is on the list */
	slab->freelist = object;
	slab->inuse = allocated;
	inc_slabs_node(s, slab_nid(slab), slab->objects);
	if (object) {
		spin_lock(&n->list_lock);
		add_partial(n, slab, DEACTIVATE_TO_HEAD);
		spin_unlock(&n->list_lock);
	}
	return allocated;
}

/*
 * refill_objects() (mm/slub.c, 7.0): at least @min and at most @max objects into @p for a
 * cache with sheaves - whole freelists of the local node's partial slabs taken under one
 * list_lock, then other nodes' partial slabs, then new slabs - without passing through a
 * cpu slab. Fewer than @min only when no slab can be had.
 */
static unsigned int refill_objects(struct kmem_cache *s, void **p, gfp_t gfp, unsigned int min,
				   unsigned int max)
{
	int local_node = numa_mem_id();
	unsigned int refilled;

	refilled = refill_objects_node(s, p, min, max, get_node(s, local_node));
	if (refilled < min && nr_online_nodes > 1)
		refilled += refill_objects_any(s, p + refilled, gfp, min - refilled, max - refilled,
					       local_node);
	while (refilled < min) {
		struct slab *slab = new_slab(s, gfp, local_node);

		if (unlikely(!slab))
			break;
		refilled += alloc_from_new_slab(s, slab, p + refilled, max - refilled);
	}
	return refilled;
}

/* ---- sheaves ------------------------------------------------------------------------------ */

/*
 * Per-CPU sheaves (mm/slub.c since 6.18; for every cache since 7.0): arrays of free
 * objects in front of the slabs. A thread allocates from and frees to its main sheaf -
 * the front end's fast paths do that through the window in kmem_cache_cpu - and only
 * when main is empty or full does it come here: swap with its spare, trade with the
 * node's barn (full sheaves for empty ones, under the barn's lock), refill from or flush
 * to the slabs in bulk. Objects thus move between threads a sheaf at a time.
 */

#define MAX_FULL_SHEAVES  10
#define MAX_EMPTY_SHEAVES 10

struct slab_sheaf {
	struct list_head barn_list;
	unsigned int capacity;
	unsigned int size;	  /* while not a thread's main sheaf; main keeps its top */
	struct kmem_cache *cache; /* never a free object: sheaf_push() reads objects[-1] */
	void *objects[];
};

_Static_assert(sizeof(struct slab_sheaf) == 32, "the kernel's sheaf header: capacities match");

/*
 * calculate_sheaf_capacity(): about half of what the per-CPU partial slabs held (there
 * are two sheaves), rounded up to fill the kmalloc size the sheaf itself takes. None for
 * debug caches, the boot caches (SLAB_NO_OBJ_EXT) and SLAB_NOLEAKTRACE ones; an explicit
 * request is a minimum.
 */
static unsigned int calculate_sheaf_capacity(const struct kmem_cache *s,
					     const struct kmem_cache_args *args)
{
	unsigned int capacity;
	size_t size;

	if (s->flags & (SLAB_DEBUG_FLAGS | SLAB_NO_OBJ_EXT | SLAB_NOLEAKTRACE))
		return 0;
	if (s->size >= PAGE_SIZE)
		capacity = 4;
	else if (s->size >= 1024)
		capacity = 12;
	else if (s->size >= 256)
		capacity = 26;
	else
		capacity = 60;
	/* the kmalloc classes the header plus 4..60 pointers fall in are powers of two */
	size = sizeof(struct slab_sheaf) + capacity * sizeof(void *);
	size = (size_t)1 << (64 - __builtin_clzl(size - 1));
	capacity = (unsigned int)((size - sizeof(struct slab_sheaf)) / sizeof(void *));
	if (args && args->sheaf_capacity > capacity)
		capacity = args->sheaf_capacity;
	return capacity;
}

static inline struct node_barn *get_barn(struct kmem_cache *s)
{
	return &get_node(s, numa_mem_id())->barn;
}

/*
 * Sheaves are kmalloc objects taken from and returned to the slabs directly, never
 * through sheaves, so that a sheaf operation of a kmalloc cache cannot recurse into its
 * own half-updated sheaves. NULL while the kmalloc caches are still being created.
 */
static struct slab_sheaf *alloc_empty_sheaf(struct kmem_cache *s, gfp_t gfp)
{
	size_t size = sizeof(struct slab_sheaf) + s->sheaf_capacity * sizeof(void *);
	struct kmem_cache *k = kmalloc_slab(size, 0);
	struct slab_sheaf *sheaf;

	if (unlikely(!k))
		return NULL;
	sheaf = slab_alloc_node(k, (gfp & ~__GFP_ZERO) | __GFP_NOWARN, NUMA_NO_NODE, _RET_IP_,
				size);
	if (unlikely(!sheaf))
		return NULL;
	INIT_LIST_HEAD(&sheaf->barn_list);
	sheaf->capacity = s->sheaf_capacity;
	sheaf->size = 0;
	sheaf->cache = s;
	return sheaf;
}

static void free_empty_sheaf(struct slab_sheaf *sheaf)
{
	struct slab *slab = virt_to_slab(sheaf);

	do_slab_free(slab->slab_cache, slab, sheaf, sheaf, 1, _RET_IP_);
}

/* sheaf_flush_unused(): every object of a sheaf nobody uses back to the slabs. */
static void sheaf_flush_unused(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	if (!sheaf->size)
		return;
	free_bulk_to_slabs(s, sheaf->size, sheaf->objects);
	sheaf->size = 0;
}

/*
 * Fill @sheaf from the slabs (refill_objects()); -ENOMEM if it could not be filled, with
 * what was found left in it.
 */
static int refill_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf, gfp_t gfp)
{
	unsigned int to_fill = sheaf->capacity - sheaf->size;

	if (!to_fill)
		return 0;
	sheaf->size += refill_objects(s, &sheaf->objects[sheaf->size], gfp & ~__GFP_ZERO, to_fill,
				      to_fill);
	return sheaf->size < sheaf->capacity ? -ENOMEM : 0;
}

/* A sheaf whose refill failed: its objects back to the slabs, the sheaf freed. */
static void discard_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	sheaf_flush_unused(s, sheaf);
	free_empty_sheaf(sheaf);
}

static struct slab_sheaf *alloc_full_sheaf(struct kmem_cache *s, gfp_t gfp)
{
	struct slab_sheaf *sheaf = alloc_empty_sheaf(s, gfp);

	if (sheaf && refill_sheaf(s, sheaf, gfp)) {
		discard_sheaf(s, sheaf);
		return NULL;
	}
	return sheaf;
}

/* The main sheaf behind the window, with its size brought up to date. */
static struct slab_sheaf *main_sheaf(struct kmem_cache_cpu *c)
{
	struct slab_sheaf *sheaf;

	if (!c->base)
		return NULL;
	sheaf = container_of((void *)c->base, struct slab_sheaf, objects);
	sheaf->size = (unsigned int)(c->top - c->base);
	return sheaf;
}

static void set_main_sheaf(struct kmem_cache_cpu *c, struct slab_sheaf *sheaf)
{
	c->base = sheaf->objects;
	c->top = sheaf->objects + sheaf->size;
	c->end = sheaf->objects + sheaf->capacity;
}

/* A thread's first sheaf of @s, made on its first slow-path visit. */
static bool pcs_ensure_main(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp)
{
	struct slab_sheaf *sheaf;

	if (likely(c->base))
		return true;
	sheaf = alloc_empty_sheaf(s, gfp);
	if (!sheaf)
		return false;
	set_main_sheaf(c, sheaf);
	return true;
}

/*
 * A barn's counts change under its lock and are also read without it, as the kernel's
 * data_race() checks: a barn with nothing to give is not worth the lock. Relaxed atomics.
 */
static inline unsigned int barn_count(const unsigned int *nr)
{
	return READ_ONCE(*nr);
}

static inline void barn_count_add(unsigned int *nr, int delta)
{
	WRITE_ONCE(*nr, *nr + (unsigned int)delta);
}

static struct slab_sheaf *barn_get_empty_sheaf(struct node_barn *barn)
{
	struct slab_sheaf *empty = NULL;

	if (!barn_count(&barn->nr_empty))
		return NULL;
	spin_lock(&barn->lock);
	if (likely(barn->nr_empty)) {
		empty = list_first_entry(&barn->sheaves_empty, struct slab_sheaf, barn_list);
		list_del(&empty->barn_list);
		barn_count_add(&barn->nr_empty, -1);
	}
	spin_unlock(&barn->lock);
	return empty;
}

static void barn_put_empty_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf)
{
	spin_lock(&barn->lock);
	list_add(&sheaf->barn_list, &barn->sheaves_empty);
	barn_count_add(&barn->nr_empty, 1);
	spin_unlock(&barn->lock);
}

static void barn_put_full_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf)
{
	spin_lock(&barn->lock);
	list_add(&sheaf->barn_list, &barn->sheaves_full);
	barn_count_add(&barn->nr_full, 1);
	spin_unlock(&barn->lock);
}

/* A full sheaf for the empty one, if the barn has one. */
static struct slab_sheaf *barn_replace_empty_sheaf(struct node_barn *barn, struct slab_sheaf *empty)
{
	struct slab_sheaf *full = NULL;

	if (!barn_count(&barn->nr_full))
		return NULL;
	spin_lock(&barn->lock);
	if (likely(barn->nr_full)) {
		full = list_first_entry(&barn->sheaves_full, struct slab_sheaf, barn_list);
		list_del(&full->barn_list);
		list_add(&empty->barn_list, &barn->sheaves_empty);
		barn_count_add(&barn->nr_full, -1);
		barn_count_add(&barn->nr_empty, 1);
	}
	spin_unlock(&barn->lock);
	return full;
}

/*
 * An empty sheaf for the full one: 0, or -E2BIG if the barn has enough full ones (checked
 * without the lock only, as the kernel: a sheaf more or less there is no harm), or
 * -ENOMEM if it has no empty one.
 */
static int barn_replace_full_sheaf(struct node_barn *barn, struct slab_sheaf *full,
				   struct slab_sheaf **empty)
{
	int err = 0;

	if (barn_count(&barn->nr_full) >= MAX_FULL_SHEAVES)
		return -E2BIG;
	if (!barn_count(&barn->nr_empty))
		return -ENOMEM;
	spin_lock(&barn->lock);
	if (likely(barn->nr_empty)) {
		*empty = list_first_entry(&barn->sheaves_empty, struct slab_sheaf, barn_list);
		list_del(&(*empty)->barn_list);
		list_add(&full->barn_list, &barn->sheaves_full);
		barn_count_add(&barn->nr_empty, -1);
		barn_count_add(&barn->nr_full, 1);
	} else {
		err = -ENOMEM;
	}
	spin_unlock(&barn->lock);
	return err;
}

static void barn_init(struct node_barn *barn)
{
	spin_lock_init(&barn->lock);
	INIT_LIST_HEAD(&barn->sheaves_full);
	INIT_LIST_HEAD(&barn->sheaves_empty);
	barn->nr_full = 0;
	barn->nr_empty = 0;
}

/* Every sheaf of the barn: the full ones flushed to the slabs, all of them freed. */
static void barn_shrink(struct kmem_cache *s, struct node_barn *barn)
{
	struct slab_sheaf *sheaf, *next;
	LIST_HEAD(full);
	LIST_HEAD(empty);

	spin_lock(&barn->lock);
	list_splice_init(&barn->sheaves_full, &full);
	list_splice_init(&barn->sheaves_empty, &empty);
	barn_count_add(&barn->nr_full, -(int)barn->nr_full);
	barn_count_add(&barn->nr_empty, -(int)barn->nr_empty);
	spin_unlock(&barn->lock);

	list_for_each_entry_safe(sheaf, next, &full, barn_list) {
		sheaf_flush_unused(s, sheaf);
		free_empty_sheaf(sheaf);
	}
	list_for_each_entry_safe(sheaf, next, &empty, barn_list)
		free_empty_sheaf(sheaf);
}

/*
 * __pcs_replace_empty_main(): main is empty; make it a sheaf with objects - the spare,
 * a full one from the barn, or (if @gfp may block) one refilled from the slabs. The
 * kernel's version copes with migration while the lock was dropped; a thread's sheaves
 * are its own, so this one need not.
 */
static bool pcs_replace_empty_main(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp)
{
	struct slab_sheaf *main = main_sheaf(c), *full, *empty;
	struct node_barn *barn = get_barn(s);

	if (c->spare && c->spare->size) {
		full = c->spare;
		c->spare = main;
		set_main_sheaf(c, full);
		return true;
	}
	full = barn_replace_empty_sheaf(barn, main);
	if (full) {
		set_main_sheaf(c, full);
		return true;
	}
	if (!gfpflags_allow_blocking(gfp))
		return false;

	empty = c->spare;
	c->spare = NULL;
	if (!empty)
		empty = barn_get_empty_sheaf(barn);
	if (empty) {
		full = empty;
		if (refill_sheaf(s, empty, gfp)) {
			discard_sheaf(s, empty); /* very low on memory: not worth the barn */
			full = NULL;
		}
	} else {
		full = alloc_full_sheaf(s, gfp);
	}
	if (!full)
		return false;
	barn_put_empty_sheaf(barn, main);
	set_main_sheaf(c, full);
	return true;
}

/* Everything of main back to the slabs, leaving it empty. */
static void sheaf_flush_main(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab_sheaf *main = main_sheaf(c);

	sheaf_flush_unused(s, main);
	set_main_sheaf(c, main);
}

/*
 * __pcs_replace_full_main(): main is full; make it a sheaf with room - the spare if it
 * has some, an empty one from the barn (main going there full), a new one, or main
 * itself flushed to the slabs when the barn holds enough full sheaves or no memory is
 * left for a new one.
 */
static void pcs_replace_full_main(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab_sheaf *main = main_sheaf(c), *empty;
	struct node_barn *barn = get_barn(s);
	int err;

	if (!c->spare) {
		empty = barn_get_empty_sheaf(barn);
		if (!empty)
			empty = alloc_empty_sheaf(s, GFP_NOWAIT);
		if (!empty)
			return sheaf_flush_main(s, c);
		c->spare = main;
		return set_main_sheaf(c, empty);
	}
	if (c->spare->size < c->spare->capacity) {
		empty = c->spare;
		c->spare = main;
		return set_main_sheaf(c, empty);
	}
	err = barn_replace_full_sheaf(barn, main, &empty);
	if (!err)
		return set_main_sheaf(c, empty);
	if (err == -E2BIG) {
		/* the spare is full too: flush it and make it main */
		empty = c->spare;
		sheaf_flush_unused(s, empty);
		c->spare = main;
		return set_main_sheaf(c, empty);
	}
	empty = alloc_empty_sheaf(s, GFP_NOWAIT);
	if (!empty)
		return sheaf_flush_main(s, c);
	barn_put_full_sheaf(barn, main);
	set_main_sheaf(c, empty);
}

/*
 * May an object of @slab go onto the freeing thread's sheaf? Only one of the thread's
 * own node (mm/slub.c's slab_free()): sheaves and their node's barn hold local objects,
 * and a remote object goes back to its own slab. With more than one node the front
 * end's fast paths are off (slab_init()), so every free comes here to be asked.
 */
static bool slab_nid_local(const struct slab *slab)
{
	return nr_online_nodes <= 1 || page_to_nid(slab_page(slab)) == numa_mem_id();
}

/* alloc_from_pcs(): the slow half of the front end's slab_alloc(); NULL: use the slabs. */
static void *alloc_from_pcs(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);

	if (!pcs_ensure_main(s, c, gfp))
		return NULL;
	if (c->top == c->base && !pcs_replace_empty_main(s, c, gfp))
		return NULL;
	return *--c->top;
}

/*
 * free_to_pcs(): the slow half of sheaf_push(), which declined because main is full or
 * absent, or because @object is already its newest object: the naive double free that
 * the hardened freelist catches, caught here before it can reach a freelist.
 */
static bool free_to_pcs(struct kmem_cache *s, void *object)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);

	if (!pcs_ensure_main(s, c, GFP_NOWAIT))
		return false;
	if (unlikely(c->top > c->base && c->top[-1] == object)) {
		if (slab_freelist_hardened) {
			report_double_free(s, object);
			return true;
		}
	}
	if (c->top == c->end)
		pcs_replace_full_main(s, c);
	*c->top++ = object;
	return true;
}

/* alloc_from_pcs_bulk(): what main and spare hold, up to @size; the rest is the slabs'. */
static size_t alloc_from_pcs_bulk(struct kmem_cache *s, size_t size, void **p)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);
	size_t done = 0;

	while (done < size && c->base) {
		size_t batch;

		if (c->top == c->base && !pcs_replace_empty_main(s, c, GFP_NOWAIT))
			break;
		batch = min(size - done, (size_t)(c->top - c->base));
		c->top -= batch;
		memcpy(p + done, c->top, batch * sizeof(void *));
		done += batch;
	}
	return done;
}

/* free_to_pcs_bulk(): into main, replacing it as it fills; never fails. */
static void free_to_pcs_bulk(struct kmem_cache *s, size_t size, void **p)
{
	struct kmem_cache_cpu *c = this_cpu_slab(s);

	if (!pcs_ensure_main(s, c, GFP_NOWAIT))
		return free_bulk_to_slabs(s, size, p);
	while (size) {
		size_t batch;

		if (c->top == c->end)
			pcs_replace_full_main(s, c);
		batch = min(size, (size_t)(c->end - c->top));
		memcpy(c->top, p, batch * sizeof(void *));
		c->top += batch;
		p += batch;
		size -= batch;
	}
}

/* pcs_flush_all(): a thread's main and spare sheaves of @s back to the slabs, freed. */
static void pcs_flush_all(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab_sheaf *main = main_sheaf(c), *spare = c->spare;

	c->top = c->base = c->end = NULL;
	c->spare = NULL;
	if (spare) {
		sheaf_flush_unused(s, spare);
		free_empty_sheaf(spare);
	}
	if (main) {
		sheaf_flush_unused(s, main);
		free_empty_sheaf(main);
	}
}

/* ---- the ops: alloc, free, ksize, obj_valid ------------------------------------------- */

static void *slub_alloc(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
			size_t orig_size)
{
	if (s->sheaf_capacity && node == NUMA_NO_NODE) {
		void *object = alloc_from_pcs(s, gfp);

		if (object) {
			if (unlikely(gfp & __GFP_ZERO))
				memset(object, 0, s->object_size);
			return object;
		}
	}
	return slab_alloc_node(s, gfp, node, caller, orig_size);
}

static void slub_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	if (s->sheaf_capacity && slab_nid_local(slab) && free_to_pcs(s, obj))
		return;
	slab_free_one(s, slab, obj, caller);
}

static int slub_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	size_t done = 0;

	if (!size)
		return 0;
	if (s->sheaf_capacity)
		done = alloc_from_pcs_bulk(s, size, p);
	if (done < size && !alloc_bulk_from_slabs(s, flags, size - done, p + done)) {
		free_bulk_to_slabs(s, done, p);
		return 0;
	}
	if (unlikely(flags & __GFP_ZERO)) {
		for (size_t i = 0; i < done; i++)
			memset(p[i], 0, s->object_size);
	}
	return (int)size;
}

/* Freeing to sheaves does not mix with detached freelists: a cache uses one or the other. */
static void slub_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	if (s && s->sheaf_capacity)
		free_to_pcs_bulk(s, size, p);
	else
		free_bulk_to_slabs(s, size, p);
}

/* slab_ksize(): what a kmalloc caller may use without touching the cache's metadata. */
static size_t slub_ksize(struct kmem_cache *s, const void *obj)
{
	/* the caller may use all of it now: no kmalloc red zone past the request any more */
	if (cache_debug_orig_size(s))
		set_orig_size(s, (void *)obj, s->object_size);
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER))
		return s->inuse;
	return s->size;
}

static bool slub_obj_valid(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	return obj && check_valid_pointer(s, slab, slab_objects_nolock(s, slab), obj);
}

/* ---- creating and destroying caches -------------------------------------------------- */

static void init_kmem_cache_node(struct kmem_cache_node *n)
{
	memset(n, 0, sizeof(*n));
	spin_lock_init(&n->list_lock);
	INIT_LIST_HEAD(&n->partial);
	INIT_LIST_HEAD(&n->full);
	INIT_LIST_HEAD(&n->free);
	atomic_init(&n->nr_slabs, 0);
	atomic_init(&n->total_objects, 0);
	barn_init(&n->barn);
}

static void free_kmem_cache_nodes(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
	{
		s->node[node] = NULL;
		if (s != &kmem_cache_node_cache)
			free_to_partial_list(&kmem_cache_node_cache, virt_to_slab(n), n, n, 1,
					     _RET_IP_);
	}
}

static int init_kmem_cache_nodes(struct kmem_cache *s)
{
	int node;

	for_each_online_node(node) {
		struct kmem_cache_node *n;

		if (s == &kmem_cache_node_cache)
			n = &kmem_cache_node_boot[node];
		else
			n = alloc_single(&kmem_cache_node_cache, GFP_KERNEL, node,
					 sizeof(struct kmem_cache_node));
		if (!n) {
			free_kmem_cache_nodes(s);
			return -ENOMEM;
		}
		init_kmem_cache_node(n);
		s->node[node] = n;
	}
	return 0;
}

/* slab_debug=O: the defaults, but debug metadata only where it costs no higher order. */
static const struct slub_order_params slub_debug_o_params = {
	.min_order = 0,
	.max_order = PAGE_ALLOC_COSTLY_ORDER,
	.min_objects = 0,
	.disable_higher_order_debug = true,
};

static struct slub_geometry_args geometry_args(const struct kmem_cache *s,
					       const struct kmem_cache_args *args)
{
	return (struct slub_geometry_args){
		.params = slub_debug_disable_higher_order ? &slub_debug_o_params : NULL,
		.object_size = s->object_size,
		.align = args ? args->align : s->align,
		.flags = s->flags,
		.has_ctor = s->ctor != NULL,
		.use_freeptr_offset = args && args->use_freeptr_offset,
		.freeptr_offset = args ? args->freeptr_offset : 0,
		.nr_cpus = slab_nr_cpus ? slab_nr_cpus : 1,
		.nr_cpu_ids = nr_cpu_ids,
	};
}

/* kmem_cache_open(): the layout, the allocation flags, the secret, the node structures. */
static int slub_cache_create(struct kmem_cache *s, const struct kmem_cache_args *args)
{
	struct slub_geometry_args ga = geometry_args(s, args);
	struct slub_geometry g;
	int err;

	err = slub_calculate_geometry(&ga, &g);
	if (err)
		return err;
	s->flags = g.flags;
	s->size = g.size;
	s->object_size = g.object_size;
	s->offset = g.offset;
	s->inuse = g.inuse;
	s->align = g.align;
	s->red_left_pad = g.red_left_pad;
	s->oo = oo_make(g.order, g.objects);
	s->min = oo_make(g.min_order, g.min_objects);
	s->min_partial = g.min_partial;
	s->cpu_partial = g.cpu_partial;
	s->cpu_partial_slabs = g.cpu_partial_slabs;
	s->sheaf_capacity = calculate_sheaf_capacity(s, args);

	s->allocflags = __GFP_COMP;
	if (s->flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (s->flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	if (slab_freelist_hardened)
		s->random = (unsigned long)port_random_u64();
	s->random_seq = NULL;

	err = init_kmem_cache_nodes(s);
	if (err)
		return err;
	if (slab_freelist_random) {
		err = init_cache_random_seq(s);
		if (err) {
			free_kmem_cache_nodes(s);
			return err;
		}
	}
	return 0;
}

static void slub_cache_release(struct kmem_cache *s)
{
	free_cache_random_seq(s);
	free_kmem_cache_nodes(s);
}

/* Once, before any cache: the kmem_cache_node cache, from static node structures. */
static void slub_init(void)
{
	struct kmem_cache *s = &kmem_cache_node_cache;
	int err;

	atomic_store_explicit(&slab_random_state, port_random_u64(), memory_order_relaxed);
	s->name = "kmem_cache_node";
	s->object_size = s->size = sizeof(struct kmem_cache_node);
	s->flags = SLAB_HWCACHE_ALIGN | SLAB_NO_OBJ_EXT;
	s->refcount = -1;
	err = slub_cache_create(s, NULL);
	if (err) {
		pr_emerg("SLUB: cannot create the kmem_cache_node cache (%d)\n", err);
		port_panic();
	}
}

/*
 * Once the kmalloc caches exist (kmem_cache_init()'s init_freelist_randomization()): the
 * caches made before them get their random sequences now.
 */
static void slub_init_late(void)
{
	struct kmem_cache *s;

	slab_up = true;
	if (!slab_freelist_random)
		return;
	mutex_lock(&slab_mutex);
	if (init_cache_random_seq(&kmem_cache_node_cache))
		pr_emerg("SLUB: Unable to initialize free list for %s\n",
			 kmem_cache_node_cache.name);
	list_for_each_entry(s, &slab_caches, list) {
		if (init_cache_random_seq(s))
			pr_emerg("SLUB: Unable to initialize free list for %s\n", s->name);
	}
	mutex_unlock(&slab_mutex);
}

/* list_slab_objects(): the objects still allocated in a slab at shutdown (slab_lock held). */
static void list_slab_objects(struct kmem_cache *s, struct slab *slab)
{
	unsigned long map[MAX_OBJS_PER_PAGE / BITS_PER_LONG + 1];
	void *addr = slab_address(slab), *p;

	slab_bug(s, "Objects remaining on __kmem_cache_shutdown()");
	memset(map, 0, sizeof(map));
	for (p = slab->freelist; p; p = get_freepointer(s, p)) {
		if (!check_valid_pointer(s, slab, slab->objects, p) ||
		    map_test_and_set(map, obj_to_index(s, slab, p)))
			break;
	}
	for_each_object(p, s, addr, slab->objects)
	{
		if (map_test_and_set(map, obj_to_index(s, slab, p)))
			continue;
		pr_err("Object 0x%016lx @offset=%lu\n", (unsigned long)p,
		       (unsigned long)((char *)p - (char *)addr));
		print_tracking(s, p); /* who allocated what was not freed */
	}
	__slab_err(slab);
}

/* free_partial(): free the empty partial slabs; report the objects in the others. */
static void free_partial(struct kmem_cache *s, struct kmem_cache_node *n)
{
	struct slab *slab, *h;
	LIST_HEAD(discard);

	spin_lock(&n->list_lock);
	list_for_each_entry_safe(slab, h, &n->partial, slab_list) {
		unsigned int inuse;

		slab_lock(slab);
		inuse = slab->inuse;
		if (inuse)
			list_slab_objects(s, slab);
		slab_unlock(slab);
		if (!inuse) {
			remove_partial(n, slab);
			list_add(&slab->slab_list, &discard);
		}
	}
	spin_unlock(&n->list_lock);

	list_for_each_entry_safe(slab, h, &discard, slab_list) {
		list_del(&slab->slab_list);
		discard_slab(s, slab);
	}
}

/*
 * __kmem_cache_shutdown(): take back what every thread holds of @s (slab_mutex and
 * slab_areas_lock held by the caller; a thread still using @s is the caller's bug, as
 * in the kernel), then free every empty slab. Nonzero if objects remain.
 */
static int slub_cache_shutdown(struct kmem_cache *s)
{
	struct slab_thread_area *area;
	struct kmem_cache_node *n;
	int node;

	/* sheaves first: flushing one may put slabs on this thread's cpu partial list */
	for_each_kmem_cache_node(s, node, n) barn_shrink(s, &n->barn);
	for_each_slab_thread_area(area) pcs_flush_all(s, &area->cpu[s->cpu_index]);
	for_each_slab_thread_area(area)
	{
		struct kmem_cache_cpu *c = &area->cpu[s->cpu_index];

		flush_cpu_slab(s, c);
		memset(c, 0, sizeof(*c));
	}
	for_each_kmem_cache_node(s, node, n)
	{
		free_partial(s, n);
		if (node_nr_partial(n) || node_nr_slabs(n))
			return 1;
	}
	return 0;
}

/*
 * The calling thread exits (slab_mutex and slab_areas_lock held): its sheaves, then its
 * cpu slabs and cpu partial slabs of every cache go back to the nodes. Sheaves first:
 * flushing them and freeing them (kmalloc objects) fills cpu slabs again.
 */
static void slub_flush_thread(struct slab_thread_area *area)
{
	unsigned int i;

	for (i = 0; i < SLAB_MAX_CACHES; i++) {
		struct kmem_cache *s = slab_cache_by_index(i);

		if (s && (area->cpu[i].base || area->cpu[i].spare))
			pcs_flush_all(s, &area->cpu[i]);
	}
	for (i = 0; i < SLAB_MAX_CACHES; i++) {
		struct kmem_cache *s = slab_cache_by_index(i);
		struct kmem_cache_cpu *c;

		if (!s)
			continue;
		c = &area->cpu[i];
		if (c->slab || c->partial)
			flush_cpu_slab(s, c);
		memset(c, 0, sizeof(*c));
	}
}

/*
 * __kmem_cache_shrink(): give back the calling thread's sheaves and cpu slabs of @s and
 * the sheaves in the barns, then free the empty partial slabs and sort the others,
 * fullest first, so that allocations fill them and the emptiest may become free.
 * Divergence from the kernel's flush_all(): other threads' sheaves and cpu slabs stay
 * where they are - they may be using them this very moment, and a thread cannot be
 * interrupted to flush its own as a CPU can.
 */
static int slub_cache_shrink(struct kmem_cache *s)
{
	struct list_head promote[SHRINK_PROMOTE_MAX];
	struct kmem_cache_node *n;
	struct slab *slab, *t;
	int node, i, ret = 0;
	LIST_HEAD(discard);

	/* barns first: flushing a sheaf may put slabs on this thread's cpu partial list */
	for_each_kmem_cache_node(s, node, n) barn_shrink(s, &n->barn);
	if (!slab_no_cpu_cache(s)) {
		pcs_flush_all(s, this_cpu_slab(s));
		flush_cpu_slab(s, this_cpu_slab(s));
	}

	for_each_kmem_cache_node(s, node, n)
	{
		INIT_LIST_HEAD(&discard);
		for (i = 0; i < SHRINK_PROMOTE_MAX; i++)
			INIT_LIST_HEAD(promote + i);

		spin_lock(&n->list_lock);
		list_for_each_entry_safe(slab, t, &n->partial, slab_list) {
			int free;

			slab_lock(slab);
			free = slab->objects - slab->inuse;
			slab_unlock(slab);
			if (free == slab->objects) {
				list_move(&slab->slab_list, &discard);
				slab_clear_node_partial(slab);
				WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
				dec_slabs_node(s, node, slab->objects);
			} else if (free <= SHRINK_PROMOTE_MAX) {
				list_move(&slab->slab_list, promote + free - 1);
			}
		}
		/* the fullest slabs to the head of the partial list */
		for (i = SHRINK_PROMOTE_MAX - 1; i >= 0; i--)
			list_splice_init(promote + i, &n->partial);
		spin_unlock(&n->list_lock);

		list_for_each_entry_safe(slab, t, &discard, slab_list) {
			list_del(&slab->slab_list);
			free_slab(s, slab);
		}
		if (node_nr_slabs(n))
			ret = 1;
	}
	return ret;
}

/* ---- statistics: slabinfo and the sysfs attributes --------------------------------------- */

static unsigned int count_free(struct slab *slab)
{
	return slab->objects - slab->inuse;
}

static unsigned int count_inuse(struct slab *slab)
{
	return slab->inuse;
}

static unsigned int count_total(struct slab *slab)
{
	return slab->objects;
}

static unsigned long count_partial(struct kmem_cache_node *n,
				   unsigned int (*get_count)(struct slab *))
{
	unsigned long x = 0;
	struct slab *slab;

	spin_lock(&n->list_lock);
	list_for_each_entry(slab, &n->partial, slab_list) {
		slab_lock(slab);
		x += get_count(slab);
		slab_unlock(slab);
	}
	spin_unlock(&n->list_lock);
	return x;
}

static void slub_get_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo)
{
	unsigned long nr_slabs = 0, nr_objs = 0, nr_free = 0;
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
	{
		nr_slabs += node_nr_slabs(n);
		nr_objs += node_nr_objs(n);
		nr_free += count_partial(n, count_free);
	}
	memset(sinfo, 0, sizeof(*sinfo));
	sinfo->active_objs = nr_objs - nr_free;
	sinfo->num_objs = nr_objs;
	sinfo->active_slabs = nr_slabs;
	sinfo->num_slabs = nr_slabs;
	sinfo->objects_per_slab = oo_objects(s->oo);
	sinfo->cache_order = oo_order(s->oo);
}

enum slab_stat_type {
	SL_ALL,	    /* all slabs */
	SL_PARTIAL, /* only partially allocated slabs */
	SL_CPU,	    /* only slabs used for cpu caches */
	SL_OBJECTS, /* determine allocated objects not slabs */
	SL_TOTAL    /* determine object capacity not slabs */
};
#define SO_ALL	   (1 << SL_ALL)
#define SO_PARTIAL (1 << SL_PARTIAL)
#define SO_CPU	   (1 << SL_CPU)
#define SO_OBJECTS (1 << SL_OBJECTS)
#define SO_TOTAL   (1 << SL_TOTAL)

/* Racy counts of every thread's cpu slabs (the kernel reads other CPUs' the same way). */
static void count_cpu_slabs(struct kmem_cache *s, unsigned long *nodes, unsigned long *total)
{
	struct slab_thread_area *area;

	spin_lock(&slab_areas_lock);
	for_each_slab_thread_area(area)
	{
		struct kmem_cache_cpu *c = &area->cpu[s->cpu_index];
		struct slab *slab = cpu_slab_read(c);

		if (slab) {
			nodes[slab_nid(slab)]++;
			(*total)++;
		}
		slab = cpu_partial_read(c);
		if (slab) {
			int x = slab_slabs_read(slab);

			nodes[slab_nid(slab)] += (unsigned long)x;
			*total += (unsigned long)x;
		}
	}
	spin_unlock(&slab_areas_lock);
}

static int show_slab_objects(struct kmem_cache *s, char *buf, size_t size, unsigned long flags)
{
	unsigned long nodes[MAX_NUMNODES] = { 0 }, total = 0, x;
	struct kmem_cache_node *n;
	int node, len;

	if (flags & SO_CPU)
		count_cpu_slabs(s, nodes, &total);
	if (flags & SO_ALL) {
		for_each_kmem_cache_node(s, node, n)
		{
			if (flags & SO_TOTAL)
				x = node_nr_objs(n);
			else if (flags & SO_OBJECTS)
				x = node_nr_objs(n) - count_partial(n, count_free);
			else
				x = node_nr_slabs(n);
			total += x;
			nodes[node] += x;
		}
	} else if (flags & SO_PARTIAL) {
		for_each_kmem_cache_node(s, node, n)
		{
			if (flags & SO_TOTAL)
				x = count_partial(n, count_total);
			else if (flags & SO_OBJECTS)
				x = count_partial(n, count_inuse);
			else
				x = node_nr_partial(n);
			total += x;
			nodes[node] += x;
		}
	}
	len = scnprintf(buf, size, "%lu", total);
	for (node = 0; node < nr_online_nodes; node++)
		if (nodes[node])
			len += scnprintf(buf + len, size - (size_t)len, " N%d=%lu", node,
					 nodes[node]);
	len += scnprintf(buf + len, size - (size_t)len, "\n");
	return len;
}

static int slabs_cpu_partial_show(struct kmem_cache *s, char *buf, size_t size)
{
	struct slab_thread_area *area;
	int objects, slabs = 0, cpu = 0, len;

	spin_lock(&slab_areas_lock);
	for_each_slab_thread_area(area)
	{
		struct slab *slab = cpu_partial_read(&area->cpu[s->cpu_index]);

		if (slab)
			slabs += slab_slabs_read(slab);
	}
	/* approximately half-full slabs, as set_cpu_partial() assumes */
	objects = (slabs * (int)oo_objects(s->oo)) / 2;
	len = scnprintf(buf, size, "%d(%d)", objects, slabs);
	for_each_slab_thread_area(area)
	{
		struct slab *slab = cpu_partial_read(&area->cpu[s->cpu_index]);

		if (slab) {
			slabs = slab_slabs_read(slab);
			objects = (slabs * (int)oo_objects(s->oo)) / 2;
			len += scnprintf(buf + len, size - (size_t)len, " C%d=%d(%d)", cpu, objects,
					 slabs);
		}
		cpu++;
	}
	spin_unlock(&slab_areas_lock);
	len += scnprintf(buf + len, size - (size_t)len, "\n");
	return len;
}

static int slub_attr_show(struct kmem_cache *s, const char *attr, char *buf, size_t size)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} object_attrs[] = {
		{ "slabs", SO_ALL },
		{ "objects", SO_ALL | SO_OBJECTS },
		{ "total_objects", SO_ALL | SO_TOTAL },
		{ "partial", SO_PARTIAL },
		{ "objects_partial", SO_PARTIAL | SO_OBJECTS },
		{ "cpu_slabs", SO_CPU },
	};

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(object_attrs); i++)
		if (!strcmp(attr, object_attrs[i].name))
			return show_slab_objects(s, buf, size, object_attrs[i].flags);
	if (!strcmp(attr, "objs_per_slab"))
		return scnprintf(buf, size, "%u\n", oo_objects(s->oo));
	if (!strcmp(attr, "order"))
		return scnprintf(buf, size, "%u\n", oo_order(s->oo));
	if (!strcmp(attr, "min_partial"))
		return scnprintf(buf, size, "%lu\n", s->min_partial);
	if (!strcmp(attr, "cpu_partial"))
		return scnprintf(buf, size, "%u\n", s->cpu_partial);
	if (!strcmp(attr, "sheaf_capacity"))
		return scnprintf(buf, size, "%u\n", s->sheaf_capacity);
	if (!strcmp(attr, "remote_node_defrag_ratio"))
		return scnprintf(buf, size, "%u\n", REMOTE_NODE_DEFRAG_RATIO);
	if (!strcmp(attr, "slabs_cpu_partial"))
		return slabs_cpu_partial_show(s, buf, size);
	if (!strcmp(attr, "shrink") || !strcmp(attr, "validate"))
		return 0; /* write-only in effect: reading shows nothing */
	return -ENOENT;
}

/* ---- validation --------------------------------------------------------------------------- */

/*
 * The calling thread's own lockless freelist of its cpu slab: its objects are free, so
 * they are marked in @map. A bad pointer or a cycle cuts the list where it goes wrong.
 */
static void walk_cpu_freelist(struct kmem_cache *s, struct slab *slab, void **head,
			      unsigned long *map)
{
	void *object = NULL, *fp = *head;

	while (fp) {
		if (!check_valid_pointer(s, slab, slab->objects, fp) ||
		    map_test_and_set(map, obj_to_index(s, slab, fp))) {
			if (object) {
				object_err(s, slab, object,
					   check_valid_pointer(s, slab, slab->objects, fp) ?
						   "Freelist cycle detected" :
						   "Freechain corrupt");
				set_freepointer(s, object, NULL);
			} else {
				slab_err(s, slab, "Freepointer corrupt");
				*head = NULL;
			}
			slab_fix(s, "Freelist cleared");
			return;
		}
		object = fp;
		fp = get_freepointer(s, object);
	}
}

/*
 * validate_slab(): the slab's counters, its freelist, then every object against what it
 * should be, free or allocated (slab_lock held). @cpu_freelist: the caller's own lockless
 * freelist when @slab is its cpu slab.
 */
static void validate_slab(struct kmem_cache *s, struct slab *slab, void **cpu_freelist)
{
	unsigned long map[MAX_OBJS_PER_PAGE / BITS_PER_LONG + 1];
	void *addr = slab_address(slab), *p;

	if (!PageSlab(slab_page(slab)) || slab->slab_cache != s) {
		slab_err(s, slab, "Not a valid slab page");
		return;
	}
	if (!check_slab(s, slab) || !on_freelist(s, slab, NULL))
		return;
	/* now the freelist is sound: it says which objects are free */
	memset(map, 0, sizeof(map));
	for (p = slab->freelist; p; p = get_freepointer(s, p))
		map_test_and_set(map, obj_to_index(s, slab, p));
	if (cpu_freelist)
		walk_cpu_freelist(s, slab, cpu_freelist, map);
	for_each_object(p, s, addr, slab->objects)
	{
		unsigned int idx = obj_to_index(s, slab, p);
		bool free = map[idx / BITS_PER_LONG] & (1UL << (idx % BITS_PER_LONG));

		if (!check_object(s, slab, p, free ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE))
			break;
	}
}

static void validate_slab_locked(struct kmem_cache *s, struct slab *slab, void **cpu_freelist)
{
	slab_lock(slab);
	validate_slab(s, slab, cpu_freelist);
	slab_unlock(slab);
}

static void validate_slab_node(struct kmem_cache *s, struct kmem_cache_node *n)
{
	unsigned long count = 0;
	struct slab *slab;

	spin_lock(&n->list_lock);
	list_for_each_entry(slab, &n->partial, slab_list) {
		validate_slab_locked(s, slab, NULL);
		count++;
	}
	if (count != n->nr_partial) {
		pr_err("SLUB %s: %lu partial slabs counted but counter=%lu\n", s->name, count,
		       n->nr_partial);
		slab_errors++;
	}
	if (s->flags & SLAB_STORE_USER) {
		list_for_each_entry(slab, &n->full, slab_list) {
			validate_slab_locked(s, slab, NULL);
			count++;
		}
		if (count != node_nr_slabs(n)) {
			pr_err("SLUB: %s %lu slabs counted but counter=%lu\n", s->name, count,
			       node_nr_slabs(n));
			slab_errors++;
		}
	}
	spin_unlock(&n->list_lock);
}

/*
 * validate_slab_cache(): every node list, and the calling thread's own cpu slab and cpu
 * partial slabs: other threads' are in use without a lock and cannot be looked at
 * safely. Returns the problems found (each report and each repair counts one), and
 * repairs what it can, so that a second run finds none.
 */
static int slub_validate(struct kmem_cache *s)
{
	struct slab_thread_area *area = slab_thread_area_current;
	unsigned int errors_before = slab_errors;
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n) validate_slab_node(s, n);
	if (area && !slab_no_cpu_cache(s)) {
		struct kmem_cache_cpu *c = &area->cpu[s->cpu_index];
		struct slab *slab;

		if (c->slab)
			validate_slab_locked(s, c->slab, &c->freelist);
		for (slab = c->partial; slab; slab = slab->next)
			validate_slab_locked(s, slab, NULL);
	}
	return (int)(slab_errors - errors_before);
}

/* fork(): the barns' locks too (slab_mutex is held: slab_caches is stable). */
static void barn_locks(bool lock)
{
	struct kmem_cache *s;
	struct kmem_cache_node *n;
	int node;

	list_for_each_entry(s, &slab_caches, list) {
		for_each_kmem_cache_node(s, node, n)
		{
			if (lock)
				spin_lock(&n->barn.lock);
			else
				spin_unlock(&n->barn.lock);
		}
	}
}

static void slub_fork_prepare(void)
{
	barn_locks(true);
}

static void slub_fork_done(void)
{
	barn_locks(false);
}

const struct slab_ops slub_ops = {
	.mergeable = true,
	.name = "slub",
	.kmalloc_shift_low = KMALLOC_SHIFT_LOW,
	.kmalloc_shift_high = KMALLOC_SHIFT_HIGH,
	.init = slub_init,
	.init_late = slub_init_late,
	.cache_create = slub_cache_create,
	.cache_shutdown = slub_cache_shutdown,
	.cache_release = slub_cache_release,
	.cache_shrink = slub_cache_shrink,
	.alloc = slub_alloc,
	.free = slub_free,
	.alloc_bulk = slub_alloc_bulk,
	.free_bulk = slub_free_bulk,
	.ksize = slub_ksize,
	.get_slabinfo = slub_get_slabinfo,
	.attr_show = slub_attr_show,
	.validate = slub_validate,
	.flush_thread = slub_flush_thread,
	.fork_prepare = slub_fork_prepare,
	.fork_parent = slub_fork_done,
	.fork_child = slub_fork_done,
	.print_tracking = print_tracking,
	.obj_valid = slub_obj_valid,
	.init_on_free = slub_init_on_free,
};
