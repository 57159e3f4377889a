/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.c - the zoned buddy allocator (the kernel's mm/page_alloc.c).
 *
 * Each zone keeps free blocks of 2^order pages in free_area[order].free_list[migratetype].
 * A block is naturally aligned; its buddy is the block whose pfn differs in bit @order.
 * Freeing merges a block with its buddy while the buddy is free and of the same order,
 * allocating splits a larger block and puts the unused halves back (expand()).
 *
 * An allocation walks the zonelist of its preferred node (NUMA_NO_NODE and alloc_pages():
 * the caller's node): that node's zones, then the other nodes' nearest first, or with
 * __GFP_THISNODE the node's own zones only. zone_statistics() counts where it landed.
 *
 * Allocation is two-staged as in the kernel. The fast path takes the first zone of the
 * zonelist that is above its low watermark, from the CPU's pcp list for small orders.
 * The slow path recomputes alloc_flags from the GFP flags (min watermark, and for
 * __GFP_HIGH / non-blocking callers a share of the reserve below it), wakes kswapd,
 * reclaims directly through the shrinkers when allowed, retries as the reclaim
 * modifiers say, calls the OOM notifiers, and for __GFP_NOFAIL waits until memory is
 * freed.
 *
 * Lock order: pcp->lock, then zone->lock. pcp locks are only ever try-locked by the
 * allocation and free paths (a miss falls back to the zone, as pcp_spin_trylock does),
 * so releasing one is a plain store. No system call is made under either lock.
 */
#include <linux/highmem.h>

#include "fault-inject.h"
#include "kasan.h"

int min_free_kbytes = 1024;
int watermark_scale_factor = 10;
/* ZONE_DMA and ZONE_DMA32 keep 1/256 of the upper zones' size back, ZONE_NORMAL 1/32. */
int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES] = { 256, 256, 32, 0, 0 };
unsigned long totalram_pages_count;
unsigned long totalreserve_pages;
/*
 * The zone a __GFP_DMA32 request may use up to: ZONE_DMA32 on x86-64; a 32-bit kernel
 * has no ZONE_DMA32 and its gfp_zone() answers ZONE_NORMAL (OPT_ZONE_DMA32), so the
 * 32-bit layout remaps it here, once per allocation and only for DMA32 requests.
 */
static enum zone_type zone_dma32_remap = ZONE_DMA32;

#define FPI_NONE		   0
#define FPI_TO_TAIL		   0x2 /* put the block at the tail of its list */
#define FPI_SKIP_REPORT_NOTIFY	   0x1 /* the block comes back from page reporting */
#define CONFIG_PCP_BATCH_SCALE_MAX 5
#define PCP_DRAIN_SPINS		   64

/*
 * Functions that read allocator state racily on purpose (the kernel marks such reads
 * with data_race()): ThreadSanitizer is told not to instrument them.
 */
#define data_racy __attribute__((no_sanitize("thread")))

struct alloc_context {
	struct zonelist *zonelist;
	struct zoneref *preferred_zoneref;
	int migratetype;
	enum zone_type highest_zoneidx;
};

/* Frees wake __GFP_NOFAIL allocations that wait for memory. */
static struct wait_queue_head free_pages_wait;

/* ---- struct page helpers -------------------------------------------------------------- */

#define PAGE_LINKS_MASK ((ZONES_MASK << ZONES_PGSHIFT) | (NODES_MASK << NODES_PGSHIFT))

/* The zone and node bits of page->flags for a page of @zone. */
static inline unsigned long zone_page_links(const struct zone *zone)
{
	return ((unsigned long)zone->zone_idx << ZONES_PGSHIFT) |
	       ((unsigned long)zone->zone_pgdat->node_id << NODES_PGSHIFT);
}

static inline void set_page_links_bits(struct page *page, unsigned long links)
{
	page->flags = (page->flags & ~PAGE_LINKS_MASK) | links;
}

static inline void set_page_links_zone(struct page *page, const struct zone *zone)
{
	set_page_links_bits(page, zone_page_links(zone));
}

static inline unsigned int buddy_order(const struct page *page)
{
	return (unsigned int)page->private;
}

static inline void set_buddy_order(struct page *page, unsigned int order)
{
	page->private = order;
	__SetPageBuddy(page);
}

static inline void clear_page_buddy(struct page *page)
{
	__ClearPageBuddy(page);
	page->private = 0;
}

static inline bool page_reported(const struct page *page)
{
	return (page->flags >> PG_reported) & 1;
}

static inline void set_page_reported(struct page *page, bool on)
{
	if (on)
		page->flags |= 1UL << PG_reported;
	else
		page->flags &= ~(1UL << PG_reported);
}

static inline unsigned long pageblock_index(const struct zone *zone, unsigned long pfn)
{
	return (pfn - (zone->zone_start_pfn & ~(pageblock_nr_pages - 1))) >> pageblock_order;
}

/*
 * A pageblock's type changes under zone->lock, and the free path reads it without the
 * lock to pick a per-CPU list (checked again under the lock when the page reaches the
 * buddy lists): relaxed atomics, as the kernel's READ_ONCE and cmpxchg of the bitmap.
 */
static inline int get_pfnblock_migratetype(const struct zone *zone, unsigned long pfn)
{
	return READ_ONCE(zone->pageblock_mt[pageblock_index(zone, pfn)]);
}

static inline void set_pageblock_migratetype(struct zone *zone, unsigned long pfn, int mt)
{
	WRITE_ONCE(zone->pageblock_mt[pageblock_index(zone, pfn)], (unsigned char)mt);
}

static inline bool zone_spans_pfn(const struct zone *zone, unsigned long pfn)
{
	return pfn >= zone->zone_start_pfn && pfn < zone_end_pfn(zone);
}

/* ---- free lists -------------------------------------------------------------------- */

static inline void account_freepages(struct zone *zone, long nr_pages, int migratetype)
{
	if (migratetype == MIGRATE_ISOLATE)
		return;
	mod_zone_page_state(zone, NR_FREE_PAGES, nr_pages);
	if (migratetype == MIGRATE_HIGHATOMIC)
		zone->nr_free_highatomic += (unsigned long)nr_pages;
}

static inline void __add_to_free_list(struct page *page, struct zone *zone, unsigned int order,
				      int migratetype, bool tail)
{
	struct free_area *area = &zone->free_area[order];

	if (tail)
		list_add_tail(&page->lru, &area->free_list[migratetype]);
	else
		list_add(&page->lru, &area->free_list[migratetype]);
	area->nr_free++;
}

static void list_deferred_block(struct zone *zone);

/*
 * A block left a free list: while deferred blocks remain, the movable max-order list is
 * never empty, so that every path that looks at the lists sees what it would have seen
 * with all of them listed at start-up (see struct zone).
 */
static inline void keep_deferred_block_listed(struct zone *zone, unsigned int order)
{
	if (unlikely(order == MAX_PAGE_ORDER) &&
	    zone->first_deferred_pfn < zone->deferred_end_pfn &&
	    list_empty(&zone->free_area[order].free_list[MIGRATE_MOVABLE]))
		list_deferred_block(zone);
}

static inline void __del_page_from_free_list(struct page *page, struct zone *zone,
					     unsigned int order)
{
	list_del(&page->lru);
	clear_page_buddy(page);
	set_page_reported(page, false);
	zone->free_area[order].nr_free--;
	keep_deferred_block_listed(zone, order);
}

static inline void del_page_from_free_list(struct page *page, struct zone *zone, unsigned int order,
					   int migratetype)
{
	__del_page_from_free_list(page, zone, order);
	account_freepages(zone, -(1L << order), migratetype);
}

static inline void move_to_free_list(struct page *page, struct zone *zone, unsigned int order,
				     int old_mt, int new_mt)
{
	list_move_tail(&page->lru, &zone->free_area[order].free_list[new_mt]);
	account_freepages(zone, -(1L << order), old_mt);
	account_freepages(zone, 1L << order, new_mt);
	keep_deferred_block_listed(zone, order);
}

/*
 * The watermark checks read free-area state without zone->lock, as the kernel's do: a
 * stale answer only sends the caller to the next zone or the slow path.
 */

static inline data_racy bool free_area_empty(const struct free_area *area, int migratetype)
{
	const struct list_head *head = &area->free_list[migratetype];

	return READ_ONCE(head->next) == head;
}

static inline struct page *get_page_from_free_area(struct free_area *area, int migratetype)
{
	return list_first_entry_or_null(&area->free_list[migratetype], struct page, lru);
}

/* ---- merging and splitting ------------------------------------------------------------ */

/*
 * The free buddy of the block at @pfn of @order, or NULL if it is not free as a whole.
 * The buddy may be in use, its owner changing its page_type (a slab, a large kmalloc)
 * without zone->lock: such a page is not PGTY_buddy before or after, so the racy read
 * gives the right answer (data_racy, as the kernel's page_is_buddy()).
 */
static inline data_racy struct page *find_buddy_page_pfn(struct zone *zone, unsigned long pfn,
							 unsigned int order,
							 unsigned long *buddy_pfn)
{
	unsigned long bpfn = pfn ^ (1UL << order);
	struct page *buddy;

	if (!zone_spans_pfn(zone, bpfn))
		return NULL;
	buddy = pfn_to_page(bpfn);
	if (!PageBuddy(buddy) || buddy_order(buddy) != order)
		return NULL;
	if (buddy_pfn)
		*buddy_pfn = bpfn;
	return buddy;
}

/*
 * When the buddy of the merged block is free too, the block is likely to merge again
 * soon: put it at the tail so that it is not split again first.
 */
static inline bool buddy_merge_likely(struct zone *zone, unsigned long pfn, unsigned long buddy_pfn,
				      unsigned int order)
{
	unsigned long higher_pfn;

	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	higher_pfn = buddy_pfn & pfn;
	return find_buddy_page_pfn(zone, higher_pfn, order + 1, NULL) != NULL;
}

/* Give a free block back to the zone, merging it with its buddies (zone->lock held). */
static void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone,
			    unsigned int order, int migratetype, int fpi_flags)
{
	unsigned long buddy_pfn = 0, combined_pfn;
	struct page *buddy;
	bool to_tail;

	account_freepages(zone, 1L << order, migratetype);
	while (order < MAX_PAGE_ORDER) {
		int buddy_mt = migratetype;

		buddy = find_buddy_page_pfn(zone, pfn, order, &buddy_pfn);
		if (!buddy)
			break;
		if (order >= pageblock_order) {
			buddy_mt = get_pfnblock_migratetype(zone, buddy_pfn);
			/* Isolated and high-atomic blocks keep to themselves. */
			if (migratetype != buddy_mt &&
			    (migratetype >= MIGRATE_PCPTYPES || buddy_mt >= MIGRATE_PCPTYPES))
				break;
		}
		__del_page_from_free_list(buddy, zone, order);
		if (buddy_mt != migratetype) {
			/* the buddy's pages join this block's type */
			account_freepages(zone, -(1L << order), buddy_mt);
			account_freepages(zone, 1L << order, migratetype);
			set_pageblock_migratetype(zone, buddy_pfn, migratetype);
		}
		combined_pfn = buddy_pfn & pfn;
		/* combined_pfn <= pfn: step back, not forward by a wrapped offset (UB) */
		page = page - (pfn - combined_pfn);
		pfn = combined_pfn;
		order++;
	}
	set_buddy_order(page, order);
	set_page_links_zone(page, zone);
	if (fpi_flags & FPI_TO_TAIL)
		to_tail = true;
	else
		to_tail = buddy_merge_likely(zone, pfn, pfn ^ (1UL << order), order);
	__add_to_free_list(page, zone, order, migratetype, to_tail);
	if (!(fpi_flags & FPI_SKIP_REPORT_NOTIFY))
		page_reporting_notify_free(order);
}

/* Split a block of order @high down to @low, returning the unused halves. */
static unsigned long expand(struct zone *zone, struct page *page, unsigned int low,
			    unsigned int high, int migratetype)
{
	unsigned long size = 1UL << high, nr_added = 0;

	while (high > low) {
		high--;
		size >>= 1;
		set_page_links_zone(&page[size], zone);
		__add_to_free_list(&page[size], zone, high, migratetype, false);
		set_buddy_order(&page[size], high);
		nr_added += size;
	}
	return nr_added;
}

static void page_del_and_expand(struct zone *zone, struct page *page, unsigned int low,
				unsigned int high, int migratetype)
{
	long nr_pages = 1L << high;

	__del_page_from_free_list(page, zone, high);
	nr_pages -= (long)expand(zone, page, low, high, migratetype);
	account_freepages(zone, -nr_pages, migratetype);
}

static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int migratetype)
{
	for (unsigned int current_order = order; current_order < NR_PAGE_ORDERS; ++current_order) {
		struct page *page =
			get_page_from_free_area(&zone->free_area[current_order], migratetype);

		if (!page)
			continue;
		page_del_and_expand(zone, page, order, current_order, migratetype);
		return page;
	}
	return NULL;
}

/* ---- migrate-type fallback --------------------------------------------------------------- */

/* Which other types an allocation may take from, in order (the kernel's fallbacks[]). */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/*
 * Claiming a whole pageblock for another type is worth it when the request is large, or
 * when the type is one that pollutes movable blocks (unmovable, reclaimable).
 */
static bool should_try_claim_block(unsigned int order, int start_mt)
{
	if (order >= pageblock_order / 2)
		return true;
	return start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE;
}

static int find_suitable_fallback(struct free_area *area, unsigned int order, int migratetype,
				  bool claimable)
{
	if (area->nr_free == 0)
		return -1;
	if (claimable && !should_try_claim_block(order, migratetype))
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fallback_mt = fallbacks[migratetype][i];

		if (!free_area_empty(area, fallback_mt))
			return fallback_mt;
	}
	return -1;
}

/* Move the free blocks of one pageblock from @old_mt to @new_mt lists; returns pages moved. */
static unsigned long move_freepages_block(struct zone *zone, unsigned long start_pfn, int old_mt,
					  int new_mt)
{
	unsigned long pfn = start_pfn, end = start_pfn + pageblock_nr_pages, moved = 0;

	while (pfn < end && zone_spans_pfn(zone, pfn)) {
		struct page *page = pfn_to_page(pfn);

		if (!PageBuddy(page)) {
			pfn++;
			continue;
		}
		unsigned int order = buddy_order(page);

		move_to_free_list(page, zone, order, old_mt, new_mt);
		pfn += 1UL << order;
		moved += 1UL << order;
	}
	set_pageblock_migratetype(zone, start_pfn, new_mt);
	return moved;
}

/* Set the type of the pageblocks of a block of @order >= pageblock_order (zone->lock held). */
static void change_pageblock_range(struct zone *zone, unsigned long pfn, unsigned int order,
				   int migratetype)
{
	unsigned long nr_pageblocks = 1UL << (order - pageblock_order);

	for (unsigned long i = 0; i < nr_pageblocks; i++)
		set_pageblock_migratetype(zone, pfn + i * pageblock_nr_pages, migratetype);
}

/*
 * Take over the pageblock of @page for @start_mt if at least half of it is free or
 * already used compatibly, as try_to_claim_block(); then allocate from it.
 */
static struct page *try_to_claim_block(struct zone *zone, struct page *page,
				       unsigned int current_order, unsigned int order, int start_mt,
				       int block_mt)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long start_pfn = pfn & ~(pageblock_nr_pages - 1);
	unsigned long free_pages;

	if (current_order >= pageblock_order) {
		del_page_from_free_list(page, zone, current_order, block_mt);
		change_pageblock_range(zone, pfn, current_order, start_mt);
		account_freepages(zone, 1L << current_order, start_mt);
		__add_to_free_list(page, zone, current_order, start_mt, false);
		set_buddy_order(page, current_order);
		return __rmqueue_smallest(zone, order, start_mt);
	}
	if (!zone_spans_pfn(zone, start_pfn) ||
	    !zone_spans_pfn(zone, start_pfn + pageblock_nr_pages - 1))
		return NULL;
	/* free pages of the block; pages in use are unknown here and not counted */
	free_pages = 0;
	for (unsigned long p = start_pfn; p < start_pfn + pageblock_nr_pages;) {
		struct page *q = pfn_to_page(p);

		if (PageBuddy(q)) {
			free_pages += 1UL << buddy_order(q);
			p += 1UL << buddy_order(q);
		} else {
			p++;
		}
	}
	if (free_pages >= (1UL << (pageblock_order - 1))) {
		move_freepages_block(zone, start_pfn, block_mt, start_mt);
		return __rmqueue_smallest(zone, order, start_mt);
	}
	return NULL;
}

/* Largest fallback block first, claiming its pageblock when worth it. */
static struct page *__rmqueue_claim(struct zone *zone, int order, int start_mt)
{
	for (int current_order = MAX_PAGE_ORDER; current_order >= order; current_order--) {
		struct free_area *area = &zone->free_area[current_order];
		int fallback_mt =
			find_suitable_fallback(area, (unsigned int)current_order, start_mt, true);
		struct page *page;

		if (fallback_mt == -1)
			continue;
		page = get_page_from_free_area(area, fallback_mt);
		page = try_to_claim_block(zone, page, (unsigned int)current_order,
					  (unsigned int)order, start_mt, fallback_mt);
		if (page)
			return page;
	}
	return NULL;
}

/* Smallest fallback block, taken without changing its pageblock's type. */
static struct page *__rmqueue_steal(struct zone *zone, int order, int start_mt)
{
	for (int current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		struct free_area *area = &zone->free_area[current_order];
		int fallback_mt =
			find_suitable_fallback(area, (unsigned int)current_order, start_mt, false);
		struct page *page;

		if (fallback_mt == -1)
			continue;
		page = get_page_from_free_area(area, fallback_mt);
		page_del_and_expand(zone, page, (unsigned int)order, (unsigned int)current_order,
				    fallback_mt);
		return page;
	}
	return NULL;
}

static struct page *__rmqueue(struct zone *zone, unsigned int order, int migratetype)
{
	struct page *page = __rmqueue_smallest(zone, order, migratetype);

	if (!page)
		page = __rmqueue_claim(zone, (int)order, migratetype);
	if (!page)
		page = __rmqueue_steal(zone, (int)order, migratetype);
	return page;
}

/* ---- high-order atomic reserve ---------------------------------------------------------- */

/*
 * A high-order allocation that may not block and had to go below the low watermark
 * reserves its pageblock (MIGRATE_HIGHATOMIC) so that a burst of such allocations finds
 * blocks of its order. The reserve is about 1% of the zone in whole pageblocks; a zone
 * whose 1% is less than a pageblock keeps none. Reclaim gives blocks back before an
 * allocation fails (unreserve_highatomic_pageblock()).
 *
 * The reserve's size and the pageblocks' types change under zone->lock only. The size is
 * also read without the lock, to skip the lock when nothing can change: race-prone but
 * harmless, as the kernel says, because it is checked again under the lock.
 */
static inline data_racy unsigned long highatomic_reserved_racy(const struct zone *zone)
{
	return READ_ONCE(zone->nr_reserved_highatomic);
}

static void reserve_highatomic_pageblock(struct page *page, unsigned int order, struct zone *zone)
{
	unsigned long managed = zone_managed_pages(zone) / 100;
	unsigned long pfn = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
	unsigned long max_managed;
	int mt;

	if (managed < pageblock_nr_pages)
		return;
	max_managed = ALIGN(managed, pageblock_nr_pages);
	if (highatomic_reserved_racy(zone) >= max_managed)
		return;
	spin_lock(&zone->lock);
	/* Recheck the limit under the lock: another CPU may have reserved meanwhile. */
	if (zone->nr_reserved_highatomic >= max_managed)
		goto out_unlock;
	/* Only ordinary pageblocks (those that merge with others), each reserved once. */
	mt = get_pfnblock_migratetype(zone, pfn);
	if (mt >= MIGRATE_PCPTYPES)
		goto out_unlock;
	if (order < pageblock_order) {
		move_freepages_block(zone, pfn, mt, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += pageblock_nr_pages;
	} else {
		/* the block is in use, so no free page lies in it: only the types change */
		change_pageblock_range(zone, pfn, order, MIGRATE_HIGHATOMIC);
		zone->nr_reserved_highatomic += 1UL << order;
	}
out_unlock:
	spin_unlock(&zone->lock);
}

/*
 * Used when an allocation is about to fail: give a reserved pageblock back to the
 * caller's migratetype (keeping one per zone unless @force). True if one was.
 */
static bool unreserve_highatomic_pageblock(const struct alloc_context *ac, bool force)
{
	for (struct zoneref *z = ac->preferred_zoneref; z->zone; z++) {
		struct zone *zone = z->zone;

		if (z->zone_idx > (int)ac->highest_zoneidx)
			continue;
		if (!force && highatomic_reserved_racy(zone) <= pageblock_nr_pages)
			continue;
		spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			struct page *page = get_page_from_free_area(&zone->free_area[order],
								    MIGRATE_HIGHATOMIC);
			unsigned long pfn, size;

			if (!page)
				continue;
			pfn = page_to_pfn(page) & ~(pageblock_nr_pages - 1);
			size = max(pageblock_nr_pages, 1UL << order);
			/* a free high-atomic page means its block was counted in the reserve */
			if (WARN_ON_ONCE(size > zone->nr_reserved_highatomic))
				size = zone->nr_reserved_highatomic;
			zone->nr_reserved_highatomic -= size;
			/*
			 * The block goes to the caller's type directly, not through the stealing
			 * heuristics: the caller needs the pages now.
			 */
			if (order < pageblock_order) {
				move_freepages_block(zone, pfn, MIGRATE_HIGHATOMIC,
						     ac->migratetype);
			} else {
				move_to_free_list(page, zone, order, MIGRATE_HIGHATOMIC,
						  ac->migratetype);
				change_pageblock_range(zone, pfn, order, ac->migratetype);
			}
			spin_unlock(&zone->lock);
			return true;
		}
		spin_unlock(&zone->lock);
	}
	return false;
}

/* ---- watermarks ------------------------------------------------------------------------- */

static inline data_racy long zone_watermark_unusable_free(struct zone *z, unsigned int order,
							  unsigned int alloc_flags)
{
	long unusable_free = (1L << order) - 1;

	/* The high-atomic reserve is usable only by those allowed to reserve. */
	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		unusable_free += (long)READ_ONCE(z->nr_free_highatomic);
	return unusable_free;
}

static data_racy bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
					  int highest_zoneidx, unsigned int alloc_flags,
					  long free_pages)
{
	long min = (long)mark;

	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		/* __GFP_HIGH: half the reserve; a non-blocking caller another quarter of that */
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* For a high order, a block of at least that order must exist. */
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];

		if (!READ_ONCE(area->nr_free))
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!free_area_empty(area, mt))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    !free_area_empty(area, MIGRATE_HIGHATOMIC))
			return true;
	}
	return false;
}

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark, int highest_zoneidx,
		       unsigned int alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   zone_page_state(z, NR_FREE_PAGES));
}

static inline bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
				       int highest_zoneidx, unsigned int alloc_flags)
{
	long free_pages = zone_page_state(z, NR_FREE_PAGES);

	/* order-0 fast check: enough free pages above the mark is all that matters */
	if (!order) {
		long usable_free = free_pages;
		long reserved = zone_watermark_unusable_free(z, 0, alloc_flags);

		usable_free -= min(usable_free, reserved);
		if (usable_free > (long)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

/* ---- per-CPU page lists ------------------------------------------------------------------ */

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == pageblock_order;
}

static inline unsigned int order_to_pindex(int migratetype, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS;
	return (MIGRATE_PCPTYPES * order) + (unsigned int)migratetype;
}

static inline unsigned int pindex_to_order(unsigned int pindex)
{
	if (pindex == NR_LOWORDER_PCP_LISTS)
		return HPAGE_PMD_ORDER;
	return pindex / MIGRATE_PCPTYPES;
}

static inline struct per_cpu_pages *pcp_spin_trylock(struct zone *zone)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[smp_processor_id()];

	return spin_trylock(&pcp->lock) ? pcp : NULL;
}

/*
 * pcp->count changes under pcp->lock, and is read without it by pcp_pages_count()
 * (kmm_page_stats(), meminfo, from any thread): a relaxed atomic store, a plain move.
 */
static inline void pcp_count_add(struct per_cpu_pages *pcp, int delta)
{
	WRITE_ONCE(pcp->count, pcp->count + delta);
}

/* pcp locks have no sleepers (only trylock and lock_slow spin on them): a store frees them. */
static inline void pcp_spin_unlock(struct per_cpu_pages *pcp)
{
	atomic_store_explicit(&pcp->lock.state, 0, memory_order_release);
}

static void pcp_spin_lock_slow(struct per_cpu_pages *pcp)
{
	for (unsigned int spins = 0; !spin_trylock(&pcp->lock); spins++) {
		if (spins < PCP_DRAIN_SPINS)
			port_cpu_relax();
		else
			port_yield();
	}
}

/* Free @count pages from the pcp lists to the zone, round-robin over the lists. */
static void free_pcppages_bulk(struct zone *zone, int count, struct per_cpu_pages *pcp,
			       unsigned int pindex)
{
	count = min(pcp->count, count);
	if (count <= 0)
		return;
	/* drain the requested list first */
	pindex = pindex ? pindex - 1 : NR_PCP_LISTS - 1;
	spin_lock(&zone->lock);
	while (count > 0) {
		struct list_head *list;
		unsigned int order, nr_pages;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		order = pindex_to_order(pindex);
		nr_pages = 1U << order;
		do {
			struct page *page = list_last_entry(list, struct page, lru);
			unsigned long pfn = page_to_pfn(page);

			list_del(&page->lru);
			count -= (int)nr_pages;
			pcp_count_add(pcp, -(int)nr_pages);
			__free_one_page(page, pfn, zone, order, get_pfnblock_migratetype(zone, pfn),
					FPI_NONE);
		} while (count > 0 && !list_empty(list));
	}
	spin_unlock(&zone->lock);
}

/* Take up to @count blocks of @order from the zone onto a pcp list (zone->lock taken here). */
static int rmqueue_bulk(struct zone *zone, unsigned int order, int count, struct list_head *list,
			int migratetype, unsigned int alloc_flags)
{
	int i;

	spin_lock(&zone->lock);
	for (i = 0; i < count; ++i) {
		struct page *page = __rmqueue(zone, order, migratetype);

		if (unlikely(page == NULL))
			break;
		list_add_tail(&page->lru, list);
	}
	spin_unlock(&zone->lock);
	return i;
}

static inline int nr_pcp_alloc(struct per_cpu_pages *pcp, unsigned int order)
{
	int high = READ_ONCE(pcp->high), batch = READ_ONCE(pcp->batch);

	/* pcp disabled (high below batch): one block at a time */
	if (unlikely(high < batch))
		return 1;
	if (order)
		batch = max(batch >> order, 2);
	return batch;
}

static inline int nr_pcp_free(struct per_cpu_pages *pcp, int batch, int high)
{
	int min_nr_free = batch, max_nr_free = high - batch;

	/* free more when the CPU frees much without allocating */
	return clamp(pcp->free_count, min_nr_free, max(max_nr_free, min_nr_free));
}

static struct page *__rmqueue_pcplist(struct zone *zone, unsigned int order, int migratetype,
				      unsigned int alloc_flags, struct per_cpu_pages *pcp,
				      struct list_head *list)
{
	struct page *page;

	if (list_empty(list)) {
		int batch = nr_pcp_alloc(pcp, order);
		int alloced = rmqueue_bulk(zone, order, batch, list, migratetype, alloc_flags);

		pcp_count_add(pcp, alloced << order);
		if (unlikely(list_empty(list)))
			return NULL;
	}
	page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	pcp_count_add(pcp, -(1 << order));
	return page;
}

/* ---- NUMA placement counters ---------------------------------------------------------- */

/*
 * zone_statistics(): one allocation from @z that was meant for @preferred_zone's node.
 * @events is where @z's counts go: the CPU's pcp (its lock held) or NULL for the zone's
 * atomics. The preferred zone's NUMA_FOREIGN is another zone's count: an atomic, paid
 * only on a miss.
 */
static inline void zone_statistics(struct zone *preferred_zone, struct zone *z,
				   unsigned long *events)
{
	int nid = zone_to_nid(z);
	enum numa_stat_item local_stat = nid == numa_node_id() ? NUMA_LOCAL : NUMA_OTHER;
	enum numa_stat_item placed = NUMA_HIT;

	if (nid != zone_to_nid(preferred_zone)) {
		placed = NUMA_MISS;
		atomic_fetch_add_explicit(&preferred_zone->vm_numa_event[NUMA_FOREIGN], 1,
					  memory_order_relaxed);
	}
	if (events) {
		events[placed]++;
		events[local_stat]++;
		return;
	}
	atomic_fetch_add_explicit(&z->vm_numa_event[placed], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&z->vm_numa_event[local_stat], 1, memory_order_relaxed);
}

static struct page *rmqueue_pcplist(struct zone *preferred_zone, struct zone *zone,
				    unsigned int order, int migratetype, unsigned int alloc_flags)
{
	struct per_cpu_pages *pcp = pcp_spin_trylock(zone);
	struct page *page;

	if (!pcp)
		return NULL;
	pcp->free_count >>= 1;
	page = __rmqueue_pcplist(zone, order, migratetype, alloc_flags, pcp,
				 &pcp->lists[order_to_pindex(migratetype, order)]);
	if (page) {
		pcp->events[PGALLOC_DMA + zone->zone_idx] += 1UL << order;
		zone_statistics(preferred_zone, zone, pcp->numa_events);
	}
	pcp_spin_unlock(pcp);
	return page;
}

static struct page *rmqueue_buddy(struct zone *preferred_zone, struct zone *zone,
				  unsigned int order, unsigned int alloc_flags, int migratetype)
{
	struct page *page = NULL;

	spin_lock(&zone->lock);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		page = __rmqueue(zone, order, migratetype);
		/* the high-atomic reserve also serves callers that cannot block */
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
	}
	spin_unlock(&zone->lock);
	if (page) {
		atomic_fetch_add_explicit(&zone->vm_events[PGALLOC_DMA + zone->zone_idx],
					  1L << order, memory_order_relaxed);
		zone_statistics(preferred_zone, zone, NULL);
	}
	return page;
}

static inline struct page *rmqueue(struct zone *preferred_zone, struct zone *zone,
				   unsigned int order, unsigned int alloc_flags, int migratetype)
{
	if (likely(pcp_allowed_order(order))) {
		struct page *page =
			rmqueue_pcplist(preferred_zone, zone, order, migratetype, alloc_flags);

		if (likely(page))
			return page;
	}
	return rmqueue_buddy(preferred_zone, zone, order, alloc_flags, migratetype);
}

/* ---- preparing and releasing pages ---------------------------------------------------------- */

/*
 * A tail's struct page may never have been written (mem_map is populated lazily, where
 * the kernel initialises every struct page at boot): each tail gets its zone and node
 * here, in the same pass that makes it a compound tail when @compound.
 */
static void prep_tail_pages(struct page *page, unsigned int order, unsigned long links,
			    bool compound)
{
	unsigned long nr = 1UL << order;

	if (!compound) {
		for (unsigned long i = 1; i < nr; i++)
			set_page_links_bits(page + i, links);
		return;
	}
	page->flags |= 1UL << PG_head;
	for (unsigned long i = 1; i < nr; i++) {
		set_page_links_bits(page + i, links);
		page[i].compound_head = (unsigned long)page | 1;
	}
	page[1].compound_order = (unsigned char)order;
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp_flags,
			  const struct zone *zone)
{
	unsigned long links = zone_page_links(zone);

	set_page_links_bits(page, links);
	page->private = 0;
	page->mapping = NULL;
	init_page_count(page);
	if (order) /* before clearing: a highmem tail is mapped by its zone */
		prep_tail_pages(page, order, links, gfp_flags & __GFP_COMP);
	gfp_flags = kasan_alloc_pages(page, order, gfp_flags);
	if (gfp_flags & __GFP_ZERO)
		kernel_init_pages(page, 1UL << order);
}

static void bad_page(struct page *page, const char *reason)
{
	pr_alert("BUG: Bad page state in process %s  pfn:%05lx\n", port_task_comm(),
		 page_to_pfn(page));
	dump_page(page, reason);
	dump_stack();
}

#define PAGE_FLAGS_CHECK_AT_FREE                                                              \
	((1UL << PG_lru) | (1UL << PG_locked) | (1UL << PG_private) | (1UL << PG_private_2) | \
	 (1UL << PG_writeback) | (1UL << PG_reserved) | (1UL << PG_active) |                  \
	 (1UL << PG_unevictable) | (1UL << PG_mlocked))

static const char *page_bad_reason(const struct page *page)
{
	if (page->mapping != NULL)
		return "non-NULL mapping";
	if (page_ref_count(page) != 0)
		return "nonzero _refcount";
	if (page_type_word(page) && !PageSlab(page))
		return "page still has a type (already free?)";
	if (page->flags & PAGE_FLAGS_CHECK_AT_FREE)
		return "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
	return NULL;
}

/* Check a page being freed and reset what the allocator owns; false: leave it alone. */
static bool free_pages_prepare(struct page *page, unsigned int order)
{
	const char *reason = page_bad_reason(page);

	if (unlikely(reason)) {
		bad_page(page, reason);
		return false;
	}
	if (PageHead(page)) {
		unsigned long nr = 1UL << order;

		if (unlikely(compound_order(page) != order)) {
			bad_page(page, "compound page freed with the wrong order");
			return false;
		}
		for (unsigned long i = 1; i < nr; i++) {
			if (unlikely(compound_head(page + i) != page)) {
				bad_page(page + i, "corrupted compound_head");
				return false;
			}
			page[i].compound_head = 0;
		}
		page->flags &= ~(1UL << PG_head);
	}
	/* written only when set: a neighbour's buddy check may read it concurrently */
	if (page_type_word(page))
		__page_clear_type(page);
	page->private = 0;
	if (unlikely(kmemleak_enabled))
		kmemleak_free_pages(page, order);
	kasan_free_pages(page, order);
	return true;
}

static void free_one_page(struct zone *zone, struct page *page, unsigned long pfn,
			  unsigned int order, int fpi_flags)
{
	spin_lock(&zone->lock);
	__free_one_page(page, pfn, zone, order, get_pfnblock_migratetype(zone, pfn), fpi_flags);
	spin_unlock(&zone->lock);
	if (waitqueue_active(&free_pages_wait))
		wake_up_all(&free_pages_wait);
	page_reporting_kick();
}

static void free_frozen_page_commit(struct zone *zone, struct per_cpu_pages *pcp, struct page *page,
				    int migratetype, unsigned int order)
{
	unsigned int pindex = order_to_pindex(migratetype, order);
	int batch = READ_ONCE(pcp->batch), high = READ_ONCE(pcp->high);

	pcp->events[PGFREE] += 1UL << order;
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp_count_add(pcp, 1 << order);
	if (pcp->free_count < (batch << CONFIG_PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	if (pcp->count >= high)
		free_pcppages_bulk(zone, nr_pcp_free(pcp, batch, high), pcp, pindex);
}

/* Free a page whose reference count already reached zero. */
static void free_frozen_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	struct zone *zone = page_zone(page);
	struct per_cpu_pages *pcp;
	int migratetype;

	if (!free_pages_prepare(page, order))
		return;
	if (!pcp_allowed_order(order)) {
		atomic_fetch_add_explicit(&zone->vm_events[PGFREE], 1L << order,
					  memory_order_relaxed);
		free_one_page(zone, page, pfn, order, FPI_NONE);
		return;
	}
	migratetype = get_pfnblock_migratetype(zone, pfn);
	if (unlikely(migratetype >= MIGRATE_PCPTYPES)) {
		if (migratetype == MIGRATE_ISOLATE) {
			free_one_page(zone, page, pfn, order, FPI_NONE);
			return;
		}
		migratetype = MIGRATE_MOVABLE;
	}
	pcp = pcp_spin_trylock(zone);
	if (pcp) {
		free_frozen_page_commit(zone, pcp, page, migratetype, order);
		pcp_spin_unlock(pcp);
		if (unlikely(waitqueue_active(&free_pages_wait)))
			wake_up_all(&free_pages_wait);
	} else {
		atomic_fetch_add_explicit(&zone->vm_events[PGFREE], 1L << order,
					  memory_order_relaxed);
		free_one_page(zone, page, pfn, order, FPI_NONE);
	}
}

/* A page handed to the allocator must come from kmm's mem_map. */
static bool page_is_ours(const struct page *page)
{
	return mem_map && page >= mem_map && page < mem_map + max_pfn;
}

static bool put_page_testzero(struct page *page)
{
	int old = READ_ONCE(page->_refcount.counter);

	do {
		if (unlikely(old <= 0)) {
			dump_page(page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
			WARN(1,
			     "kmm: freeing page pfn:%#lx whose reference count is already %d "
			     "(double free?); left alone\n",
			     page_to_pfn(page), old);
			return false;
		}
	} while (!__atomic_compare_exchange_n(&page->_refcount.counter, &old, old - 1, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return old == 1;
}

void __free_pages(struct page *page, unsigned int order)
{
	bool head;

	if (unlikely(!page_is_ours(page))) {
		WARN(1, "kmm: __free_pages(%p, %u): not a struct page of kmm's mem_map\n",
		     (void *)page, order);
		return;
	}
	if (unlikely(order > MAX_PAGE_ORDER)) {
		WARN(1, "kmm: __free_pages: order %u above MAX_PAGE_ORDER\n", order);
		return;
	}
	head = PageHead(page);
	if (put_page_testzero(page)) {
		free_frozen_pages(page, order);
	} else if (!head) {
		/* someone else holds the first page: free the rest, as the kernel does */
		while (order-- > 0)
			free_frozen_pages(page + (1UL << order), order);
	}
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr == 0)
		return;
	if (unlikely(!virt_addr_valid(addr) || !PAGE_ALIGNED(addr))) {
		WARN(1, "kmm: free_pages(%#lx, %u): not a page of kmm's direct map\n", addr, order);
		return;
	}
	__free_pages(virt_to_page(addr), order);
}

void put_page(struct page *page)
{
	page = compound_head(page);
	if (put_page_testzero(page))
		free_frozen_pages(page, compound_order(page));
}

void split_page(struct page *page, unsigned int order)
{
	for (unsigned long i = 1; i < (1UL << order); i++)
		init_page_count(page + i);
}

/* ---- the allocation paths -------------------------------------------------------------- */

static inline struct zoneref *first_zones_zonelist(struct zonelist *zonelist,
						   enum zone_type highest_zoneidx)
{
	struct zoneref *z = zonelist->_zonerefs;

	while (z->zone && z->zone_idx > (int)highest_zoneidx)
		z++;
	return z;
}

static struct page *get_page_from_freelist(gfp_t gfp_mask, unsigned int order,
					   unsigned int alloc_flags, const struct alloc_context *ac)
{
	for (struct zoneref *z = ac->preferred_zoneref; z->zone; z++) {
		struct zone *zone = z->zone;
		struct page *page;

		if (z->zone_idx > (int)ac->highest_zoneidx)
			continue;
		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			unsigned long mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);

			if (!zone_watermark_fast(zone, order, mark, (int)ac->highest_zoneidx,
						 alloc_flags))
				continue;
		}
		page = rmqueue(ac->preferred_zoneref->zone, zone, order, alloc_flags,
			       ac->migratetype);
		if (page) {
			prep_new_page(page, order, gfp_mask, zone);
			if (unlikely(alloc_flags & ALLOC_HIGHATOMIC) && order)
				reserve_highatomic_pageblock(page, order, zone);
			return page;
		}
	}
	return NULL;
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp_mask, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	/* __GFP_HIGH is ALLOC_MIN_RESERVE, __GFP_KSWAPD_RECLAIM is ALLOC_KSWAPD */
	alloc_flags |= gfp_mask & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
	if (!(gfp_mask & __GFP_DIRECT_RECLAIM)) {
		/* Not allowed to block: may dig a little deeper, unless told not to. */
		if (!(gfp_mask & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0)
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		alloc_flags &= ~ALLOC_CPUSET;
	}
	return alloc_flags;
}

/* Reclaimers (PF_MEMALLOC) and __GFP_MEMALLOC callers may use all memory. */
static unsigned int gfp_pfmemalloc_flags(gfp_t gfp_mask)
{
	if (unlikely(gfp_mask & __GFP_NOMEMALLOC))
		return 0;
	if (gfp_mask & __GFP_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	if (!in_interrupt() && (current_task()->flags & PF_MEMALLOC))
		return ALLOC_NO_WATERMARKS;
	return 0;
}

static void wake_all_kswapds(unsigned int order, gfp_t gfp_mask, const struct alloc_context *ac)
{
	pg_data_t *last_pgdat = NULL;

	for (struct zoneref *z = ac->preferred_zoneref; z->zone; z++) {
		if (z->zone_idx > (int)ac->highest_zoneidx)
			continue;
		if (z->zone->zone_pgdat != last_pgdat) {
			wakeup_kswapd(z->zone, gfp_mask, (int)order, ac->highest_zoneidx);
			last_pgdat = z->zone->zone_pgdat;
		}
	}
}

static struct page *__alloc_pages_direct_reclaim(gfp_t gfp_mask, unsigned int order,
						 unsigned int alloc_flags,
						 const struct alloc_context *ac,
						 unsigned long *did_some_progress)
{
	struct kmm_task *task = current_task();
	unsigned int saved = task->flags & PF_MEMALLOC;
	struct page *page;
	bool drained = false;

	task->flags |= PF_MEMALLOC;
	*did_some_progress = try_to_free_pages(ac->zonelist, (int)order, gfp_mask);
	task->flags = (task->flags & ~PF_MEMALLOC) | saved;
retry:
	page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
	/* Pages may sit on per-CPU lists or in a high-atomic reserve: release them once. */
	if (!page && !drained) {
		unreserve_highatomic_pageblock(ac, false);
		drain_all_pages(NULL);
		drained = true;
		goto retry;
	}
	return page;
}

/*
 * What reclaim could still free in @zone. The kernel counts LRU pages here; kmm has no
 * LRU, and what its reclaim frees is reclaimable slab (SLAB_RECLAIM_ACCOUNT caches and
 * whatever their shrinkers hold), so that is the estimate, credited to the node's
 * highest populated zone.
 */
static long zone_reclaimable_pages(struct zone *zone)
{
	pg_data_t *pgdat = zone->zone_pgdat;

	if (zone->zone_idx != pgdat->nr_zones - 1)
		return 0;
	return node_page_state(pgdat, NR_SLAB_RECLAIMABLE_B) >> PAGE_SHIFT;
}

/* Is it worth another round of reclaim? Only if a retry could meet the min watermark. */
static bool should_reclaim_retry(gfp_t gfp_mask, unsigned int order, const struct alloc_context *ac,
				 unsigned int alloc_flags, bool did_some_progress,
				 int *no_progress_loops)
{
	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return unreserve_highatomic_pageblock(ac, true);
	for (struct zoneref *z = ac->preferred_zoneref; z->zone; z++) {
		struct zone *zone = z->zone;

		if (z->zone_idx > (int)ac->highest_zoneidx)
			continue;
		long available =
			zone_reclaimable_pages(zone) + zone_page_state(zone, NR_FREE_PAGES);

		if (__zone_watermark_ok(zone, order, min_wmark_pages(zone),
					(int)ac->highest_zoneidx, alloc_flags, available))
			return true;
	}
	return false;
}

static struct page *__alloc_pages_may_oom(gfp_t gfp_mask, unsigned int order,
					  const struct alloc_context *ac,
					  unsigned long *did_some_progress)
{
	struct page *page;

	*did_some_progress = 0;
	/* Someone else may have freed memory meanwhile: try hard (high watermark) first. */
	page = get_page_from_freelist(gfp_mask & ~__GFP_DIRECT_RECLAIM, order,
				      ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
	if (page)
		return page;
	/* The OOM path is for allocations too small to fail, and not for these: */
	if (order > PAGE_ALLOC_COSTLY_ORDER || (gfp_mask & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)))
		return NULL;
	if (!(gfp_mask & __GFP_NOFAIL) && (gfp_mask & __GFP_NORETRY))
		return NULL;
	*did_some_progress = out_of_memory_notify();
	/* A __GFP_NOFAIL caller may use the last reserves before it has to wait. */
	if (gfp_mask & __GFP_NOFAIL)
		page = get_page_from_freelist(gfp_mask, order, ALLOC_NO_WATERMARKS, ac);
	return page;
}

/* The kernel's nopage_rs: ten reports per five seconds. */
static DEFINE_RATELIMIT_STATE(nopage_rs, DEFAULT_RATELIMIT_INTERVAL_NS, DEFAULT_RATELIMIT_BURST);

static void show_free_areas(void)
{
	struct zone *zone;

	pr_info("Mem-Info:\n");
	for_each_populated_zone(zone) {
		unsigned long nr[NR_PAGE_ORDERS];
		char line[512];
		int n = 0;

		pr_info("Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB "
			"reserved_highatomic:%luKB present:%lukB managed:%lukB\n",
			zone->zone_pgdat->node_id, zone->name,
			(unsigned long)zone_page_state(zone, NR_FREE_PAGES) << (PAGE_SHIFT - 10),
			zone->watermark_boost << (PAGE_SHIFT - 10),
			min_wmark_pages(zone) << (PAGE_SHIFT - 10),
			low_wmark_pages(zone) << (PAGE_SHIFT - 10),
			high_wmark_pages(zone) << (PAGE_SHIFT - 10),
			highatomic_reserved_racy(zone) << (PAGE_SHIFT - 10),
			zone->present_pages << (PAGE_SHIFT - 10),
			zone_managed_pages(zone) << (PAGE_SHIFT - 10));
		/* the counts under zone->lock, printed after, as the kernel's */
		spin_lock(&zone->lock);
		for (int order = 0; order < NR_PAGE_ORDERS; order++)
			nr[order] = zone->free_area[order].nr_free;
		spin_unlock(&zone->lock);
		for (int order = 0; order < NR_PAGE_ORDERS; order++)
			n += scnprintf(line + n, sizeof(line) - (size_t)n, "%lu*%lukB ", nr[order],
				       (PAGE_SIZE >> 10) << order);
		pr_info("Node %d %s: %s= %lukB\n", zone->zone_pgdat->node_id, zone->name, line,
			(unsigned long)zone_page_state(zone, NR_FREE_PAGES) << (PAGE_SHIFT - 10));
	}
	pr_info("%lu pages RAM\n", totalram_pages());
	pr_info("%lu pages reserved\n", max_pfn - totalram_pages());
}

void show_mem(void)
{
	show_free_areas();
}

/* The kernel's allocation-failure report, unless __GFP_NOWARN. */
static void warn_alloc(gfp_t gfp_mask, unsigned int order)
{
	char flags[256];

	if ((gfp_mask & __GFP_NOWARN) || !__ratelimit(&nopage_rs))
		return;
	gfp_flags_snprint(flags, sizeof(flags), gfp_mask);
	pr_warn("%s: page allocation failure: order:%u, mode:0x%x(%s), nodemask=(null)\n",
		port_task_comm(), order, gfp_mask, flags);
	dump_stack();
	show_mem();
}

/* __GFP_NOFAIL with nothing left: sleep until a free (or a short time) and try again. */
static void wait_for_free_memory(void)
{
	unsigned int seq = wait_prepare(&free_pages_wait);

	drain_all_pages(NULL);
	wait_sleep(&free_pages_wait, seq, 10 * 1000 * 1000);
}

static struct page *__alloc_pages_slowpath(gfp_t gfp_mask, unsigned int order,
					   struct alloc_context *ac)
{
	bool can_direct_reclaim = gfp_mask & __GFP_DIRECT_RECLAIM;
	bool costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned long did_some_progress = 0;
	int no_progress_loops = 0;
	unsigned int alloc_flags, reserve_flags;
	struct page *page;

	alloc_flags = gfp_to_alloc_flags(gfp_mask, order);
	ac->preferred_zoneref = first_zones_zonelist(ac->zonelist, ac->highest_zoneidx);
	if (!ac->preferred_zoneref->zone)
		goto nopage;
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(order, gfp_mask, ac);
	/* The min watermark (and the caller's share of reserves) may succeed where low did not. */
	page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
	if (page)
		return page;
retry:
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(order, gfp_mask, ac);
	reserve_flags = gfp_pfmemalloc_flags(gfp_mask);
	if (reserve_flags)
		alloc_flags = reserve_flags | (alloc_flags & ALLOC_KSWAPD);
	page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
	if (page)
		return page;
	if (!can_direct_reclaim)
		goto nopage;
	/* A reclaimer that needs memory must not recurse into reclaim. */
	if (current_task()->flags & PF_MEMALLOC)
		goto nopage;
	page = __alloc_pages_direct_reclaim(gfp_mask, order, alloc_flags, ac, &did_some_progress);
	if (page)
		return page;
	if (gfp_mask & __GFP_NORETRY)
		goto nopage;
	if (costly_order && !(gfp_mask & __GFP_RETRY_MAYFAIL))
		goto nopage;
	if (should_reclaim_retry(gfp_mask, order, ac, alloc_flags, did_some_progress > 0,
				 &no_progress_loops))
		goto retry;
	page = __alloc_pages_may_oom(gfp_mask, order, ac, &did_some_progress);
	if (page)
		return page;
	if (did_some_progress) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	if (gfp_mask & __GFP_NOFAIL) {
		/* Every __GFP_NOFAIL user must be able to block: the kernel warns and fails. */
		if (WARN_ON_ONCE(!can_direct_reclaim))
			goto fail;
		page = get_page_from_freelist(gfp_mask, order, ALLOC_MIN_RESERVE, ac);
		if (page)
			return page;
		wait_for_free_memory();
		goto retry;
	}
fail:
	warn_alloc(gfp_mask, order);
	return NULL;
}

/* A blocking allocation in atomic context: report it, then do not sleep. */
gfp_t might_alloc(gfp_t gfp, unsigned long caller)
{
	if (unlikely(gfpflags_allow_blocking(gfp) && !kmm_context_may_sleep())) {
		__might_sleep_caller(__FILE__, __LINE__, caller);
		gfp &= ~__GFP_DIRECT_RECLAIM;
	}
	return gfp;
}

static bool gfp_is_impossible(gfp_t gfp, unsigned int order)
{
	char flags[256];

	if (unlikely(order > MAX_PAGE_ORDER)) {
		if (!(gfp & __GFP_NOWARN))
			WARN_ONCE(1,
				  "kmm: page allocation of order %u: above MAX_PAGE_ORDER (%d)\n",
				  order, MAX_PAGE_ORDER);
		return true;
	}
	if (unlikely(gfp_zone_bad(gfp))) {
		gfp_flags_snprint(flags, sizeof(flags), gfp);
		WARN(1, "kmm: impossible GFP zone combination: mode:0x%x(%s)\n", gfp, flags);
		return true;
	}
	return false;
}

struct page *alloc_pages_caller(gfp_t gfp, unsigned int order, int preferred_nid,
				unsigned long caller)
{
	struct alloc_context ac;
	struct page *page;

	kmm_ensure_init();
	if (unlikely(gfp_is_impossible(gfp, order)))
		return NULL;
	if (should_fail_alloc_page(gfp, order))
		return NULL;
	gfp = might_alloc(gfp, caller);
	if (preferred_nid < 0 || preferred_nid >= nr_online_nodes)
		preferred_nid = numa_mem_id();
	ac.highest_zoneidx = gfp_zone(gfp);
	if (unlikely(ac.highest_zoneidx == ZONE_DMA32))
		ac.highest_zoneidx = zone_dma32_remap;
	ac.zonelist = &NODE_DATA(preferred_nid)
			       ->node_zonelists[(gfp & __GFP_THISNODE) ? ZONELIST_NOFALLBACK :
									 ZONELIST_FALLBACK];
	ac.migratetype = gfp_migratetype(gfp);
	ac.preferred_zoneref = first_zones_zonelist(ac.zonelist, ac.highest_zoneidx);
	page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW, &ac);
	if (unlikely(!page))
		page = __alloc_pages_slowpath(gfp, order, &ac);
	if (unlikely(kmemleak_enabled) && page)
		kmemleak_alloc_pages(page, order, gfp, caller);
	return page;
}

struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, void *nodemask)
{
	return alloc_pages_caller(gfp, order, preferred_nid, _RET_IP_);
}

struct page *__alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return alloc_pages_caller(gfp, order, nid, _RET_IP_);
}

/* NUMA_NO_NODE: the caller's nearest node with memory. */
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return alloc_pages_caller(gfp, order, nid, _RET_IP_);
}

/* The default memory policy (MPOL_LOCAL): the node of the CPU the caller runs on. */
struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return alloc_pages_caller(gfp, order, NUMA_NO_NODE, _RET_IP_);
}

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	struct page *page =
		alloc_pages_caller(gfp_mask & ~__GFP_HIGHMEM, order, NUMA_NO_NODE, _RET_IP_);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp_mask)
{
	return __get_free_page(gfp_mask | __GFP_ZERO);
}

/* Keep the pages that cover @size and free the rest of the block. */
static void *make_alloc_exact(unsigned long addr, unsigned int order, size_t size)
{
	if (addr) {
		unsigned long nr = 1UL << order, used = PAGE_ALIGN(size) >> PAGE_SHIFT;
		struct page *page = virt_to_page(addr);

		split_page(page, order);
		for (unsigned long i = used; i < nr; i++)
			__free_pages(page + i, 0);
	}
	return (void *)addr;
}

void *alloc_pages_exact(size_t size, gfp_t gfp_mask)
{
	unsigned int order;

	if (size == 0 || size > (MAX_ORDER_NR_PAGES << PAGE_SHIFT)) {
		if (!(gfp_mask & __GFP_NOWARN))
			WARN_ONCE(size, "kmm: alloc_pages_exact(%zu): larger than MAX_PAGE_ORDER\n",
				  size);
		return NULL;
	}
	order = (unsigned int)get_order(size);
	if (WARN_ON_ONCE(gfp_mask & (__GFP_COMP | __GFP_HIGHMEM)))
		gfp_mask &= ~(__GFP_COMP | __GFP_HIGHMEM);
	return make_alloc_exact(__get_free_pages(gfp_mask, order), order, size);
}

void *alloc_pages_exact_nid(int nid, size_t size, gfp_t gfp_mask)
{
	struct page *page;
	unsigned int order;

	if (size == 0 || size > (MAX_ORDER_NR_PAGES << PAGE_SHIFT))
		return NULL;
	order = (unsigned int)get_order(size);
	if (WARN_ON_ONCE(gfp_mask & (__GFP_COMP | __GFP_HIGHMEM)))
		gfp_mask &= ~(__GFP_COMP | __GFP_HIGHMEM);
	page = alloc_pages_node(nid, gfp_mask, order);
	return page ? make_alloc_exact((unsigned long)page_address(page), order, size) : NULL;
}

void free_pages_exact(void *virt, size_t size)
{
	unsigned long addr = (unsigned long)virt, end = addr + PAGE_ALIGN(size);

	while (addr < end) {
		free_page(addr);
		addr += PAGE_SIZE;
	}
}

/* ---- draining --------------------------------------------------------------------------- */

static void drain_pages_zone(unsigned int cpu, struct zone *zone)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

	pcp_spin_lock_slow(pcp);
	free_pcppages_bulk(zone, pcp->count, pcp, 0);
	pcp_spin_unlock(pcp);
}

static void drain_cpu_pages(unsigned int cpu, struct zone *zone)
{
	if (zone) {
		drain_pages_zone(cpu, zone);
		return;
	}
	for_each_populated_zone(zone)
		drain_pages_zone(cpu, zone);
}

void drain_local_pages(struct zone *zone)
{
	kmm_ensure_init();
	drain_cpu_pages(smp_processor_id(), zone);
}

void drain_all_pages(struct zone *zone)
{
	kmm_ensure_init();
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		drain_cpu_pages(cpu, zone);
	if (waitqueue_active(&free_pages_wait))
		wake_up_all(&free_pages_wait);
	page_reporting_kick();
}

unsigned long pcp_pages_count(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone)
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
			sum += (unsigned long)READ_ONCE(zone->per_cpu_pageset[cpu].count);
	return sum;
}

/* ---- sizing: watermarks, reserves, pcp batch and high ------------------------------------ */

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* Pages above the high watermark in zones up to ZONE_NORMAL (GFP_USER's zones). */
unsigned long nr_free_buffer_pages(void)
{
	struct zone *zone;
	unsigned long sum = 0;

	for_each_populated_zone(zone) {
		unsigned long size = zone_managed_pages(zone), high = high_wmark_pages(zone);

		if (zone->zone_idx <= ZONE_NORMAL && size > high)
			sum += size - high;
	}
	return sum;
}

static void calculate_totalreserve_pages(void)
{
	int nid;

	totalreserve_pages = 0;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		pgdat->totalreserve_pages = 0;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = pgdat->node_zones + i;
			long max = 0;
			unsigned long managed = zone_managed_pages(zone);

			/* the largest lowmem_reserve this zone keeps from any upper zone */
			for (int j = i; j < MAX_NR_ZONES; j++)
				max = max(max, zone->lowmem_reserve[j]);
			max += (long)high_wmark_pages(zone);
			if ((unsigned long)max > managed)
				max = (long)managed;
			pgdat->totalreserve_pages += (unsigned long)max;
			totalreserve_pages += (unsigned long)max;
		}
	}
}

static void setup_per_zone_lowmem_reserve(void)
{
	int nid;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			int ratio = sysctl_lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone_managed_pages(zone);
			unsigned long managed_pages = 0;

			for (int j = i + 1; j < MAX_NR_ZONES; j++) {
				managed_pages += zone_managed_pages(&pgdat->node_zones[j]);
				zone->lowmem_reserve[j] =
					clear ? 0 : (long)(managed_pages / (unsigned long)ratio);
			}
		}
	}
	calculate_totalreserve_pages();
}

void setup_per_zone_wmarks(void)
{
	unsigned long pages_min = (unsigned long)min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;

	for_each_zone(zone)
		if (zone->zone_idx != ZONE_HIGHMEM && zone->zone_idx != ZONE_MOVABLE)
			lowmem_pages += zone_managed_pages(zone);
	for_each_zone(zone) {
		unsigned long managed = zone_managed_pages(zone), tmp;

		spin_lock(&zone->lock);
		tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;
		if (zone->zone_idx == ZONE_HIGHMEM || zone->zone_idx == ZONE_MOVABLE) {
			/* highmem needs no reserve of its own: a small one keeps kswapd honest */
			zone->_watermark[WMARK_MIN] = clamp(managed / 1024, 32UL, 128UL);
		} else {
			/* the zone's share of min_free_kbytes */
			zone->_watermark[WMARK_MIN] = tmp;
		}
		/* the gaps: a quarter of min, or watermark_scale_factor of the zone */
		tmp = max(tmp >> 2, managed * (unsigned long)watermark_scale_factor / 10000);
		zone->watermark_boost = 0;
		zone->_watermark[WMARK_LOW] = min_wmark_pages(zone) + tmp;
		zone->_watermark[WMARK_HIGH] = low_wmark_pages(zone) + tmp;
		zone->_watermark[WMARK_PROMO] = high_wmark_pages(zone) + tmp;
		spin_unlock(&zone->lock);
	}
	calculate_totalreserve_pages();
}

/* min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 262144], as the kernel. */
static void init_per_zone_wmark_min(void)
{
	unsigned long lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10);
	unsigned long new_min = int_sqrt(lowmem_kbytes * 16);

	if (kmm_cfg.min_free_kbytes)
		min_free_kbytes = (int)kmm_cfg.min_free_kbytes;
	else
		min_free_kbytes = (int)clamp(new_min, 128UL, 262144UL);
	setup_per_zone_wmarks();
	setup_per_zone_lowmem_reserve();
}

static unsigned long rounddown_pow_of_two(unsigned long n)
{
	return n ? 1UL << (63 - __builtin_clzl(n)) : 0;
}

/* ~0.1% of the zone or 1 MiB, whichever is smaller, as a 2^n - 1 count. */
static int zone_batchsize(const struct zone *zone)
{
	unsigned long batch = min(zone_managed_pages(zone) >> 10, (1UL << 20) / PAGE_SIZE);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return (int)max(batch, 1UL);
}

/* The pcp high mark: a share of the low watermark (or of the zone) per CPU, at least 4 batches. */
static int zone_highsize(const struct zone *zone, int batch, int high_fraction)
{
	unsigned long total = high_fraction ?
				      zone_managed_pages(zone) / (unsigned long)high_fraction :
				      low_wmark_pages(zone);
	int high = (int)(total / nr_cpu_ids);

	return max(high, batch << 2);
}

#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

static void zone_set_pageset_high_and_batch(struct zone *zone)
{
	int batch = zone_batchsize(zone);
	int high_min = zone_highsize(zone, batch, 0);
	int high_max = zone_highsize(zone, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);

	zone->pageset_batch = batch;
	zone->pageset_high_min = high_min;
	zone->pageset_high_max = high_max;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		WRITE_ONCE(pcp->batch, batch);
		WRITE_ONCE(pcp->high_min, high_min);
		WRITE_ONCE(pcp->high_max, high_max);
		WRITE_ONCE(pcp->high, high_min);
	}
}

/* ---- start-up and fork -------------------------------------------------------------------- */

static void prep_initial_block(struct zone *zone, struct page *page, unsigned int order)
{
	set_page_links_zone(page, zone);
	set_buddy_order(page, order);
	/* never touched, so nothing backs it yet: already "reported" */
	set_page_reported(page, true);
}

void buddy_free_initial_block(struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);

	spin_lock(&zone->lock);
	account_freepages(zone, 1L << order, MIGRATE_MOVABLE);
	prep_initial_block(zone, page, order);
	__add_to_free_list(page, zone, order, MIGRATE_MOVABLE, true);
	spin_unlock(&zone->lock);
}

/*
 * @nr_blocks max-order blocks from @pfn are free from now on, but listed one at a time
 * as the movable max-order list runs empty: at start-up only the counters are written,
 * and a block's struct page is first written when it is listed.
 */
void buddy_defer_initial_blocks(struct zone *zone, unsigned long pfn, unsigned long nr_blocks)
{
	spin_lock(&zone->lock);
	account_freepages(zone, (long)(nr_blocks << MAX_PAGE_ORDER), MIGRATE_MOVABLE);
	zone->free_area[MAX_PAGE_ORDER].nr_free += nr_blocks;
	zone->first_deferred_pfn = pfn;
	zone->deferred_end_pfn = pfn + (nr_blocks << MAX_PAGE_ORDER);
	keep_deferred_block_listed(zone, MAX_PAGE_ORDER);
	spin_unlock(&zone->lock);
}

/* The next deferred block joins the movable max-order list; it is counted already. */
static void list_deferred_block(struct zone *zone)
{
	struct page *page = pfn_to_page(zone->first_deferred_pfn);

	prep_initial_block(zone, page, MAX_PAGE_ORDER);
	list_add_tail(&page->lru, &zone->free_area[MAX_PAGE_ORDER].free_list[MIGRATE_MOVABLE]);
	zone->first_deferred_pfn += MAX_ORDER_NR_PAGES;
}

int page_alloc_init_late(void)
{
	struct zone *zone;

	if (kmm_cfg.layout && !strcmp(kmm_cfg.layout, "x86_32"))
		zone_dma32_remap = ZONE_NORMAL;
	init_per_zone_wmark_min();
	for_each_populated_zone(zone)
		zone_set_pageset_high_and_batch(zone);
	page_reporting_init();
	/* kswapd: started by its first wake-up (vmscan.c) */
	return 0;
}

/* Hold every allocator lock across fork() so that the child sees consistent lists. */
void page_alloc_fork_prepare(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
			pcp_spin_lock_slow(&zone->per_cpu_pageset[cpu]);
		spin_lock(&zone->lock);
	}
}

static void page_alloc_fork_release(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		spin_unlock(&zone->lock);
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
			pcp_spin_unlock(&zone->per_cpu_pageset[cpu]);
	}
}

void page_alloc_fork_parent(void)
{
	page_alloc_fork_release();
}

void page_alloc_fork_child(void)
{
	int nid;

	page_alloc_fork_release();
	/* threads do not survive fork: the child starts its own kswapd when first needed */
	for_each_online_node(nid)
		kswapd_forget(nid);
	page_reporting_forget();
}

/* ---- inspection ----------------------------------------------------------------------------- */

void kmm_page_stats(struct kmm_page_stats *stats)
{
	struct zone *zone;

	kmm_ensure_init();
	memset(stats, 0, sizeof(*stats));
	for_each_populated_zone(zone) {
		stats->total += zone_managed_pages(zone);
		stats->free += (unsigned long)zone_page_state(zone, NR_FREE_PAGES);
	}
	stats->pcp = pcp_pages_count();
	stats->reserved = totalreserve_pages;
	stats->allocated = stats->total - stats->free - stats->pcp;
}

int pageblock_migratetype(const struct zone *zone, unsigned long pfn)
{
	return get_pfnblock_migratetype(zone, pfn);
}

/* Call @fn for every block on @zone's per-CPU lists, each CPU's pcp->lock held in turn. */
void pcp_for_each_block(struct zone *zone,
			void (*fn)(void *ctx, struct page *page, unsigned int order), void *ctx)
{
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		pcp_spin_lock_slow(pcp); /* pcp locks have no sleepers: never spin_lock() them */
		for (unsigned int pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
			struct page *page;

			list_for_each_entry(page, &pcp->lists[pindex], lru)
				fn(ctx, page, pindex_to_order(pindex));
		}
		pcp_spin_unlock(pcp);
	}
}

/* A free block lies on the list of its pageblocks' type (one or more pageblocks). */
static int check_block_type_locked(struct zone *zone, unsigned long pfn, unsigned int order, int mt)
{
	unsigned long end = pfn + (1UL << order);

	for (unsigned long p = pfn & ~(pageblock_nr_pages - 1); p < end; p += pageblock_nr_pages) {
		int block_mt = get_pfnblock_migratetype(zone, p);

		if (block_mt != mt) {
			pr_err("kmm: zone %s: block at pfn %#lx order %u on the %s list lies in "
			       "a pageblock of type %s\n",
			       zone->name, pfn, order, migratetype_names[mt],
			       migratetype_names[block_mt]);
			return 1;
		}
	}
	return 0;
}

/* The deferred run is whole max-order blocks in the zone, one of them listed meanwhile. */
static int check_deferred_locked(struct zone *zone)
{
	unsigned long first = zone->first_deferred_pfn, end = zone->deferred_end_pfn;

	if (first == end)
		return 0;
	if (first > end || ((first | end) & (MAX_ORDER_NR_PAGES - 1)) ||
	    first < zone->zone_start_pfn || end > zone_end_pfn(zone)) {
		pr_err("kmm: zone %s: deferred blocks [%#lx, %#lx) are not whole max-order blocks "
		       "of the zone\n",
		       zone->name, first, end);
		return 1;
	}
	if (list_empty(&zone->free_area[MAX_PAGE_ORDER].free_list[MIGRATE_MOVABLE])) {
		pr_err("kmm: zone %s: %lu blocks deferred but none listed\n", zone->name,
		       zone_deferred_blocks(zone));
		return 1;
	}
	return 0;
}

/* The high-atomic reserve counts exactly the MIGRATE_HIGHATOMIC pageblocks. */
static int check_highatomic_reserve_locked(struct zone *zone)
{
	unsigned long pfn = zone->zone_start_pfn & ~(pageblock_nr_pages - 1), reserved = 0;

	for (; pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages)
		if (get_pfnblock_migratetype(zone, pfn) == MIGRATE_HIGHATOMIC)
			reserved += pageblock_nr_pages;
	if (reserved == zone->nr_reserved_highatomic)
		return 0;
	pr_err("kmm: zone %s: %lu pages in high-atomic pageblocks, reserve counts %lu\n",
	       zone->name, reserved, zone->nr_reserved_highatomic);
	return 1;
}

static int check_zone_locked(struct zone *zone)
{
	int problems = check_deferred_locked(zone);
	long free_pages = 0;
	unsigned long highatomic = 0;

	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct page *page;

			list_for_each_entry(page, &zone->free_area[order].free_list[mt], lru) {
				unsigned long pfn = page_to_pfn(page);

				blocks++;
				if (mt != MIGRATE_ISOLATE)
					free_pages += 1L << order;
				if (mt == MIGRATE_HIGHATOMIC)
					highatomic += 1UL << order;
				if (!PageBuddy(page) || buddy_order(page) != order) {
					pr_err("kmm: zone %s: pfn %#lx on order-%u list is not a "
					       "free "
					       "block of that order\n",
					       zone->name, pfn, order);
					problems++;
				}
				if (pfn & ((1UL << order) - 1)) {
					pr_err("kmm: zone %s: order-%u block at pfn %#lx is not "
					       "naturally aligned\n",
					       zone->name, order, pfn);
					problems++;
				}
				if (!zone_spans_pfn(zone, pfn) ||
				    !zone_spans_pfn(zone, pfn + (1UL << order) - 1)) {
					pr_err("kmm: zone %s: block at pfn %#lx order %u lies "
					       "outside "
					       "the zone\n",
					       zone->name, pfn, order);
					problems++;
				}
				problems += check_block_type_locked(zone, pfn, order, mt);
				if ((int)page_zonenum(page) != zone->zone_idx) {
					pr_err("kmm: zone %s: block at pfn %#lx is marked for zone "
					       "%d\n",
					       zone->name, pfn, page_zonenum(page));
					problems++;
				}
			}
		}
		if (order == MAX_PAGE_ORDER) {
			blocks += zone_deferred_blocks(zone);
			free_pages += (long)(zone_deferred_blocks(zone) << order);
		}
		if (blocks != zone->free_area[order].nr_free) {
			pr_err("kmm: zone %s: order %u has %lu blocks listed but nr_free %lu\n",
			       zone->name, order, blocks, zone->free_area[order].nr_free);
			problems++;
		}
	}
	if (free_pages != zone_page_state(zone, NR_FREE_PAGES)) {
		pr_err("kmm: zone %s: free lists hold %ld pages but NR_FREE_PAGES is %ld\n",
		       zone->name, free_pages, zone_page_state(zone, NR_FREE_PAGES));
		problems++;
	}
	if (highatomic != zone->nr_free_highatomic) {
		pr_err("kmm: zone %s: %lu free high-atomic pages listed, counter says %lu\n",
		       zone->name, highatomic, zone->nr_free_highatomic);
		problems++;
	}
	return problems + check_highatomic_reserve_locked(zone);
}

int kmm_check_page_alloc(void)
{
	struct zone *zone;
	int problems = 0;

	kmm_ensure_init();
	for_each_populated_zone(zone) {
		spin_lock(&zone->lock);
		problems += check_zone_locked(zone);
		spin_unlock(&zone->lock);
	}
	return problems;
}

/* ---- page reporting support: isolating and returning free blocks -------------------------- */

/*
 * Take one unreported free block of @order off its list for reporting, if the zone
 * stays above its min watermark without it (as __isolate_free_page()). zone->lock held.
 */
struct page *page_alloc_isolate_unreported(struct zone *zone, unsigned int order, int *mt_out)
{
	unsigned long mark = zone->_watermark[WMARK_MIN] + (1UL << order);

	if (!zone_watermark_ok(zone, 0, mark, 0, ALLOC_CMA))
		return NULL;
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		struct page *page;

		if (mt == MIGRATE_ISOLATE)
			continue;
		list_for_each_entry(page, &zone->free_area[order].free_list[mt], lru) {
			if (page_reported(page))
				continue;
			del_page_from_free_list(page, zone, order, mt);
			*mt_out = mt;
			return page;
		}
	}
	return NULL;
}

/* Return a reported block to its zone (zone->lock held), marked as reported. */
void page_alloc_putback_reported(struct zone *zone, struct page *page, unsigned int order, int mt)
{
	unsigned long pfn = page_to_pfn(page);

	__free_one_page(page, pfn, zone, order, mt, FPI_SKIP_REPORT_NOTIFY | FPI_TO_TAIL);
	/* it may have merged into a larger block; only a whole reported block keeps the mark */
	if (PageBuddy(page) && buddy_order(page) == order)
		set_page_reported(page, true);
}
