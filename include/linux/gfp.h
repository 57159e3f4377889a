/* SPDX-License-Identifier: MIT */
/*
 * gfp.h - the page allocator's API (alloc_pages and friends) and the helpers that turn
 * GFP flags into a zone and a migrate type, as the kernel's include/linux/gfp.h.
 */
#ifndef KMM_LINUX_GFP_H
#define KMM_LINUX_GFP_H

#include <linux/gfp_types.h>
#include <linux/mmzone.h>

struct page;

/*
 * gfp_zone(): the highest zone the flags allow. GFP_ZONE_TABLE packs the answer for
 * each of the 16 combinations of the four zone bits, GFP_ZONE_BAD marks the illegal ones
 * (two zone modifiers that contradict each other).
 */
#define GFP_ZONES_SHIFT ZONES_SHIFT
#define GFP_ZONE_TABLE                                                                          \
	(((unsigned long)ZONE_NORMAL << 0 * GFP_ZONES_SHIFT) |                                  \
	 ((unsigned long)ZONE_DMA << ___GFP_DMA * GFP_ZONES_SHIFT) |                            \
	 ((unsigned long)ZONE_HIGHMEM << ___GFP_HIGHMEM * GFP_ZONES_SHIFT) |                    \
	 ((unsigned long)ZONE_DMA32 << ___GFP_DMA32 * GFP_ZONES_SHIFT) |                        \
	 ((unsigned long)ZONE_NORMAL << ___GFP_MOVABLE * GFP_ZONES_SHIFT) |                     \
	 ((unsigned long)ZONE_DMA << (___GFP_MOVABLE | ___GFP_DMA) * GFP_ZONES_SHIFT) |         \
	 ((unsigned long)ZONE_MOVABLE << (___GFP_MOVABLE | ___GFP_HIGHMEM) * GFP_ZONES_SHIFT) | \
	 ((unsigned long)ZONE_DMA32 << (___GFP_MOVABLE | ___GFP_DMA32) * GFP_ZONES_SHIFT))

#define GFP_ZONE_BAD                                                             \
	(1 << (___GFP_DMA | ___GFP_HIGHMEM) | 1 << (___GFP_DMA | ___GFP_DMA32) | \
	 1 << (___GFP_DMA32 | ___GFP_HIGHMEM) |                                  \
	 1 << (___GFP_DMA | ___GFP_DMA32 | ___GFP_HIGHMEM) |                     \
	 1 << (___GFP_MOVABLE | ___GFP_HIGHMEM | ___GFP_DMA) |                   \
	 1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_DMA) |                     \
	 1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_HIGHMEM) |                 \
	 1 << (___GFP_MOVABLE | ___GFP_DMA32 | ___GFP_DMA | ___GFP_HIGHMEM))

_Static_assert(MAX_NR_ZONES <= (1 << GFP_ZONES_SHIFT), "zone numbers must fit the table");

static inline bool gfp_zone_bad(gfp_t flags)
{
	return (GFP_ZONE_BAD >> (flags & GFP_ZONEMASK)) & 1;
}

static inline enum zone_type gfp_zone(gfp_t flags)
{
	unsigned int bit = flags & GFP_ZONEMASK;

	return (enum zone_type)((GFP_ZONE_TABLE >> (bit * GFP_ZONES_SHIFT)) &
				((1UL << GFP_ZONES_SHIFT) - 1));
}

#define GFP_MOVABLE_MASK  (__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT 3

/* __GFP_MOVABLE -> MIGRATE_MOVABLE, __GFP_RECLAIMABLE -> MIGRATE_RECLAIMABLE. */
static inline int gfp_migratetype(const gfp_t gfp_flags)
{
	return (int)((gfp_flags & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}

/* ---- the allocation API ------------------------------------------------------------- */

struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, void *nodemask);
struct page *__alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
#define alloc_page(gfp_mask) alloc_pages(gfp_mask, 0)

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp_mask);
#define __get_free_page(gfp_mask)	 __get_free_pages((gfp_mask), 0)
#define __get_dma_pages(gfp_mask, order) __get_free_pages((gfp_mask) | GFP_DMA, (order))

void *alloc_pages_exact(size_t size, gfp_t gfp_mask) __alloc_size(1);
void free_pages_exact(void *virt, size_t size);
void *alloc_pages_exact_nid(int nid, size_t size, gfp_t gfp_mask) __alloc_size(2);

void __free_pages(struct page *page, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#define __free_page(page) __free_pages((page), 0)
#define free_page(addr)	  free_pages((addr), 0)

struct zone;
void drain_all_pages(struct zone *zone);
void drain_local_pages(struct zone *zone);

unsigned long nr_free_buffer_pages(void);

#endif /* KMM_LINUX_GFP_H */
