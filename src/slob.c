/* SPDX-License-Identifier: MIT */
/*
 * slob.c - the SLOB allocator ("simple list of blocks"), as the kernel's mm/slob.c in
 * its last version (Linux 6.3; the kernel removed SLOB in 6.4). It exports one symbol,
 * slob_ops (slab.h).
 *
 * How it works. SLOB is a K&R-style heap of single pages from the page allocator. Each
 * page keeps an address-ordered list of its free blocks, measured in units of
 * SLOB_UNIT (2 bytes with 4 KiB pages), and every page that has free units sits on
 * one of three lists, chosen by the size of the allocation that last put it there:
 * free_slob_small (< SLOB_BREAK1 bytes), free_slob_medium (< SLOB_BREAK2) and
 * free_slob_large. An allocation walks its list for a page with enough free units and
 * takes the first block that fits in it (with the alignment asked for, carving off a
 * head fragment if needed); the page it succeeded in becomes the list's first page, so
 * that the next search starts there (Knuth's "improve fragment distribution"). A free
 * puts the block back in address order, merging it with its free neighbours; a page
 * whose every unit is free goes straight back to the page allocator.
 *
 * A free block's header, in its first units (set_slob, slob_units, slob_next):
 *   one unit:     [ -offset of the next free block ]
 *   larger:       [ size in units ][ offset of the next free block ]
 * Offsets are in units from the start of the page; the last free block points at the
 * page's end (offset SLOB_PAGE_UNITS), which is how slob_last() knows it.
 *
 * Above the heap: kmalloc() allocates size + SLOB_MINALIGN bytes, aligned so that the
 * object after the prefix is aligned to SLOB_MINALIGN (or, for a power-of-two size, to
 * the size), stores the requested size in the prefix, and returns the object after it.
 * kfree() and ksize() read the size back from there. kmalloc of PAGE_SIZE - SLOB_MINALIGN
 * bytes or more goes to the page allocator through the front end's large kmalloc.
 * Caches are thin wrappers: an object is a heap block of the cache's size (no prefix),
 * and the constructor runs on every allocation; objects of a page or more get pages of
 * their own, marked as slab pages of their cache. Heap pages belong to no cache: their
 * slab_cache is NULL, and kmalloc blocks and objects of every cache share them, so the
 * front end hands a free of such a page to .free with the cache it was given (NULL for
 * kfree). SLOB keeps no per-cache lists; a counter per cache gives slabinfo its figures
 * and kmem_cache_destroy its answer.
 *
 * Page states (struct slab's SLOB fields; a heap page is PageSlab with slab_cache NULL):
 *   partial: 0 < units < SLOB_PAGE_UNITS, on exactly one of the three lists
 *   full:    units == 0, on no list (slob_list points to itself)
 * A page that would have every unit free is given back instead.
 *
 * Locking: slob_lock, one spinlock as the kernel's, protects the three lists and the
 * slob_list, slob_free and units of every heap page, and the headers of its free blocks.
 * Lock order: slab_mutex, then slob_lock; the page allocator is called and reports are
 * printed only after slob_lock is dropped. Per-cache counters are atomics.
 *
 * Divergences: double frees, which the kernel's SLOB did not detect, are reported when
 * the block is still free in its page (or its kmalloc prefix is impossible) and the free
 * is ignored. Each zone class (normal, DMA32, DMA) has its own three lists, so that
 * GFP_DMA and SLAB_CACHE_DMA memory really is DMA memory. (Merging caches is the front
 * end's business; the kernel's never merged SLOB caches.) SLAB_TYPESAFE_BY_RCU
 * objects are freed after a grace period through the kernel's struct slob_rcu footer.
 * kfree() of a cache object in a heap page, which the kernel allowed only after
 * SLOB was gone, finds no size prefix: it is reported and ignored.
 */
#include "kasan.h"
#include "slab.h"

#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#endif

/* The unit of the heap: offsets within a page must fit, as the kernel's slobidx_t. */
#if PAGE_SIZE <= (32767 * 2)
typedef s16 slobidx_t;
#else
typedef s32 slobidx_t;
#endif

struct slob_block {
	slobidx_t units;
};
typedef struct slob_block slob_t;

#define SLOB_UNIT	 sizeof(slob_t)
#define SLOB_UNITS(size) ((slobidx_t)DIV_ROUND_UP(size, SLOB_UNIT))
#define SLOB_PAGE_UNITS	 SLOB_UNITS(PAGE_SIZE)

/* The three free lists split at these sizes (bytes asked of slob_alloc). */
#define SLOB_BREAK1 256
#define SLOB_BREAK2 1024

/* kmalloc's prefix, which holds the size: the object after it stays this aligned. */
#define SLOB_MINALIGN \
	((unsigned int)max((unsigned int)ARCH_KMALLOC_MINALIGN, (unsigned int)ARCH_SLAB_MINALIGN))
/* x86-64's cache_line_size(), for calculate_alignment(). */
#define L1_CACHE_BYTES 64

/* mm/internal.h: the GFP bits a slab's page allocation inherits from the caller. */
#ifndef GFP_RECLAIM_MASK
#define GFP_RECLAIM_MASK                                                                         \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
	 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NOLOCKDEP)
#endif
#ifndef GFP_CONSTRAINT_MASK
#define GFP_CONSTRAINT_MASK (__GFP_HARDWALL | __GFP_THISNODE)
#endif
/* What SLOB passes on to the page allocator: these, and the zone. */
#define SLOB_PAGE_GFP (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK | __GFP_DMA | __GFP_DMA32)

/*
 * The footer of an object of a SLAB_TYPESAFE_BY_RCU cache, through which the kernel's
 * kmem_cache_free() passes the object to call_rcu(): an rcu_head and the block's size.
 */
struct slob_rcu {
	struct rcu_head head;
	int size;
};

_Static_assert(SLOB_MINALIGN >= sizeof(unsigned int), "kmalloc's prefix holds the size");
_Static_assert(PAGE_SIZE / SLOB_UNIT < (1UL << (8 * sizeof(slobidx_t) - 1)),
	       "page offsets in units fit a slobidx_t");

/* Per-cache figures: SLOB has no per-cache slabs to count. */
struct slob_cache {
	atomic_long objects; /* allocated and not yet freed */
};

static spinlock_t slob_lock = SPIN_LOCK_UNLOCKED;
/*
 * The kernel's free_slob_small, free_slob_medium and free_slob_large, once per zone
 * class: kmm keeps pages of ZONE_DMA and ZONE_DMA32 apart so that GFP_DMA and
 * SLAB_CACHE_DMA allocations get memory of their zone, which the kernel's SLOB only
 * guaranteed for a new page.
 */
enum slob_zone { SLOB_NORMAL, SLOB_DMA32, SLOB_DMA, NR_SLOB_ZONES };
enum slob_size { SLOB_SMALL, SLOB_MEDIUM, SLOB_LARGE, NR_SLOB_LISTS };
static struct list_head free_slob[NR_SLOB_ZONES][NR_SLOB_LISTS];
/*
 * The zone classes an allocation may take a partial page from, best first: a normal one
 * also takes DMA32 pages (all there is below 4 GiB of RAM), a DMA or DMA32 one only
 * pages of its own zone, as SLUB's DMA caches get.
 */
static const enum slob_zone slob_search_order[NR_SLOB_ZONES][2] = {
	[SLOB_NORMAL] = { SLOB_NORMAL, SLOB_DMA32 },
	[SLOB_DMA32] = { SLOB_DMA32, SLOB_DMA32 },
	[SLOB_DMA] = { SLOB_DMA, SLOB_DMA },
};
static unsigned long slob_nr_pages; /* heap pages, slob_lock held */

/* ---- the block headers -------------------------------------------------------------------- */

static inline slob_t *slob_base(const slob_t *s)
{
	return (slob_t *)((unsigned long)s & PAGE_MASK);
}

static inline long slob_offset(const void *p)
{
	return (long)(((unsigned long)p & ~PAGE_MASK) / SLOB_UNIT);
}

/* Encode the size and the next free block into the free block @s. */
static void set_slob(slob_t *s, slobidx_t size, slob_t *next)
{
	slobidx_t offset = (slobidx_t)(next - slob_base(s));

	if (size > 1) {
		s[0].units = size;
		s[1].units = offset;
	} else {
		s[0].units = (slobidx_t)-offset;
	}
}

/* The size of a free block in units. */
static slobidx_t slob_units(const slob_t *s)
{
	return s->units > 0 ? s->units : 1;
}

/* The free block after this one (or the page's end). */
static slob_t *slob_next(const slob_t *s)
{
	slobidx_t next = s[0].units < 0 ? (slobidx_t)-s[0].units : s[1].units;

	return slob_base(s) + next;
}

/* Is @s the last free block of its page? */
static bool slob_last(const slob_t *s)
{
	return !((unsigned long)slob_next(s) & ~PAGE_MASK);
}

/* ---- the page lists (slob_lock held) ----------------------------------------------------- */

/* slob_page_free(): is the page on one of the free lists? */
static inline bool slob_page_free(const struct slab *sp)
{
	return !list_empty(&sp->slob_list);
}

static void set_slob_page_free(struct slab *sp, struct list_head *list)
{
	list_add(&sp->slob_list, list);
}

static inline void clear_slob_page_free(struct slab *sp)
{
	list_del_init(&sp->slob_list);
}

/* Which of a zone class's lists an allocation of @size bytes searches. */
static enum slob_size slob_size_class(size_t size)
{
	if (size < SLOB_BREAK1)
		return SLOB_SMALL;
	if (size < SLOB_BREAK2)
		return SLOB_MEDIUM;
	return SLOB_LARGE;
}

static enum slob_zone slob_gfp_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return SLOB_DMA;
	if (gfp & __GFP_DMA32)
		return SLOB_DMA32;
	return SLOB_NORMAL;
}

/* The zone class of a heap page: where its memory is, whatever it was allocated for. */
static enum slob_zone slob_page_zone(const struct slab *sp)
{
	switch (page_zonenum(slab_page(sp))) {
	case ZONE_DMA:
		return SLOB_DMA;
	case ZONE_DMA32:
		return SLOB_DMA32;
	default:
		return SLOB_NORMAL;
	}
}

static struct list_head *slob_list_for(const struct slab *sp, size_t size)
{
	return &free_slob[slob_page_zone(sp)][slob_size_class(size)];
}

static inline int slob_nid(const struct slab *sp)
{
	return page_to_nid(slab_page(sp));
}

/* ---- pages ------------------------------------------------------------------------------ */

static struct page *slob_new_pages(gfp_t gfp, unsigned int order, int node)
{
	if (node != NUMA_NO_NODE)
		return alloc_pages_node(node, gfp, order);
	return alloc_pages(gfp, order);
}

/* A new heap page: a slab page of no cache, counted as unreclaimable slab memory. */
static struct slab *slob_new_heap_page(gfp_t gfp, int node)
{
	struct page *page = slob_new_pages((gfp & SLOB_PAGE_GFP), 0, node);
	struct slab *sp;

	if (!page)
		return NULL;
	sp = page_slab(page);
	slab_set_page_type(sp, NULL);
	INIT_LIST_HEAD(&sp->slob_list);
	sp->slob_free = NULL;
	sp->units = 0;
	mod_node_page_state(page_pgdat(page), NR_SLAB_UNRECLAIMABLE_B, (long)PAGE_SIZE);
	return sp;
}

/* A heap page off every list, every unit free. */
static void slob_free_heap_page(struct slab *sp)
{
	struct page *page = slab_page(sp);

	mod_node_page_state(page_pgdat(page), NR_SLAB_UNRECLAIMABLE_B, -(long)PAGE_SIZE);
	slab_clear_page_type(sp);
	__free_pages(page, 0);
}

/* ---- the heap: slob_page_alloc, slob_alloc, slob_free --------------------------------------- */

/*
 * Allocate a block of @size bytes in @sp, first fit in address order, such that the
 * address @align_offset bytes into the block is aligned to @align (kmalloc's prefix
 * comes before the aligned object). NULL if no free block fits; *removed tells whether
 * the allocation filled the page and so took it off its list. slob_lock held.
 */
static void *slob_page_alloc(struct slab *sp, size_t size, unsigned int align,
			     unsigned int align_offset, bool *removed)
{
	slobidx_t units = SLOB_UNITS(size);
	slob_t *prev = NULL, *cur, *aligned;
	long delta = 0;

	*removed = false;
	for (cur = sp->slob_free;; prev = cur, cur = slob_next(cur)) {
		slobidx_t avail = slob_units(cur);
		slob_t *next;

		if (align) {
			aligned = (slob_t *)(ALIGN((unsigned long)cur + align_offset,
						   (unsigned long)align) -
					     align_offset);
			delta = aligned - cur;
		}
		if (avail < units + delta) {
			if (slob_last(cur))
				return NULL;
			continue;
		}
		if (delta) { /* fragment the head to align */
			next = slob_next(cur);
			set_slob(aligned, (slobidx_t)(avail - delta), next);
			set_slob(cur, (slobidx_t)delta, aligned);
			prev = cur;
			cur = aligned;
			avail = slob_units(cur);
		}
		next = slob_next(cur);
		if (avail == units) { /* exact fit: unlink */
			if (prev)
				set_slob(prev, slob_units(prev), next);
			else
				sp->slob_free = next;
		} else { /* split */
			if (prev)
				set_slob(prev, slob_units(prev), cur + units);
			else
				sp->slob_free = cur + units;
			set_slob(cur + units, (slobidx_t)(avail - units), next);
		}
		sp->units -= units;
		if (!sp->units) {
			clear_slob_page_free(sp);
			*removed = true;
		}
		return cur;
	}
}

/* Search @slob_list for room (slob_lock held). */
static void *slob_alloc_locked(struct list_head *slob_list, size_t size, unsigned int align,
			       int node, unsigned int align_offset)
{
	struct slab *sp;

	list_for_each_entry(sp, slob_list, slob_list) {
		bool removed;
		void *b;

		if (node != NUMA_NO_NODE && slob_nid(sp) != node)
			continue;
		if (sp->units < SLOB_UNITS(size))
			continue;
		b = slob_page_alloc(sp, size, align, align_offset, &removed);
		if (!b)
			continue;
		/*
		 * Improve fragment distribution and reduce the average search time by starting
		 * the next search here (Knuth vol 1, sec 2.5, pg 449): rotate the list so that
		 * this page comes first. A page that just filled up is no longer on it.
		 */
		if (!removed && slob_list->next != &sp->slob_list)
			list_move_tail(slob_list, &sp->slob_list);
		return b;
	}
	return NULL;
}

/* The heap's entry point: @size bytes, aligned as slob_page_alloc() says. */
static void *slob_alloc(size_t size, gfp_t gfp, unsigned int align, int node,
			unsigned int align_offset)
{
	const enum slob_zone *zones = slob_search_order[slob_gfp_zone(gfp)];
	enum slob_size class = slob_size_class(size);
	unsigned long flags;
	struct slab *sp;
	bool removed;
	void *b;

	spin_lock_irqsave(&slob_lock, flags);
	b = slob_alloc_locked(&free_slob[zones[0]][class], size, align, node, align_offset);
	if (!b && zones[1] != zones[0])
		b = slob_alloc_locked(&free_slob[zones[1]][class], size, align, node, align_offset);
	spin_unlock_irqrestore(&slob_lock, flags);

	if (!b) {
		/* not enough room anywhere: a new page, from outside the lock */
		sp = slob_new_heap_page(gfp & ~__GFP_ZERO, node);
		if (!sp)
			return NULL;
		b = slab_address(sp);
		spin_lock_irqsave(&slob_lock, flags);
		slob_nr_pages++;
		sp->units = SLOB_PAGE_UNITS;
		sp->slob_free = b;
		set_slob(b, SLOB_PAGE_UNITS, (slob_t *)b + SLOB_PAGE_UNITS);
		set_slob_page_free(sp, &free_slob[slob_page_zone(sp)][class]);
		b = slob_page_alloc(sp, size, align, align_offset, &removed);
		spin_unlock_irqrestore(&slob_lock, flags);
		BUG_ON(!b);
	}
	if (unlikely(gfp & __GFP_ZERO))
		memset(b, 0, size);
	return b;
}

/* What is wrong with freeing @units units at @b in @sp (slob_lock held), or NULL. */
static const char *slob_free_check(const struct slab *sp, const slob_t *b, slobidx_t units)
{
	const slob_t *cur;

	if (!PageSlab(slab_page(sp)) || sp->slab_cache)
		return "not a SLOB page";
	if ((unsigned long)b % SLOB_UNIT || slob_offset(b) + units > SLOB_PAGE_UNITS)
		return "not a block of its page";
	if (sp->units + units > SLOB_PAGE_UNITS)
		return "more units freed than the page holds";
	if (!slob_page_free(sp))
		return NULL;
	for (cur = sp->slob_free;; cur = slob_next(cur)) {
		if (b < cur + slob_units(cur) && cur < b + units)
			return "double free or corruption detected";
		if (slob_last(cur) || cur > b)
			return NULL;
	}
}

/* Put @units units at @b back into @sp, merging with free neighbours (slob_lock held). */
static void slob_free_locked(struct slab *sp, slob_t *b, slobidx_t units, size_t size)
{
	slob_t *prev, *next;

	if (!slob_page_free(sp)) {
		/* the page was full: it becomes partially free, with this one block */
		sp->units = units;
		sp->slob_free = b;
		set_slob(b, units, slob_base(b) + SLOB_PAGE_UNITS);
		set_slob_page_free(sp, slob_list_for(sp, size));
		return;
	}

	/* otherwise find the reinsertion point in address order */
	sp->units += units;
	if (b < (slob_t *)sp->slob_free) {
		if (b + units == sp->slob_free) {
			units += slob_units(sp->slob_free);
			sp->slob_free = slob_next(sp->slob_free);
		}
		set_slob(b, units, sp->slob_free);
		sp->slob_free = b;
		return;
	}
	prev = sp->slob_free;
	next = slob_next(prev);
	while (b > next) {
		prev = next;
		next = slob_next(prev);
	}
	if (!slob_last(prev) && b + units == next) {
		units += slob_units(next);
		set_slob(b, units, slob_next(next));
	} else {
		set_slob(b, units, next);
	}
	if (prev + slob_units(prev) == b) {
		units = slob_units(b) + slob_units(prev);
		set_slob(prev, units, slob_next(b));
	} else {
		set_slob(prev, slob_units(prev), b);
	}
}

static void slob_bug(const struct kmem_cache *s, const char *text)
{
	pr_err("=============================================================================\n");
	pr_err("BUG %s (%s): %s\n", s ? s->name : "kmalloc", print_tainted(), text);
	pr_err("-----------------------------------------------------------------------------\n\n");
}

/* A heap page as it was when something wrong was found in it. */
struct slob_page_snapshot {
	const struct slab *sp;
	long units;
	const void *slob_free;
	unsigned long flags;
};

static struct slob_page_snapshot slob_snapshot(const struct slab *sp)
{
	return (struct slob_page_snapshot){ sp, sp->units, sp->slob_free, sp->__page_flags };
}

static void print_slob_page(const struct slob_page_snapshot *snap)
{
	pr_err("Slab 0x%016lx units=%ld free=0x%016lx flags=%#lx\n", (unsigned long)snap->sp,
	       snap->units, (unsigned long)snap->slob_free, snap->flags);
}

static noinline void report_bad_free(const struct kmem_cache *s, const void *object,
				     const char *what, const struct slob_page_snapshot *snap)
{
	char text[100];

	scnprintf(text, sizeof(text), "Object 0x%016lx: %s", (unsigned long)object, what);
	slob_bug(s, text);
	pr_err("Object 0x%016lx @offset=%lu: free ignored\n", (unsigned long)object,
	       (unsigned long)object & ~PAGE_MASK);
	if (snap)
		print_slob_page(snap);
	dump_stack();
	add_taint(TAINT_BAD_PAGE);
}

/*
 * The heap's free: @size bytes at @block of heap page @sp. The page goes back to the
 * page allocator when this was its last block in use. @s and @object name the caller's
 * view for a report. False: the free was refused (reported).
 */
static bool slob_free(struct slab *sp, void *block, size_t size, const struct kmem_cache *s,
		      const void *object)
{
	slobidx_t units = SLOB_UNITS(size);
	struct slob_page_snapshot snap;
	slob_t *b = block;
	unsigned long flags;
	const char *bad;

	spin_lock_irqsave(&slob_lock, flags);
	bad = slob_free_check(sp, b, units);
	if (unlikely(bad)) {
		snap = slob_snapshot(sp);
		spin_unlock_irqrestore(&slob_lock, flags);
		report_bad_free(s, object, bad, &snap);
		return false;
	}
	if (sp->units + units == SLOB_PAGE_UNITS) {
		/* go directly to the page allocator: do not pass the slob allocator */
		if (slob_page_free(sp))
			clear_slob_page_free(sp);
		slob_nr_pages--;
		spin_unlock_irqrestore(&slob_lock, flags);
		slob_free_heap_page(sp);
		return true;
	}
	slob_free_locked(sp, b, units, size);
	spin_unlock_irqrestore(&slob_lock, flags);
	return true;
}

/* ---- kmalloc: the size prefix ----------------------------------------------------------- */

static inline bool is_power_of_2(size_t n)
{
	return n && !(n & (n - 1));
}

/* __do_kmalloc_node(): a heap block with the size in front, or pages. */
static void *slob_kmalloc(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	unsigned int minalign = SLOB_MINALIGN, align = minalign;
	unsigned int *m;

	if (size >= PAGE_SIZE - minalign)
		return slab_kmalloc_large(size, gfp, node, caller);
	if (!size)
		return ZERO_SIZE_PTR;
	gfp &= ~(__GFP_DMA32 | __GFP_HIGHMEM); /* kmalloc_fix_flags()'s, if it let them by */
	/* power-of-two sizes are naturally aligned, as every kmalloc guarantees */
	if (is_power_of_2(size))
		align = max(minalign, (unsigned int)size);
	m = slob_alloc(size + minalign, gfp, align, node, minalign);
	if (!m)
		return NULL;
	*m = (unsigned int)size;
	return (char *)m + minalign;
}

/* The prefix of a kmalloc'd object, or NULL if @object cannot be one. */
static unsigned int *kmalloc_prefix(const void *object, unsigned int *sizep)
{
	unsigned long offset = (unsigned long)object & ~PAGE_MASK;
	unsigned int *m, size;

	if (offset < SLOB_MINALIGN || !IS_ALIGNED(offset, (unsigned long)SLOB_MINALIGN))
		return NULL;
	m = (unsigned int *)((unsigned long)object - SLOB_MINALIGN);
	size = *m;
	if (!size || size >= PAGE_SIZE - SLOB_MINALIGN || offset + size > PAGE_SIZE)
		return NULL;
	*sizep = size;
	return m;
}

static void slob_kfree(struct slab *sp, void *object)
{
	unsigned int size;
	unsigned int *m = kmalloc_prefix(object, &size);

	if (unlikely(!m)) {
		report_bad_free(NULL, object, "not a kmalloc block (bad size prefix)", NULL);
		return;
	}
	slob_free(sp, m, size + SLOB_MINALIGN, NULL, object);
}

/* ---- caches ------------------------------------------------------------------------------ */

static inline struct slob_cache *slob_cache(const struct kmem_cache *s)
{
	return s->backend;
}

/* An object of a page or more: pages of its own, a slab of its cache. */
static void *slob_alloc_cache_pages(struct kmem_cache *s, gfp_t gfp, int node)
{
	unsigned int order = (unsigned int)get_order(s->size);
	struct page *page;
	struct slab *slab;

	gfp &= SLOB_PAGE_GFP | __GFP_ZERO;
	if (order)
		gfp |= __GFP_COMP;
	page = slob_new_pages(gfp, order, node);
	if (!page)
		return NULL;
	slab = page_slab(page);
	slab_set_page_type(slab, s);
	slab_account(s, slab, 1);
	return page_address(page);
}

static bool slob_free_cache_pages(struct kmem_cache *s, struct slab *slab, void *object)
{
	if (unlikely(object != slab_address(slab))) {
		report_bad_free(s, object, "not the start of its object", NULL);
		return false;
	}
	slab_account(s, slab, -1);
	slab_clear_page_type(slab);
	__free_pages(slab_page(slab), slab_order(slab));
	return true;
}

/* slob_alloc_node(): a heap block of the cache's size, constructed on every allocation. */
static void *slob_cache_alloc(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
			      size_t orig_size)
{
	void *b;

	gfp |= s->allocflags;
	if (s->size < PAGE_SIZE)
		b = slob_alloc(s->size, gfp, s->align, node, 0);
	else
		b = slob_alloc_cache_pages(s, gfp, node);
	if (unlikely(!b))
		return NULL;
	atomic_fetch_add_explicit(&slob_cache(s)->objects, 1, memory_order_relaxed);
	if (s->ctor) {
		WARN_ON_ONCE(gfp & __GFP_ZERO);
		kasan_unpoison_new_object(s, b);
		s->ctor(b);
	}
	return b;
}

/* The kernel's __kmem_cache_free(): a block of a heap page, or the cache's own pages. */
static bool __kmem_cache_free(struct kmem_cache *s, struct slab *slab, void *object, size_t size)
{
	if (slab->slab_cache)
		return slob_free_cache_pages(slab->slab_cache, slab, object);
	return slob_free(slab, object, size, s, object);
}

/* A SLAB_TYPESAFE_BY_RCU object's grace period is over: the footer says how big it is. */
static void kmem_rcu_free(struct rcu_head *head)
{
	struct slob_rcu *slob_rcu = container_of(head, struct slob_rcu, head);
	void *b = (char *)slob_rcu - (slob_rcu->size - sizeof(struct slob_rcu));

	__kmem_cache_free(NULL, virt_to_slab(b), b, (size_t)slob_rcu->size);
}

/*
 * kfree() and kmem_cache_free(): a cache NULL is a kmalloc block, with its prefix. SLOB
 * has no slabs to keep for a SLAB_TYPESAFE_BY_RCU cache: each object waits for a grace
 * period itself, through the slob_rcu footer at the end of its block, as the kernel's.
 */
static void slob_cache_free(struct kmem_cache *s, struct slab *slab, void *object,
			    unsigned long caller)
{
	bool freed = true;

	if (!s) {
		slob_kfree(slab, object);
		return;
	}
	if (unlikely(s->flags & SLAB_TYPESAFE_BY_RCU)) {
		struct slob_rcu *slob_rcu =
			(void *)((char *)object + s->size - sizeof(struct slob_rcu));

		slob_rcu->size = (int)s->size;
		call_rcu(&slob_rcu->head, kmem_rcu_free);
	} else {
		freed = __kmem_cache_free(s, slab, object, s->size);
	}
	if (likely(freed))
		atomic_fetch_sub_explicit(&slob_cache(s)->objects, 1, memory_order_relaxed);
}

/* A cache object found through its page, for the bulk calls. */
static void slob_cache_free_one(struct kmem_cache *s, void *object)
{
	struct slab *slab;

	if (!object)
		return;
	slab = virt_addr_valid(object) ? virt_to_slab(object) : NULL;
	if (WARN(!slab, "%s: object %p is not a slab object (cache %s)\n", __func__, object,
		 s->name))
		return;
	slob_cache_free(s, slab, object, _RET_IP_);
}

static int slob_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		p[i] = slob_cache_alloc(s, gfp, NUMA_NO_NODE, _RET_IP_, s->object_size);
		if (unlikely(!p[i])) {
			while (i--)
				slob_cache_free_one(s, p[i]);
			return 0;
		}
	}
	return (int)nr;
}

/* @s NULL: kfree_bulk(), every object a kmalloc block (or a large kmalloc). */
static void slob_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++) {
		if (s)
			slob_cache_free_one(s, p[i]);
		else
			kfree(p[i]);
	}
}

/*
 * ksize(): a kmalloc block's usable size is its request rounded up to units; a cache
 * object's is the object size. The kernel's SLOB could not tell a cache object in a heap
 * page from a kmalloc block ("can't use ksize for kmem_cache_alloc memory"): neither can
 * kmm, and a prefix that makes no sense is reported.
 */
static size_t slob_ksize(struct kmem_cache *s, const void *object)
{
	unsigned int size;

	if (s)
		return s->object_size;
	if (WARN(!kmalloc_prefix(object, &size), "ksize: %p is not a kmalloc block\n", object))
		return 0;
	return (size_t)SLOB_UNITS(size) * SLOB_UNIT;
}

/* Is @object an allocated block: not inside a free block of its page (slob_lock held)? */
static bool slob_block_in_use(const struct slab *sp, const void *start, size_t size)
{
	const slob_t *b = start, *cur;
	slobidx_t units = SLOB_UNITS(size);

	if (slob_offset(b) + units > SLOB_PAGE_UNITS)
		return false;
	if (!slob_page_free(sp))
		return true;
	for (cur = sp->slob_free;; cur = slob_next(cur)) {
		if (b < cur + slob_units(cur) && cur < b + units)
			return false;
		if (slob_last(cur) || cur > b)
			return true;
	}
}

static bool slob_obj_valid(struct kmem_cache *s, struct slab *slab, const void *object)
{
	unsigned long flags;
	const void *start;
	unsigned int size;
	bool valid;

	if (!object)
		return false;
	if (slab->slab_cache)
		return object == slab_address(slab);
	if (s) {
		start = object;
		size = s->size;
		if (!IS_ALIGNED((unsigned long)object, (unsigned long)s->align))
			return false;
	} else {
		start = kmalloc_prefix(object, &size);
		if (!start)
			return false;
		size += SLOB_MINALIGN;
	}
	spin_lock_irqsave(&slob_lock, flags);
	valid = slob_block_in_use(slab, start, size);
	spin_unlock_irqrestore(&slob_lock, flags);
	return valid;
}

/* __kmem_cache_create(): the kernel's alignment, the size rounded to units (+ RCU footer). */
static int slob_cache_create(struct kmem_cache *s, const struct kmem_cache_args *args)
{
	unsigned int size = s->object_size;
	struct slob_cache *sc;

	/* 6.3's SLOB had no debugging: kmem_cache_create() dropped these flags */
	s->flags &= ~SLAB_DEBUG_FLAGS;
	s->align = calculate_alignment(s->flags, args ? args->align : s->align, s->object_size,
				       L1_CACHE_BYTES);
	if (s->flags & SLAB_TYPESAFE_BY_RCU)
		size += sizeof(struct slob_rcu);
	s->size = (unsigned int)SLOB_UNITS(size) * SLOB_UNIT;
	s->inuse = s->object_size;
	s->oo = oo_make(s->size < PAGE_SIZE ? 0 : (unsigned int)get_order(s->size),
			s->size < PAGE_SIZE ? (unsigned int)(PAGE_SIZE / ALIGN(s->size, s->align)) :
					      1);
	s->min = s->oo;
	s->allocflags = 0;
	if (s->flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (s->flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	sc = slob_alloc(sizeof(*sc), GFP_KERNEL, __alignof__(struct slob_cache), NUMA_NO_NODE, 0);
	if (!sc)
		return -ENOMEM;
	kasan_unpoison_range(sc, sizeof(*sc)); /* heap memory, maybe a freed object's */
	atomic_init(&sc->objects, 0);
	s->backend = sc;
	return 0;
}

static void slob_cache_release(struct kmem_cache *s)
{
	struct slob_cache *sc = s->backend;

	s->backend = NULL;
	if (sc)
		slob_free(virt_to_slab(sc), sc, sizeof(*sc), NULL, sc);
}

static long slob_cache_objects(const struct kmem_cache *s)
{
	return atomic_load_explicit(&slob_cache(s)->objects, memory_order_relaxed);
}

/*
 * __kmem_cache_shutdown(): the kernel's SLOB had "no way to check for remaining
 * objects"; kmm counts them, and reports a busy cache as the other back-ends do.
 */
static int slob_cache_shutdown(struct kmem_cache *s)
{
	long objects = slob_cache_objects(s);
	char text[100];

	if (!objects)
		return 0;
	slob_bug(s, "Objects remaining on __kmem_cache_shutdown()");
	scnprintf(text, sizeof(text), "%ld objects of %u bytes still allocated", objects, s->size);
	pr_err("%s\n", text);
	add_taint(TAINT_BAD_PAGE);
	return 1;
}

/* Nothing is cached per cache: empty pages are already back with the page allocator. */
static int slob_cache_shrink(struct kmem_cache *s)
{
	return slob_cache_objects(s) != 0;
}

static void slob_init(void)
{
	for (int z = 0; z < NR_SLOB_ZONES; z++)
		for (int i = 0; i < NR_SLOB_LISTS; i++)
			INIT_LIST_HEAD(&free_slob[z][i]);
}

/* Nothing is kept per thread. */
static void slob_flush_thread(struct slab_thread_area *area)
{
}

/* ---- statistics: slabinfo and the sysfs attributes ---------------------------------------- */

/*
 * SLOB had no /proc/slabinfo. kmm fills the same columns with what it knows: objects in
 * use (all of them active), the object size, and for objects of a page or more their
 * pages as slabs. Small objects share heap pages with everything else: no slabs of their
 * own, and objperslab says how many would fit in a page.
 */
static void slob_get_slabinfo(struct kmem_cache *s, struct slabinfo *sinfo)
{
	unsigned long objects = (unsigned long)max(slob_cache_objects(s), 0L);

	memset(sinfo, 0, sizeof(*sinfo));
	sinfo->active_objs = objects;
	sinfo->num_objs = objects;
	sinfo->objects_per_slab = oo_objects(s->oo);
	sinfo->cache_order = oo_order(s->oo);
	if (s->size >= PAGE_SIZE) {
		sinfo->active_slabs = objects;
		sinfo->num_slabs = objects;
	}
}

static int slob_attr_show(struct kmem_cache *s, const char *attr, char *buf, size_t size)
{
	long objects = max(slob_cache_objects(s), 0L);

	if (size)
		buf[0] = '\0';
	if (!strcmp(attr, "objects") || !strcmp(attr, "total_objects"))
		return scnprintf(buf, size, "%ld\n", objects);
	if (!strcmp(attr, "slabs"))
		return scnprintf(buf, size, "%ld\n", s->size >= PAGE_SIZE ? objects : 0L);
	if (!strcmp(attr, "objs_per_slab"))
		return scnprintf(buf, size, "%u\n", oo_objects(s->oo));
	if (!strcmp(attr, "order"))
		return scnprintf(buf, size, "%u\n", oo_order(s->oo));
	if (!strcmp(attr, "shrink") || !strcmp(attr, "validate"))
		return 0; /* write-only in effect: reading shows nothing */
	return -ENOENT;
}

/* ---- validation ------------------------------------------------------------------------- */

/* Problems are noted under slob_lock and printed after it is dropped. */
#define SLOB_MAX_NOTED 16
struct slob_problems {
	int count;
	struct {
		struct slob_page_snapshot page;
		const void *block;
		const char *what;
	} noted[SLOB_MAX_NOTED];
};

static void slob_note(struct slob_problems *p, const struct slab *sp, const void *block,
		      const char *what)
{
	if (p->count < SLOB_MAX_NOTED) {
		p->noted[p->count].page = slob_snapshot(sp);
		p->noted[p->count].block = block;
		p->noted[p->count].what = what;
	}
	p->count++;
}

/*
 * One partial heap page (slob_lock held): a slab page of no cache; free blocks inside
 * the page, in address order, never adjacent (they would have been merged), the last
 * one pointing at the page's end; their units adding up to the page's count.
 */
static void validate_slob_page(const struct slab *sp, struct slob_problems *p)
{
	const slob_t *base = slab_address(sp), *cur, *end = base + SLOB_PAGE_UNITS;
	long units = 0;

	if (!PageSlab(slab_page(sp)) || sp->slab_cache || PageHead(slab_page(sp))) {
		slob_note(p, sp, NULL, "not a SLOB heap page");
		return;
	}
	if (sp->units <= 0 || sp->units >= SLOB_PAGE_UNITS) {
		slob_note(p, sp, NULL, "free units out of range on a partial page");
		return;
	}
	for (cur = sp->slob_free;; cur = slob_next(cur)) {
		const slob_t *next;

		if (cur < base || cur >= end || (unsigned long)cur % SLOB_UNIT) {
			slob_note(p, sp, cur, "free block outside its page");
			return;
		}
		units += slob_units(cur);
		next = slob_next(cur);
		if (cur + slob_units(cur) > end) {
			slob_note(p, sp, cur, "free block runs past the page's end");
			return;
		}
		if (slob_last(cur)) {
			if (next != end)
				slob_note(p, sp, cur, "last free block does not end the list");
			break;
		}
		if (next <= cur + slob_units(cur)) {
			slob_note(p, sp, cur,
				  next < cur + slob_units(cur) ?
					  "free blocks overlap or out of order" :
					  "adjacent free blocks not merged");
			return;
		}
	}
	if (units != sp->units)
		slob_note(p, sp, NULL, "free units do not add up to the page's count");
}

static void print_slob_problems(const struct slob_problems *p)
{
	for (int i = 0; i < min(p->count, SLOB_MAX_NOTED); i++) {
		char text[100];

		scnprintf(text, sizeof(text), "SLOB heap page: %s", p->noted[i].what);
		slob_bug(NULL, text);
		if (p->noted[i].block)
			pr_err("Block 0x%016lx @offset=%lu\n", (unsigned long)p->noted[i].block,
			       (unsigned long)p->noted[i].block & ~PAGE_MASK);
		print_slob_page(&p->noted[i].page);
	}
	if (p->count > SLOB_MAX_NOTED)
		pr_err("SLOB: %d more problems\n", p->count - SLOB_MAX_NOTED);
	if (p->count)
		add_taint(TAINT_BAD_PAGE);
}

/*
 * The heap is shared by every cache: validating any cache walks the three lists (full
 * pages have no free blocks to check), and the cache's own count.
 */
static int slob_validate(struct kmem_cache *s)
{
	struct slob_problems *p, problems = { 0 };
	unsigned long flags, listed = 0, pages;
	struct slab *sp;

	p = &problems;
	spin_lock_irqsave(&slob_lock, flags);
	for (int z = 0; z < NR_SLOB_ZONES; z++) {
		for (int i = 0; i < NR_SLOB_LISTS; i++) {
			list_for_each_entry(sp, &free_slob[z][i], slob_list) {
				validate_slob_page(sp, p);
				if (slob_page_zone(sp) != (enum slob_zone)z)
					slob_note(p, sp, NULL, "on the lists of another zone");
				listed++;
			}
		}
	}
	pages = slob_nr_pages;
	spin_unlock_irqrestore(&slob_lock, flags);

	print_slob_problems(p);
	if (listed > pages) {
		pr_err("SLOB: %lu pages on the free lists but %lu heap pages\n", listed, pages);
		p->count++;
	}
	if (slob_cache_objects(s) < 0) {
		pr_err("SLOB %s: %ld objects in use\n", s->name, slob_cache_objects(s));
		p->count++;
	}
	return p->count;
}

static void slob_fork_prepare(void)
{
	spin_lock(&slob_lock);
}

static void slob_fork_release(void)
{
	spin_unlock(&slob_lock);
}

const struct slab_ops slob_ops = {
	.fork_prepare = slob_fork_prepare,
	.fork_parent = slob_fork_release,
	.fork_child = slob_fork_release,
	.name = "slob",
	.kmalloc_shift_low = 0,
	.kmalloc_shift_high = 0,
	.kmalloc = slob_kmalloc,
	.init = slob_init,
	.cache_create = slob_cache_create,
	.cache_shutdown = slob_cache_shutdown,
	.cache_release = slob_cache_release,
	.cache_shrink = slob_cache_shrink,
	.alloc = slob_cache_alloc,
	.free = slob_cache_free,
	.alloc_bulk = slob_alloc_bulk,
	.free_bulk = slob_free_bulk,
	.ksize = slob_ksize,
	.get_slabinfo = slob_get_slabinfo,
	.attr_show = slob_attr_show,
	.validate = slob_validate,
	.flush_thread = slob_flush_thread,
	.obj_valid = slob_obj_valid,
};
