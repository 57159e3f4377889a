/* SPDX-License-Identifier: MIT */
/*
 * slab.h - the slab allocators' public API, as the kernel's include/linux/slab.h.
 *
 * For now it holds the cache creation flags (SLAB_*) with the kernel's bit values and
 * the architecture's minimum alignments; kmem_cache_create(), kmalloc() and the rest of
 * the slab API are to come in this header.
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

#include <linux/kmm_types.h>

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

#endif /* KMM_LINUX_SLAB_H */
