/* kmm-test: labels=unit env=KMM_RAM=512M,KMM_PAGE_REPORTING=0,KMM_NR_CPUS=2 timeout=180 */
/*
 * The high-order atomic reserve (MIGRATE_HIGHATOMIC pageblocks), as mm/page_alloc.c keeps
 * it: a non-blocking high-order allocation that had to go below the low watermark
 * reserves its pageblock, each block once, up to 1% of the zone in whole pageblocks (none
 * in a zone whose 1% is under a pageblock); direct reclaim gives the blocks back before an
 * allocation fails, the last one only when forced. Then the same from threads racing
 * reserve against unreserve, for ThreadSanitizer and the allocator's own checker (which
 * counts the high-atomic pageblocks against the reserve and checks that every free block
 * lies on its pageblock's list).
 *
 * 512M of (sparse) RAM: ZONE_DMA (16M, no reserve) and ZONE_DMA32 (a reserve of three
 * pageblocks).
 */
#include <pthread.h>
#include <stdatomic.h>

#include <linux/gfp.h>
#include <linux/mm.h>

#include "internal.h"
#include "kmm_test.h"

#define NOWARN __GFP_NOWARN
/* Up to the min watermark, never from the reserves, never reserving: a plain fill. */
#define GFP_FILL (__GFP_NOMEMALLOC | NOWARN)
/* A high-order atomic allocation that neither wakes kswapd nor reclaims. */
#define GFP_HIGH_ATOMIC (__GFP_HIGH | NOWARN)
#define ATOMIC_ORDER	4 /* above PAGE_ALLOC_COSTLY_ORDER: straight from the buddy lists */
#define NR_CHUNKS	5 /* pageblocks offered to the atomic allocations, more than the limit */

static struct zone *zone_of(enum zone_type t)
{
	kmm_ensure_init();
	return &NODE_DATA(0)->node_zones[t];
}

static long free_of(struct zone *z)
{
	return zone_page_state(z, NR_FREE_PAGES);
}

static unsigned long reserved_of(struct zone *z)
{
	unsigned long nr;

	spin_lock(&z->lock);
	nr = z->nr_reserved_highatomic;
	spin_unlock(&z->lock);
	return nr;
}

/* The kernel's limit: 1% of the zone in whole pageblocks, none if that is under one. */
static unsigned long reserve_limit(struct zone *z)
{
	unsigned long one_percent = zone_managed_pages(z) / 100;

	return one_percent < pageblock_nr_pages ? 0 : ALIGN(one_percent, pageblock_nr_pages);
}

static int block_type(struct page *page)
{
	return pageblock_migratetype(page_zone(page), page_to_pfn(page));
}

/* ---- everything the test holds ------------------------------------------------------- */

#define MAX_BLOCKS 512	     /* order-9 blocks: all of 512M would be 256 */
#define MAX_PAGES  (1 << 17) /* order-0 pages */

static struct page *blocks[MAX_BLOCKS];
static int nr_blocks;
static struct page *pages[MAX_PAGES];
static int nr_pages;

static void hold_page(struct page *page)
{
	if (nr_pages < MAX_PAGES)
		pages[nr_pages++] = page;
	else
		__free_pages(page, 0);
}

static void fill_blocks(gfp_t gfp)
{
	struct page *page;

	while (nr_blocks < MAX_BLOCKS && (page = alloc_pages(gfp, pageblock_order)))
		blocks[nr_blocks++] = page;
}

static void fill_pages(gfp_t gfp)
{
	struct page *page;

	while (nr_pages < MAX_PAGES && (page = alloc_pages(gfp, 0)))
		hold_page(page);
}

/* Take all memory: whole pageblocks first, then every single page that is left. */
static void fill_all(void)
{
	fill_blocks(GFP_FILL);
	drain_all_pages(NULL); /* blocks kept on per-CPU lists serve no single page */
	fill_pages(__GFP_MEMALLOC | NOWARN);
	drain_all_pages(NULL);
}

/* A held pageblock of @z, no longer held, or NULL if none is left. */
static struct page *take_block_of(struct zone *z)
{
	for (int i = nr_blocks - 1; i >= 0; i--) {
		struct page *page = blocks[i];

		if (page_zone(page) == z) {
			blocks[i] = blocks[--nr_blocks];
			return page;
		}
	}
	return NULL;
}

/* A held pageblock of @z turned into single pages, each to be held or freed. */
static struct page *split_block_of(struct zone *z)
{
	struct page *page = take_block_of(z);

	if (page)
		split_page(page, pageblock_order);
	return page;
}

static void release_all(void)
{
	while (nr_blocks)
		__free_pages(blocks[--nr_blocks], pageblock_order);
	while (nr_pages)
		if (pages[--nr_pages])
			__free_pages(pages[nr_pages], 0);
	drain_all_pages(NULL);
}

/*
 * Take all memory, then give back single pages that cannot merge (odd frame numbers of
 * split blocks) until @z has @target free pages.
 */
static void position_at(struct zone *z, long target)
{
	fill_all();
	for (long want = target - free_of(z); want > 0; want = target - free_of(z)) {
		struct page *block = split_block_of(z);

		if (!block)
			return;
		/* freed single pages wait on the per-CPU lists: count them here */
		for (unsigned long i = 0; i < pageblock_nr_pages; i++) {
			if (i % 2 && want > 0) {
				__free_pages(block + i, 0);
				want--;
			} else {
				hold_page(block + i);
			}
		}
		drain_all_pages(NULL);
	}
}

/*
 * Allocate until reclaim gives up, where reclaim keeps failing to free what it counts as
 * reclaimable (as with memory that will not go): after MAX_RECLAIM_RETRIES rounds without
 * progress, the page allocator takes back the last reserved block before the OOM path.
 */
static void fill_pages_with_stuck_reclaim(void)
{
	long stuck = (long)totalram_pages() * PAGE_SIZE;

	mod_node_page_state(NODE_DATA(0), NR_SLAB_RECLAIMABLE_B, stuck);
	fill_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL | NOWARN);
	mod_node_page_state(NODE_DATA(0), NR_SLAB_RECLAIMABLE_B, -stuck);
}

TEST(atomic_allocations_reserve_up_to_the_limit_and_reclaim_gives_back)
{
	struct zone *dma = zone_of(ZONE_DMA), *z = zone_of(ZONE_DMA32);
	unsigned long limit = reserve_limit(z);
	struct page *chunks[NR_CHUNKS], *got[NR_CHUNKS];
	long free_before;
	int reserved_blocks = 0;

	REQUIRE(reserve_limit(dma) == 0); /* 1% of 16M is less than a pageblock */
	REQUIRE(limit >= pageblock_nr_pages && limit < NR_CHUNKS * pageblock_nr_pages);
	drain_all_pages(NULL);
	free_before = free_of(z);

	/* Below the low watermark, but with room for GFP_HIGH, and NR_CHUNKS order-4 chunks. */
	position_at(z, (long)low_wmark_pages(z) - NR_CHUNKS * (1L << ATOMIC_ORDER) - 64);
	CHECK_EQ(reserved_of(z), 0); /* the fills reserved nothing */
	for (int i = 0; i < NR_CHUNKS; i++) {
		chunks[i] = split_block_of(z);
		REQUIRE(chunks[i]);
		for (unsigned long p = 0; p < pageblock_nr_pages; p++)
			if (p >= 1UL << ATOMIC_ORDER)
				hold_page(chunks[i] + p);
		for (unsigned long p = 0; p < 1UL << ATOMIC_ORDER; p++)
			__free_pages(chunks[i] + p, 0);
	}
	drain_all_pages(NULL);
	if (free_of(z) >= (long)low_wmark_pages(z))
		fprintf(stderr, "free %ld, low watermark %lu\n", free_of(z), low_wmark_pages(z));
	REQUIRE(free_of(z) < (long)low_wmark_pages(z));
	CHECK_EQ(kmm_check_page_alloc(), 0);

	/* Each chunk's block is reserved, until the limit; a block is never counted twice. */
	for (int i = 0; i < NR_CHUNKS; i++) {
		got[i] = alloc_pages(GFP_HIGH_ATOMIC, ATOMIC_ORDER);
		REQUIRE(got[i]);
		if (block_type(got[i]) == MIGRATE_HIGHATOMIC)
			reserved_blocks++;
		CHECK_EQ(reserved_of(z), (unsigned long)reserved_blocks * pageblock_nr_pages);
	}
	CHECK_EQ(reserved_blocks, limit / pageblock_nr_pages);
	CHECK_EQ(reserved_of(z), limit);
	CHECK_EQ(reserved_of(dma), 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	/* freed, the chunks of reserved blocks go to the high-atomic lists */
	for (int i = 0; i < NR_CHUNKS; i++)
		__free_pages(got[i], ATOMIC_ORDER);
	CHECK_EQ(z->nr_free_highatomic, limit / pageblock_nr_pages << ATOMIC_ORDER);
	CHECK_EQ(kmm_check_page_alloc(), 0);

	/* Ordinary allocations that would fail take the reserve back, block by block. */
	fill_pages(GFP_NOWAIT | NOWARN);
	CHECK_EQ(reserved_of(z), limit); /* what may not reclaim does not unreserve */
	/* reclaim that finds nothing takes back all blocks but one, a block each time */
	for (int i = 0; i < NR_CHUNKS; i++)
		fill_pages(GFP_KERNEL | __GFP_RETRY_MAYFAIL | NOWARN);
	CHECK_EQ(reserved_of(z), pageblock_nr_pages);
	CHECK_EQ(z->nr_free_highatomic, 1UL << ATOMIC_ORDER);
	/* the last one goes only when reclaim keeps failing, before the OOM path */
	fill_pages_with_stuck_reclaim();
	CHECK_EQ(reserved_of(z), 0);
	CHECK_EQ(z->nr_free_highatomic, 0);
	for (int i = 0; i < NR_CHUNKS; i++)
		CHECK_EQ(block_type(chunks[i]), MIGRATE_UNMOVABLE);
	CHECK_EQ(kmm_check_page_alloc(), 0);

	release_all();
	CHECK_EQ(free_of(z), free_before);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

/* Free a naturally aligned run of 2^@order held single pages of @z; false if none. */
static bool free_held_run(struct zone *z, unsigned int order)
{
	int *held_at = calloc(z->spanned_pages, sizeof(*held_at)); /* index + 1, or 0 */
	unsigned long nr = 1UL << order;
	bool found = false;

	for (int i = 0; i < nr_pages; i++)
		if (pages[i] && page_zone(pages[i]) == z)
			held_at[page_to_pfn(pages[i]) - z->zone_start_pfn] = i + 1;
	for (unsigned long off = 0; !found && off + nr <= z->spanned_pages; off += nr) {
		unsigned long i = 0;

		while (i < nr && held_at[off + i])
			i++;
		if (i < nr)
			continue;
		for (i = 0; i < nr; i++) {
			__free_pages(pages[held_at[off + i] - 1], 0);
			pages[held_at[off + i] - 1] = NULL;
		}
		found = true;
	}
	free(held_at);
	drain_all_pages(NULL);
	return found;
}

/* Free held single pages of @z that cannot merge (odd frame numbers) up to @target free. */
static void free_held_singles(struct zone *z, long target)
{
	long want = target - free_of(z);

	for (int i = 0; i < nr_pages && want > 0; i++) {
		if (!pages[i] || page_zone(pages[i]) != z || !(page_to_pfn(pages[i]) & 1))
			continue;
		__free_pages(pages[i], 0);
		pages[i] = NULL;
		want--;
	}
	drain_all_pages(NULL);
}

TEST(no_reserve_in_a_zone_under_a_hundred_pageblocks)
{
	struct zone *dma = zone_of(ZONE_DMA);
	struct page *page;

	REQUIRE(zone_managed_pages(dma) / 100 < pageblock_nr_pages);
	release_all();
	fill_all();
	REQUIRE(free_of(dma) == 0);
	/* ZONE_DMA just under its low watermark, with one free block of the atomic order */
	REQUIRE(free_held_run(dma, ATOMIC_ORDER));
	free_held_singles(dma, (long)low_wmark_pages(dma) - 1);
	page = alloc_pages(GFP_DMA | GFP_HIGH_ATOMIC, ATOMIC_ORDER);
	REQUIRE(page);
	CHECK(page_zone(page) == dma);
	CHECK_EQ(reserved_of(dma), 0);
	CHECK(block_type(page) != MIGRATE_HIGHATOMIC);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	__free_pages(page, ATOMIC_ORDER);
	release_all();
}

/* ---- reserve and unreserve racing ------------------------------------------------------ */

#define NR_THREADS    4
#define THREAD_HELD   32
#define THREAD_ROUNDS 3000

static atomic_int finished;
/*
 * The threads keep what they hold until all are done: even when a loaded machine runs
 * them one after the other, the last ones run with the others' chunks held, below the
 * low watermark, where atomic allocations reserve.
 */
static pthread_barrier_t all_rounds_done;
/* the largest reserve a thread saw just after one of its atomic allocations succeeded */
static atomic_ulong seen_by_threads;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void note_reserve_seen(unsigned long now)
{
	unsigned long seen = atomic_load(&seen_by_threads);

	while (now > seen && !atomic_compare_exchange_weak(&seen_by_threads, &seen, now))
		;
}

/*
 * Atomic high-order allocations (which reserve) mixed with ordinary ones that reclaim
 * (which unreserve, now and then forced), each thread holding a few at a time.
 */
static void *race_thread(void *arg)
{
	uint64_t r = 0x9e3779b97f4a7c15ULL * ((uintptr_t)arg + 1);
	struct page *held[THREAD_HELD] = { 0 };
	unsigned int order[THREAD_HELD] = { 0 };

	for (int round = 0; round < THREAD_ROUNDS; round++) {
		uint64_t x = next_rand(&r);
		unsigned int slot = (unsigned int)(x % THREAD_HELD);
		gfp_t gfp;

		if (held[slot])
			__free_pages(held[slot], order[slot]);
		x >>= 8;
		order[slot] = 1 + (unsigned int)(x % ATOMIC_ORDER);
		if (x % 3 == 0)
			gfp = GFP_HIGH_ATOMIC;
		else if (x % 64 == 1)
			gfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL | NOWARN;
		else
			gfp = GFP_KERNEL | __GFP_NORETRY | NOWARN;
		held[slot] = alloc_pages(gfp, order[slot]);
		if (held[slot] && gfp == GFP_HIGH_ATOMIC)
			note_reserve_seen(reserved_of(zone_of(ZONE_DMA32)));
	}
	pthread_barrier_wait(&all_rounds_done);
	for (int i = 0; i < THREAD_HELD; i++)
		if (held[i])
			__free_pages(held[i], order[i]);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

TEST(reserve_and_unreserve_race)
{
	struct zone *z = zone_of(ZONE_DMA32);
	pthread_t threads[NR_THREADS];
	unsigned long most = 0;
	int given_back = 0;
	long free_before;

	release_all(); /* what a failed REQUIRE above may have left */
	free_before = free_of(z);
	/*
	 * Nothing free but three whole pageblocks, a little over the low watermark: the
	 * threads take the zone below it, with blocks of every order to split.
	 */
	fill_all();
	for (int i = 0; i < 3; i++) {
		struct page *block = take_block_of(z);

		REQUIRE(block);
		__free_pages(block, pageblock_order);
	}
	drain_all_pages(NULL);
	REQUIRE(!pthread_barrier_init(&all_rounds_done, NULL, NR_THREADS));
	for (uintptr_t i = 0; i < NR_THREADS; i++)
		REQUIRE(!pthread_create(&threads[i], NULL, race_thread, (void *)i));
	/* the reserve, read as the threads change it: it grows, and never past the limit */
	while (atomic_load(&finished) < NR_THREADS) {
		unsigned long now = reserved_of(z);

		CHECK(now <= reserve_limit(z));
		if (now < most)
			given_back++;
		most = max(most, now);
		usleep(200);
	}
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&all_rounds_done);
	/*
	 * The watcher's samples may all miss a reserve that comes and goes between them on a
	 * loaded machine; the threads look right after the allocations that reserve.
	 */
	most = max(most, atomic_load(&seen_by_threads));
	printf("largest reserve seen: %lu pages (limit %lu), seen shrinking %d times\n", most,
	       reserve_limit(z), given_back);
	CHECK(most > 0);
	CHECK(most <= reserve_limit(z));
	CHECK_EQ(kmm_check_page_alloc(), 0);
	release_all();
	fill_pages_with_stuck_reclaim();
	CHECK_EQ(reserved_of(z), 0);
	release_all();
	CHECK_EQ(free_of(z), free_before);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

int main(void)
{
	return kmm_test_main();
}
