/* kmm-test: labels=unit env=KMM_RAM=5G,KMM_PAGE_REPORTING=0,KMM_NR_CPUS=2 */
/*
 * The buddy allocator with plenty of memory: block alignment for every order, splitting
 * and merging back to the initial free lists, zone selection by GFP zone modifiers,
 * zeroing, compound pages, reference counts, exact allocations, get_order(), and the
 * reports for bad input (double free, impossible GFP, foreign pointers).
 * 5G of (sparse) RAM gives the x86-64 zones DMA, DMA32 and Normal.
 */
#include "kmm_test.h"

#include <linux/gfp.h>
#include <linux/mm.h>

#include "internal.h"

static struct zone *zone_of(enum zone_type t)
{
	return &NODE_DATA(0)->node_zones[t];
}

static void snapshot_free_areas(unsigned long out[MAX_NR_ZONES][NR_PAGE_ORDERS])
{
	drain_all_pages(NULL);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			out[z][o] = zone_of(z)->free_area[o].nr_free;
}

TEST(zones_follow_the_x86_64_layout)
{
	kmm_ensure_init();
	CHECK_EQ(zone_of(ZONE_DMA)->zone_start_pfn, 0);
	CHECK_EQ(zone_of(ZONE_DMA)->spanned_pages, 4096);
	CHECK_EQ(zone_of(ZONE_DMA32)->zone_start_pfn, 4096);
	CHECK_EQ(zone_end_pfn(zone_of(ZONE_DMA32)), 1UL << 20);
	CHECK_EQ(zone_of(ZONE_NORMAL)->zone_start_pfn, 1UL << 20);
	CHECK_EQ(zone_end_pfn(zone_of(ZONE_NORMAL)), (5UL << 30) >> PAGE_SHIFT);
	CHECK(!populated_zone(zone_of(ZONE_HIGHMEM)));
	/* pfn 0 is reserved, so DMA manages one page less than it spans */
	CHECK_EQ(zone_managed_pages(zone_of(ZONE_DMA)), 4095);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(watermarks_follow_the_kernel_formulas)
{
	struct zone *dma32 = zone_of(ZONE_DMA32), *normal = zone_of(ZONE_NORMAL);
	unsigned long lowmem = 0, managed = zone_managed_pages(normal);

	for (int z = 0; z <= ZONE_NORMAL; z++)
		lowmem += zone_managed_pages(zone_of(z));
	/* min_free_kbytes = int_sqrt(lowmem_kbytes * 16), lowmem at high watermark 0 */
	unsigned long kb = lowmem * 4 * 16, r = 0;
	while ((r + 1) * (r + 1) <= kb)
		r++;
	CHECK_EQ(min_free_kbytes, r);
	unsigned long pages_min = (unsigned long)min_free_kbytes / 4;
	unsigned long wmin = pages_min * managed / lowmem;
	unsigned long gap = wmin / 4 > managed * 10 / 10000 ? wmin / 4 : managed * 10 / 10000;
	CHECK_EQ(normal->_watermark[WMARK_MIN], wmin);
	CHECK_EQ(normal->_watermark[WMARK_LOW], wmin + gap);
	CHECK_EQ(normal->_watermark[WMARK_HIGH], wmin + 2 * gap);
	/* lowmem_reserve: DMA32 keeps managed(Normal)/256 back from Normal allocations */
	CHECK_EQ(dma32->lowmem_reserve[ZONE_NORMAL], managed / 256);
	CHECK_EQ(zone_of(ZONE_DMA)->lowmem_reserve[ZONE_DMA32], zone_managed_pages(dma32) / 256);
	CHECK_EQ(zone_of(ZONE_DMA)->lowmem_reserve[ZONE_NORMAL],
		 (zone_managed_pages(dma32) + managed) / 256);
	/* pcp batch: min(managed/1024, 256)/4 as 2^n - 1; high from the low watermark */
	CHECK_EQ(normal->pageset_batch, 63);
	CHECK_EQ(normal->pageset_high_min, (int)(low_wmark_pages(normal) / 2));
	CHECK_EQ(normal->pageset_high_max, (int)(managed / 8 / 2));
}

TEST(every_order_is_naturally_aligned)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		unsigned long nr = 1UL << order;

		REQUIRE(page != NULL);
		CHECK_EQ(page_to_pfn(page) & (nr - 1), 0);
		CHECK_EQ((unsigned long)page_address(page) & ((nr << PAGE_SHIFT) - 1), 0);
		CHECK(virt_to_page(page_address(page)) == page);
		CHECK_EQ(page_to_phys(page), (phys_addr_t)page_to_pfn(page) << PAGE_SHIFT);
		CHECK(phys_to_virt(page_to_phys(page)) == page_address(page));
		CHECK_EQ(page_ref_count(page), 1);
		memset(page_address(page), 0x5a, nr << PAGE_SHIFT);
		__free_pages(page, order);
	}
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

static unsigned long rng_state = 88172645463325252UL;
static unsigned long rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(split_and_merge_restore_the_free_lists)
{
	static unsigned long before[MAX_NR_ZONES][NR_PAGE_ORDERS],
		after[MAX_NR_ZONES][NR_PAGE_ORDERS];
	enum { SLOTS = 512 };
	static struct page *pages[SLOTS];
	static unsigned int orders[SLOTS];
	static const gfp_t gfps[] = { GFP_KERNEL,
				      GFP_DMA,
				      GFP_DMA32,
				      GFP_ATOMIC,
				      GFP_HIGHUSER_MOVABLE,
				      GFP_KERNEL | __GFP_RECLAIMABLE };

	snapshot_free_areas(before);
	for (int i = 0; i < 40000; i++) {
		int s = (int)(rnd() % SLOTS);

		if (pages[s]) {
			/* the block must still hold the pattern written at allocation */
			CHECK_EQ(*(unsigned int *)page_address(pages[s]), (unsigned int)s);
			__free_pages(pages[s], orders[s]);
			pages[s] = NULL;
		} else {
			unsigned int order = (unsigned int)(rnd() % 11);

			if (order > 4 && rnd() % 4)
				order %= 4;
			gfp_t gfp = gfps[rnd() % 6];

			/* ZONE_DMA is 16 MiB: keep its share of the churn to small blocks */
			if (gfp == GFP_DMA && order > 3)
				gfp = GFP_KERNEL;
			pages[s] = alloc_pages(gfp, order);
			orders[s] = order;
			REQUIRE(pages[s] != NULL);
			*(unsigned int *)page_address(pages[s]) = (unsigned int)s;
		}
	}
	CHECK_EQ(kmm_check_page_alloc(), 0);
	for (int s = 0; s < SLOTS; s++)
		if (pages[s])
			__free_pages(pages[s], orders[s]);
	snapshot_free_areas(after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

static unsigned long listed_blocks(struct zone *zone, unsigned int order, int mt)
{
	unsigned long n = 0;
	struct list_head *pos;

	list_for_each(pos, &zone->free_area[order].free_list[mt])
		n++;
	return n;
}

/*
 * Max-order blocks past the first are deferred at start-up: counted free at once, listed
 * one at a time when the movable max-order list runs empty, lowest pfn first, as they
 * would have been taken had they all been listed.
 */
TEST(deferred_blocks_count_as_free_and_come_in_pfn_order)
{
	static unsigned long before[MAX_NR_ZONES][NR_PAGE_ORDERS],
		after[MAX_NR_ZONES][NR_PAGE_ORDERS];
	enum { NR = 64 };
	struct zone *normal = zone_of(ZONE_NORMAL);
	static struct page *pages[NR];
	unsigned long listed, deferred, next_pfn;

	snapshot_free_areas(before);
	spin_lock(&normal->lock);
	listed = listed_blocks(normal, MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	deferred = zone_deferred_blocks(normal);
	next_pfn = normal->first_deferred_pfn;
	spin_unlock(&normal->lock);
	REQUIRE(listed >= 1 && listed < NR && deferred > NR);
	CHECK_EQ(kmm_check_page_alloc(), 0);

	for (int i = 0; i < NR; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, MAX_PAGE_ORDER);
		REQUIRE(pages[i] != NULL);
		CHECK(page_zone(pages[i]) == normal);
		if ((unsigned long)i >= listed) { /* the listed ones are gone: deferred ones now */
			CHECK_EQ(page_to_pfn(pages[i]), next_pfn);
			next_pfn += MAX_ORDER_NR_PAGES;
		}
	}
	/* one more deferred block stands listed now, the rest still deferred */
	CHECK_EQ(zone_deferred_blocks(normal), deferred - (NR - listed + 1));
	CHECK_EQ(normal->free_area[MAX_PAGE_ORDER].nr_free,
		 before[ZONE_NORMAL][MAX_PAGE_ORDER] - NR);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	for (int i = 0; i < NR; i++)
		__free_pages(pages[i], MAX_PAGE_ORDER);
	snapshot_free_areas(after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(gfp_zone_table_matches_the_kernel)
{
	CHECK_EQ(gfp_zone(GFP_KERNEL), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(GFP_DMA), ZONE_DMA);
	CHECK_EQ(gfp_zone(GFP_DMA32), ZONE_DMA32);
	CHECK_EQ(gfp_zone(GFP_HIGHUSER), ZONE_HIGHMEM);
	CHECK_EQ(gfp_zone(GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(__GFP_MOVABLE), ZONE_NORMAL);
	CHECK_EQ(gfp_zone(__GFP_MOVABLE | __GFP_DMA), ZONE_DMA);
	CHECK_EQ(gfp_zone(__GFP_MOVABLE | __GFP_DMA32), ZONE_DMA32);
	/* the eight illegal combinations, and only they */
	int bad = 0;
	for (unsigned int bits = 0; bits < 16; bits++)
		bad += gfp_zone_bad(bits);
	CHECK_EQ(bad, 8);
	CHECK(gfp_zone_bad(__GFP_DMA | __GFP_HIGHMEM));
	CHECK(gfp_zone_bad(__GFP_DMA | __GFP_DMA32));
	CHECK(!gfp_zone_bad(__GFP_DMA | __GFP_MOVABLE));
	CHECK_EQ(gfp_migratetype(GFP_KERNEL), MIGRATE_UNMOVABLE);
	CHECK_EQ(gfp_migratetype(GFP_HIGHUSER_MOVABLE), MIGRATE_MOVABLE);
	CHECK_EQ(gfp_migratetype(GFP_KERNEL | __GFP_RECLAIMABLE), MIGRATE_RECLAIMABLE);
}

TEST(allocations_land_in_the_zone_their_flags_allow)
{
	struct {
		gfp_t gfp;
		enum zone_type zone;
	} cases[] = { { GFP_DMA, ZONE_DMA },
		      { GFP_DMA32, ZONE_DMA32 },
		      { GFP_KERNEL, ZONE_NORMAL },
		      { GFP_HIGHUSER, ZONE_NORMAL }, /* no highmem on x86-64: falls back */
		      { GFP_HIGHUSER_MOVABLE, ZONE_NORMAL },
		      { GFP_KERNEL | __GFP_DMA32, ZONE_DMA32 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct page *page = alloc_pages(cases[i].gfp, 1);

		REQUIRE(page != NULL);
		CHECK_EQ(page_zonenum(page), cases[i].zone);
		CHECK_EQ(page_to_nid(page), 0);
		CHECK(page_zone(page) == zone_of(cases[i].zone));
		__free_pages(page, 1);
	}
	/* GFP_DMA memory is below 16 MiB, GFP_DMA32 below 4 GiB */
	unsigned long dma = __get_dma_pages(GFP_KERNEL, 0);
	CHECK(dma && __pa(dma) < (16UL << 20));
	free_page(dma);
}

static void alloc_impossible_zone(void *arg)
{
	struct page *page = alloc_pages(GFP_DMA | __GFP_HIGHMEM, 0);

	printf("result=%p\n", (void *)page);
}

TEST(impossible_gfp_is_reported_and_fails)
{
	int status;
	char *out = kmm_run_child(alloc_impossible_zone, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "impossible GFP zone combination: mode:0x3(");
	CHECK_STR_CONTAINS(out, "result=(nil)");
	free(out);
	CHECK(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1) == NULL);
}

TEST(gfp_zero_zeroes_and_comp_makes_compound_pages)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);

	REQUIRE(page != NULL);
	memset(page_address(page), 0xff, 4 * PAGE_SIZE);
	__free_pages(page, 2);
	drain_all_pages(NULL);
	for (int i = 0; i < 64; i++) {
		unsigned char *p;

		page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
		REQUIRE(page != NULL);
		p = page_address(page);
		for (size_t j = 0; j < 4 * PAGE_SIZE; j++)
			if (p[j]) {
				CHECK(!"__GFP_ZERO page not zero");
				break;
			}
		__free_pages(page, 2);
	}
	page = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
	REQUIRE(page != NULL);
	CHECK(PageHead(page));
	CHECK_EQ(compound_order(page), 3);
	for (int i = 1; i < 8; i++) {
		CHECK(PageTail(page + i));
		CHECK(compound_head(page + i) == page);
	}
	/* a reference through a tail is a reference on the head */
	get_page(page + 5);
	CHECK_EQ(page_count(page + 3), 2);
	put_page(page + 7);
	CHECK_EQ(page_ref_count(page), 1);
	put_page(page);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(alloc_pages_exact_returns_the_unused_tail)
{
	struct kmm_page_stats before, during, after;

	drain_all_pages(NULL);
	kmm_page_stats(&before);
	void *p = alloc_pages_exact(5 * PAGE_SIZE, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(PAGE_ALIGNED(p));
	memset(p, 1, 5 * PAGE_SIZE);
	drain_all_pages(NULL);
	kmm_page_stats(&during);
	CHECK_EQ(before.free - during.free, 5);
	free_pages_exact(p, 5 * PAGE_SIZE);
	drain_all_pages(NULL);
	kmm_page_stats(&after);
	CHECK_EQ(after.free, before.free);
	unsigned long z = get_zeroed_page(GFP_KERNEL);
	REQUIRE(z != 0);
	CHECK(((unsigned char *)z)[100] == 0);
	free_page(z);
}

TEST(get_order_matches_the_kernel)
{
	volatile unsigned long sizes[] = { 1, 4095, 4096, 4097, 8192, 8193, 65536, 1UL << 22 };
	static const int orders[] = { 0, 0, 0, 1, 1, 2, 4, 10 };

	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		CHECK_EQ(get_order(sizes[i]), orders[i]);
	CHECK_EQ(get_order(4096UL), 0);
	CHECK_EQ(get_order(4097UL), 1);
	CHECK_EQ(get_order(1UL << 22), 10);
	CHECK_EQ(get_order(0UL), 52);
}

static void double_free(void *arg)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	CHILD_REQUIRE(page);
	__free_pages(page, 0);
	__free_pages(page, 0);
	printf("problems=%d\n", kmm_check_page_alloc());
}

TEST(double_free_is_reported_and_changes_nothing)
{
	int status;
	char *out = kmm_run_child(double_free, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "page dumped because: VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
	CHECK_STR_CONTAINS(out, "double free?");
	CHECK_STR_CONTAINS(out, "problems=0");
	free(out);
}

static void foreign_free(void *arg)
{
	static char not_ours[2 * 4096] __attribute__((aligned(4096)));

	free_pages((unsigned long)not_ours, 0);
	printf("survived\n");
}

TEST(freeing_memory_kmm_never_gave_is_reported)
{
	int status;
	char *out = kmm_run_child(foreign_free, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "not a page of kmm's direct map");
	CHECK_STR_CONTAINS(out, "survived");
	free(out);
}

TEST(reports_start_with_the_kernel_headers)
{
	char *buf = NULL;

	CAPTURE(buf, kmm_report(out, "buddyinfo"));
	CHECK_STR_CONTAINS(buf, "Node 0, zone      DMA ");
	CHECK_STR_CONTAINS(buf, "Node 0, zone    DMA32 ");
	CHECK_STR_CONTAINS(buf, "Node 0, zone   Normal ");
	free(buf);
}

int main(void)
{
	return kmm_test_main();
}
