/* SPDX-License-Identifier: MIT */
/*
 * slab.c - the SLAB allocator, as the kernel's mm/slab.c (Linux 6.7, the last kernel to
 * have it). It exports one symbol, slab_allocator_ops (slab.h).
 *
 * Slabs. A cache's objects live in slabs of 2^gfporder pages, `num` objects of `size`
 * bytes each from s_mem on. s_mem starts after a colour offset that cycles through
 * `colour` multiples of `colour_off` (a cache line) from one slab to the next, so that
 * the first objects of different slabs use different cache lines: the slab's left-over
 * space put to use. A slab's free objects are a stack of object indices, one
 * freelist_idx_t each (the slab management): slab_active() counts the objects handed
 * out, and the indices at [active, num) are the free ones, the next to go first. That
 * array lives in one of the slab's own free objects (OBJFREELIST: caches without
 * constructor or RCU, whose object can hold it), at the end of the slab (on-slab), or in
 * an object of a kmalloc cache (OFF_SLAB: the left-over space cannot hold it, and
 * putting it elsewhere gains an object).
 *
 * Array caches. In front of the slabs each thread (the kernel's CPU) keeps, per cache,
 * an array_cache: a LIFO stack of up to `limit` object pointers, so the object freed
 * last is handed out first, warm in the cache. A miss refills up to `batchcount`
 * objects at once from the node's shared array, else from partial then free slabs,
 * else from a new slab (cache_grow); a free into a full array first moves the
 * `batchcount` oldest entries to the shared array or back to their slabs (free_block).
 * Each node keeps slabs_partial, slabs_full and slabs_free (kmem_cache_node's partial,
 * full and free lists), free_objects (free objects on its slabs) and free_limit: free
 * slabs beyond it are destroyed at once. A thread's array is touched only by its thread;
 * it goes back at thread exit (flush_thread) and is drained by kmem_cache_destroy.
 * cache_reap, a thread woken every REAPTIMEOUT_AC, trims the shared arrays and the free
 * slabs of idle caches as the kernel's per-CPU reap work did. Unlike a CPU, a thread
 * cannot be interrupted to drain its own array, so the reaper and kmem_cache_shrink()
 * leave other threads' arrays alone.
 *
 * The objects of an array cache count as active in their slab; for the cache, they are
 * free. A free goes to the freeing thread's array whatever thread allocated the object,
 * and reaches its slab on a flush, through free_block under the node's list_lock.
 *
 * Nodes. A thread's array holds objects of its own node only. An object freed on
 * another node than its own goes to the freeing node's alien cache for the object's
 * node (a small array per remote node, ALIEN_LIMIT entries, with its own lock); a full
 * alien cache goes home as a batch, into the home node's shared array first, then its
 * slabs (__cache_free_alien, __drain_alien_cache); the reaper and kmem_cache_shrink
 * drain them too. An allocation that its node cannot serve falls back to the other
 * nodes in zonelist order, then to a new slab wherever the page allocator finds one
 * (fallback_alloc), unless __GFP_THISNODE. With one node none of this runs.
 *
 * Lock order:
 *   1. slab_mutex (front end; cache_reap takes it with a trylock)
 *   2. slab_areas_lock (front end: the list of thread areas)
 *   3. kmem_cache_node->list_lock, one cache's at a time
 *   4. the page allocator's locks
 * An alien cache's lock is a leaf: its objects are taken out under it and freed after
 * it is dropped. No two list_locks are ever held together: slab pages, off-slab
 * freelists and array caches are given back after the list_lock is dropped. No system call under any lock:
 * the reaper thread is started from cache_grow, only where the caller may sleep.
 *
 * The back-end's own metadata (the per-cache tunables, kmem_cache_node, array caches)
 * comes from a few internal caches served straight from their slabs, never through an
 * array cache: the kernel used kmalloc, but a thread's first allocation from a cache
 * would then recurse into that very cache for its array.
 */
#include "kasan.h"
#include "slab.h"

#ifndef fls
#define fls(x) ((x) ? 32 - __builtin_clz(x) : 0)
#endif

#define BYTES_PER_WORD sizeof(void *)
#define REDZONE_ALIGN  max(BYTES_PER_WORD, __alignof__(unsigned long long))
/* cache_line_size() on x86-64, and ARCH_KMALLOC_FLAGS: SLAB's kmalloc caches are aligned */
#define L1_CACHE_BYTES	   64
#define ARCH_KMALLOC_FLAGS SLAB_HWCACHE_ALIGN
/* A refill of an array that was idle since its last refill takes at most this many. */
#define BATCHREFILL_LIMIT 16
#define NSEC_PER_SEC	  1000000000ULL
/* The reaper's period, and how often it visits each node of a cache. */
#define REAPTIMEOUT_AC	 (2 * NSEC_PER_SEC)
#define REAPTIMEOUT_NODE (4 * NSEC_PER_SEC)
/* A reaper silent for this long is gone (a fork child has only the forking thread). */
#define REAP_STALE (30 * NSEC_PER_SEC)
/* Slab orders: 0, or 1 when the machine has more than 32 MiB (kmem_cache_init()). */
#define SLAB_MAX_ORDER_HI 1
#define SLAB_MAX_ORDER_LO 0
/*
 * One byte per free index (FREELIST_BYTE_INDEX): with 4 KiB pages, PAGE_SIZE >> 8 is
 * SLAB_OBJ_MIN_SIZE, so objects are never smaller than 16 bytes and a slab holds at
 * most 255 of them: an off-slab freelist fits kmalloc-256, well below kmalloc-8k.
 */
#define SLAB_OBJ_MIN_SIZE 16
typedef unsigned char freelist_idx_t;
#define SLAB_OBJ_MAX_NUM ((1U << (sizeof(freelist_idx_t) * 8)) - 1)
_Static_assert((PAGE_SIZE >> 8) <= SLAB_OBJ_MIN_SIZE, "byte-sized freelist indices");

/* Where a cache keeps its slab management (the kernel's CFLGS_* bits), and more. */
#define CFLGS_OBJFREELIST_SLAB 0x1U /* in a free object of the slab */
#define CFLGS_OFF_SLAB	       0x2U /* in an object of freelist_cache */
#define CFLGS_META	       0x4U /* an internal metadata cache: no array caches */

/* mm/internal.h: the GFP bits a slab's page allocation inherits from the caller. */
#define GFP_RECLAIM_MASK                                                                         \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
	 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NOLOCKDEP)
#define GFP_CONSTRAINT_MASK (__GFP_HARDWALL | __GFP_THISNODE)

/*
 * The flags for growing a cache on one node exactly: no fallback, no warning and no
 * reclaim there (the caller falls back to other nodes instead). With one node there is
 * nothing to fall back to, and the flags stay as given, as on a !CONFIG_NUMA kernel.
 */
static inline gfp_t gfp_exact_node(gfp_t flags)
{
	if (nr_online_nodes <= 1)
		return flags;
	return (flags | __GFP_THISNODE | __GFP_NOWARN) & ~(__GFP_RECLAIM | __GFP_NOFAIL);
}

/*
 * struct array_cache: LIFO, so that the hottest object goes out first. Owned by one
 * thread (a per-thread array) or guarded by the node's list_lock (the shared array).
 */
struct array_cache {
	unsigned int avail;	 /* entries [0, avail) hold objects, the newest last */
	unsigned int limit;	 /* capacity */
	unsigned int batchcount; /* objects moved at a time on a miss or a flush */
	unsigned int touched;	 /* used since the reaper last looked */
	void *entry[];
};

/* Objects of one remote node freed on this node, waiting to go home together. */
struct alien_cache {
	spinlock_t lock;
	struct array_cache ac;
};

/* An alien cache's capacity (alloc_alien_cache(): 12, or 1 for caches of limit 1). */
#define ALIEN_LIMIT 12

/* kmem_cache_node with SLAB's counters that slab.h's common part has no room for. */
struct slab_node {
	struct kmem_cache_node n; /* partial, full, free: slabs_partial, _full, _free */
	/* alien[nid]: objects of node nid freed here; NULL for this node and one-node runs */
	struct alien_cache **alien;
	unsigned long total_slabs; /* all slabs of the node; list_lock */
	unsigned long free_slabs;  /* on slabs_free; list_lock */
	unsigned int free_touched; /* a free slab was taken since the last reap; list_lock */
	uint64_t next_reap;	   /* cache_reap's next visit (slab_mutex) */
};

struct reciprocal_value {
	uint32_t m;
	uint8_t sh1, sh2;
};

/* The SLAB part of the kernel's struct kmem_cache: s->backend. Fixed after creation. */
struct slab_cache_info {
	unsigned int batchcount; /* tunables, as slabinfo shows them */
	unsigned int limit;
	unsigned int shared;
	unsigned int num;      /* objects per slab */
	unsigned int gfporder; /* pages per slab, log2 */
	unsigned int colour;   /* colour offsets in use: left-over / colour_off */
	unsigned int colour_off;
	unsigned int freelist_size; /* num * sizeof(freelist_idx_t) */
	unsigned int cflags;	    /* CFLGS_* */
	struct reciprocal_value reciprocal_buffer_size;
	struct kmem_cache *freelist_cache; /* OFF_SLAB: where the freelists come from */
	unsigned int obj_offset;	   /* DEBUG: the red zone word before each object */
};

static unsigned int slab_max_order = SLAB_MAX_ORDER_LO;

static inline struct slab_cache_info *cache_info(const struct kmem_cache *s)
{
	return s->backend;
}

static inline struct kmem_cache_node *get_node(const struct kmem_cache *s, int node)
{
	return s->node[node];
}

static inline struct array_cache *node_shared(const struct kmem_cache_node *n)
{
	return n->shared;
}

static inline struct slab_node *to_slab_node(struct kmem_cache_node *n)
{
	return (struct slab_node *)n;
}

#define for_each_kmem_cache_node(__s, __node, __n)                 \
	for ((__node) = 0; (__node) < nr_online_nodes; (__node)++) \
		if (((__n) = get_node(__s, __node)) != NULL)

static inline int slab_nid(const struct slab *slab)
{
	return page_to_nid(slab_page(slab));
}

/* ---- reciprocal division (lib/reciprocal_div.c): obj_to_index() without a divide -- */

static struct reciprocal_value reciprocal_value(uint32_t d)
{
	struct reciprocal_value r;
	int l = fls(d - 1);
	uint64_t m = ((1ULL << 32) * ((1ULL << l) - d)) / d + 1;

	r.m = (uint32_t)m;
	r.sh1 = (uint8_t)min(l, 1);
	r.sh2 = (uint8_t)max(l - 1, 0);
	return r;
}

static inline uint32_t reciprocal_divide(uint32_t a, struct reciprocal_value r)
{
	uint32_t t = (uint32_t)(((uint64_t)a * r.m) >> 32);

	return (t + ((a - t) >> r.sh1)) >> r.sh2;
}

/* ---- objects and the slab management ----------------------------------------------- */

static inline freelist_idx_t *slab_freelist(const struct slab *slab)
{
	return (freelist_idx_t *)(void *)slab->freelist_idx;
}

static inline void set_slab_freelist(struct slab *slab, void *freelist)
{
	slab->freelist_idx = freelist;
}

/*
 * The objects of a slab in use, kept in the low 24 bits of its page_type (which the
 * kernel leaves to the type's owner; the 6.7 kernel's SLAB had a word of its own, which
 * here holds the cache for kfree()).
 */
_Static_assert(SLAB_OBJ_MAX_NUM < (1U << 24), "slab_active() fits page_type's owner bits");

static inline unsigned int slab_active(const struct slab *slab)
{
	return page_type_word(slab_page(slab)) & 0xffffff;
}

static inline void slab_set_active(struct slab *slab, unsigned int active)
{
	__page_set_type(slab_page(slab), PGTY_slab, active);
}

static inline freelist_idx_t get_free_obj(const struct slab *slab, unsigned int idx)
{
	return slab_freelist(slab)[idx];
}

static inline void set_free_obj(struct slab *slab, unsigned int idx, freelist_idx_t val)
{
	slab_freelist(slab)[idx] = val;
}

static inline void *index_to_obj(const struct kmem_cache *s, const struct slab *slab,
				 unsigned int idx)
{
	return (char *)slab->s_mem + (size_t)s->size * idx;
}

static inline unsigned int obj_to_index(const struct kmem_cache *s, const struct slab *slab,
					const void *obj)
{
	uint32_t offset = (uint32_t)((const char *)obj - (const char *)slab->s_mem);

	return reciprocal_divide(offset, cache_info(s)->reciprocal_buffer_size);
}

/* Is @obj the start of one of @slab's objects? */
static bool slab_obj_valid(const struct kmem_cache *s, const struct slab *slab, const void *obj)
{
	const char *p = obj, *start = slab->s_mem;

	if (p < start || p >= start + (size_t)s->size * cache_info(s)->num)
		return false;
	return p == index_to_obj(s, slab, obj_to_index(s, slab, obj));
}

/* ---- reports --------------------------------------------------------------------------- */

static __printf(3, 4) void slab_error(const struct kmem_cache *s, const char *function,
				      const char *fmt, ...)
{
	char msg[128];
	va_list args;

	va_start(args, fmt);
	vscnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	pr_err("slab error in %s(): cache `%s': %s\n", function, s->name, msg);
	dump_stack();
	add_taint(TAINT_BAD_PAGE);
}

/* The DEBUG build's message; without it the kernel only had CONFIG_SLAB_FREELIST_HARDENED. */
static noinline void report_double_free(const struct kmem_cache *s, const void *objp)
{
	pr_err("slab: double free detected in cache '%s', objp 0x%016lx\n", s->name,
	       (unsigned long)objp);
	dump_stack();
	add_taint(TAINT_BAD_PAGE);
}

static noinline void report_invalid_free(const struct kmem_cache *s, const void *objp)
{
	pr_err("slab: invalid free in cache '%s', objp 0x%016lx is not an object start\n", s->name,
	       (unsigned long)objp);
	dump_stack();
	add_taint(TAINT_BAD_PAGE);
}

static noinline void slab_out_of_memory(struct kmem_cache *s, gfp_t gfpflags, int nodeid)
{
	struct slab_cache_info *info = cache_info(s);
	struct kmem_cache_node *n;
	char gfp[128];
	int node;

	if (gfpflags & __GFP_NOWARN)
		return;
	gfp_flags_snprint(gfp, sizeof(gfp), gfpflags);
	pr_warn("SLAB: Unable to allocate memory on node %d, gfp=%#x(%s)\n", nodeid, gfpflags, gfp);
	pr_warn("  cache: %s, object size: %u, order: %u\n", s->name, s->size, info->gfporder);
	for_each_kmem_cache_node(s, node, n)
	{
		struct slab_node *sn = to_slab_node(n);
		unsigned long total_slabs, free_slabs, free_objs;

		spin_lock(&n->list_lock);
		total_slabs = sn->total_slabs;
		free_slabs = sn->free_slabs;
		free_objs = n->free_objects;
		spin_unlock(&n->list_lock);
		pr_warn("  node %d: slabs: %ld/%ld, objs: %ld/%ld\n", node,
			(long)(total_slabs - free_slabs), (long)total_slabs,
			(long)(total_slabs * info->num - free_objs),
			(long)(total_slabs * info->num));
	}
}

/* ---- CONFIG_DEBUG_SLAB: red zones, poisoning, the last user ------------------------------ */

/*
 * A debug cache's object in its stride of s->size bytes (calculate_layout):
 *   [red zone 1: u64][object: object_size, word-aligned][red zone 2: u64][last user: word]
 * with the pointer handed out after red zone 1 (s_mem already points there). The red
 * zones read RED_INACTIVE while the object is free and RED_ACTIVE while it is allocated;
 * a poisoned object reads POISON_FREE while free, POISON_INUSE once handed out, its last
 * byte POISON_END. Debug caches keep no array caches: every object goes to and comes
 * from its slab through these checks.
 */
#define RED_INACTIVE 0x09F911029D74E35BULL /* include/linux/poison.h */
#define RED_ACTIVE   0xD84156C5635688C0ULL
#define POISON_INUSE 0x5a
#define POISON_FREE  0x6b
#define POISON_END   0xa5
/* check_poison_obj() shows at most this many damaged lines of an object. */
#define POISON_REPORT_LINES 5

static void cache_free_node(struct kmem_cache *s, void *objp);

/* The debug words a cache's flags add to its stride; sets info->obj_offset. */
static unsigned int debug_layout(struct slab_cache_info *info, slab_flags_t flags)
{
	unsigned int extra = 0;

	info->obj_offset = 0;
	if (flags & SLAB_RED_ZONE) {
		info->obj_offset += sizeof(unsigned long long);
		extra += 2 * sizeof(unsigned long long);
	}
	/* the user word, after a second red zone kept 64-bit aligned */
	if (flags & SLAB_STORE_USER)
		extra += (flags & SLAB_RED_ZONE) ? REDZONE_ALIGN : BYTES_PER_WORD;
	return extra;
}

static char *dbg_raw(const struct kmem_cache *s, const void *objp)
{
	return (char *)objp - cache_info(s)->obj_offset;
}

static unsigned long long *dbg_redzone1(const struct kmem_cache *s, const void *objp)
{
	return (unsigned long long *)((char *)objp - sizeof(unsigned long long));
}

static unsigned long long *dbg_redzone2(const struct kmem_cache *s, const void *objp)
{
	size_t end = s->size - sizeof(unsigned long long);

	if (s->flags & SLAB_STORE_USER)
		end -= REDZONE_ALIGN;
	return (unsigned long long *)(dbg_raw(s, objp) + end);
}

static void **dbg_userword(const struct kmem_cache *s, const void *objp)
{
	return (void **)(dbg_raw(s, objp) + s->size - BYTES_PER_WORD);
}

static void poison_obj(const struct kmem_cache *s, void *objp, unsigned char val)
{
	memset(objp, val, s->object_size);
	((unsigned char *)objp)[s->object_size - 1] = POISON_END;
}

/* One line of an object, with the hint a single flipped bit deserves. */
static void dump_line(const unsigned char *data, unsigned int offset, unsigned int limit)
{
	unsigned char error = 0;
	int bad_count = 0;

	pr_err("%03x: ", offset);
	for (unsigned int i = 0; i < limit; i++) {
		if (data[offset + i] != POISON_FREE) {
			error = data[offset + i];
			bad_count++;
		}
	}
	print_hex_dump(KERN_CONT, "", DUMP_PREFIX_NONE, 16, 1, &data[offset], limit, true);
	if (bad_count == 1) {
		error ^= POISON_FREE;
		if (!(error & (error - 1))) {
			pr_err("Single bit error detected. Probably bad RAM.\n");
			pr_err("Run memtest86+ or a similar memory test tool.\n");
		}
	}
}

static void print_objinfo(const struct kmem_cache *s, const void *objp, int lines)
{
	char sym[256];

	if (s->flags & SLAB_RED_ZONE)
		pr_err("Redzone: 0x%llx/0x%llx\n", *dbg_redzone1(s, objp), *dbg_redzone2(s, objp));
	if (s->flags & SLAB_STORE_USER) {
		port_symbolize(*dbg_userword(s, objp), sym, sizeof(sym));
		pr_err("Last user: (%s)\n", sym);
	}
	for (unsigned int i = 0; i < s->object_size && lines; i += 16, lines--)
		dump_line(objp, i, min(16U, s->object_size - i));
}

/* A free object must still read as POISON_FREE..POISON_END; true if it does. */
static bool check_poison_obj(const struct kmem_cache *s, const void *objp)
{
	const unsigned char *realobj = objp;
	unsigned int size = s->object_size, i;
	int lines = 0;

	for (i = 0; i < size; i++) {
		unsigned char exp = i == size - 1 ? POISON_END : POISON_FREE;

		if (realobj[i] == exp)
			continue;
		if (lines == 0) {
			pr_err("Slab corruption (%s): %s start=%016lx, len=%u\n", print_tainted(),
			       s->name, (unsigned long)realobj, size);
			print_objinfo(s, objp, 0);
		}
		i = (i / 16) * 16;
		dump_line(realobj, i, min(16U, size - i));
		i += 15;
		if (++lines > POISON_REPORT_LINES)
			break;
	}
	if (!lines)
		return true;
	/* the neighbours, which an overrun may have come from */
	{
		struct slab *slab = virt_to_slab(objp);
		unsigned int objnr = obj_to_index(s, slab, objp);

		if (objnr) {
			const void *prev = index_to_obj(s, slab, objnr - 1);

			pr_err("Prev obj: start=%016lx, len=%u\n", (unsigned long)prev, size);
			print_objinfo(s, prev, 2);
		}
		if (objnr + 1 < cache_info(s)->num) {
			const void *next = index_to_obj(s, slab, objnr + 1);

			pr_err("Next obj: start=%016lx, len=%u\n", (unsigned long)next, size);
			print_objinfo(s, next, 2);
		}
	}
	return false;
}

static void print_redzones(const struct kmem_cache *s, const void *objp)
{
	pr_err("%016lx: redzone 1:0x%llx, redzone 2:0x%llx\n", (unsigned long)objp,
	       *dbg_redzone1(s, objp), *dbg_redzone2(s, objp));
}

/* A new slab's object: free, its red zones inactive, constructed unless poisoned. */
static void cache_init_obj_debug(struct kmem_cache *s, void *objp)
{
	if (s->flags & SLAB_STORE_USER)
		*dbg_userword(s, objp) = NULL;
	if (s->flags & SLAB_RED_ZONE) {
		*dbg_redzone1(s, objp) = RED_INACTIVE;
		*dbg_redzone2(s, objp) = RED_INACTIVE;
	}
	if (s->ctor && !(s->flags & SLAB_POISON))
		s->ctor(objp);
	if (s->flags & SLAB_RED_ZONE) {
		if (*dbg_redzone2(s, objp) != RED_INACTIVE)
			slab_error(s, "cache_init_objs_debug",
				   "constructor overwrote the end of an object");
		if (*dbg_redzone1(s, objp) != RED_INACTIVE)
			slab_error(s, "cache_init_objs_debug",
				   "constructor overwrote the start of an object");
	}
	if (s->flags & SLAB_POISON)
		poison_obj(s, objp, POISON_FREE);
}

/* An object about to be handed out: still poisoned, red zones inactive; now active. */
static void cache_alloc_debugcheck_after(struct kmem_cache *s, void *objp, unsigned long caller)
{
	if (s->flags & SLAB_POISON) {
		check_poison_obj(s, objp);
		poison_obj(s, objp, POISON_INUSE);
	}
	if (s->flags & SLAB_STORE_USER)
		*dbg_userword(s, objp) = (void *)caller;
	if (s->flags & SLAB_RED_ZONE) {
		if (*dbg_redzone1(s, objp) != RED_INACTIVE ||
		    *dbg_redzone2(s, objp) != RED_INACTIVE) {
			slab_error(s, "cache_alloc_debugcheck_after",
				   "double free, or memory outside object was overwritten");
			print_redzones(s, objp);
		}
		*dbg_redzone1(s, objp) = RED_ACTIVE;
		*dbg_redzone2(s, objp) = RED_ACTIVE;
	}
	if (s->ctor && (s->flags & SLAB_POISON))
		s->ctor(objp);
}

/*
 * verify_redzone_free(): both red zones active, or the object is freed twice (both
 * inactive) or something wrote past it. False for a double free.
 */
static bool verify_redzone_free(struct kmem_cache *s, void *objp)
{
	unsigned long long redzone1 = *dbg_redzone1(s, objp), redzone2 = *dbg_redzone2(s, objp);
	bool double_free = redzone1 == RED_INACTIVE && redzone2 == RED_INACTIVE;

	if (redzone1 == RED_ACTIVE && redzone2 == RED_ACTIVE)
		return true;
	if (double_free)
		slab_error(s, "verify_redzone_free", "double free detected");
	else
		slab_error(s, "verify_redzone_free", "memory outside object was overwritten");
	print_redzones(s, objp);
	return !double_free;
}

/*
 * cache_free_debugcheck() and the free: the red zones checked and made inactive, the
 * last user recorded, the object poisoned, back to its slab. Unlike the kernel, which
 * went on to BUG(), a double free is reported and the second free ignored.
 */
static noinline void slab_free_debug(struct kmem_cache *s, struct slab *slab, void *objp,
				     unsigned long caller)
{
	if (unlikely(!slab_obj_valid(s, slab, objp)))
		return report_invalid_free(s, objp);
	if (s->flags & SLAB_RED_ZONE) {
		if (!verify_redzone_free(s, objp))
			return;
		*dbg_redzone1(s, objp) = RED_INACTIVE;
		*dbg_redzone2(s, objp) = RED_INACTIVE;
	}
	if (s->flags & SLAB_STORE_USER)
		*dbg_userword(s, objp) = (void *)caller;
	if (s->flags & SLAB_POISON)
		poison_obj(s, objp, POISON_FREE);
	cache_free_node(s, objp);
}

/* A slab about to go: every object must be free and untouched since its free. */
static void slab_destroy_debugcheck(struct kmem_cache *s, struct slab *slab)
{
	for (unsigned int i = 0; i < cache_info(s)->num; i++) {
		void *objp = index_to_obj(s, slab, i);

		if (s->flags & SLAB_POISON)
			check_poison_obj(s, objp);
		if (s->flags & SLAB_RED_ZONE) {
			if (*dbg_redzone1(s, objp) != RED_INACTIVE)
				slab_error(s, "slab_destroy_debugcheck",
					   "start of a freed object was overwritten");
			if (*dbg_redzone2(s, objp) != RED_INACTIVE)
				slab_error(s, "slab_destroy_debugcheck",
					   "end of a freed object was overwritten");
		}
	}
}

/*
 * validate(), kmm's addition: each object's red zones and poison as its state wants
 * them. Each damage is reported once and repaired, so that a second run finds none.
 */
static int validate_objects_debug(struct kmem_cache *s, struct slab *slab)
{
	struct slab_cache_info *info = cache_info(s);
	unsigned char is_free[SLAB_OBJ_MAX_NUM + 1] = { 0 };
	int problems = 0;

	for (unsigned int i = slab_active(slab); i < info->num; i++)
		is_free[get_free_obj(slab, i)] = 1;
	for (unsigned int i = 0; i < info->num; i++) {
		void *objp = index_to_obj(s, slab, i);
		unsigned long long red = is_free[i] ? RED_INACTIVE : RED_ACTIVE;

		if ((s->flags & SLAB_RED_ZONE) &&
		    (*dbg_redzone1(s, objp) != red || *dbg_redzone2(s, objp) != red)) {
			slab_error(s, "validate_slab", "memory outside object was overwritten");
			print_redzones(s, objp);
			*dbg_redzone1(s, objp) = red;
			*dbg_redzone2(s, objp) = red;
			problems++;
		}
		if ((s->flags & SLAB_POISON) && is_free[i] &&
		    (info->cflags & CFLGS_OBJFREELIST_SLAB) == 0 && !check_poison_obj(s, objp)) {
			poison_obj(s, objp, POISON_FREE);
			problems++;
		}
	}
	return problems;
}

/* ---- array caches ---------------------------------------------------------------------- */

static void *meta_alloc(size_t size, gfp_t gfp, int node);
static void meta_free(void *obj);

static struct array_cache *alloc_arraycache(int node, unsigned int entries, unsigned int batchcount,
					    gfp_t gfp)
{
	size_t memsize = sizeof(struct array_cache) + entries * sizeof(void *);
	struct array_cache *ac = meta_alloc(memsize, gfp, node);

	if (ac) {
		ac->avail = 0;
		ac->limit = entries;
		ac->batchcount = batchcount;
		ac->touched = 0;
	}
	return ac;
}

/* Move up to @max of the newest objects of @from to @to (lock held by the caller). */
static unsigned int transfer_objects(struct array_cache *to, struct array_cache *from,
				     unsigned int max)
{
	unsigned int nr = min(min(from->avail, max), to->limit - to->avail);

	if (!nr)
		return 0;
	memcpy(to->entry + to->avail, from->entry + from->avail - nr, sizeof(void *) * nr);
	from->avail -= nr;
	to->avail += nr;
	return nr;
}

/* Is @objp in @ac? A branchless scan the compiler can vectorise. */
static inline bool in_array(const struct array_cache *ac, const void *objp)
{
	unsigned int i, hit = 0;

	for (i = 0; i < ac->avail; i++)
		hit |= ac->entry[i] == objp;
	return hit;
}

/* ---- slabs: getting and giving back pages, the node lists ------------------------------ */

static struct slab *kmem_getpages(struct kmem_cache *s, gfp_t flags, int nodeid)
{
	unsigned int order = cache_info(s)->gfporder;
	struct page *page;
	struct slab *slab;

	page = alloc_pages_node(nodeid, flags | s->allocflags, order);
	if (!page) {
		slab_out_of_memory(s, flags, nodeid);
		return NULL;
	}
	slab = page_slab(page);
	slab_set_page_type(slab, s);
	slab_account(s, slab, 1);
	return slab;
}

static void kmem_freepages(struct kmem_cache *s, struct slab *slab)
{
	unsigned int order = cache_info(s)->gfporder;

	slab_account(s, slab, -1);
	slab_clear_page_type(slab);
	__free_pages(slab_page(slab), order);
}

static void cache_free_node(struct kmem_cache *s, void *objp);

static void kmem_rcu_free(struct rcu_head *head)
{
	struct slab *slab = container_of(head, struct slab, rcu_head);

	kmem_freepages(slab->slab_cache, slab);
}

/*
 * The slab is off every list and none of its objects is in use. A SLAB_TYPESAFE_BY_RCU
 * slab's pages wait for a grace period; its off-slab freelist is not read by RCU readers
 * and goes at once.
 */
static void slab_destroy(struct kmem_cache *s, struct slab *slab)
{
	struct slab_cache_info *info = cache_info(s);
	void *freelist = slab_freelist(slab);

	if (unlikely(s->flags & SLAB_DEBUG_FLAGS))
		slab_destroy_debugcheck(s, slab);
	if (unlikely(s->flags & SLAB_TYPESAFE_BY_RCU))
		call_rcu(&slab->rcu_head, kmem_rcu_free);
	else
		kmem_freepages(s, slab);
	if (!(info->cflags & CFLGS_OFF_SLAB))
		return;
	if (unlikely(info->freelist_cache->flags & SLAB_DEBUG_FLAGS))
		slab_free_debug(info->freelist_cache, virt_to_slab(freelist), freelist, _RET_IP_);
	else
		cache_free_node(info->freelist_cache, freelist);
}

static void slabs_destroy(struct kmem_cache *s, struct list_head *list)
{
	struct slab *slab, *n;

	list_for_each_entry_safe(slab, n, list, slab_list_slab) {
		list_del(&slab->slab_list_slab);
		slab_destroy(s, slab);
	}
}

/* A slab to allocate from: partial first, then free (list_lock held). */
static struct slab *get_first_slab(struct kmem_cache_node *n)
{
	struct slab *slab = list_first_entry_or_null(&n->partial, struct slab, slab_list_slab);

	if (!slab) {
		struct slab_node *sn = to_slab_node(n);

		sn->free_touched = 1;
		slab = list_first_entry_or_null(&n->free, struct slab, slab_list_slab);
		if (slab)
			sn->free_slabs--;
	}
	return slab;
}

/* DEBUG's slab_put_obj() check: is object @objnr free in its slab already? */
static bool debug_freed_twice(struct kmem_cache *s, struct slab *slab, unsigned int objnr)
{
	if (!(s->flags & SLAB_DEBUG_FLAGS))
		return false;
	for (unsigned int i = slab_active(slab); i < cache_info(s)->num; i++)
		if (get_free_obj(slab, i) == objnr)
			return true;
	return false;
}

static void *slab_get_obj(struct kmem_cache *s, struct slab *slab)
{
	void *objp = index_to_obj(s, slab, get_free_obj(slab, slab_active(slab)));

	slab_set_active(slab, slab_active(slab) + 1);
	return objp;
}

/* False, with a report, when @objp cannot go back: not an object, or a double free. */
static bool slab_put_obj(struct kmem_cache *s, struct slab *slab, void *objp)
{
	unsigned int objnr = obj_to_index(s, slab, objp);

	if (unlikely(objp != index_to_obj(s, slab, objnr) || objnr >= cache_info(s)->num)) {
		report_invalid_free(s, objp);
		return false;
	}
	if (unlikely(!slab_active(slab)) || unlikely(debug_freed_twice(s, slab, objnr))) {
		report_double_free(s, objp);
		return false;
	}
	slab_set_active(slab, slab_active(slab) - 1);
	/* OBJFREELIST: the first object freed to a full slab holds the indices */
	if (!slab_freelist(slab))
		set_slab_freelist(slab, objp);
	set_free_obj(slab, slab_active(slab), (freelist_idx_t)objnr);
	return true;
}

/* Take up to @batchcount objects of @slab into @ac; returns how many are still wanted. */
static int alloc_block(struct kmem_cache *s, struct array_cache *ac, struct slab *slab,
		       int batchcount)
{
	unsigned int num = cache_info(s)->num;

	while (slab_active(slab) < num && batchcount > 0) {
		ac->entry[ac->avail++] = slab_get_obj(s, slab);
		batchcount--;
	}
	return batchcount;
}

/* Put a slab that objects were taken from on the list it now belongs on (list_lock). */
static void fixup_slab_list(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab)
{
	struct slab_cache_info *info = cache_info(s);

	list_del(&slab->slab_list_slab);
	if (slab_active(slab) == info->num) {
		list_add(&slab->slab_list_slab, &n->full);
		/* the object holding the indices was the last one handed out */
		if (info->cflags & CFLGS_OBJFREELIST_SLAB)
			set_slab_freelist(slab, NULL);
	} else {
		list_add(&slab->slab_list_slab, &n->partial);
	}
}

/*
 * Give @nr objects back to their slabs (list_lock of @node held). Fully free slabs
 * beyond free_limit go to @list, for slabs_destroy() once the lock is dropped.
 */
static void free_block(struct kmem_cache *s, void **objpp, unsigned int nr, int node,
		       struct list_head *list)
{
	struct kmem_cache_node *n = get_node(s, node);
	struct slab_node *sn = to_slab_node(n);
	unsigned int num = cache_info(s)->num;
	struct slab *slab;

	for (unsigned int i = 0; i < nr; i++) {
		void *objp = objpp[i];

		slab = virt_to_slab(objp);
		if (unlikely(!slab_put_obj(s, slab, objp)))
			continue;
		n->free_objects++;
		list_del(&slab->slab_list_slab);
		if (slab_active(slab) == 0) {
			list_add(&slab->slab_list_slab, &n->free);
			sn->free_slabs++;
		} else {
			/* the tail: the longest time for its other objects to come back too */
			list_add_tail(&slab->slab_list_slab, &n->partial);
		}
	}
	while (n->free_objects > n->free_limit && !list_empty(&n->free)) {
		n->free_objects -= num;
		slab = list_last_entry(&n->free, struct slab, slab_list_slab);
		list_move(&slab->slab_list_slab, list);
		sn->free_slabs--;
		sn->total_slabs--;
	}
}

/* Free one object straight to its slab, with no array cache in between. */
static void cache_free_node(struct kmem_cache *s, void *objp)
{
	int node = slab_nid(virt_to_slab(objp));
	struct kmem_cache_node *n = get_node(s, node);
	LIST_HEAD(list);

	spin_lock(&n->list_lock);
	free_block(s, &objp, 1, node, &list);
	spin_unlock(&n->list_lock);
	slabs_destroy(s, &list);
}

/*
 * Give objects of any nodes back to their slabs, one node's list_lock at a time: an
 * array drained by another thread than its owner holds the owner's node's objects.
 */
static void free_block_home(struct kmem_cache *s, void **objpp, unsigned int nr)
{
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
	{
		LIST_HEAD(list);

		spin_lock(&n->list_lock);
		for (unsigned int i = 0; i < nr; i++)
			if (slab_nid(virt_to_slab(objpp[i])) == node)
				free_block(s, &objpp[i], 1, node, &list);
		spin_unlock(&n->list_lock);
		slabs_destroy(s, &list);
	}
}

/* ---- alien caches: frees of other nodes' objects ------------------------------------------ */

static struct alien_cache **alloc_alien_cache(int node, unsigned int limit, gfp_t gfp)
{
	struct alien_cache **alc_ptr;
	int i;

	if (limit > 1)
		limit = ALIEN_LIMIT;
	alc_ptr = meta_alloc(sizeof(void *) * (size_t)nr_online_nodes, gfp, node);
	if (!alc_ptr)
		return NULL;
	for_each_online_node(i) {
		size_t memsize = sizeof(struct alien_cache) + limit * sizeof(void *);
		struct alien_cache *alc;

		alc_ptr[i] = NULL;
		if (i == node)
			continue;
		alc = meta_alloc(memsize, gfp, node);
		if (!alc)
			goto fail;
		spin_lock_init(&alc->lock);
		alc->ac = (struct array_cache){ .limit = limit, .batchcount = 0xbaadf00d };
		alc_ptr[i] = alc;
	}
	return alc_ptr;
fail:
	while (--i >= 0)
		meta_free(alc_ptr[i]);
	meta_free(alc_ptr);
	return NULL;
}

static void free_alien_cache(struct alien_cache **alc_ptr)
{
	int i;

	if (!alc_ptr)
		return;
	for_each_online_node(i)
		meta_free(alc_ptr[i]);
	meta_free(alc_ptr);
}

/*
 * __drain_alien_cache(): objects taken out of an alien cache go to their home node's
 * shared array while it has room, the rest back to their slabs.
 */
static void drain_alien_objects(struct kmem_cache *s, void **objpp, unsigned int nr, int node)
{
	struct kmem_cache_node *n = get_node(s, node);
	struct array_cache *shared;
	LIST_HEAD(list);

	if (!nr)
		return;
	spin_lock(&n->list_lock);
	shared = n->shared;
	if (shared) {
		unsigned int room = min(nr, shared->limit - shared->avail);

		memcpy(&shared->entry[shared->avail], objpp + nr - room, sizeof(void *) * room);
		shared->avail += room;
		nr -= room;
	}
	free_block(s, objpp, nr, node, &list);
	spin_unlock(&n->list_lock);
	slabs_destroy(s, &list);
}

/* Empty one alien cache (of objects of node @node); a busy one is left if @trylock. */
static void drain_one_alien(struct kmem_cache *s, struct alien_cache *alc, int node, bool trylock)
{
	void *batch[ALIEN_LIMIT];
	unsigned int nr;

	if (!alc)
		return;
	if (trylock) {
		if (!spin_trylock(&alc->lock))
			return;
	} else {
		spin_lock(&alc->lock);
	}
	nr = alc->ac.avail;
	memcpy(batch, alc->ac.entry, sizeof(void *) * nr);
	alc->ac.avail = 0;
	spin_unlock(&alc->lock);
	drain_alien_objects(s, batch, nr, node);
}

/* drain_alien_cache() of every node of @s (reap_alien() when @trylock). */
static void drain_alien_caches(struct kmem_cache *s, bool trylock)
{
	struct kmem_cache_node *n;
	int node, home;

	for_each_kmem_cache_node(s, node, n)
	{
		struct alien_cache **alien = to_slab_node(n)->alien;

		if (!alien)
			continue;
		for_each_online_node(home)
			drain_one_alien(s, alien[home], home, trylock);
	}
}

/*
 * cache_free_alien(): an object of another node than the freeing thread's joins that
 * node's alien cache here; a full alien cache first goes home as a batch. Returns false
 * for an object of this node, which takes the usual path.
 */
static bool cache_free_alien(struct kmem_cache *s, struct slab *slab, void *objp)
{
	int node = numa_mem_id(), home = slab_nid(slab);
	struct alien_cache **alien = to_slab_node(get_node(s, node))->alien;
	void *batch[ALIEN_LIMIT];
	struct alien_cache *alc;
	unsigned int nr = 0;

	if (likely(home == node))
		return false;
	if (!alien || !(alc = alien[home])) {
		cache_free_node(s, objp);
		return true;
	}
	spin_lock(&alc->lock);
	if (unlikely(alc->ac.avail == alc->ac.limit)) {
		nr = alc->ac.avail;
		memcpy(batch, alc->ac.entry, sizeof(void *) * nr);
		alc->ac.avail = 0;
	}
	alc->ac.entry[alc->ac.avail++] = objp;
	spin_unlock(&alc->lock);
	drain_alien_objects(s, batch, nr, home);
	return true;
}

/* ---- growing a cache ---------------------------------------------------------------------- */

static void *cache_alloc_node(struct kmem_cache *s, gfp_t flags, int nodeid);
static void cache_reap_kick(gfp_t gfp);

/* The slab management of a new slab; its objects start @colour_off bytes in. */
static void *alloc_slabmgmt(struct kmem_cache *s, struct slab *slab, size_t colour_off,
			    gfp_t local_flags, int nodeid)
{
	struct slab_cache_info *info = cache_info(s);
	char *addr = slab_address(slab);

	/* s_mem is the first object as handed out, after its red zone word */
	slab->s_mem = addr + colour_off + info->obj_offset;
	slab_set_active(slab, 0);
	if (info->cflags & CFLGS_OBJFREELIST_SLAB)
		return NULL; /* set by cache_init_objs() */
	if (info->cflags & CFLGS_OFF_SLAB) {
		struct kmem_cache *fc = info->freelist_cache;
		void *freelist = cache_alloc_node(fc, local_flags, nodeid);

		/* a kmalloc cache with debugging: its object is handed out as any other */
		if (freelist && unlikely(fc->flags & SLAB_DEBUG_FLAGS))
			cache_alloc_debugcheck_after(fc, freelist, _RET_IP_);
		return freelist;
	}
	/* on-slab: the last bytes of the slab */
	return addr + (PAGE_SIZE << info->gfporder) - info->freelist_size;
}

/* Constructors run here, once per object for the slab's life. */
static void cache_init_objs(struct kmem_cache *s, struct slab *slab)
{
	struct slab_cache_info *info = cache_info(s);

	if (info->cflags & CFLGS_OBJFREELIST_SLAB)
		set_slab_freelist(slab, index_to_obj(s, slab, info->num - 1));
	for (unsigned int i = 0; i < info->num; i++) {
		if (unlikely(s->flags & SLAB_DEBUG_FLAGS))
			cache_init_obj_debug(s, index_to_obj(s, slab, i));
		/* a poisoned object gets its constructor when it is handed out */
		else if (s->ctor)
			s->ctor(index_to_obj(s, slab, i));
		set_free_obj(slab, i, (freelist_idx_t)i);
	}
}

/* A new slab, not yet on any list nor counted (cache_grow_end() does both). */
static struct slab *cache_grow_begin(struct kmem_cache *s, gfp_t flags, int nodeid)
{
	struct slab_cache_info *info = cache_info(s);
	struct kmem_cache_node *n;
	gfp_t local_flags;
	struct slab *slab;
	size_t offset;
	void *freelist;

	WARN_ON_ONCE(s->ctor && (flags & __GFP_ZERO));
	local_flags = flags & (GFP_CONSTRAINT_MASK | GFP_RECLAIM_MASK);
	cache_reap_kick(local_flags);

	slab = kmem_getpages(s, local_flags, nodeid);
	if (!slab)
		return NULL;
	n = get_node(s, slab_nid(slab));

	/* the colour of this slab, and the next one's */
	spin_lock(&n->list_lock);
	n->colour_next++;
	if (n->colour_next >= info->colour)
		n->colour_next = 0;
	offset = n->colour_next;
	spin_unlock(&n->list_lock);
	offset *= info->colour_off;

	freelist =
		alloc_slabmgmt(s, slab, offset, local_flags & ~GFP_CONSTRAINT_MASK, slab_nid(slab));
	if ((info->cflags & CFLGS_OFF_SLAB) && !freelist) {
		kmem_freepages(s, slab);
		return NULL;
	}
	set_slab_freelist(slab, freelist);
	cache_init_objs(s, slab);
	return slab;
}

static void cache_grow_end(struct kmem_cache *s, struct slab *slab)
{
	struct slab_cache_info *info = cache_info(s);
	struct kmem_cache_node *n;
	struct slab_node *sn;

	if (!slab)
		return;
	INIT_LIST_HEAD(&slab->slab_list_slab);
	n = get_node(s, slab_nid(slab));
	sn = to_slab_node(n);

	spin_lock(&n->list_lock);
	sn->total_slabs++;
	if (!slab_active(slab)) {
		list_add_tail(&slab->slab_list_slab, &n->free);
		sn->free_slabs++;
	} else {
		fixup_slab_list(s, n, slab);
	}
	n->free_objects += info->num - slab_active(slab);
	spin_unlock(&n->list_lock);
}

/* ---- allocating --------------------------------------------------------------------------- */

static void *fallback_alloc(struct kmem_cache *s, gfp_t flags);

/*
 * One object from @nodeid's slabs, bypassing the array caches (____cache_alloc_node);
 * if that node has none and cannot grow, from another node (fallback_alloc).
 */
static void *cache_alloc_node(struct kmem_cache *s, gfp_t flags, int nodeid)
{
	struct kmem_cache_node *n = get_node(s, nodeid);
	struct slab *slab;
	void *obj = NULL;

	spin_lock(&n->list_lock);
	slab = get_first_slab(n);
	if (slab) {
		obj = slab_get_obj(s, slab);
		n->free_objects--;
		fixup_slab_list(s, n, slab);
		spin_unlock(&n->list_lock);
		return obj;
	}
	spin_unlock(&n->list_lock);

	slab = cache_grow_begin(s, gfp_exact_node(flags), nodeid);
	if (slab)
		obj = slab_get_obj(s, slab); /* not counted in free_objects yet */
	cache_grow_end(s, slab);
	if (!obj && nr_online_nodes > 1)
		obj = fallback_alloc(s, flags);
	return obj;
}

/* Does node @nid of @s have free objects on its slabs? */
static bool node_has_free_objects(struct kmem_cache *s, int nid)
{
	struct kmem_cache_node *n = get_node(s, nid);
	bool ret;

	if (!n)
		return false;
	spin_lock(&n->list_lock);
	ret = n->free_objects != 0;
	spin_unlock(&n->list_lock);
	return ret;
}

/*
 * fallback_alloc(): the local node could not serve: take a free object of another node,
 * nearest first (the local node's zonelist), else grow a slab wherever the page
 * allocator finds memory and take from it. Not for __GFP_THISNODE.
 */
static void *fallback_alloc(struct kmem_cache *s, gfp_t flags)
{
	struct zonelist *zonelist = &NODE_DATA(numa_mem_id())->node_zonelists[ZONELIST_FALLBACK];
	enum zone_type highest_zoneidx = gfp_zone(flags);
	struct slab *slab;
	void *obj = NULL;

	if (flags & __GFP_THISNODE)
		return NULL;
retry:
	for (struct zoneref *z = zonelist->_zonerefs; z->zone && !obj; z++) {
		int nid = zone_to_nid(z->zone);

		/* one try per node: its zones follow each other in the list */
		if (z->zone_idx > (int)highest_zoneidx ||
		    (z != zonelist->_zonerefs && zone_to_nid(z[-1].zone) == nid))
			continue;
		if (node_has_free_objects(s, nid))
			obj = cache_alloc_node(s, gfp_exact_node(flags), nid);
	}
	if (obj)
		return obj;
	slab = cache_grow_begin(s, flags, numa_mem_id());
	cache_grow_end(s, slab);
	if (!slab)
		return NULL;
	obj = cache_alloc_node(s, gfp_exact_node(flags), slab_nid(slab));
	if (!obj)
		goto retry; /* someone took them all meanwhile */
	return obj;
}

/*
 * The array is empty: refill it with up to batchcount objects from the shared array,
 * the partial and free slabs, or a new slab, and hand out the newest.
 */
static void *cache_alloc_refill(struct kmem_cache *s, struct array_cache *ac, gfp_t flags)
{
	int node = numa_mem_id();
	struct kmem_cache_node *n = get_node(s, node);
	int batchcount = (int)ac->batchcount;
	struct array_cache *shared;
	struct slab *slab;

	/* little recent activity: a partial refill, not a bouncing one */
	if (!ac->touched && batchcount > BATCHREFILL_LIMIT)
		batchcount = BATCHREFILL_LIMIT;

	spin_lock(&n->list_lock);
	shared = n->shared;
	if (shared && transfer_objects(ac, shared, (unsigned int)batchcount)) {
		shared->touched = 1;
		goto alloc_done;
	}
	while (batchcount > 0) {
		slab = get_first_slab(n);
		if (!slab)
			break;
		batchcount = alloc_block(s, ac, slab, batchcount);
		fixup_slab_list(s, n, slab);
	}
	n->free_objects -= ac->avail;
alloc_done:
	spin_unlock(&n->list_lock);

	if (unlikely(!ac->avail)) {
		slab = cache_grow_begin(s, gfp_exact_node(flags), node);
		if (slab)
			alloc_block(s, ac, slab, batchcount);
		cache_grow_end(s, slab);
		if (!ac->avail)
			return NULL;
	}
	ac->touched = 1;
	return ac->entry[--ac->avail];
}

/* The calling thread's array for @s, allocated on first use; NULL: go to the slabs. */
static struct array_cache *cpu_array(struct kmem_cache *s, gfp_t gfp)
{
	struct slab_cache_info *info = cache_info(s);
	struct kmem_cache_cpu *c;

	/* debug caches: every object to and from its slab, checked on the way */
	if ((info->cflags & CFLGS_META) || (s->flags & SLAB_DEBUG_FLAGS))
		return NULL;
	c = this_cpu_slab(s);
	if (unlikely(!c->backend))
		c->backend = alloc_arraycache(numa_mem_id(), info->limit, info->batchcount,
					      (gfp & GFP_RECLAIM_MASK) | __GFP_NOWARN);
	return c->backend;
}

static inline bool node_online_for(const struct kmem_cache *s, int node)
{
	return node >= 0 && node < nr_online_nodes && s->node[node];
}

static noinline void *slab_alloc_slow(struct kmem_cache *s, gfp_t flags, int node,
				      unsigned long caller)
{
	struct array_cache *ac;
	void *objp;

	if (node != NUMA_NO_NODE && node != numa_mem_id() && node_online_for(s, node))
		objp = cache_alloc_node(s, flags, node);
	else if (!(ac = cpu_array(s, flags)))
		objp = cache_alloc_node(s, flags, numa_mem_id());
	else if (ac->avail) {
		ac->touched = 1;
		objp = ac->entry[--ac->avail];
	} else if (!(objp = cache_alloc_refill(s, ac, flags)) && nr_online_nodes > 1)
		objp = cache_alloc_node(s, flags, numa_mem_id()); /* the node ran out */

	if (unlikely(s->flags & SLAB_DEBUG_FLAGS) && objp)
		cache_alloc_debugcheck_after(s, objp, caller);
	if (unlikely(flags & __GFP_ZERO) && objp)
		memset(objp, 0, s->object_size);
	return objp;
}

static noinline void *slab_zero_object(const struct kmem_cache *s, void *objp)
{
	memset(objp, 0, s->object_size);
	return objp;
}

/* The fast path: the newest object of the thread's array. */
static __always_inline void *slab_alloc(struct kmem_cache *s, gfp_t flags, int node,
					unsigned long caller)
{
	struct slab_thread_area *area = slab_thread_area_current;
	struct array_cache *ac;
	void *objp;

	if (unlikely(!area || node != NUMA_NO_NODE))
		return slab_alloc_slow(s, flags, node, caller);
	ac = area->cpu[s->cpu_index].backend;
	if (unlikely(!ac || !ac->avail))
		return slab_alloc_slow(s, flags, node, caller);
	ac->touched = 1;
	objp = ac->entry[--ac->avail];
	if (unlikely(flags & __GFP_ZERO))
		return slab_zero_object(s, objp);
	return objp;
}

/* ---- freeing ------------------------------------------------------------------------------- */

/*
 * The array is full: move its batchcount oldest objects to the shared array if it has
 * room, else back to their slabs; the newest stay.
 */
static void cache_flusharray(struct kmem_cache *s, struct array_cache *ac)
{
	unsigned int batchcount = ac->batchcount;
	int node = numa_mem_id();
	struct kmem_cache_node *n = get_node(s, node);
	LIST_HEAD(list);

	spin_lock(&n->list_lock);
	if (n->shared) {
		struct array_cache *shared_array = n->shared;
		unsigned int max = shared_array->limit - shared_array->avail;

		if (max) {
			if (batchcount > max)
				batchcount = max;
			memcpy(&shared_array->entry[shared_array->avail], ac->entry,
			       sizeof(void *) * batchcount);
			shared_array->avail += batchcount;
			goto free_done;
		}
	}
	free_block(s, ac->entry, batchcount, node, &list);
free_done:
	spin_unlock(&n->list_lock);
	ac->avail -= batchcount;
	memmove(ac->entry, &ac->entry[batchcount], sizeof(void *) * ac->avail);
	slabs_destroy(s, &list);
}

static noinline void slab_free_slow(struct kmem_cache *s, struct slab *slab, void *objp,
				    unsigned long caller)
{
	struct array_cache *ac;

	if (unlikely(s->flags & SLAB_DEBUG_FLAGS))
		return slab_free_debug(s, slab, objp, caller);
	if (unlikely(!slab_obj_valid(s, slab, objp)))
		return report_invalid_free(s, objp);
	/* an object of another node goes home through an alien cache */
	if (nr_online_nodes > 1 && cache_free_alien(s, slab, objp))
		return;
	ac = cpu_array(s, GFP_NOWAIT | __GFP_NOWARN);
	if (!ac)
		return cache_free_node(s, objp);
	if (unlikely(in_array(ac, objp)))
		return report_double_free(s, objp);
	if (ac->avail >= ac->limit)
		cache_flusharray(s, ac);
	ac->entry[ac->avail++] = objp;
}

/*
 * The fast path: onto the thread's array. Freeing the object freed last again is the
 * common double free (the newest entry: one compare, as hardened kernels check); a
 * pointer that is not an object's start would be handed out later as one. Both go to
 * the slow path, which reports and ignores them; it also looks through the whole array
 * when the array is full, so an older duplicate is caught before it reaches a slab.
 */
static __always_inline void slab_free(struct kmem_cache *s, struct slab *slab, void *objp,
				      unsigned long caller)
{
	struct slab_thread_area *area = slab_thread_area_current;
	struct array_cache *ac;

	if (unlikely(!area || nr_online_nodes > 1))
		return slab_free_slow(s, slab, objp, caller);
	ac = area->cpu[s->cpu_index].backend;
	if (unlikely(!ac || ac->avail >= ac->limit ||
		     (ac->avail && ac->entry[ac->avail - 1] == objp) ||
		     !slab_obj_valid(s, slab, objp)))
		return slab_free_slow(s, slab, objp, caller);
	ac->entry[ac->avail++] = objp;
}

/* ---- the ops: alloc, free, bulk, ksize, obj_valid ------------------------------------------ */

static void *slab_ops_alloc(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
			    size_t orig_size)
{
	return slab_alloc(s, gfp, node, caller);
}

static void slab_ops_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	slab_free(s, slab, obj, caller);
}

/* All or nothing: @nr objects into @p, or 0 with nothing allocated. */
static int slab_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		p[i] = slab_alloc(s, flags, NUMA_NO_NODE, _RET_IP_);
		if (unlikely(!p[i]))
			goto error;
	}
	return (int)nr;
error:
	while (i--)
		slab_free(s, virt_to_slab(p[i]), p[i], _RET_IP_);
	return 0;
}

/* @s NULL (kfree_bulk): each object names its own cache. */
static void slab_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++) {
		struct slab *slab;
		void *objp = p[i];

		if (ZERO_OR_NULL_PTR(objp))
			continue;
		if (unlikely(!virt_addr_valid(objp) || !(slab = virt_to_slab(objp)))) {
			if (!s)
				kfree(objp);
			else
				WARN(1, "kmem_cache_free_bulk(%s): %p is not a slab object\n",
				     s->name, objp);
			continue;
		}
		if (s && unlikely(slab->slab_cache != s))
			WARN(1,
			     "kmem_cache_free_bulk: Wrong slab cache. %s but object is from %s\n",
			     s->name, slab->slab_cache->name);
		slab_free(slab->slab_cache, slab, objp, _RET_IP_);
	}
}

static size_t slab_ksize(struct kmem_cache *s, const void *obj)
{
	return s->object_size;
}

static bool slab_ops_obj_valid(struct kmem_cache *s, struct slab *slab, const void *obj)
{
	return obj && slab_obj_valid(s, slab, obj);
}

/* ---- the internal metadata caches ------------------------------------------------------------ */

#define META_SHIFT_LOW	5
#define META_SHIFT_HIGH 12
#define NR_META_CACHES	(META_SHIFT_HIGH - META_SHIFT_LOW + 1)

static struct kmem_cache meta_caches[NR_META_CACHES];
static struct slab_cache_info meta_info[NR_META_CACHES];
static struct slab_node meta_nodes[NR_META_CACHES][MAX_NUMNODES];
static const char *const meta_names[NR_META_CACHES] = {
	"slab-meta-32",	 "slab-meta-64", "slab-meta-128", "slab-meta-256",
	"slab-meta-512", "slab-meta-1k", "slab-meta-2k",  "slab-meta-4k",
};

static void *meta_alloc(size_t size, gfp_t gfp, int node)
{
	unsigned int idx = size <= (1U << META_SHIFT_LOW) ?
				   0 :
				   (unsigned int)fls((unsigned int)size - 1) - META_SHIFT_LOW;

	if (WARN_ON(idx >= NR_META_CACHES))
		return NULL;
	return cache_alloc_node(&meta_caches[idx], gfp,
				node_online_for(&meta_caches[idx], node) ? node : 0);
}

static void meta_free(void *obj)
{
	if (obj)
		cache_free_node(virt_to_slab(obj)->slab_cache, obj);
}

/* ---- cache geometry: calculate_slab_order and the management placement ----------------- */

/* Objects of @buffer_size in a slab of @gfporder, and the bytes left over. */
static unsigned int cache_estimate(unsigned int gfporder, size_t buffer_size, unsigned int cflags,
				   size_t *left_over)
{
	size_t slab_size = PAGE_SIZE << gfporder;
	unsigned int num;

	/*
	 * On-slab, each object costs its index too; the freelist sits at the very end of
	 * the slab, so the objects keep their alignment. Off-slab or in an object, the
	 * objects have the slab to themselves.
	 */
	if (cflags & (CFLGS_OBJFREELIST_SLAB | CFLGS_OFF_SLAB)) {
		num = (unsigned int)(slab_size / buffer_size);
		*left_over = slab_size % buffer_size;
	} else {
		num = (unsigned int)(slab_size / (buffer_size + sizeof(freelist_idx_t)));
		*left_over = slab_size % (buffer_size + sizeof(freelist_idx_t));
	}
	return num;
}

static bool is_off_slab(const struct kmem_cache *s)
{
	return s->backend && (cache_info(s)->cflags & CFLGS_OFF_SLAB);
}

/*
 * The smallest order that wastes at most 1/8 of the slab, up to slab_max_order (or the
 * first that holds an object at all); sets num and gfporder, returns the left-over.
 * @orig_size is the size the cache was asked for, as cachep->size still is meanwhile.
 */
static size_t calculate_slab_order(struct slab_cache_info *info, size_t size,
				   unsigned int orig_size, slab_flags_t flags, unsigned int cflags)
{
	size_t left_over = 0;

	for (unsigned int gfporder = 0; gfporder <= KMALLOC_MAX_ORDER; gfporder++) {
		size_t remainder;
		unsigned int num = cache_estimate(gfporder, size, cflags, &remainder);

		if (!num)
			continue;
		/* no more objects than a freelist_idx_t can number */
		if (num > SLAB_OBJ_MAX_NUM)
			break;
		if (cflags & CFLGS_OFF_SLAB) {
			size_t freelist_size = num * sizeof(freelist_idx_t);
			struct kmem_cache *freelist_cache = kmalloc_slab(freelist_size, 0);

			/* not yet, or a freelist that would need a freelist of its own */
			if (!freelist_cache || is_off_slab(freelist_cache))
				continue;
			/* off-slab only where it pays */
			if (freelist_cache->size > orig_size / 2)
				continue;
		}
		info->num = num;
		info->gfporder = gfporder;
		left_over = remainder;

		/* reclaimable caches are shrunk under GFP_NOFS: no high orders for them */
		if (flags & SLAB_RECLAIM_ACCOUNT)
			break;
		if (gfporder >= slab_max_order)
			break;
		/* acceptable internal fragmentation? */
		if (left_over * 8 <= (PAGE_SIZE << gfporder))
			break;
	}
	return left_over;
}

/* The freelist in a free object: no constructor or RCU state to keep, and it fits. */
static bool set_objfreelist_slab_cache(struct kmem_cache *s, struct slab_cache_info *info,
				       size_t size, unsigned int orig_size, slab_flags_t flags)
{
	size_t left;

	info->num = 0;
	if (s->ctor || (flags & SLAB_TYPESAFE_BY_RCU))
		return false;
	/* a poisoned free object must read as poison: the indices go elsewhere */
	if (flags & SLAB_POISON)
		return false;
	left = calculate_slab_order(info, size, orig_size, flags, CFLGS_OBJFREELIST_SLAB);
	if (!info->num)
		return false;
	if (info->num * sizeof(freelist_idx_t) > s->object_size)
		return false;
	info->colour = (unsigned int)(left / info->colour_off);
	return true;
}

/* Off the slab, unless the left-over space could hold it anyway. */
static bool set_off_slab_cache(struct kmem_cache *s, struct slab_cache_info *info, size_t size,
			       unsigned int orig_size, slab_flags_t flags)
{
	size_t left;

	info->num = 0;
	/* kmemleak would recurse: always on-slab */
	if (flags & SLAB_NOLEAKTRACE)
		return false;
	left = calculate_slab_order(info, size, orig_size, flags, CFLGS_OFF_SLAB);
	if (!info->num)
		return false;
	/* room on the slab after all: keep it there, at the expense of colouring */
	if (left >= info->num * sizeof(freelist_idx_t))
		return false;
	info->colour = (unsigned int)(left / info->colour_off);
	return true;
}

static bool set_on_slab_cache(struct kmem_cache *s, struct slab_cache_info *info, size_t size,
			      unsigned int orig_size, slab_flags_t flags)
{
	size_t left;

	info->num = 0;
	left = calculate_slab_order(info, size, orig_size, flags, 0);
	if (!info->num)
		return false;
	info->colour = (unsigned int)(left / info->colour_off);
	return true;
}

/* __kmem_cache_create()'s layout: alignment, stride, order, management placement. */
static int calculate_layout(struct kmem_cache *s, struct slab_cache_info *info)
{
	unsigned int orig_size = s->object_size;
	/* CONFIG_DEBUG_SLAB knows red zones, poisoning and the last user, nothing else */
	slab_flags_t flags = s->flags & ~(SLAB_CONSISTENCY_CHECKS | SLAB_TRACE);
	unsigned int size, align;
	size_t ralign = BYTES_PER_WORD;

	if (flags & SLAB_KMALLOC)
		flags |= ARCH_KMALLOC_FLAGS;
	align = calculate_alignment(flags, s->align, s->object_size, L1_CACHE_BYTES);

	/* words, so that on-slab indices and red zones stay aligned */
	size = ALIGN(s->object_size, (unsigned int)BYTES_PER_WORD);
	if (flags & SLAB_RED_ZONE) {
		ralign = REDZONE_ALIGN;
		size = ALIGN(size, (unsigned int)REDZONE_ALIGN);
	}
	if (ralign < align)
		ralign = align;
	/* the debug words cannot keep a larger alignment */
	if (ralign > __alignof__(unsigned long long))
		flags &= ~(SLAB_RED_ZONE | SLAB_STORE_USER);
	s->align = (unsigned int)ralign;
	info->colour_off = max((unsigned int)L1_CACHE_BYTES, s->align);
	size += debug_layout(info, flags);

	size = ALIGN(size, s->align);
	/* byte-sized indices: at most 255 objects, so none smaller than 16 bytes */
	if (size < SLAB_OBJ_MIN_SIZE)
		size = ALIGN((unsigned int)SLAB_OBJ_MIN_SIZE, s->align);

	if (set_objfreelist_slab_cache(s, info, size, orig_size, flags))
		info->cflags |= CFLGS_OBJFREELIST_SLAB;
	else if (set_off_slab_cache(s, info, size, orig_size, flags))
		info->cflags |= CFLGS_OFF_SLAB;
	else if (!set_on_slab_cache(s, info, size, orig_size, flags))
		return -E2BIG;

	info->freelist_size = info->num * (unsigned int)sizeof(freelist_idx_t);
	s->flags = flags;
	s->allocflags = __GFP_COMP;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	s->size = size;
	s->inuse = ALIGN(s->object_size, (unsigned int)BYTES_PER_WORD);
	s->offset = 0;
	s->red_left_pad = 0;
	s->oo = oo_make(info->gfporder, info->num);
	s->min = s->oo;
	info->reciprocal_buffer_size = reciprocal_value(size);
	if (info->cflags & CFLGS_OFF_SLAB)
		info->freelist_cache = kmalloc_slab(info->freelist_size, 0);
	return 0;
}

/* ---- per-node structures and tunables (enable_cpucache, do_tune_cpucache) ------------------- */

static void kmem_cache_node_init(struct slab_node *sn)
{
	struct kmem_cache_node *n = &sn->n;

	memset(sn, 0, sizeof(*sn));
	spin_lock_init(&n->list_lock);
	INIT_LIST_HEAD(&n->partial);
	INIT_LIST_HEAD(&n->full);
	INIT_LIST_HEAD(&n->free);
	atomic_init(&n->nr_slabs, 0);
	atomic_init(&n->total_objects, 0);
}

/* free_limit: a batch per CPU of the node, one more, and a slab's worth. */
static unsigned int node_free_limit(const struct slab_cache_info *info)
{
	unsigned int cpus = slab_nr_cpus ? slab_nr_cpus : 1;

	return (1 + cpus) * info->batchcount + info->num;
}

static void free_kmem_cache_nodes(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
	{
		s->node[node] = NULL;
		meta_free(n->shared);
		free_alien_cache(to_slab_node(n)->alien);
		meta_free(to_slab_node(n));
	}
}

static int setup_kmem_cache_nodes(struct kmem_cache *s)
{
	struct slab_cache_info *info = cache_info(s);
	uint64_t now = port_clock_ns();
	int node;

	for_each_online_node(node) {
		struct array_cache *shared = NULL;
		struct alien_cache **alien = NULL;
		struct slab_node *sn;

		if (info->shared) {
			shared = alloc_arraycache(node, info->shared * info->batchcount, 0xbaadf00d,
						  GFP_KERNEL);
			if (!shared)
				goto fail;
		}
		if (nr_online_nodes > 1) {
			alien = alloc_alien_cache(node, info->limit, GFP_KERNEL);
			if (!alien) {
				meta_free(shared);
				goto fail;
			}
		}
		sn = meta_alloc(sizeof(*sn), GFP_KERNEL, node);
		if (!sn) {
			meta_free(shared);
			free_alien_cache(alien);
			goto fail;
		}
		kmem_cache_node_init(sn);
		sn->alien = alien;
		/* spread the caches' visits over the period */
		sn->next_reap = now + REAPTIMEOUT_NODE + (unsigned long)s % REAPTIMEOUT_NODE;
		sn->n.free_limit = node_free_limit(info);
		sn->n.shared = shared;
		s->node[node] = &sn->n;
	}
	return 0;
fail:
	free_kmem_cache_nodes(s);
	return -ENOMEM;
}

/*
 * The array sizes, guessed by object size as the kernel did: small objects get deep
 * arrays, huge ones almost none. The shared array (8 batches) helps a producer and a
 * consumer on different CPUs pass objects; on one CPU it would only be a larger limit.
 */
static int enable_cpucache(struct kmem_cache *s)
{
	struct slab_cache_info *info = cache_info(s);
	unsigned int limit, shared = 0;

	if (s->size > 131072)
		limit = 1;
	else if (s->size > PAGE_SIZE)
		limit = 8;
	else if (s->size > 1024)
		limit = 24;
	else if (s->size > 256)
		limit = 54;
	else
		limit = 120;
	if (s->size <= PAGE_SIZE && slab_nr_cpus > 1)
		shared = 8;
	info->limit = limit;
	info->batchcount = (limit + 1) / 2;
	info->shared = shared;
	return setup_kmem_cache_nodes(s);
}

/* ---- creating and destroying caches ------------------------------------------------------ */

static void slab_cache_release(struct kmem_cache *s)
{
	if (!s->backend)
		return;
	free_kmem_cache_nodes(s);
	meta_free(s->backend);
	s->backend = NULL;
}

static int slab_cache_create(struct kmem_cache *s, const struct kmem_cache_args *args)
{
	struct slab_cache_info *info;
	int err;

	info = meta_alloc(sizeof(*info), GFP_KERNEL, numa_mem_id());
	if (!info)
		return -ENOMEM;
	memset(info, 0, sizeof(*info));
	s->backend = info;
	err = calculate_layout(s, info);
	if (!err)
		err = enable_cpucache(s);
	if (err) {
		pr_err("enable_cpucache failed for %s, error %d\n", s->name, -err);
		meta_free(info);
		s->backend = NULL;
	}
	return err;
}

/* The metadata caches, from static structures: they exist before any other cache. */
static void slab_kmem_cache_init(void)
{
	/* kmem_cache_init(): order-1 slabs are fine with more than 32 MiB of memory */
	if (totalram_pages() > (32UL << 20) >> PAGE_SHIFT)
		slab_max_order = SLAB_MAX_ORDER_HI;

	for (unsigned int i = 0; i < NR_META_CACHES; i++) {
		struct kmem_cache *s = &meta_caches[i];
		struct slab_cache_info *info = &meta_info[i];
		int node;

		s->name = meta_names[i];
		s->object_size = s->size = 1U << (META_SHIFT_LOW + i);
		s->flags = SLAB_HWCACHE_ALIGN | SLAB_NO_OBJ_EXT;
		s->refcount = -1;
		s->backend = info;
		info->cflags = CFLGS_META;
		if (calculate_layout(s, info)) {
			pr_emerg("SLAB: cannot lay out %s\n", s->name);
			port_panic();
		}
		for_each_online_node(node) {
			struct slab_node *sn = &meta_nodes[i][node];

			kmem_cache_node_init(sn);
			sn->n.free_limit = info->num; /* keep a slab's worth */
			s->node[node] = &sn->n;
		}
	}
}

/* Everything @c's array holds goes back to the slabs; @release frees the array too. */
static void drain_thread_array(struct kmem_cache *s, struct kmem_cache_cpu *c, bool release)
{
	struct array_cache *ac = c->backend;

	if (!ac)
		return;
	if (ac->avail) {
		free_block_home(s, ac->entry, ac->avail);
		ac->avail = 0;
	}
	if (release) {
		c->backend = NULL;
		meta_free(ac);
	}
}

/* Part (or all) of an array whose lock is held back to the slabs (drain_array_locked). */
static void drain_array_locked(struct kmem_cache *s, struct array_cache *ac, int node,
			       bool free_all, struct list_head *list)
{
	unsigned int tofree;

	if (!ac || !ac->avail)
		return;
	tofree = free_all ? ac->avail : (ac->limit + 4) / 5;
	if (tofree > ac->avail)
		tofree = (ac->avail + 1) / 2;
	free_block(s, ac->entry, tofree, node, list);
	ac->avail -= tofree;
	memmove(ac->entry, &ac->entry[tofree], sizeof(void *) * ac->avail);
}

static void drain_shared(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
	{
		LIST_HEAD(list);

		spin_lock(&n->list_lock);
		drain_array_locked(s, n->shared, node, true, &list);
		spin_unlock(&n->list_lock);
		slabs_destroy(s, &list);
	}
}

/* Destroy up to @tofree free slabs of the node; returns how many went. */
static unsigned int drain_freelist(struct kmem_cache *s, struct kmem_cache_node *n,
				   unsigned int tofree)
{
	struct slab_node *sn = to_slab_node(n);
	unsigned int nr_freed = 0;

	while (nr_freed < tofree) {
		struct slab *slab;

		spin_lock(&n->list_lock);
		if (list_empty(&n->free)) {
			spin_unlock(&n->list_lock);
			break;
		}
		slab = list_last_entry(&n->free, struct slab, slab_list_slab);
		list_del(&slab->slab_list_slab);
		sn->free_slabs--;
		sn->total_slabs--;
		n->free_objects -= cache_info(s)->num;
		spin_unlock(&n->list_lock);
		slab_destroy(s, slab);
		nr_freed++;
	}
	return nr_freed;
}

/* Shared arrays and free slabs gone; nonzero while slabs with objects remain. */
static int shrink_nodes(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node, ret = 0;

	drain_alien_caches(s, false);
	drain_shared(s);
	for_each_kmem_cache_node(s, node, n)
	{
		drain_freelist(s, n, ~0U);
		spin_lock(&n->list_lock);
		ret |= !list_empty(&n->full) || !list_empty(&n->partial);
		spin_unlock(&n->list_lock);
	}
	return ret;
}

/*
 * __kmem_cache_shrink(): the calling thread's array, the shared arrays and every free
 * slab. Other threads' arrays stay: they may be using them this moment, and a thread
 * cannot be interrupted to drain its own as a CPU can.
 */
static int slab_cache_shrink(struct kmem_cache *s)
{
	struct slab_thread_area *area = slab_thread_area_current;

	if (area && !(cache_info(s)->cflags & CFLGS_META))
		drain_thread_array(s, &area->cpu[s->cpu_index], false);
	return shrink_nodes(s);
}

/*
 * __kmem_cache_shutdown() (slab_mutex and slab_areas_lock held): every thread's array
 * of @s, then as shrink. Nonzero if objects remain; the front end reports them.
 */
static int slab_cache_shutdown(struct kmem_cache *s)
{
	struct slab_thread_area *area;

	for_each_slab_thread_area(area) drain_thread_array(s, &area->cpu[s->cpu_index], true);
	return shrink_nodes(s);
}

/* The calling thread exits (slab_mutex and slab_areas_lock held): its arrays go back. */
static void slab_flush_thread(struct slab_thread_area *area)
{
	for (unsigned int i = 0; i < SLAB_MAX_CACHES; i++) {
		struct kmem_cache *s = slab_cache_by_index(i);

		if (s && area->cpu[i].backend)
			drain_thread_array(s, &area->cpu[i], true);
	}
}

/* ---- cache_reap: the periodic trimming ------------------------------------------------- */

static _Atomic uint64_t reap_heartbeat;	   /* the reaper's last tick; 0: never started */
static const unsigned int reap_sleep_word; /* never changes: port_wait() on it just sleeps */

/*
 * One tick for each cache whose node is due: an idle shared array gives back a fifth
 * of its limit, and an idle node one fifth of its free_limit in free slabs.
 */
static void cache_reap(uint64_t now)
{
	struct kmem_cache *s;

	if (!spin_trylock(&slab_mutex.lock))
		return; /* busy: next time */
	list_for_each_entry(s, &slab_caches, list) {
		struct slab_cache_info *info = cache_info(s);
		struct kmem_cache_node *n;
		int node;

		for_each_kmem_cache_node(s, node, n)
		{
			struct slab_node *sn = to_slab_node(n);
			struct array_cache *shared;
			bool free_touched;
			LIST_HEAD(list);

			/* reap_alien(): what this node's threads freed of other nodes goes home */
			if (sn->alien)
				for (int home = 0; home < nr_online_nodes; home++)
					drain_one_alien(s, sn->alien[home], home, true);
			if (now < sn->next_reap)
				continue;
			sn->next_reap = now + REAPTIMEOUT_NODE;

			spin_lock(&n->list_lock);
			shared = n->shared;
			if (shared && shared->avail) {
				if (shared->touched)
					shared->touched = 0;
				else
					drain_array_locked(s, shared, node, false, &list);
			}
			free_touched = sn->free_touched;
			sn->free_touched = 0;
			spin_unlock(&n->list_lock);
			slabs_destroy(s, &list);

			if (!free_touched)
				drain_freelist(s, n,
					       (n->free_limit + 5 * info->num - 1) /
						       (5 * info->num));
		}
	}
	mutex_unlock(&slab_mutex);
}

static void cache_reap_thread(void *arg)
{
	metadata_access_enable(); /* for good: this thread walks nothing but free objects */
	for (;;) {
		uint64_t deadline = port_clock_ns() + REAPTIMEOUT_AC, now;

		while ((now = port_clock_ns()) < deadline)
			port_wait(&reap_sleep_word, 0, deadline - now);
		atomic_store_explicit(&reap_heartbeat, now, memory_order_relaxed);
		cache_reap(now);
	}
}

/*
 * Start the reaper if it is not running (first growth of a cache, or a fork child
 * whose reaper stayed in the parent). Only where the caller may sleep, so that no
 * kmm lock is held; cache creation allocates under slab_mutex, hence that check.
 */
static void cache_reap_kick(gfp_t gfp)
{
	uint64_t beat = atomic_load_explicit(&reap_heartbeat, memory_order_relaxed), now;
	struct port_thread *thread;

	if (likely(beat) && port_clock_ns() - beat < REAP_STALE)
		return;
	if (!gfpflags_allow_blocking(gfp) || !kmm_context_may_sleep() ||
	    spin_is_locked(&slab_mutex.lock))
		return;
	now = port_clock_ns();
	if (!atomic_compare_exchange_strong(&reap_heartbeat, &beat, now))
		return; /* another thread starts it */
	if (port_thread_create(&thread, cache_reap_thread, NULL, "slab_reap"))
		pr_warn("SLAB: cannot start cache_reap; retrying later\n");
}

/* ---- statistics: slabinfo and the attributes ---------------------------------------------- */

struct node_counts {
	unsigned long total_slabs, free_slabs, partial_slabs, free_objs, partial_objs, shared_avail;
};

static void count_nodes(struct kmem_cache *s, struct node_counts *c)
{
	struct kmem_cache_node *n;
	int node;

	memset(c, 0, sizeof(*c));
	for_each_kmem_cache_node(s, node, n)
	{
		struct slab_node *sn = to_slab_node(n);
		struct slab *slab;

		spin_lock(&n->list_lock);
		c->total_slabs += sn->total_slabs;
		c->free_slabs += sn->free_slabs;
		c->free_objs += n->free_objects;
		if (n->shared)
			c->shared_avail += node_shared(n)->avail;
		list_for_each_entry(slab, &n->partial, slab_list_slab) {
			c->partial_slabs++;
			c->partial_objs += slab_active(slab);
		}
		spin_unlock(&n->list_lock);
	}
}

static void slab_get_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo)
{
	struct slab_cache_info *info = cache_info(s);
	struct node_counts c;

	count_nodes(s, &c);
	memset(sinfo, 0, sizeof(*sinfo));
	sinfo->num_objs = c.total_slabs * info->num;
	sinfo->active_objs = sinfo->num_objs - c.free_objs;
	sinfo->active_slabs = c.total_slabs - c.free_slabs;
	sinfo->num_slabs = c.total_slabs;
	sinfo->shared_avail = c.shared_avail;
	sinfo->limit = info->limit;
	sinfo->batchcount = info->batchcount;
	sinfo->shared = info->shared;
	sinfo->objects_per_slab = info->num;
	sinfo->cache_order = info->gfporder;
}

static const char *slab_mgmt_name(const struct slab_cache_info *info)
{
	if (info->cflags & CFLGS_OBJFREELIST_SLAB)
		return "objfreelist";
	return info->cflags & CFLGS_OFF_SLAB ? "off-slab" : "on-slab";
}

/*
 * The /sys/kernel/slab attributes that mean something for SLAB (the kernel's SLAB had
 * no sysfs; its figures were in slabinfo), plus SLAB's own: limit, batchcount, shared,
 * shared_avail, free_objects, free_limit, free_slabs, colour, colour_off, slab_mgmt.
 * SLUB's per-CPU partial machinery does not exist here: -ENOENT.
 */
static int slab_attr_show(struct kmem_cache *s, const char *attr, char *buf, size_t size)
{
	struct slab_cache_info *info = cache_info(s);
	struct node_counts c;

	if (size)
		buf[0] = '\0';
	if (!strcmp(attr, "objs_per_slab"))
		return scnprintf(buf, size, "%u\n", info->num);
	if (!strcmp(attr, "order"))
		return scnprintf(buf, size, "%u\n", info->gfporder);
	if (!strcmp(attr, "limit"))
		return scnprintf(buf, size, "%u\n", info->limit);
	if (!strcmp(attr, "batchcount"))
		return scnprintf(buf, size, "%u\n", info->batchcount);
	if (!strcmp(attr, "shared"))
		return scnprintf(buf, size, "%u\n", info->shared);
	if (!strcmp(attr, "colour"))
		return scnprintf(buf, size, "%u\n", info->colour);
	if (!strcmp(attr, "colour_off"))
		return scnprintf(buf, size, "%u\n", info->colour_off);
	if (!strcmp(attr, "slab_mgmt"))
		return scnprintf(buf, size, "%s\n", slab_mgmt_name(info));
	if (!strcmp(attr, "free_limit"))
		return scnprintf(buf, size, "%u\n", s->node[0] ? s->node[0]->free_limit : 0);
	if (!strcmp(attr, "shrink") || !strcmp(attr, "validate"))
		return 0;

	count_nodes(s, &c);
	if (!strcmp(attr, "slabs"))
		return scnprintf(buf, size, "%lu N0=%lu\n", c.total_slabs, c.total_slabs);
	if (!strcmp(attr, "objects"))
		return scnprintf(buf, size, "%lu N0=%lu\n", c.total_slabs * info->num - c.free_objs,
				 c.total_slabs * info->num - c.free_objs);
	if (!strcmp(attr, "total_objects"))
		return scnprintf(buf, size, "%lu N0=%lu\n", c.total_slabs * info->num,
				 c.total_slabs * info->num);
	if (!strcmp(attr, "partial"))
		return scnprintf(buf, size, "%lu N0=%lu\n", c.partial_slabs, c.partial_slabs);
	if (!strcmp(attr, "objects_partial"))
		return scnprintf(buf, size, "%lu N0=%lu\n", c.partial_objs, c.partial_objs);
	if (!strcmp(attr, "free_slabs"))
		return scnprintf(buf, size, "%lu\n", c.free_slabs);
	if (!strcmp(attr, "free_objects"))
		return scnprintf(buf, size, "%lu\n", c.free_objs);
	if (!strcmp(attr, "shared_avail"))
		return scnprintf(buf, size, "%lu\n", c.shared_avail);
	return -ENOENT;
}

/* ---- validation ------------------------------------------------------------------------------ */

/* One slab's management: active in range, free indices distinct, freelist in place. */
static int validate_slab(struct kmem_cache *s, struct slab *slab, unsigned int min_active,
			 unsigned int max_active)
{
	struct slab_cache_info *info = cache_info(s);
	unsigned char seen[SLAB_OBJ_MAX_NUM + 1] = { 0 };
	void *freelist = slab_freelist(slab);

	if (!PageSlab(slab_page(slab)) || slab->slab_cache != s) {
		slab_error(s, __func__, "slab 0x%016lx is not a slab of this cache",
			   (unsigned long)slab);
		return 1;
	}
	if (slab_active(slab) < min_active || slab_active(slab) > max_active) {
		slab_error(s, __func__, "slab 0x%016lx on the wrong list: active %u of %u",
			   (unsigned long)slab, slab_active(slab), info->num);
		return 1;
	}
	if (slab_active(slab) == info->num && (info->cflags & CFLGS_OBJFREELIST_SLAB)) {
		if (freelist) {
			slab_error(s, __func__, "full slab 0x%016lx keeps a freelist",
				   (unsigned long)slab);
			return 1;
		}
		return 0;
	}
	if (!freelist) {
		slab_error(s, __func__, "slab 0x%016lx has no freelist", (unsigned long)slab);
		return 1;
	}
	if ((info->cflags & CFLGS_OBJFREELIST_SLAB) &&
	    freelist != index_to_obj(s, slab, get_free_obj(slab, info->num - 1))) {
		slab_error(s, __func__, "slab 0x%016lx: freelist not in its last free object",
			   (unsigned long)slab);
		return 1;
	}
	for (unsigned int i = slab_active(slab); i < info->num; i++) {
		unsigned int idx = get_free_obj(slab, i);

		if (idx >= info->num || seen[idx]) {
			slab_error(s, __func__, "slab 0x%016lx: free index %u at %u %s",
				   (unsigned long)slab, idx, i,
				   idx >= info->num ? "out of range" : "listed twice");
			return 1;
		}
		seen[idx] = 1;
	}
	return 0;
}

/* The management, then, for a debug cache, the objects themselves. */
static int validate_slab_all(struct kmem_cache *s, struct slab *slab, unsigned int min_active,
			     unsigned int max_active)
{
	int problems = validate_slab(s, slab, min_active, max_active);

	if (!problems && (s->flags & SLAB_DEBUG_FLAGS))
		problems = validate_objects_debug(s, slab);
	return problems;
}

/* An object of an array cache: of @s, an object start, and not free in its slab. */
static int validate_array_object(struct kmem_cache *s, void *objp)
{
	struct slab *slab = virt_addr_valid(objp) ? virt_to_slab(objp) : NULL;
	struct slab_cache_info *info = cache_info(s);

	if (!slab || slab->slab_cache != s || !slab_obj_valid(s, slab, objp)) {
		slab_error(s, __func__, "array entry 0x%016lx is not an object of the cache",
			   (unsigned long)objp);
		return 1;
	}
	if (slab_active(slab) == info->num)
		return 0;
	for (unsigned int i = slab_active(slab); i < info->num; i++) {
		if (index_to_obj(s, slab, get_free_obj(slab, i)) == objp) {
			slab_error(s, __func__, "array entry 0x%016lx is free in its slab",
				   (unsigned long)objp);
			return 1;
		}
	}
	return 0;
}

static int validate_node(struct kmem_cache *s, struct kmem_cache_node *n, struct array_cache *own)
{
	struct slab_cache_info *info = cache_info(s);
	struct slab_node *sn = to_slab_node(n);
	unsigned long slabs = 0, free_slabs = 0, free_objs = 0;
	struct slab *slab;
	int problems = 0;

	spin_lock(&n->list_lock);
	list_for_each_entry(slab, &n->full, slab_list_slab) {
		problems += validate_slab_all(s, slab, info->num, info->num);
		slabs++;
	}
	list_for_each_entry(slab, &n->partial, slab_list_slab) {
		problems += validate_slab_all(s, slab, 1, info->num - 1);
		free_objs += info->num - slab_active(slab);
		slabs++;
	}
	list_for_each_entry(slab, &n->free, slab_list_slab) {
		problems += validate_slab_all(s, slab, 0, 0);
		free_objs += info->num;
		free_slabs++;
		slabs++;
	}
	if (slabs != sn->total_slabs || free_slabs != sn->free_slabs ||
	    free_objs != n->free_objects) {
		slab_error(s, __func__,
			   "counted %lu slabs, %lu free, %lu free objects; kept %lu, %lu, %lu",
			   slabs, free_slabs, free_objs, sn->total_slabs, sn->free_slabs,
			   n->free_objects);
		problems++;
	}
	if (n->shared)
		for (unsigned int i = 0; i < node_shared(n)->avail; i++)
			problems += validate_array_object(s, node_shared(n)->entry[i]);
	if (own)
		for (unsigned int i = 0; i < own->avail; i++)
			problems += validate_array_object(s, own->entry[i]);
	spin_unlock(&n->list_lock);
	return problems;
}

/* Every node list and shared array, and the calling thread's own array of @s. */
static int slab_validate(struct kmem_cache *s)
{
	struct slab_thread_area *area = slab_thread_area_current;
	struct array_cache *own = NULL;
	struct kmem_cache_node *n;
	int node, problems = 0;

	if (area && !(cache_info(s)->cflags & CFLGS_META))
		own = area->cpu[s->cpu_index].backend;
	for_each_kmem_cache_node(s, node, n)
	{
		problems += validate_node(s, n, node == numa_mem_id() ? own : NULL);
	}
	return problems;
}

/* The reaper thread stays in the parent: the child's next kick starts its own. */
/* Take or release every alien cache's lock across fork() (slab_mutex held). */
static void alien_locks(bool lock)
{
	struct kmem_cache *s;
	int node, home;

	list_for_each_entry(s, &slab_caches, list) {
		struct kmem_cache_node *n;

		for_each_kmem_cache_node(s, node, n)
		{
			struct alien_cache **alien = to_slab_node(n)->alien;

			if (!alien)
				continue;
			for_each_online_node(home) {
				if (!alien[home])
					continue;
				if (lock)
					spin_lock(&alien[home]->lock);
				else
					spin_unlock(&alien[home]->lock);
			}
		}
	}
}

static void slab_backend_fork_prepare(void)
{
	alien_locks(true);
}

static void slab_backend_fork_parent(void)
{
	alien_locks(false);
}

static void slab_backend_fork_child(void)
{
	alien_locks(false);
	atomic_store_explicit(&reap_heartbeat, 0, memory_order_relaxed);
}

const struct slab_ops slab_allocator_ops = {
	.fork_prepare = slab_backend_fork_prepare,
	.fork_parent = slab_backend_fork_parent,
	.fork_child = slab_backend_fork_child,
	.mergeable = true,
	.name = "slab",
	.kmalloc_shift_low = 5,
	/* PAGE_SHIFT + 1 since 6.1 (d6a71648dbc0), as SLUB: kmalloc-32 .. kmalloc-8k */
	.kmalloc_shift_high = KMALLOC_SHIFT_HIGH,
	.init = slab_kmem_cache_init,
	.cache_create = slab_cache_create,
	.cache_shutdown = slab_cache_shutdown,
	.cache_release = slab_cache_release,
	.cache_shrink = slab_cache_shrink,
	.alloc = slab_ops_alloc,
	.free = slab_ops_free,
	.alloc_bulk = slab_alloc_bulk,
	.free_bulk = slab_free_bulk,
	.ksize = slab_ksize,
	.get_slabinfo = slab_get_slabinfo,
	.attr_show = slab_attr_show,
	.validate = slab_validate,
	.flush_thread = slab_flush_thread,
	.obj_valid = slab_ops_obj_valid,
};
