/* SPDX-License-Identifier: MIT */
/*
 * shim.h - what the malloc shim's files share: the allocation fast path, inline, and the
 * slow paths behind it (shim/malloc.c), used by the C functions (malloc.c) and the C++
 * operators (new.c) alike.
 *
 * The one idea: malloc(n) is kmalloc(n, GFP_KERNEL). Small sizes find their kmalloc
 * cache in a table of kmalloc_slab()'s own answers, one slot per 8 bytes, filled once
 * kmm is up; a slot that is still empty (kmm not yet up, SLOB's cacheless kmalloc, a
 * size past the table) sends the call to the slow path, which brings kmm up, fills the
 * table and decides everything else: large sizes go to kvmalloc (pages, or vmalloc
 * above what the page allocator gives), alignments to naturally aligned blocks.
 */
#ifndef KMM_SHIM_H
#define KMM_SHIM_H

#include <stdatomic.h>

#include "slab.h"

/* The alignment malloc guarantees on x86-64 (alignof(max_align_t)). */
#define SHIM_MALLOC_ALIGN 16
/* Sizes 1..SHIM_SMALL_MAX find their cache in the table; one slot per 8 bytes. */
#define SHIM_SMALL_MAX 1024
#define SHIM_SLOTS     (SHIM_SMALL_MAX / 8)
/*
 * Sizes above it up to the largest kmalloc cache find theirs in a second table, one slot
 * per KiB: kmalloc's classes there are powers of two (2k, 4k, 8k), whose bounds are slot
 * bounds. kvmalloc() takes an object of such a size from the thread's sheaf first, as
 * the inline path does; what it does when the sheaf is empty is shim_alloc_cache()'s.
 */
#define SHIM_PAGE_MAX	KMALLOC_MAX_CACHE_SIZE
#define SHIM_PAGE_SLOTS (SHIM_PAGE_MAX / 1024)
_Static_assert(SHIM_SMALL_MAX % 1024 == 0, "the second table starts at a slot bound");
/* malloc's memory may wait for reclaim, and failing quietly is malloc's way. */
#define SHIM_GFP (GFP_KERNEL | __GFP_NOWARN)

#define SHIM_EXPORT __attribute__((visibility("default")))

extern _Atomic(struct kmem_cache *) shim_small_cache[SHIM_SLOTS];
extern _Atomic(struct kmem_cache *) shim_page_cache[SHIM_PAGE_SLOTS];

/* Bring kmm up, as the first allocation does: anything else of kmm's is called after it. */
void shim_start(void);
void *shim_alloc_slow(size_t size, gfp_t gfp);
void *shim_alloc_cache(struct kmem_cache *s, size_t size, gfp_t gfp);
void *shim_alloc_aligned(size_t align, size_t size, gfp_t gfp);
void shim_free_slow(void *p);
size_t shim_usable_size(const void *p);

/*
 * An object of @s from the thread's sheaf inline (the front end's own fast path), else
 * shim_alloc_cache(). kmalloc_boot_cache until the tables are filled: its sheaf is always
 * empty.
 */
static __always_inline void *shim_alloc_from(_Atomic(struct kmem_cache *) *slot, size_t size,
					     gfp_t gfp)
{
	struct kmem_cache *s = atomic_load_explicit(slot, memory_order_relaxed);
	void *object;

	if (likely(slab_alloc_fast(s, &object)))
		return gfp & __GFP_ZERO ? memset(object, 0, size) : object;
	return shim_alloc_cache(s, size, gfp);
}

/*
 * kmalloc(size): 1..SHIM_PAGE_MAX through the tables; everything else, and a failure
 * (errno), the slow path's.
 */
static __always_inline void *shim_alloc(size_t size, gfp_t gfp)
{
	size_t slot = (size - 1) >> 3; /* size 0 wraps far past the tables */

	if (likely(slot < SHIM_SLOTS))
		return shim_alloc_from(&shim_small_cache[slot], size, gfp);
	if (slot < SHIM_PAGE_MAX / 8)
		return shim_alloc_from(&shim_page_cache[(size - 1) >> 10], size, gfp);
	return shim_alloc_slow(size, gfp);
}

/* In the direct map? One comparison: below PAGE_OFFSET the subtraction wraps. */
static __always_inline bool shim_in_direct_map(const void *p)
{
	return (((unsigned long)p - PAGE_OFFSET) >> PAGE_SHIFT) < max_low_pfn;
}

/*
 * The direct map is kfree()'s; vmalloc'd blocks and addresses kmm never handed out
 * (memory from before the shim was loaded) are the slow path's.
 */
static __always_inline void shim_free(void *p)
{
	if (likely(kfree_fast(p))) /* kfree()'s own fast path, inline */
		return;
	if (likely(shim_in_direct_map(p))) {
		kfree(p);
		return;
	}
	if (p)
		shim_free_slow(p);
}

#endif /* KMM_SHIM_H */
