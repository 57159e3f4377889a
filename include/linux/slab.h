/* SPDX-License-Identifier: MIT */
/*
 * slab.h - the slab allocators' public API, as the kernel's include/linux/slab.h.
 *
 * Object caches (kmem_cache_create/alloc/free and the bulk and helper calls), the
 * kmalloc family with the kernel's size classes and the compile-time cache choice for
 * constant sizes, and the cache creation flags (SLAB_*) with the kernel's bit values.
 * The same API serves all three back-ends (KMM_SLAB=slub|slab|slob).
 *
 * The flag values: Linux 6.x numbers the flags with enum _slab_flag_bits, and some
 * members exist only with a kernel option, so a flag's value depends on the kernel's
 * configuration. kmm takes the configuration of the features it has:
 *   CONFIG_DEBUG_OBJECTS=n, CONFIG_FAILSLAB=y, CONFIG_MEMCG=y, CONFIG_KASAN_GENERIC=n,
 *   CONFIG_KFENCE=y, CONFIG_SLUB_TINY=n, CONFIG_SLAB_OBJ_EXT=y (6.18's enum).
 * A distribution kernel without FAILSLAB and KFENCE (the 6.18 machine kmm is tested on)
 * has the same values up to SLAB_NO_MERGE and the later ones shifted down; the flags
 * never cross between kmm and a kernel as numbers, only by name (/sys/kernel/slab).
 */
#ifndef KMM_LINUX_SLAB_H
#define KMM_LINUX_SLAB_H

#include <linux/gfp_types.h>
#include <linux/kmm_types.h>
#include <linux/mmzone.h>

enum _slab_flag_bits {
	_SLAB_CONSISTENCY_CHECKS,
	_SLAB_RED_ZONE,
	_SLAB_POISON,
	_SLAB_KMALLOC,
	_SLAB_HWCACHE_ALIGN,
	_SLAB_CACHE_DMA,
	_SLAB_CACHE_DMA32,
	_SLAB_STORE_USER,
	_SLAB_PANIC,
	_SLAB_TYPESAFE_BY_RCU,
	_SLAB_TRACE,
	/* _SLAB_DEBUG_OBJECTS would be here with CONFIG_DEBUG_OBJECTS. */
	_SLAB_NOLEAKTRACE,
	_SLAB_NO_MERGE,
	_SLAB_FAILSLAB, /* CONFIG_FAILSLAB */
	_SLAB_ACCOUNT,	/* CONFIG_MEMCG */
	/* _SLAB_KASAN would be here with CONFIG_KASAN_GENERIC. */
	_SLAB_NO_USER_FLAGS,
	_SLAB_SKIP_KFENCE,     /* CONFIG_KFENCE */
	_SLAB_RECLAIM_ACCOUNT, /* !CONFIG_SLUB_TINY */
	_SLAB_OBJECT_POISON,
	_SLAB_CMPXCHG_DOUBLE,
	_SLAB_NO_OBJ_EXT, /* CONFIG_SLAB_OBJ_EXT */
	_SLAB_FLAGS_LAST_BIT
};

#define __SLAB_FLAG_BIT(nr) ((slab_flags_t __force)(1U << (nr)))
/* A flag whose kernel option is off: it exists, and tests false. */
#define __SLAB_FLAG_UNUSED ((slab_flags_t __force)(0U))

_Static_assert(_SLAB_FLAGS_LAST_BIT <= 8 * sizeof(slab_flags_t), "slab_flags_t too small");

/* slab_debug=F: check the slab's and the objects' metadata on every alloc and free. */
#define SLAB_CONSISTENCY_CHECKS __SLAB_FLAG_BIT(_SLAB_CONSISTENCY_CHECKS)
/* slab_debug=Z: guard bytes around each object to catch overruns. */
#define SLAB_RED_ZONE __SLAB_FLAG_BIT(_SLAB_RED_ZONE)
/* slab_debug=P: fill free objects with a pattern to catch use after free. */
#define SLAB_POISON __SLAB_FLAG_BIT(_SLAB_POISON)
/* A kmalloc-* cache (set by the kmalloc code, not by callers). */
#define SLAB_KMALLOC __SLAB_FLAG_BIT(_SLAB_KMALLOC)
/* Align objects to a cache line, or to a fraction of it for small objects. */
#define SLAB_HWCACHE_ALIGN __SLAB_FLAG_BIT(_SLAB_HWCACHE_ALIGN)
/* Take slab pages from ZONE_DMA / ZONE_DMA32. */
#define SLAB_CACHE_DMA	 __SLAB_FLAG_BIT(_SLAB_CACHE_DMA)
#define SLAB_CACHE_DMA32 __SLAB_FLAG_BIT(_SLAB_CACHE_DMA32)
/* slab_debug=U: record who allocated and freed each object. */
#define SLAB_STORE_USER __SLAB_FLAG_BIT(_SLAB_STORE_USER)
/* Panic if the cache cannot be created. */
#define SLAB_PANIC __SLAB_FLAG_BIT(_SLAB_PANIC)
/*
 * Slab pages are freed only after an RCU grace period: a freed object's memory stays an
 * object of this type (possibly reused) for RCU readers, so the free pointer may not
 * overwrite it unless the creator says where it may go (kmem_cache_args.freeptr_offset).
 */
#define SLAB_TYPESAFE_BY_RCU __SLAB_FLAG_BIT(_SLAB_TYPESAFE_BY_RCU)
/* slab_debug=T: log every alloc and free of the cache. */
#define SLAB_TRACE	   __SLAB_FLAG_BIT(_SLAB_TRACE)
#define SLAB_DEBUG_OBJECTS __SLAB_FLAG_UNUSED
/* kmemleak does not track the cache's objects. */
#define SLAB_NOLEAKTRACE __SLAB_FLAG_BIT(_SLAB_NOLEAKTRACE)
/* Never merge the cache with another one of compatible geometry. */
#define SLAB_NO_MERGE __SLAB_FLAG_BIT(_SLAB_NO_MERGE)
/* failslab: the cache takes part in fault injection when its cache-filter is on. */
#define SLAB_FAILSLAB __SLAB_FLAG_BIT(_SLAB_FAILSLAB)
/* Charge the objects to the allocating task's memory cgroup. */
#define SLAB_ACCOUNT __SLAB_FLAG_BIT(_SLAB_ACCOUNT)
#define SLAB_KASAN   __SLAB_FLAG_UNUSED
/* slab_debug= given on the command line does not apply to this cache. */
#define SLAB_NO_USER_FLAGS __SLAB_FLAG_BIT(_SLAB_NO_USER_FLAGS)
/* KFENCE never samples the cache's allocations. */
#define SLAB_SKIP_KFENCE __SLAB_FLAG_BIT(_SLAB_SKIP_KFENCE)
/* Objects can be reclaimed by a shrinker: pages counted as SReclaimable. */
#define SLAB_RECLAIM_ACCOUNT __SLAB_FLAG_BIT(_SLAB_RECLAIM_ACCOUNT)
#define SLAB_TEMPORARY	     SLAB_RECLAIM_ACCOUNT /* objects are short-lived */
/* A bootstrap cache: no per-object extension vector (memcg, allocation profiling). */
#define SLAB_NO_OBJ_EXT __SLAB_FLAG_BIT(_SLAB_NO_OBJ_EXT)

/*
 * Minimum alignment of kmalloc() and of any cache's objects. x86-64 has no
 * ARCH_DMA_MINALIGN, so both are the alignment of unsigned long long: 8.
 */
#define ARCH_KMALLOC_MINALIGN __alignof__(unsigned long long)
#define ARCH_SLAB_MINALIGN    __alignof__(unsigned long long)

/* ---- object caches --------------------------------------------------------------------- */

struct kmem_cache;

/* The optional arguments of kmem_cache_create(), as the kernel's 6.x struct. */
struct kmem_cache_args {
	unsigned int align;	 /* object alignment, 0 for ARCH_SLAB_MINALIGN */
	unsigned int useroffset; /* hardened usercopy: the region user copies may touch */
	unsigned int usersize;
	unsigned int freeptr_offset; /* SLAB_TYPESAFE_BY_RCU: a word the free pointer may use */
	bool use_freeptr_offset;
	void (*ctor)(void *);	     /* run once per object when its slab is created */
	unsigned int sheaf_capacity; /* accepted, as 6.18's; kmm's per-CPU caching is its own */
};

struct kmem_cache *__kmem_cache_create_args(const char *name, unsigned int object_size,
					    struct kmem_cache_args *args, slab_flags_t flags);
struct kmem_cache *__kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				       slab_flags_t flags, void (*ctor)(void *));
struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
					      unsigned int align, slab_flags_t flags,
					      unsigned int useroffset, unsigned int usersize,
					      void (*ctor)(void *));

static inline struct kmem_cache *__kmem_cache_default_args(const char *name, unsigned int size,
							   struct kmem_cache_args *args,
							   slab_flags_t flags)
{
	struct kmem_cache_args kmem_default_args = { 0 };

	(void)args;
	return __kmem_cache_create_args(name, size, &kmem_default_args, flags);
}

/*
 * kmem_cache_create(name, size, args, flags) with a struct kmem_cache_args * (or NULL),
 * or the classic kmem_cache_create(name, size, align, flags, ctor): the kernel's
 * _Generic dispatch on the third argument.
 */
#define kmem_cache_create(__name, __object_size, __args, ...) \
	_Generic((__args),                                                                  \
		struct kmem_cache_args *: __kmem_cache_create_args,                         \
		void *: __kmem_cache_default_args,                                          \
		default: __kmem_cache_create)(__name, __object_size, __args, __VA_ARGS__)

#define KMEM_CACHE(__struct, __flags)                                           \
	__kmem_cache_create_args(#__struct, sizeof(struct __struct),            \
				 &(struct kmem_cache_args){                     \
					 .align = __alignof__(struct __struct), \
				 },                                             \
				 (__flags))

#define KMEM_CACHE_USERCOPY(__struct, __flags, __field)                             \
	__kmem_cache_create_args(                                                   \
		#__struct, sizeof(struct __struct),                                 \
		&(struct kmem_cache_args){                                          \
			.align = __alignof__(struct __struct),                      \
			.useroffset = __builtin_offsetof(struct __struct, __field), \
			.usersize = sizeof(((struct __struct *)0)->__field),        \
		},                                                                  \
		(__flags))

void kmem_cache_destroy(struct kmem_cache *s);
int kmem_cache_shrink(struct kmem_cache *s);
unsigned int kmem_cache_size(struct kmem_cache *s);
const char *kmem_cache_name(struct kmem_cache *s);

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags) __malloc;
void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t flags, int node) __malloc;
void kmem_cache_free(struct kmem_cache *s, void *objp);

static inline void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags)
{
	return kmem_cache_alloc(k, flags | __GFP_ZERO);
}

/* Fill p[0..size) with objects: returns size, or 0 with nothing allocated. */
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p);
/* Free p[0..size); s may be NULL when the objects' caches differ (kfree_bulk). */
void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p);

static inline void kfree_bulk(size_t size, void **p)
{
	kmem_cache_free_bulk(NULL, size, p);
}

/* Print what kmm knows of an object's slab (cache, offset, allocation site). */
bool kmem_dump_obj(void *object);
/* Is @object a slab object? */
bool kmem_valid_obj(void *object);

/* ---- kmalloc ------------------------------------------------------------------------------ */

/*
 * Size classes as SLUB's: 8, 16, 32, 64, 96, 128, 192, 256, ... 8192 bytes
 * (KMALLOC_SHIFT_LOW..KMALLOC_SHIFT_HIGH); larger requests go to the page allocator, up
 * to KMALLOC_MAX_SIZE. The table has room for the largest classes any back-end uses.
 */
#define KMALLOC_SHIFT_LOW      3
#define KMALLOC_SHIFT_HIGH     (12 + 1)
#define KMALLOC_SHIFT_MAX      (MAX_PAGE_ORDER + 12)
#define KMALLOC_MAX_SIZE       (1UL << KMALLOC_SHIFT_MAX)
#define KMALLOC_MAX_CACHE_SIZE (1UL << KMALLOC_SHIFT_HIGH)
#define KMALLOC_MAX_ORDER      (KMALLOC_SHIFT_MAX - 12)
#define KMALLOC_MIN_SIZE       (1 << KMALLOC_SHIFT_LOW)

/* kmalloc(0) returns ZERO_SIZE_PTR: not NULL, but faults on access. */
#define ZERO_SIZE_PTR	    ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

enum kmalloc_cache_type {
	KMALLOC_NORMAL = 0,
	KMALLOC_RECLAIM,
	KMALLOC_DMA,
	KMALLOC_CGROUP,
	NR_KMALLOC_TYPES
};

/*
 * The kmalloc caches by type and index, read by kmalloc()'s compile-time choice. Up to
 * KMALLOC_SHIFT_HIGH an entry is never NULL: before kmm is up, and where the back-end
 * has no kmalloc caches (SLOB), it is a placeholder cache that owns nothing and sends
 * every allocation to the slow path. kmalloc_slab() returns NULL for it.
 */
typedef struct kmem_cache *kmem_buckets[KMALLOC_SHIFT_MAX + 1];
extern kmem_buckets kmalloc_caches[NR_KMALLOC_TYPES];

#define KMALLOC_NOT_NORMAL_BITS (__GFP_RECLAIMABLE | __GFP_DMA | __GFP_ACCOUNT)

static __always_inline enum kmalloc_cache_type kmalloc_type(gfp_t flags)
{
	if (likely((flags & KMALLOC_NOT_NORMAL_BITS) == 0))
		return KMALLOC_NORMAL;
	if (flags & __GFP_DMA)
		return KMALLOC_DMA;
	if (flags & __GFP_RECLAIMABLE)
		return KMALLOC_RECLAIM;
	return KMALLOC_CGROUP;
}

/* The kmalloc cache index for @size: 1 and 2 are the 96 and 192 byte classes. */
static __always_inline unsigned int kmalloc_index(size_t size)
{
	if (!size)
		return 0;
	if (size <= KMALLOC_MIN_SIZE)
		return KMALLOC_SHIFT_LOW;
	if (size > 64 && size <= 96)
		return 1;
	if (size > 128 && size <= 192)
		return 2;
	if (size <= 8)
		return 3;
	if (size <= 16)
		return 4;
	if (size <= 32)
		return 5;
	if (size <= 64)
		return 6;
	if (size <= 128)
		return 7;
	if (size <= 256)
		return 8;
	if (size <= 512)
		return 9;
	if (size <= 1024)
		return 10;
	if (size <= 2 * 1024)
		return 11;
	if (size <= 4 * 1024)
		return 12;
	if (size <= 8 * 1024)
		return 13;
	if (size <= 16 * 1024)
		return 14;
	if (size <= 32 * 1024)
		return 15;
	if (size <= 64 * 1024)
		return 16;
	if (size <= 128 * 1024)
		return 17;
	if (size <= 256 * 1024)
		return 18;
	if (size <= 512 * 1024)
		return 19;
	if (size <= 1024 * 1024)
		return 20;
	if (size <= 2 * 1024 * 1024)
		return 21;
	return 22;
}

void *__kmalloc(size_t size, gfp_t flags) __alloc_size(1) __malloc;
void *__kmalloc_node(size_t size, gfp_t flags, int node) __alloc_size(1) __malloc;
void *__kmalloc_cache(struct kmem_cache *s, gfp_t flags, size_t size) __alloc_size(3) __malloc;
void *__kmalloc_cache_nozero(struct kmem_cache *s, gfp_t flags, size_t size)
	__alloc_size(3) __malloc;
void *__kmalloc_cache_node(struct kmem_cache *s, gfp_t gfpflags, int node, size_t size)
	__alloc_size(4) __malloc;
void *__kmalloc_large(size_t size, gfp_t flags) __alloc_size(1) __malloc;
void *__kmalloc_large_node(size_t size, gfp_t flags, int node) __alloc_size(1) __malloc;
void *__kmalloc_node_track_caller(size_t size, gfp_t flags, int node, unsigned long caller)
	__alloc_size(1) __malloc;

/*
 * A constant size picks its cache at compile time, as the kernel's header does; any
 * other size goes through __kmalloc(), which looks it up. Constant flags without
 * __GFP_ZERO (most callers) also spare the fast path its test for zeroing.
 */
static __always_inline __alloc_size(1) __malloc void *kmalloc(size_t size, gfp_t flags)
{
	if (__builtin_constant_p(size) && size) {
		struct kmem_cache *s;

		if (size > KMALLOC_MAX_CACHE_SIZE)
			return __kmalloc_large(size, flags);
		s = kmalloc_caches[kmalloc_type(flags)][kmalloc_index(size)];
		if (__builtin_constant_p(flags & __GFP_ZERO) && !(flags & __GFP_ZERO))
			return __kmalloc_cache_nozero(s, flags, size);
		return __kmalloc_cache(s, flags, size);
	}
	return __kmalloc(size, flags);
}

static __always_inline __alloc_size(1) __malloc
	void *kmalloc_node(size_t size, gfp_t flags, int node)
{
	if (__builtin_constant_p(size) && size) {
		if (size > KMALLOC_MAX_CACHE_SIZE)
			return __kmalloc_large_node(size, flags, node);
		return __kmalloc_cache_node(
			kmalloc_caches[kmalloc_type(flags)][kmalloc_index(size)], flags, node,
			size);
	}
	return __kmalloc_node(size, flags, node);
}

static __always_inline __alloc_size(1) __malloc void *kzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}

static __always_inline __alloc_size(1) __malloc
	void *kzalloc_node(size_t size, gfp_t flags, int node)
{
	return kmalloc_node(size, flags | __GFP_ZERO, node);
}

static inline __alloc_size(1, 2) __malloc void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return kmalloc(bytes, flags);
}

static inline __alloc_size(1, 2) __malloc void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline __alloc_size(1, 2) __malloc
	void *kmalloc_array_node(size_t n, size_t size, gfp_t flags, int node)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return kmalloc_node(bytes, flags, node);
}

static inline __alloc_size(1, 2) __malloc
	void *kcalloc_node(size_t n, size_t size, gfp_t flags, int node)
{
	return kmalloc_array_node(n, size, flags | __GFP_ZERO, node);
}

#define kmalloc_track_caller(size, flags) \
	__kmalloc_node_track_caller(size, flags, NUMA_NO_NODE, _RET_IP_)
#define kmalloc_node_track_caller(size, flags, node) \
	__kmalloc_node_track_caller(size, flags, node, _RET_IP_)

void *krealloc(const void *objp, size_t new_size, gfp_t flags) __alloc_size(2) __must_check;

static inline __alloc_size(2, 3) __must_check
	void *krealloc_array(void *p, size_t new_n, size_t new_size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(new_n, new_size, &bytes)))
		return NULL;
	return krealloc(p, bytes, flags);
}

void kfree(const void *objp);
void kfree_sensitive(const void *objp);
size_t ksize(const void *objp);
size_t kmalloc_size_roundup(size_t size);

void *kmemdup(const void *src, size_t len, gfp_t gfp) __alloc_size(2);
void *kmemdup_nul(const char *s, size_t len, gfp_t gfp);
char *kstrdup(const char *s, gfp_t gfp) __malloc;
char *kstrndup(const char *s, size_t max, gfp_t gfp);
const char *kstrdup_const(const char *s, gfp_t gfp);
void kfree_const(const void *x);

/* ---- kvmalloc (mm/util.c) ------------------------------------------------------------------ */
/*
 * kmalloc first, vmalloc when that fails for more than a page, with the kernel's rules
 * (see src/util.c); kvfree() frees either kind. Declared here, as the kernel does.
 */
void *kvmalloc_node(size_t size, gfp_t flags, int node) __alloc_size(1) __malloc;
void *kvmalloc(size_t size, gfp_t flags) __alloc_size(1) __malloc;
void *kvzalloc(size_t size, gfp_t flags) __alloc_size(1) __malloc;
void *kvzalloc_node(size_t size, gfp_t flags, int node) __alloc_size(1) __malloc;
void *kvmalloc_array_node(size_t n, size_t size, gfp_t flags, int node) __alloc_size(1, 2)
	__malloc;
void *kvmalloc_array(size_t n, size_t size, gfp_t flags) __alloc_size(1, 2) __malloc;
void *kvcalloc_node(size_t n, size_t size, gfp_t flags, int node) __alloc_size(1, 2) __malloc;
void *kvcalloc(size_t n, size_t size, gfp_t flags) __alloc_size(1, 2) __malloc;
/* 6.12+: resize, in place where the memory allows; size 0 frees and returns NULL. */
void *kvrealloc(const void *p, size_t size, gfp_t flags) __alloc_size(2) __must_check;
void kvfree(const void *addr);
/* Zero @len bytes, then kvfree(). */
void kvfree_sensitive(const void *addr, size_t len);

#endif /* KMM_LINUX_SLAB_H */
