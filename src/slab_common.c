/* SPDX-License-Identifier: MIT */
/*
 * slab_common.c - the slab layer's front end, independent of the allocator strategy
 * (the kernel's mm/slab_common.c): creating, merging and destroying caches, the kmalloc
 * caches and the kmalloc family, large kmalloc through the page allocator, kfree,
 * krealloc and the string helpers, per-thread slab state, and slabinfo.
 *
 * Everything object-level is the back-end's (slab_ops, see slab.h); this file decides
 * which cache an allocation goes to and keeps the list of caches. As in the kernel, a
 * cache's name is not copied: it must stay valid for the cache's life. Caches live on
 * slab_caches, newest first, under slab_mutex. A cache merged into another one is an
 * alias: the request bumps the target's refcount, and the name is remembered so that
 * the per-cache attributes answer to it.
 */
#include <linux/kfence.h>
#include <linux/kmemleak.h>

#include "fault-inject.h"
#include "kasan.h"
#include "slab.h"

DEFINE_MUTEX(slab_mutex);
LIST_HEAD(slab_caches);
LIST_HEAD(slab_thread_areas);
spinlock_t slab_areas_lock = SPIN_LOCK_UNLOCKED;
const struct slab_ops *slab_ops;
struct kmem_cache *kmem_cache;
unsigned int slab_nr_cpus;
/*
 * What the header's compile-time kmalloc cache choice finds before the kmalloc caches
 * exist, and where a back-end has none (SLOB): a cache that owns nothing, whose sheaf
 * window is slot 0's - never filled - so __kmalloc_cache() needs no test of its own and
 * the slow path sends the allocation to kmalloc_cache_early(). SLOB's heap pages name it
 * as their page_slab_cache for the same reason: kfree_fast() finds its sheaf full.
 */
struct kmem_cache kmalloc_boot_cache = {
	.cpu_offset = offsetof(struct slab_thread_area, cpu),
	.name = "kmalloc-boot",
	.refcount = -1,
};
kmem_buckets kmalloc_caches[NR_KMALLOC_TYPES] = {
	[0 ... NR_KMALLOC_TYPES - 1] = { [0 ... KMALLOC_SHIFT_HIGH] = &kmalloc_boot_cache },
};
/* The largest kmalloc size the back-end's caches serve; above it, pages. */
static unsigned long kmalloc_max_cache_size;
port_thread_local struct slab_thread_area *slab_thread_area_current;
/* Every sheaf window empty: the fast paths' area while they must not serve a thread. */
static struct slab_thread_area slab_null_area;
port_thread_local struct slab_thread_area *slab_fast_area = &slab_null_area;
/* Holders of slab_hooks_get(); slab_areas_lock. */
static unsigned int slab_hooks_users;

static struct kmem_cache boot_kmem_cache;
/* cpu_index -> live cache; a freed index is reused once every thread's slot is clean */
static struct kmem_cache *cache_by_index[SLAB_MAX_CACHES];

/* Names of merged caches, for the per-cache attributes (/sys/kernel/slab symlinks). */
struct slab_alias {
	const char *name;
	struct kmem_cache *target;
	struct list_head list;
};
static LIST_HEAD(slab_aliases);

/* Flags that make a cache unmergeable, and those that must agree for a merge. */
#define SLAB_NEVER_MERGE                                                                     \
	(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_TYPESAFE_BY_RCU | \
	 SLAB_NOLEAKTRACE | SLAB_FAILSLAB | SLAB_NO_MERGE)
#define SLAB_MERGE_SAME (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_ACCOUNT)
/* Flags a caller may pass to kmem_cache_create(). */
#define CACHE_CREATE_MASK                                                                        \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_KMALLOC |                  \
	 SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_PANIC | \
	 SLAB_TYPESAFE_BY_RCU | SLAB_TRACE | SLAB_NOLEAKTRACE | SLAB_NO_MERGE | SLAB_FAILSLAB |  \
	 SLAB_ACCOUNT | SLAB_NO_USER_FLAGS | SLAB_SKIP_KFENCE | SLAB_RECLAIM_ACCOUNT |           \
	 SLAB_NO_OBJ_EXT)
/* kmalloc flags that have no meaning for slab memory (the kernel's GFP_SLAB_BUG_MASK). */
#define GFP_SLAB_BUG_MASK (__GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK)
#define L1_CACHE_BYTES	  64

/* ---- per-thread slab state ------------------------------------------------------------- */

static void set_fast_area(struct slab_thread_area *area)
{
	__atomic_store_n(area->fast_slot, slab_hooks_users ? &slab_null_area : area,
			 __ATOMIC_RELAXED);
}

static void slab_thread_exit(void *arg)
{
	struct slab_thread_area *area = arg;

	mutex_lock(&slab_mutex);
	spin_lock(&slab_areas_lock);
	__atomic_store_n(&slab_fast_area, &slab_null_area, __ATOMIC_RELAXED);
	metadata_access_enable();
	slab_ops->flush_thread(area);
	metadata_access_disable();
	list_del(&area->list);
	spin_unlock(&slab_areas_lock);
	mutex_unlock(&slab_mutex);
	slab_thread_area_current = NULL;
	port_metadata_free(area, sizeof(*area));
}

/* As at thread exit, but the area stays the thread's, empty, for its next allocation. */
void slab_thread_migrate(void)
{
	struct slab_thread_area *area = slab_thread_area_current;

	if (!area)
		return;
	mutex_lock(&slab_mutex);
	spin_lock(&slab_areas_lock);
	metadata_access_enable();
	slab_ops->flush_thread(area);
	metadata_access_disable();
	spin_unlock(&slab_areas_lock);
	mutex_unlock(&slab_mutex);
}

struct slab_thread_area *slab_thread_area_slow(void)
{
	struct slab_thread_area *area;

	kmm_ensure_init();
	area = port_metadata_alloc(sizeof(*area));
	if (!area) {
		pr_emerg("kmm: no memory for a thread's slab state\n");
		port_panic();
	}
	area->fast_slot = &slab_fast_area;
	spin_lock(&slab_areas_lock);
	list_add(&area->list, &slab_thread_areas);
	set_fast_area(area);
	spin_unlock(&slab_areas_lock);
	slab_thread_area_current = area;
	port_task_exit_hook(slab_thread_exit, area);
	return area;
}

/*
 * While held, no thread's fast path serves anything: every allocation and free reaches
 * slab_alloc_slow()/slab_free_slow(), where the hooks (fault injection, sampling, ...)
 * run. The switch is each thread's slab_fast_area, written here for all of them - the
 * user-space stand-in for the kernel's static keys: an operation already past the load
 * finishes the old way, every later one goes the new way.
 */
void slab_hooks_get(void)
{
	struct slab_thread_area *area;

	kmm_ensure_init();
	spin_lock(&slab_areas_lock);
	if (!slab_hooks_users++)
		for_each_slab_thread_area(area) set_fast_area(area);
	spin_unlock(&slab_areas_lock);
}

void slab_hooks_put(void)
{
	struct slab_thread_area *area;

	spin_lock(&slab_areas_lock);
	if (!WARN_ON(!slab_hooks_users) && !--slab_hooks_users)
		for_each_slab_thread_area(area) set_fast_area(area);
	spin_unlock(&slab_areas_lock);
}

struct kmem_cache *slab_cache_by_index(unsigned int cpu_index)
{
	return cpu_index < SLAB_MAX_CACHES ? cache_by_index[cpu_index] : NULL;
}

static int cpu_index_alloc(struct kmem_cache *s)
{
	/* index 0 is never used, so a zeroed struct kmem_cache owns no slot by accident */
	for (unsigned int i = 1; i < SLAB_MAX_CACHES; i++) {
		if (!cache_by_index[i]) {
			cache_by_index[i] = s;
			s->cpu_index = i;
			s->cpu_offset = offsetof(struct slab_thread_area, cpu) +
					i * sizeof(struct kmem_cache_cpu);
			return 0;
		}
	}
	pr_err("kmm: more than %d slab caches\n", SLAB_MAX_CACHES - 1);
	return -ENOMEM;
}

/* ---- helpers for the back-ends ----------------------------------------------------------- */

/* Every page of the slab names its cache for kfree_fast(); SLOB's heap (no cache) the placeholder. */
static void slab_set_page_slab_cache(struct slab *slab, struct kmem_cache *s)
{
	struct page *page = slab_page(slab);
	unsigned long nr = 1UL << slab_order(slab);

	for (unsigned long i = 0; i < nr; i++)
		page[i].page_slab_cache = s;
}

void slab_set_page_type(struct slab *slab, struct kmem_cache *s)
{
	slab->slab_cache = s;
	slab_set_page_slab_cache(slab, s ? s : &kmalloc_boot_cache);
	__SetPageSlab(slab_page(slab));
	kmemleak_slab_pages(slab);
}

void slab_clear_page_type(struct slab *slab)
{
	/* the page allocator expects an ordinary page: no type, no mapping */
	__ClearPageSlab(slab_page(slab));
	slab_set_page_slab_cache(slab, NULL);
	slab->slab_cache = NULL;
	slab->slab_list.next = NULL;
	slab->slab_list.prev = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
}

void slab_account(struct kmem_cache *s, struct slab *slab, int sign)
{
	long bytes = (long)slab_size(slab) * sign;

	mod_node_page_state(page_pgdat(slab_page(slab)),
			    (s->flags & SLAB_RECLAIM_ACCOUNT) ? NR_SLAB_RECLAIMABLE_B :
								NR_SLAB_UNRECLAIMABLE_B,
			    bytes);
}

/* ---- creating caches ------------------------------------------------------------------- */

unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size,
				 unsigned int cache_line)
{
	/* HWCACHE_ALIGN: a cache line, or the smallest fraction of one that the object fills */
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line;

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max(align, (unsigned int)ARCH_SLAB_MINALIGN);
	return ALIGN(align, (unsigned int)sizeof(void *));
}

static bool slab_unmergeable(struct kmem_cache *s)
{
	return (s->flags & SLAB_NEVER_MERGE) || s->ctor || s->usersize || s->refcount < 0;
}

/* An existing cache that can serve this request as well (the kernel's find_mergeable). */
static struct kmem_cache *find_mergeable(const char *name, unsigned int size, unsigned int align,
					 slab_flags_t flags, void (*ctor)(void *))
{
	struct kmem_cache *s;

	flags = kmem_cache_flags(flags, name);
	if (ctor || (flags & SLAB_NEVER_MERGE))
		return NULL;
	size = ALIGN(size, (unsigned int)sizeof(void *));
	align = calculate_alignment(flags, align, size, L1_CACHE_BYTES);
	size = ALIGN(size, align);
	/* oldest first */
	for (s = list_last_entry(&slab_caches, struct kmem_cache, list); &s->list != &slab_caches;
	     s = list_entry(s->list.prev, struct kmem_cache, list)) {
		if (slab_unmergeable(s) || size > s->size)
			continue;
		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;
		if ((s->size & ~(align - 1)) != s->size)
			continue;
		if (s->size - size >= sizeof(void *))
			continue;
		return s;
	}
	return NULL;
}

static struct kmem_cache *cache_alias(const char *name, unsigned int size, unsigned int align,
				      slab_flags_t flags, void (*ctor)(void *))
{
	struct kmem_cache *s = find_mergeable(name, size, align, flags, ctor);
	struct slab_alias *alias;

	if (!s)
		return NULL;
	/*
	 * A name already linked is linked anew, as sysfs_slab_alias() replaces the link. By
	 * pointer: the string of an alias destroyed since may be gone.
	 */
	list_for_each_entry(alias, &slab_aliases, list)
		if (alias->name == name)
			goto found;
	alias = kmalloc(sizeof(*alias), GFP_KERNEL);
	if (!alias)
		return NULL;
	list_add(&alias->list, &slab_aliases);
found:
	alias->name = name;
	alias->target = s;
	s->refcount++;
	/*
	 * The merged cache now serves the larger object: its metadata must follow. Written
	 * only when it grows: other threads read these words while they allocate.
	 */
	if (size > s->object_size)
		s->object_size = size;
	if (ALIGN(size, (unsigned int)sizeof(void *)) > s->inuse)
		s->inuse = ALIGN(size, (unsigned int)sizeof(void *));
	return s;
}

static struct kmem_cache *create_cache(const char *name, unsigned int object_size,
				       struct kmem_cache_args *args, slab_flags_t flags, int *errp)
{
	struct kmem_cache *s;
	int err = -ENOMEM;

	s = kmem_cache ? kmem_cache_zalloc(kmem_cache, GFP_KERNEL) : NULL;
	if (!s)
		goto out;
	s->name = name;
	s->object_size = s->size = object_size;
	s->align = args->align;
	s->ctor = args->ctor;
	s->useroffset = args->useroffset;
	s->usersize = args->usersize;
	s->flags = kmem_cache_flags(flags, name);
	s->refcount = 1;
	err = cpu_index_alloc(s);
	if (err)
		goto out_free;
	metadata_access_enable(); /* SLOB takes its own data from its heap */
	err = slab_ops->cache_create(s, args);
	metadata_access_disable();
	if (err) {
		cache_by_index[s->cpu_index] = NULL;
		goto out_free;
	}
	list_add(&s->list, &slab_caches);
	return s;
out_free:
	kmem_cache_free(kmem_cache, s);
out:
	*errp = err;
	return NULL;
}

static bool cache_args_valid(const char *name, unsigned int size, struct kmem_cache_args *args,
			     slab_flags_t flags)
{
	if (!name || !*name || size < 1 || size > KMALLOC_MAX_SIZE)
		return false;
	if (in_interrupt())
		return false;
	if (args->align && (args->align & (args->align - 1)))
		return false;
	/* allocator-specific flags are refused, as the kernel does */
	if (flags & ~CACHE_CREATE_MASK)
		return false;
	if (args->use_freeptr_offset &&
	    (!(flags & SLAB_TYPESAFE_BY_RCU) || args->freeptr_offset >= size ||
	     !IS_ALIGNED(args->freeptr_offset, (unsigned int)sizeof(void *))))
		return false;
	return true;
}

struct kmem_cache *__kmem_cache_create_args(const char *name, unsigned int object_size,
					    struct kmem_cache_args *args, slab_flags_t flags)
{
	struct kmem_cache_args defaults = { 0 };
	struct kmem_cache *s = NULL;
	int err = -EINVAL;

	kmm_ensure_init();
	might_sleep();
	if (!args)
		args = &defaults;
	if (!cache_args_valid(name, object_size, args, flags))
		goto out;
	/* A bad usercopy region fails closed: no region at all, and a warning. */
	if (WARN_ON(!args->usersize && args->useroffset) ||
	    WARN_ON(object_size < args->usersize ||
		    object_size - args->usersize < args->useroffset)) {
		args->usersize = 0;
		args->useroffset = 0;
	}
	/* the caller's stack must not be the first to create this thread's slab state */
	(void)this_cpu_slab(kmem_cache);
	mutex_lock(&slab_mutex);
	if (slab_ops->mergeable && !args->usersize && !args->use_freeptr_offset &&
	    !args->sheaf_capacity)
		s = cache_alias(name, object_size, args->align, flags, args->ctor);
	if (!s)
		s = create_cache(name, object_size, args, flags, &err);
	mutex_unlock(&slab_mutex);
out:
	if (!s) {
		if (flags & SLAB_PANIC) {
			pr_emerg("%s: Failed to create slab '%s'. Error %d\n", __func__,
				 name ? name : "(null)", err);
			port_panic();
		}
		pr_warn("%s(%s) failed with error %d\n", __func__, name ? name : "(null)", err);
		dump_stack();
	}
	return s;
}

struct kmem_cache *__kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				       slab_flags_t flags, void (*ctor)(void *))
{
	struct kmem_cache_args args = { .align = align, .ctor = ctor };

	return __kmem_cache_create_args(name, size, &args, flags);
}

struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
					      unsigned int align, slab_flags_t flags,
					      unsigned int useroffset, unsigned int usersize,
					      void (*ctor)(void *))
{
	struct kmem_cache_args args = {
		.align = align,
		.ctor = ctor,
		.useroffset = useroffset,
		.usersize = usersize,
	};

	return __kmem_cache_create_args(name, size, &args, flags);
}

static void drop_aliases_of(struct kmem_cache *s)
{
	struct slab_alias *a, *n;

	list_for_each_entry_safe(a, n, &slab_aliases, list) {
		if (a->target == s) {
			list_del(&a->list);
			kfree(a);
		}
	}
}

/*
 * The slabs of a SLAB_TYPESAFE_BY_RCU cache (SLOB: its objects) go back after a grace
 * period, and their callbacks read the cache: it is freed only once they have run.
 */
static void kmem_cache_release(struct kmem_cache *s, bool rcu_set)
{
	if (rcu_set)
		rcu_barrier();
	metadata_access_enable();
	slab_ops->cache_release(s);
	metadata_access_disable();
	kmem_cache_free(kmem_cache, s);
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	bool rcu_set;
	int err;

	if (!s)
		return;
	/* in-flight kfree_rcu()'s may include objects from our cache */
	kvfree_rcu_barrier();
	rcu_set = s->flags & SLAB_TYPESAFE_BY_RCU;
	/* SLOB defers each object's free with call_rcu(): let them land before the check */
	if (rcu_set)
		rcu_barrier();
	mutex_lock(&slab_mutex);
	if (--s->refcount) {
		mutex_unlock(&slab_mutex);
		return;
	}
	spin_lock(&slab_areas_lock);
	metadata_access_enable();
	err = slab_ops->cache_shutdown(s);
	metadata_access_disable();
	spin_unlock(&slab_areas_lock);
	if (err) {
		char caller[128];

		port_symbolize(__builtin_return_address(0), caller, sizeof(caller));
		WARN(1, "%s %s: Slab cache still has objects when called from %s\n", __func__,
		     s->name, caller);
	}
	/*
	 * With objects left the cache stays listed (in slabinfo), with refcount 0, as the
	 * kernel's: its objects may still be in use and freed later.
	 */
	if (!err) {
		list_del(&s->list);
		drop_aliases_of(s);
		/* every thread's slot for the index was emptied by the shutdown */
		cache_by_index[s->cpu_index] = NULL;
	}
	mutex_unlock(&slab_mutex);
	if (!err)
		kmem_cache_release(s, rcu_set);
}

int kmem_cache_shrink(struct kmem_cache *s)
{
	int ret;

	if (s == &kmalloc_boot_cache)
		return 0; /* owns nothing */
	metadata_access_enable();
	ret = slab_ops->cache_shrink(s);
	metadata_access_disable();
	return ret;
}

unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return s->object_size;
}

const char *kmem_cache_name(struct kmem_cache *s)
{
	return s->name;
}

/* ---- allocating and freeing objects ---------------------------------------------------------- */

static void *kmalloc_cache_early(size_t size, gfp_t flags, int node, unsigned long caller);

/* Everything the sheaves do not serve: the hooks, then the back-end. */
static noinline void *slab_alloc_slow(struct kmem_cache *s, gfp_t flags, int node,
				      unsigned long caller, size_t orig_size)
{
	void *object;

	if (unlikely(s == &kmalloc_boot_cache))
		return kmalloc_cache_early(orig_size, flags, node, caller);
	if (should_failslab(s, flags))
		return NULL;
	object = kfence_alloc(s, orig_size, flags, caller);
	if (likely(!object)) {
		/* KFENCE objects initialise themselves and live outside the checkers' view */
		object = slab_ops->alloc(s, kasan_slab_pre_alloc(flags), node, caller, orig_size);
		object = kasan_slab_alloc(s, object, flags, orig_size);
	}
	if (!(s->flags & SLAB_NOLEAKTRACE))
		kmemleak_alloc_caller(object, s->object_size, 1, flags, caller);
	return object;
}

static noinline void slab_free_slow(struct kmem_cache *s, struct slab *slab, void *object,
				    unsigned long caller)
{
	kmemleak_free_recursive(object, s ? s->flags : 0);
	kasan_slab_free(s, object);
	slab_ops->free(s, slab, object, caller);
	kasan_slab_free_done();
}

/*
 * The caller an operation records, resolved on its slow path only: the fast paths are
 * passed SLAB_RET_IP and do not load their return address. In an inlined function
 * _RET_IP_ is the return address of the exported function it is inlined into; the empty
 * asm keeps the compiler from hoisting that load out of the slow path.
 */
#define SLAB_RET_IP 0UL
#define slab_caller(caller)                                    \
	({                                                     \
		__asm__ volatile("");                          \
		(caller) != SLAB_RET_IP ? (caller) : _RET_IP_; \
	})

static noinline void *slab_zero_object(const struct kmem_cache *s, void *object)
{
	return memset(object, 0, s->object_size);
}

/*
 * A KFENCE object, outside the direct map: the free hooks, then KFENCE's own free.
 * @caller: the free entry point's caller, or an address in the entry point itself
 * (whose frame KFENCE's reports then skip by its name).
 */
static noinline bool kfence_object_free(void *object, unsigned long caller)
{
	struct kmem_cache *s;

	if (!is_kfence_address(object))
		return false;
	s = kfence_object_cache(object);
	kmemleak_free_recursive(object, s ? s->flags : 0);
	kfence_free_caller(object, caller);
	return true;
}

/*
 * The fast path of every allocation: an object from the thread's main sheaf. A request
 * for a node, an empty or absent sheaf, or hooks at work take the slow path.
 */
static __always_inline void *slab_alloc(struct kmem_cache *s, gfp_t flags, int node,
					unsigned long caller, size_t orig_size)
{
	void *object;

	if (unlikely(node != NUMA_NO_NODE) || unlikely(!slab_alloc_fast(s, &object)))
		return slab_alloc_slow(s, flags, node, slab_caller(caller), orig_size);
	if (unlikely(flags & __GFP_ZERO))
		return slab_zero_object(s, object);
	return object;
}

/* A free whose cache is known: onto the thread's main sheaf of @s, else the slow path. */
static __always_inline void slab_free(struct kmem_cache *s, struct slab *slab, void *object,
				      unsigned long caller)
{
	if (likely(sheaf_push(s, object)))
		return;
	slab_free_slow(s, slab, object, slab_caller(caller));
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	return slab_alloc(s, flags, NUMA_NO_NODE, SLAB_RET_IP, s->object_size);
}

void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags, int node)
{
	return slab_alloc(s, flags, node, SLAB_RET_IP, s->object_size);
}

/*
 * The cache an object really belongs to; a mismatch is reported (hardened kernels do).
 * A KFENCE object is freed here (@caller: kmem_cache_free()'s), and NULL returned.
 */
static struct kmem_cache *cache_from_obj(struct kmem_cache *s, void *x, struct slab **slabp,
					 unsigned long caller)
{
	struct slab *slab;

	if (unlikely(!virt_addr_valid(x))) {
		if (kfence_object_free(x, caller))
			return NULL; /* freed: nothing left for the caller to do */
		WARN(1, "%s: object %p is not in kmm's memory (cache %s)\n", __func__, x, s->name);
		return NULL;
	}
	slab = virt_to_slab(x);
	if (unlikely(!slab)) {
		WARN(1, "%s: object %p is not a slab object (cache %s)\n", __func__, x, s->name);
		return NULL;
	}
	if (unlikely(!slab->slab_cache)) {
		/* SLOB: a heap page, shared by kmalloc and every cache */
		*slabp = slab;
		return s;
	}
	if (unlikely(slab->slab_cache != s) &&
	    WARN(1, "%s: Wrong slab cache. %s but object is from %s\n", __func__, s->name,
		 slab->slab_cache->name) &&
	    slab_ops->print_tracking)
		slab_ops->print_tracking(slab->slab_cache, x);
	*slabp = slab;
	return slab->slab_cache;
}

static noinline void kmem_cache_free_slow(struct kmem_cache *s, void *x, unsigned long caller)
{
	struct slab *slab;

	if (unlikely(!x))
		return;
	if (unlikely(!s)) {
		WARN(1, "kmem_cache_free: no cache given for object %p\n", x);
		return;
	}
	s = cache_from_obj(s, x, &slab, caller);
	if (s)
		slab_free(s, slab, x, caller);
}

/*
 * The common case inline: an object of the direct map whose page names @s, every page
 * of a slab does (kfree_fast()); a mismatch, NULL or a full sheaf goes the slow way.
 */
void kmem_cache_free(struct kmem_cache *s, void *x)
{
	unsigned long pfn = ((unsigned long)x - PAGE_OFFSET) >> PAGE_SHIFT;

	if (likely(pfn < max_low_pfn) && likely(pfn_to_page(pfn)->page_slab_cache == s) &&
	    likely(s != NULL) && likely(sheaf_push(s, x)))
		return;
	kmem_cache_free_slow(s, x, slab_caller(SLAB_RET_IP));
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	int nr;

	if (should_failslab(s, flags))
		return 0;
	nr = slab_ops->alloc_bulk(s, kasan_slab_pre_alloc(flags), size, p);

	kasan_slab_alloc_bulk(s, flags, nr, p);
	for (int i = 0; unlikely(kmemleak_enabled) && !(s->flags & SLAB_NOLEAKTRACE) && i < nr; i++)
		kmemleak_alloc_caller(p[i], s->object_size, 1, flags, _RET_IP_);
	return nr;
}

/*
 * The free hooks of a bulk free: KFENCE objects are freed here and dropped from @p
 * (the back-ends know only the direct map), the others forgotten by kmemleak. With @s
 * NULL (kfree_bulk) each object simply goes through kfree() and its hooks. Returns how
 * many are left in @p for the back-end.
 */
static noinline size_t bulk_free_hooks(struct kmem_cache *s, size_t size, void **p)
{
	size_t left = 0;

	for (size_t i = 0; i < size; i++) {
		if (!s)
			kfree(p[i]);
		else if (!kfence_object_free(p[i], _RET_IP_)) {
			kmemleak_free_recursive(p[i], s->flags);
			p[left++] = p[i];
		}
	}
	return left;
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	if (unlikely(kmemleak_enabled || __kfence_pool))
		size = bulk_free_hooks(s, size, p);
	for (size_t i = 0; i < size; i++)
		kasan_slab_free(s, p[i]);
	slab_ops->free_bulk(s, size, p);
	for (size_t i = 0; i < size; i++)
		kasan_slab_free_done();
}

/* ---- kmalloc ------------------------------------------------------------------------------- */

/* The kmalloc cache index for sizes up to 192, in steps of 8 (the 96 and 192 classes fit). */
static const unsigned char kmalloc_size_index[24] = {
	3, /* 8 */ 4,	/* 16 */ 5,  /* 24 */ 5,  /* 32 */ 6,  /* 40 */ 6,  /* 48 */
	6, /* 56 */ 6,	/* 64 */ 1,  /* 72 */ 1,  /* 80 */ 1,  /* 88 */ 1,  /* 96 */
	7, /* 104 */ 7, /* 112 */ 7, /* 120 */ 7, /* 128 */ 2, /* 136 */ 2, /* 144 */
	2, /* 152 */ 2, /* 160 */ 2, /* 168 */ 2, /* 176 */ 2, /* 184 */ 2, /* 192 */
};

static inline unsigned int kmalloc_index_dynamic(size_t size)
{
	if (size <= 192)
		return kmalloc_size_index[(size - 1) / 8];
	return 64 - (unsigned int)__builtin_clzl(size - 1);
}

struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags)
{
	struct kmem_cache *s = kmalloc_caches[kmalloc_type(flags)][kmalloc_index_dynamic(size)];

	return s == &kmalloc_boot_cache ? NULL : s;
}

static const struct {
	const char *name[NR_KMALLOC_TYPES];
	unsigned int size;
} kmalloc_info[KMALLOC_SHIFT_HIGH + 1] = {
#define INIT_KMALLOC_INFO(__size, __short)                                               \
	{                                                                                \
		{ "kmalloc-" #__short, "kmalloc-rcl-" #__short, "dma-kmalloc-" #__short, \
		  "kmalloc-cg-" #__short },                                              \
			__size                                                           \
	}
	[0] = { { NULL }, 0 },
	[1] = INIT_KMALLOC_INFO(96, 96),
	[2] = INIT_KMALLOC_INFO(192, 192),
	[3] = INIT_KMALLOC_INFO(8, 8),
	[4] = INIT_KMALLOC_INFO(16, 16),
	[5] = INIT_KMALLOC_INFO(32, 32),
	[6] = INIT_KMALLOC_INFO(64, 64),
	[7] = INIT_KMALLOC_INFO(128, 128),
	[8] = INIT_KMALLOC_INFO(256, 256),
	[9] = INIT_KMALLOC_INFO(512, 512),
	[10] = INIT_KMALLOC_INFO(1024, 1k),
	[11] = INIT_KMALLOC_INFO(2048, 2k),
	[12] = INIT_KMALLOC_INFO(4096, 4k),
	[13] = INIT_KMALLOC_INFO(8192, 8k),
#undef INIT_KMALLOC_INFO
};

/* A kmalloc cache: aligned to its size's largest power-of-two divisor, never merged. */
static void new_kmalloc_cache(unsigned int idx, enum kmalloc_cache_type type)
{
	static const slab_flags_t type_flags[NR_KMALLOC_TYPES] = {
		[KMALLOC_NORMAL] = SLAB_NO_MERGE,
		[KMALLOC_RECLAIM] = SLAB_RECLAIM_ACCOUNT,
		[KMALLOC_DMA] = SLAB_CACHE_DMA,
		[KMALLOC_CGROUP] = SLAB_ACCOUNT,
	};
	unsigned int size = kmalloc_info[idx].size;
	struct kmem_cache_args args = {
		.align = max((unsigned int)ARCH_KMALLOC_MINALIGN, 1U << __builtin_ctz(size)),
		.useroffset = 0,
		.usersize = size,
	};
	int err = -ENOMEM;
	struct kmem_cache *s;

	s = create_cache(kmalloc_info[idx].name[type], size, &args, SLAB_KMALLOC | type_flags[type],
			 &err);
	if (!s) {
		pr_emerg("kmm: cannot create %s (%d)\n", kmalloc_info[idx].name[type], err);
		port_panic();
	}
	kmalloc_caches[type][idx] = s;
}

/*
 * The back-end's kmalloc classes, with the 96 and 192 byte ones where the smallest class
 * allows them (the kernel's KMALLOC_MIN_SIZE rule). The header's compile-time choice may
 * name a class below the back-end's smallest: those entries point at the smallest cache.
 */
void create_kmalloc_caches(void)
{
	unsigned int low = slab_ops->kmalloc_shift_low, high = slab_ops->kmalloc_shift_high;

	if (!high)
		return; /* SLOB: kmalloc without caches */
	/* kmalloc_info names the classes up to 8k: every back-end stops there (6.1+) */
	if (WARN_ON(high > KMALLOC_SHIFT_HIGH))
		high = KMALLOC_SHIFT_HIGH;
	mutex_lock(&slab_mutex);
	for (int t = KMALLOC_NORMAL; t < NR_KMALLOC_TYPES; t++) {
		enum kmalloc_cache_type type = (enum kmalloc_cache_type)t;

		for (unsigned int i = low; i <= high; i++) {
			new_kmalloc_cache(i, type);
			if (i == 6 && low <= 5)
				new_kmalloc_cache(1, type);
			if (i == 7 && low <= 6)
				new_kmalloc_cache(2, type);
		}
		for (unsigned int i = KMALLOC_SHIFT_LOW; i < low; i++)
			kmalloc_caches[type][i] = kmalloc_caches[type][low];
	}
	mutex_unlock(&slab_mutex);
	/* last, and released: a fast path that sees it sees the caches (do_kmalloc_node()) */
	__atomic_store_n(&kmalloc_max_cache_size, 1UL << high, __ATOMIC_RELEASE);
}

/* Drop GFP bits that mean nothing for slab memory, loudly, as kmalloc_fix_flags(). */
static noinline gfp_t kmalloc_fix_flags(gfp_t flags)
{
	gfp_t invalid_mask = flags & GFP_SLAB_BUG_MASK;
	char a[128], b[128];

	flags &= ~GFP_SLAB_BUG_MASK;
	gfp_flags_snprint(a, sizeof(a), invalid_mask);
	gfp_flags_snprint(b, sizeof(b), flags);
	pr_warn("Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!\n",
		invalid_mask, a, flags, b);
	dump_stack();
	return flags;
}

static noinline void *kmalloc_large_node(size_t size, gfp_t flags, int node, unsigned long caller)
{
	unsigned int order = (unsigned int)get_order(size);
	struct page *page;

	if (unlikely(flags & GFP_SLAB_BUG_MASK))
		flags = kmalloc_fix_flags(flags);
	page = alloc_pages_caller(flags | __GFP_COMP, order, node, caller);
	if (!page)
		return NULL;
	__SetPageLargeKmalloc(page);
	mod_node_page_state(page_pgdat(page), NR_SLAB_UNRECLAIMABLE_B, (long)PAGE_SIZE << order);
	return page_address(page);
}

void *slab_kmalloc_large(size_t size, gfp_t flags, int node, unsigned long caller)
{
	return kmalloc_large_node(size, flags, node, caller);
}

/* SLOB serves kmalloc itself: its blocks get the hooks the caches' slow path runs (a NULL
 * cache for the checkers: a heap block). */
static void *kmalloc_slob(size_t size, gfp_t flags, int node, unsigned long caller)
{
	void *object = slab_ops->kmalloc(size, kasan_slab_pre_alloc(flags), node, caller);

	object = kasan_slab_alloc(NULL, object, flags, size);
	kmemleak_alloc_caller(object, size, 1, flags, caller);
	return object;
}

/* Everything but a normal kmalloc of a cache's size: init, SLOB, large, zero, odd flags. */
static noinline void *kmalloc_slowpath(size_t size, gfp_t flags, int node, unsigned long caller)
{
	kmm_ensure_init();
	if (unlikely(slab_ops->kmalloc)) {
		if (unlikely(flags & GFP_SLAB_BUG_MASK))
			flags = kmalloc_fix_flags(flags);
		if (should_failslab_kmalloc(size, flags))
			return NULL;
		return kmalloc_slob(size, flags, node, caller);
	}
	if (unlikely(size > kmalloc_max_cache_size))
		return kmalloc_large_node(size, flags, node, caller);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(flags & GFP_SLAB_BUG_MASK))
		flags = kmalloc_fix_flags(flags);
	return slab_alloc(kmalloc_slab(size, flags), flags, node, caller, size);
}

/*
 * A kmalloc of a size known only at run time. kmalloc_max_cache_size is 0 until the
 * kmalloc caches exist (and with SLOB, which has none), so one comparison also sends
 * size 0, start-up and SLOB to the slow path.
 */
static __always_inline void *do_kmalloc_node(size_t size, gfp_t flags, int node,
					     unsigned long caller)
{
	if (likely(size - 1 < __atomic_load_n(&kmalloc_max_cache_size, __ATOMIC_ACQUIRE)) &&
	    likely(!(flags & (GFP_SLAB_BUG_MASK | KMALLOC_NOT_NORMAL_BITS))))
		return slab_alloc(kmalloc_caches[KMALLOC_NORMAL][kmalloc_index_dynamic(size)],
				  flags, node, caller, size);
	return kmalloc_slowpath(size, flags, node, slab_caller(caller));
}

/* A constant size above KMALLOC_MAX_CACHE_SIZE: the page allocator's, or SLOB's kmalloc. */
void *__kmalloc_large(size_t size, gfp_t flags)
{
	return do_kmalloc_node(size, flags, NUMA_NO_NODE, SLAB_RET_IP);
}

void *__kmalloc_large_node(size_t size, gfp_t flags, int node)
{
	return do_kmalloc_node(size, flags, node, SLAB_RET_IP);
}

void *__kmalloc(size_t size, gfp_t flags)
{
	return do_kmalloc_node(size, flags, NUMA_NO_NODE, SLAB_RET_IP);
}

void *__kmalloc_node(size_t size, gfp_t flags, int node)
{
	return do_kmalloc_node(size, flags, node, SLAB_RET_IP);
}

void *__kmalloc_node_track_caller(size_t size, gfp_t flags, int node, unsigned long caller)
{
	return do_kmalloc_node(size, flags, node, caller);
}

/* kmalloc of a constant size that found kmalloc_boot_cache: before kmm is up, or SLOB. */
static noinline void *kmalloc_cache_early(size_t size, gfp_t flags, int node, unsigned long caller)
{
	return kmalloc_slowpath(size, flags, node, caller);
}

/* A constant-size kmalloc: the header picked @s (kmalloc_boot_cache until kmm is up). */
void *__kmalloc_cache(struct kmem_cache *s, gfp_t flags, size_t size)
{
	return slab_alloc(s, flags, NUMA_NO_NODE, SLAB_RET_IP, size);
}

/* The same for flags known at compile time to lack __GFP_ZERO: no test for it. */
void *__kmalloc_cache_nozero(struct kmem_cache *s, gfp_t flags, size_t size)
{
	return slab_alloc(s, flags & ~__GFP_ZERO, NUMA_NO_NODE, SLAB_RET_IP, size);
}

void *__kmalloc_cache_node(struct kmem_cache *s, gfp_t flags, int node, size_t size)
{
	return slab_alloc(s, flags, node, SLAB_RET_IP, size);
}

static noinline void free_large_kmalloc(struct page *page, const void *object)
{
	unsigned int order = compound_order(page);

	if (unlikely(!PageLargeKmalloc(page) || object != page_address(page))) {
		dump_page(page, "Not a kmalloc allocation");
		WARN(1, "kfree: %p was not returned by kmalloc\n", object);
		return;
	}
	mod_node_page_state(page_pgdat(page), NR_SLAB_UNRECLAIMABLE_B, -((long)PAGE_SIZE << order));
	__ClearPageLargeKmalloc(page);
	__free_pages(page, order);
}

/* Not in the direct map: NULL and ZERO_SIZE_PTR (nothing to do), or not kmm's. */
static noinline void kfree_invalid(const void *object, unsigned long caller)
{
	if (ZERO_OR_NULL_PTR(object))
		return;
	if (kfence_object_free((void *)object, caller))
		return;
	WARN(1, "kfree: %p is not an address kmm handed out\n", object);
}

/* Everything kfree_fast() does not do: not a slab object, a full sheaf, SLOB, hooks. */
static noinline void kfree_slow(const void *object, unsigned long caller)
{
	unsigned long pfn = ((unsigned long)object - PAGE_OFFSET) >> PAGE_SHIFT;
	struct page *page;

	if (unlikely(pfn >= max_low_pfn))
		return kfree_invalid(object, caller);
	page = compound_head(pfn_to_page(pfn));
	if (unlikely(!PageSlab(page)))
		return free_large_kmalloc(page, object);
	slab_free_slow(page_slab(page)->slab_cache, page_slab(page), (void *)object, caller);
}

void kfree(const void *object)
{
	if (likely(kfree_fast(object)))
		return;
	kfree_slow(object, slab_caller(SLAB_RET_IP));
}

size_t __ksize(const void *object)
{
	struct page *page;

	if (unlikely(ZERO_OR_NULL_PTR(object)))
		return 0;
	if (unlikely(!virt_addr_valid(object))) {
		if (is_kfence_address(object))
			return kfence_ksize(object);
		WARN(1, "ksize: %p is not an address kmm handed out\n", object);
		return 0;
	}
	page = compound_head(virt_to_page(object));
	if (unlikely(!PageSlab(page))) {
		if (WARN_ON(!PageLargeKmalloc(page) || object != page_address(page)))
			return 0;
		return PAGE_SIZE << compound_order(page);
	}
	return slab_ops->ksize(page_slab(page)->slab_cache, object);
}

/* Callers may use all of it: the checkers are told so (the kernel's ksize() does too). */
size_t ksize(const void *object)
{
	size_t size;

	metadata_access_enable(); /* SLOB reads the size before the object */
	size = __ksize(object);
	metadata_access_disable();
	kasan_unpoison_range(object, size);
	return size;
}

void kfree_sensitive(const void *p)
{
	size_t ks = ksize(p);

	if (ks) {
		memset((void *)p, 0, ks);
		/* keep the compiler from dropping the clearing of memory about to be freed */
		__asm__ __volatile__("" : : "r"(p) : "memory");
	}
	kfree(p);
}

void *krealloc(const void *p, size_t new_size, gfp_t flags)
{
	size_t ks = 0;
	void *ret;

	if (unlikely(!new_size)) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	if (likely(!ZERO_OR_NULL_PTR(p))) {
		ks = ksize(p);
		if (new_size <= ks) {
			/* fits: keep it, and keep the spare part zero for __GFP_ZERO users */
			if (flags & __GFP_ZERO)
				memset((char *)p + new_size, 0, ks - new_size);
			return (void *)p;
		}
	}
	ret = __kmalloc_node_track_caller(new_size, flags, NUMA_NO_NODE, _RET_IP_);
	if (ret && ks) {
		memcpy(ret, p, ks);
		kfree(p);
	}
	return ret;
}

size_t kmalloc_size_roundup(size_t size)
{
	kmm_ensure_init();
	/* SLOB: a kmalloc'd block is the size asked for, word aligned */
	if (slab_ops->kmalloc)
		return size == SIZE_MAX ? SIZE_MAX : ALIGN(size, (size_t)ARCH_KMALLOC_MINALIGN);
	if (size && size <= kmalloc_max_cache_size)
		return kmalloc_slab(size, GFP_KERNEL)->object_size;
	if (size && size <= KMALLOC_MAX_SIZE)
		return PAGE_SIZE << get_order(size);
	return size;
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = __kmalloc_node_track_caller(len, gfp, NUMA_NO_NODE, _RET_IP_);

	if (p)
		memcpy(p, src, len);
	return p;
}

void *kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	char *buf;

	if (!s)
		return NULL;
	buf = __kmalloc_node_track_caller(len + 1, gfp, NUMA_NO_NODE, _RET_IP_);
	if (buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

char *kstrdup(const char *s, gfp_t gfp)
{
	size_t len;
	char *buf;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	buf = __kmalloc_node_track_caller(len, gfp, NUMA_NO_NODE, _RET_IP_);
	if (buf)
		memcpy(buf, s, len);
	return buf;
}

char *kstrndup(const char *s, size_t max, gfp_t gfp)
{
	size_t len = 0;
	char *buf;

	if (!s)
		return NULL;
	while (len < max && s[len])
		len++;
	buf = __kmalloc_node_track_caller(len + 1, gfp, NUMA_NO_NODE, _RET_IP_);
	if (buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

/*
 * The kernel returns a string in its read-only data as it is; kmm cannot tell where a
 * string lives, so it always copies, and kfree_const() always frees.
 */
const char *kstrdup_const(const char *s, gfp_t gfp)
{
	return kstrdup(s, gfp);
}

void kfree_const(const void *x)
{
	kfree(x);
}

/* ---- inspection ------------------------------------------------------------------------------- */

bool kmem_valid_obj(void *object)
{
	struct slab *slab;

	if (!virt_addr_valid(object))
		return is_kfence_address(object);
	slab = virt_to_slab(object);
	return slab != NULL; /* as the kernel: any address in a slab page (an embedded rcu_head) */
}

bool kmem_dump_obj(void *object)
{
	struct slab *slab;
	struct kmem_cache *s;
	unsigned long offset;

	if (is_kfence_address(object)) { /* the kernel's __kfence_obj_info() */
		s = kfence_object_cache(object);
		if (!s)
			return false;
		offset = (unsigned long)object - (unsigned long)kfence_object_start(object);
	} else {
		if (!virt_addr_valid(object) || !(slab = virt_to_slab(object)))
			return false;
		s = slab->slab_cache;
		if (!s) {
			pr_cont(" slab kmalloc (SLOB) page %p\n", slab_address(slab));
			return true;
		}
		offset = ((unsigned long)object - (unsigned long)slab_address(slab)) % s->size;
	}
	pr_cont(" slab %s start %p pointer offset %lu size %u\n", s->name,
		(void *)((unsigned long)object - offset), offset, s->object_size);
	return true;
}

/* The attribute files of /sys/kernel/slab/<cache>/ on a 6.18 kernel, in ls order. */
const char *const kmm_slab_attr_names[] = {
	"aliases",
	"align",
	"cache_dma",
	"cpu_partial",
	"cpu_slabs",
	"ctor",
	"destroy_by_rcu",
	"hwcache_align",
	"min_partial",
	"object_size",
	"objects",
	"objects_partial",
	"objs_per_slab",
	"order",
	"partial",
	"poison",
	"reclaim_account",
	"red_zone",
	"remote_node_defrag_ratio",
	"sanity_checks",
	"sheaf_capacity",
	"shrink",
	"slab_size",
	"slabs",
	"slabs_cpu_partial",
	"store_user",
	"total_objects",
	"trace",
	"usersize",
	"validate",
	NULL,
};

const char *kmm_slab_allocator(void)
{
	kmm_ensure_init();
	return slab_ops->name;
}

static struct kmem_cache *find_cache_locked(const char *name)
{
	struct kmem_cache *s;
	struct slab_alias *a;

	list_for_each_entry(s, &slab_caches, list)
		if (!strcmp(s->name, name))
			return s;
	list_for_each_entry(a, &slab_aliases, list)
		if (a->name && !strcmp(a->name, name))
			return a->target;
	return NULL;
}

/*
 * The attributes every back-end shows alike: the flag files ("1\n" or "0\n"), the
 * sizes kept in struct kmem_cache, aliases and the constructor's symbol. -ENOENT for
 * the rest, which are the back-end's.
 */
static int common_attr_show(struct kmem_cache *s, const char *attr, char *buf, size_t size)
{
	static const struct {
		const char *name;
		slab_flags_t flag;
	} flag_attrs[] = {
		{ "reclaim_account", SLAB_RECLAIM_ACCOUNT },
		{ "hwcache_align", SLAB_HWCACHE_ALIGN },
		{ "cache_dma", SLAB_CACHE_DMA },
		{ "destroy_by_rcu", SLAB_TYPESAFE_BY_RCU },
		{ "red_zone", SLAB_RED_ZONE },
		{ "poison", SLAB_POISON },
		{ "store_user", SLAB_STORE_USER },
		{ "sanity_checks", SLAB_CONSISTENCY_CHECKS },
		{ "trace", SLAB_TRACE },
		{ "failslab", SLAB_FAILSLAB },
		{ "skip_kfence", SLAB_SKIP_KFENCE },
	};
	char sym[128];

	for (size_t i = 0; i < ARRAY_SIZE(flag_attrs); i++)
		if (!strcmp(attr, flag_attrs[i].name))
			return scnprintf(buf, size, "%d\n", !!(s->flags & flag_attrs[i].flag));
	if (!strcmp(attr, "object_size"))
		return scnprintf(buf, size, "%u\n", s->object_size);
	if (!strcmp(attr, "slab_size"))
		return scnprintf(buf, size, "%u\n", s->size);
	if (!strcmp(attr, "align"))
		return scnprintf(buf, size, "%u\n", s->align);
	if (!strcmp(attr, "usersize"))
		return scnprintf(buf, size, "%u\n", s->usersize);
	/* the names merged into this cache (the kernel's sysfs symlinks) */
	if (!strcmp(attr, "aliases"))
		return scnprintf(buf, size, "%d\n", s->refcount < 0 ? 0 : s->refcount - 1);
	if (strcmp(attr, "ctor"))
		return -ENOENT;
	if (!s->ctor) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	port_symbolize((void *)(unsigned long)s->ctor, sym, sizeof(sym));
	return scnprintf(buf, size, "%s\n", sym);
}

int kmm_slab_attr(const char *cache, const char *attr, char *buf, size_t size)
{
	struct kmem_cache *s;
	int ret = -ENOENT;

	kmm_ensure_init();
	mutex_lock(&slab_mutex);
	s = cache && attr ? find_cache_locked(cache) : NULL;
	if (s)
		ret = common_attr_show(s, attr, buf, size);
	if (s && ret == -ENOENT)
		ret = slab_ops->attr_show(s, attr, buf, size);
	mutex_unlock(&slab_mutex);
	return ret;
}

int kmm_slab_validate(const char *cache)
{
	struct kmem_cache *s;
	int problems = 0;

	kmm_ensure_init();
	mutex_lock(&slab_mutex);
	metadata_access_enable();
	list_for_each_entry(s, &slab_caches, list)
		if (!cache || !strcmp(cache, s->name))
			problems += slab_ops->validate(s);
	metadata_access_disable();
	mutex_unlock(&slab_mutex);
	return problems;
}

/* /proc/slabinfo, version 2.1, newest cache first as the kernel lists them. */
void slabinfo_show(struct seq_file *m)
{
	struct kmem_cache *s;

	seq_puts(m, "slabinfo - version: 2.1\n");
	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		    "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
		    "<active_slabs> <num_slabs> <sharedavail>\n");
	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		struct slabinfo sinfo = { 0 };

		slab_ops->get_slabinfo(s, &sinfo);
		seq_printf(m, "%-17s %6lu %6lu %6u %4u %4d", s->name, sinfo.active_objs,
			   sinfo.num_objs, s->size, sinfo.objects_per_slab, 1 << sinfo.cache_order);
		seq_printf(m, " : tunables %4u %4u %4u", sinfo.limit, sinfo.batchcount,
			   sinfo.shared);
		seq_printf(m, " : slabdata %6lu %6lu %6lu\n", sinfo.active_slabs, sinfo.num_slabs,
			   sinfo.shared_avail);
	}
	mutex_unlock(&slab_mutex);
}

/* ---- start-up and fork -------------------------------------------------------------------- */

/* The back-ends, by the names KMM_SLAB takes. */
static const struct slab_ops *slab_backend(const char *name)
{
	const struct slab_ops *const backends[] = { &slub_ops, &slab_allocator_ops, &slob_ops };

	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (backends[i] && !strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

static int boot_kmem_cache_create(void)
{
	struct kmem_cache_args args = { .align = 0 };
	struct kmem_cache *s = &boot_kmem_cache;
	int err;

	s->name = "kmem_cache";
	s->object_size = s->size = sizeof(struct kmem_cache);
	s->flags = kmem_cache_flags(SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_NO_OBJ_EXT, s->name);
	s->refcount = -1; /* never merged, never destroyed */
	err = cpu_index_alloc(s);
	if (!err)
		err = slab_ops->cache_create(s, &args);
	if (err)
		return err;
	list_add(&s->list, &slab_caches);
	kmem_cache = s;
	return 0;
}

int slab_init(void)
{
	int err;

	slab_ops = slab_backend(kmm_cfg.slab);
	if (!slab_ops) {
		pr_err("kmm: KMM_SLAB=%s: no such slab back-end in this build\n", kmm_cfg.slab);
		return -EINVAL;
	}
	slab_nr_cpus = nr_cpu_ids;
	/*
	 * With more than one node, whether a freed object may go onto the thread's sheaf
	 * depends on its node, which the fast paths do not ask: they stay off, so every
	 * operation reaches the back-end, which asks. One node pays nothing for NUMA.
	 */
	if (nr_online_nodes > 1)
		slab_hooks_users = 1;
	setup_slub_debug(kmm_cfg.debug);
	slab_ops->init();
	err = boot_kmem_cache_create();
	if (err)
		return err;
	create_kmalloc_caches();
	if (slab_ops->init_late)
		slab_ops->init_late();
	return 0;
}

/* Take or release every listed cache's node list_lock (slab_mutex held). */
static void node_list_locks(bool lock)
{
	struct kmem_cache *s;
	int nid;

	list_for_each_entry(s, &slab_caches, list) {
		for_each_online_node(nid) {
			struct kmem_cache_node *n = s->node[nid];

			if (!n)
				continue;
			if (lock)
				spin_lock(&n->list_lock);
			else
				spin_unlock(&n->list_lock);
		}
	}
}

/*
 * Across fork() the slab layer's locks are held, so that the child finds no list
 * half-updated by a thread that does not exist there.
 */
void slab_fork_prepare(void)
{
	mutex_lock(&slab_mutex);
	spin_lock(&slab_areas_lock);
	node_list_locks(true);
	if (slab_ops->fork_prepare)
		slab_ops->fork_prepare();
	stack_depot_fork_prepare(); /* a leaf lock: slab_debug saves stacks under none */
}

void slab_fork_parent(void)
{
	stack_depot_fork_release();
	if (slab_ops->fork_parent)
		slab_ops->fork_parent();
	node_list_locks(false);
	spin_unlock(&slab_areas_lock);
	mutex_unlock(&slab_mutex);
}

void slab_fork_child(void)
{
	/*
	 * Only the forking thread lives on in the child. The other threads' areas stay
	 * listed: no exit hook will run for them, and kmem_cache_destroy() still takes back
	 * what they hold of a cache, as it does for any thread's area.
	 */
	stack_depot_fork_release();
	if (slab_ops->fork_child)
		slab_ops->fork_child();
	node_list_locks(false);
	spin_unlock(&slab_areas_lock);
	mutex_unlock(&slab_mutex);
}
