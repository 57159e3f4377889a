/* kmm-test: labels=unit env=KMM_LAYOUT=x86_32,KMM_RAM=2G,KMM_NR_CPUS=2 */
/*
 * test_highmem - the 32-bit layout: its zones and max_low_pfn, where each GFP zone
 * modifier takes memory from, page_address() of highmem pages, kmap/kunmap,
 * kmap_local nesting, kmap_atomic, __GFP_ZERO on highmem, vmalloc of highmem pages,
 * kmalloc's lowmem-only memory, and the zone lists of the reports.
 */
#include <pthread.h>
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kmm_test.h"

#define LOWMEM_PFNS ((896UL << 20) >> PAGE_SHIFT)

static struct zone *zone_of(int idx)
{
	return &NODE_DATA(0)->node_zones[idx];
}

static bool all_bytes(const unsigned char *p, unsigned char v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

TEST(zones_and_max_low_pfn)
{
	kmm_ensure_init();
	CHECK_EQ(max_pfn, (2UL << 30) >> PAGE_SHIFT);
	CHECK_EQ(max_low_pfn, LOWMEM_PFNS);
	CHECK_EQ(zone_of(ZONE_DMA)->zone_start_pfn, 0);
	CHECK_EQ(zone_end_pfn(zone_of(ZONE_DMA)), (16UL << 20) >> PAGE_SHIFT);
	CHECK(!populated_zone(zone_of(ZONE_DMA32)));
	CHECK_EQ(zone_of(ZONE_NORMAL)->zone_start_pfn, (16UL << 20) >> PAGE_SHIFT);
	CHECK_EQ(zone_end_pfn(zone_of(ZONE_NORMAL)), LOWMEM_PFNS);
	CHECK_EQ(zone_of(ZONE_HIGHMEM)->zone_start_pfn, LOWMEM_PFNS);
	CHECK_EQ(zone_end_pfn(zone_of(ZONE_HIGHMEM)), max_pfn);
	CHECK(!populated_zone(zone_of(ZONE_MOVABLE)));
}

TEST(gfp_kernel_never_highmem)
{
	enum { N = 2000 };
	struct page **pages = calloc(N, sizeof(*pages));

	for (int i = 0; i < N; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, i % 3);
		REQUIRE(pages[i]);
		CHECK(!PageHighMem(pages[i]));
		CHECK(page_to_pfn(pages[i]) < max_low_pfn);
		CHECK(page_address(pages[i]) != NULL);
	}
	for (int i = 0; i < N; i++)
		__free_pages(pages[i], i % 3);
	free(pages);
}

TEST(gfp_highuser_from_highmem_first)
{
	struct page *page = alloc_page(GFP_HIGHUSER);
	struct page *movable = alloc_page(GFP_HIGHUSER_MOVABLE);

	REQUIRE(page && movable);
	CHECK(PageHighMem(page));
	CHECK(PageHighMem(movable)); /* no ZONE_MOVABLE: HighMem is the highest populated */
	CHECK(page_to_pfn(page) >= max_low_pfn);
	CHECK(page_address(page) == NULL);
	CHECK(page_address(movable) == NULL);
	__free_page(page);
	__free_page(movable);
	/* __get_free_pages() drops __GFP_HIGHMEM: it must return an address */
	unsigned long addr = __get_free_page(GFP_HIGHUSER);

	REQUIRE(addr != 0);
	CHECK(!PageHighMem(virt_to_page(addr)));
	free_page(addr);
}

TEST(gfp_dma32_is_normal)
{
	for (int i = 0; i < 64; i++) {
		struct page *page = alloc_page(GFP_KERNEL | GFP_DMA32);

		REQUIRE(page);
		CHECK_EQ(page_zonenum(page), ZONE_NORMAL);
		CHECK(page_to_pfn(page) < LOWMEM_PFNS);
		__free_page(page);
	}
	struct page *dma = alloc_page(GFP_KERNEL | GFP_DMA);

	REQUIRE(dma);
	CHECK_EQ(page_zonenum(dma), ZONE_DMA);
	__free_page(dma);
}

TEST(kmap_round_trip)
{
	struct page *page = alloc_page(GFP_HIGHUSER);
	struct page *low = alloc_page(GFP_KERNEL);
	unsigned char *a, *b;

	REQUIRE(page && low);
	CHECK_EQ(nr_kmapped_pages(), 0);
	a = kmap(page);
	REQUIRE(a);
	CHECK(PKMAP_BASE != 0);
	CHECK((unsigned long)a >= PKMAP_BASE && (unsigned long)a < PKMAP_ADDR(LAST_PKMAP));
	CHECK(page_address(page) == a);
	CHECK_EQ(nr_kmapped_pages(), 1);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	/* a second kmap of the same page shares the entry */
	CHECK(kmap(page) == a);
	kunmap(page);
	CHECK(page_address(page) == a);
	kunmap(page);
	CHECK(page_address(page) == NULL);
	CHECK_EQ(nr_kmapped_pages(), 0);
	b = kmap(page);
	REQUIRE(b);
	bool same = true;

	for (size_t i = 0; i < PAGE_SIZE; i++)
		same &= b[i] == (unsigned char)(i * 7 + 3);
	CHECK(same);
	kunmap(page);
	/* a lowmem page is its direct-map address */
	CHECK(kmap(low) == page_address(low));
	CHECK_EQ(nr_kmapped_pages(), 0);
	kunmap(low);
	__free_page(page);
	__free_page(low);
}

TEST(kmap_many)
{
	enum { N = 300 };
	struct page *pages[N];
	void *addrs[N];

	for (int i = 0; i < N; i++) {
		pages[i] = alloc_page(GFP_HIGHUSER);
		REQUIRE(pages[i]);
		addrs[i] = kmap(pages[i]);
		*(int *)addrs[i] = i;
	}
	CHECK_EQ(nr_kmapped_pages(), N);
	for (int i = 0; i < N; i++) {
		CHECK(page_address(pages[i]) == addrs[i]);
		for (int j = i + 1; j < N && j < i + 4; j++)
			CHECK(addrs[i] != addrs[j]);
	}
	for (int i = 0; i < N; i++) {
		void *local = kmap_local_page(pages[i]);

		CHECK_EQ(*(int *)local, i);
		kunmap_local(local);
		kunmap(pages[i]);
		__free_page(pages[i]);
	}
	CHECK_EQ(nr_kmapped_pages(), 0);
}

TEST(kmap_local_nesting)
{
	struct page *pages[KM_MAX_IDX];
	unsigned char *addr[KM_MAX_IDX];

	for (int i = 0; i < KM_MAX_IDX; i++) {
		pages[i] = alloc_page(GFP_HIGHUSER);
		REQUIRE(pages[i]);
	}
	CHECK_EQ(kmap_local_depth(), 0);
	for (int i = 0; i < KM_MAX_IDX; i++) {
		addr[i] = kmap_local_page(pages[i]);
		REQUIRE(addr[i]);
		CHECK_EQ(kmap_local_depth(), i + 1);
		memset(addr[i], i + 1, PAGE_SIZE);
		for (int j = 0; j < i; j++)
			CHECK(addr[j] != addr[i]);
		/* kmap_local mappings do not show in page_address() */
		CHECK(page_address(pages[i]) == NULL);
	}
	/* every mapping still shows its own page */
	for (int i = 0; i < KM_MAX_IDX; i++)
		CHECK(all_bytes(addr[i], (unsigned char)(i + 1), PAGE_SIZE));
	for (int i = KM_MAX_IDX - 1; i >= 0; i--) {
		kunmap_local(addr[i] + 100); /* any address inside the page will do */
		CHECK_EQ(kmap_local_depth(), i);
	}
	/* the data went to the frames: read it back through fresh mappings */
	for (int i = 0; i < KM_MAX_IDX; i++) {
		unsigned char *p = kmap_local_page(pages[i]);

		CHECK(all_bytes(p, (unsigned char)(i + 1), PAGE_SIZE));
		kunmap_local(p);
		__free_page(pages[i]);
	}
	/* lowmem pages take no slot */
	struct page *low = alloc_page(GFP_KERNEL);
	void *p;

	REQUIRE(low);
	p = kmap_local_page(low);
	CHECK(p == page_address(low));
	CHECK_EQ(kmap_local_depth(), 0);
	kunmap_local(p);
	__free_page(low);
}

TEST(kmap_atomic)
{
	struct page *page = alloc_page(GFP_HIGHUSER);
	int before = (int)preempt_count();
	char *p;

	REQUIRE(page);
	p = kmap_atomic(page);
	REQUIRE(p);
	CHECK((int)preempt_count() > before);
	CHECK_EQ(kmap_local_depth(), 1);
	strcpy(p, "kmap_atomic");
	kunmap_atomic(p);
	CHECK_EQ(preempt_count(), before);
	CHECK_EQ(kmap_local_depth(), 0);
	char buf[16] = { 0 };

	memcpy_from_page(buf, page, 0, 12);
	CHECK(!strcmp(buf, "kmap_atomic"));
	__free_page(page);
}

TEST(page_helpers)
{
	struct page *a = alloc_page(GFP_HIGHUSER), *b = alloc_page(GFP_HIGHUSER);
	char buf[32];

	REQUIRE(a && b);
	memset_page(a, 0, 0x5a, PAGE_SIZE);
	memcpy_to_page(a, 100, "hello", 6);
	copy_highpage(b, a);
	memcpy_from_page(buf, b, 100, 6);
	CHECK(!strcmp(buf, "hello"));
	memcpy_from_page(buf, b, PAGE_SIZE - 8, 8);
	CHECK(all_bytes((unsigned char *)buf, 0x5a, 8));
	clear_highpage(b);
	unsigned char *p = kmap_local_page(b);

	CHECK(all_bytes(p, 0, PAGE_SIZE));
	kunmap_local(p);
	CHECK_EQ(kmap_local_depth(), 0);
	__free_page(a);
	__free_page(b);
}

TEST(gfp_zero_highmem)
{
	enum { N = 64 };
	struct page *pages[N];

	/* dirty some highmem pages, free them, and take them back zeroed */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			pages[i] = alloc_pages(GFP_HIGHUSER | (round ? __GFP_ZERO : 0), i % 2);
			REQUIRE(pages[i]);
			CHECK(PageHighMem(pages[i]));
			for (int j = 0; j < 1 + i % 2; j++) {
				unsigned char *p = kmap_local_page(pages[i] + j);

				if (round)
					CHECK(all_bytes(p, 0, PAGE_SIZE));
				memset(p, 0xee, PAGE_SIZE);
				kunmap_local(p);
			}
		}
		for (int i = N - 1; i >= 0; i--)
			__free_pages(pages[i], i % 2);
	}
	CHECK_EQ(kmap_local_depth(), 0);
}

TEST(vmalloc_highmem)
{
	size_t size = 64 * PAGE_SIZE;
	unsigned char *v = __vmalloc(size, GFP_HIGHUSER);
	unsigned char *z;
	int nr_high = 0;

	REQUIRE(v);
	for (size_t i = 0; i < size; i++)
		v[i] = (unsigned char)(i % 251);
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page(v + off);
		unsigned char *k;

		REQUIRE(page);
		nr_high += PageHighMem(page);
		k = kmap(page);
		CHECK_EQ(k[17], (unsigned char)((off + 17) % 251));
		k[18] = 0x42; /* and the other way round */
		kunmap(page);
		CHECK_EQ(v[off + 18], 0x42);
	}
	CHECK_EQ(nr_high, (int)(size / PAGE_SIZE));
	vfree(v);

	/* plain vmalloc adds __GFP_HIGHMEM; vzalloc zeroes highmem pages through kmap */
	z = vzalloc(size);
	REQUIRE(z);
	CHECK(PageHighMem(vmalloc_to_page(z)));
	CHECK(all_bytes(z, 0, size));
	vfree(z);

	/* vmalloc_32 stays in lowmem (ZONE_NORMAL here) */
	v = vmalloc_32(size);
	REQUIRE(v);
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page(v + off);

		CHECK(!PageHighMem(page));
		CHECK(page_to_pfn(page) < LOWMEM_PFNS);
	}
	vfree(v);
	v = vmalloc_32_user(size);
	REQUIRE(v);
	CHECK(all_bytes(v, 0, size));
	vfree(v);
	CHECK_EQ(kmap_local_depth(), 0);
}

TEST(kmalloc_never_highmem)
{
	static const size_t sizes[] = { 8, 96, 1024, 4096, 8192, 3 * PAGE_SIZE, 64 << 10, 1 << 20 };

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		void *p[16];

		for (int i = 0; i < 16; i++) {
			p[i] = kmalloc(sizes[s], GFP_KERNEL);
			REQUIRE(p[i]);
			CHECK(virt_addr_valid(p[i]));
			CHECK(!PageHighMem(virt_to_page(p[i])));
		}
		for (int i = 0; i < 16; i++)
			kfree(p[i]);
	}
	void *p = kvmalloc(4 << 20, GFP_KERNEL);

	REQUIRE(p);
	kvfree(p);
}

static void *kmap_local_thread(void *arg)
{
	struct page **pages = arg;

	for (int iter = 0; iter < 200; iter++) {
		int *a = kmap_local_page(pages[0]);
		int *b = kmap_local_page(pages[1]);

		if (!a || !b || a == b)
			return (void *)1;
		b[iter % 64] = a[iter % 64] + 1;
		kunmap_local(b);
		kunmap_local(a);
	}
	return kmap_local_depth() ? (void *)1 : NULL;
}

TEST(kmap_local_threads)
{
	enum { T = 8 };
	pthread_t threads[T];
	struct page *pages[T][2];

	/* all pages first: no thread may be left running on this frame by a REQUIRE */
	for (int t = 0; t < T; t++) {
		pages[t][0] = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
		pages[t][1] = alloc_page(GFP_HIGHUSER);
		if (!pages[t][0] || !pages[t][1]) {
			for (int u = 0; u <= t; u++) {
				if (pages[u][0])
					__free_page(pages[u][0]);
				if (pages[u][1])
					__free_page(pages[u][1]);
			}
		}
		REQUIRE(pages[t][0] && pages[t][1]);
	}
	for (int t = 0; t < T; t++)
		CHECK_EQ(pthread_create(&threads[t], NULL, kmap_local_thread, pages[t]), 0);
	for (int t = 0; t < T; t++) {
		void *ret;

		pthread_join(threads[t], &ret);
		CHECK(ret == NULL);
		int *b = kmap_local_page(pages[t][1]);

		CHECK_EQ(b[5], 1);
		kunmap_local(b);
		__free_page(pages[t][0]);
		__free_page(pages[t][1]);
	}
}

TEST(reports_list_highmem_zones)
{
	static const char *const names[] = { "zoneinfo", "buddyinfo" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);

		REQUIRE(out);
		CHECK_EQ(kmm_report(out, names[i]), 0);
		fclose(out);
		CHECK(strstr(buf, "zone      DMA") || strstr(buf, "zone   DMA"));
		CHECK(strstr(buf, "Normal") != NULL);
		CHECK(strstr(buf, "HighMem") != NULL);
		CHECK(strstr(buf, "DMA32") == NULL);
		free(buf);
	}
}

/* The picture of the classic 32-bit kernel: 3G/1G split, lowmem to 896 MiB, vmalloc 8 MiB above. */
TEST(layout_report_draws_the_32_bit_address_space)
{
	char *buf = NULL;

	CAPTURE(buf, kmm_report(out, "layout"));
	CHECK_STR_CONTAINS(buf, "virtual kernel memory layout:\n");
	CHECK_STR_CONTAINS(buf, "    lowmem  : 0xc0000000 - 0xf8000000   ( 896 MB)\n");
	CHECK_STR_CONTAINS(buf, "    vmalloc : 0xf8800000 - ");
	CHECK_STR_CONTAINS(buf, "    pkmap   : 0x");
	CHECK_STR_CONTAINS(buf, "    fixmap  : 0x");
	CHECK_STR_CONTAINS(buf, "1152 MB HIGHMEM available.\n");
	CHECK_STR_CONTAINS(buf, "896 MB LOWMEM available.\n");
	free(buf);
}

/* CONFIG_HIGHMEM's meminfo lines, right after Mlocked, adding up to the totals. */
TEST(meminfo_splits_high_and_low_memory)
{
	char *buf = NULL;

	CAPTURE(buf, kmm_report(out, "meminfo"));
	CHECK_STR_CONTAINS(buf, "\nMlocked:               0 kB\nHighTotal:      ");
	free(buf);
	CHECK_EQ(meminfo_kb("HighTotal") + meminfo_kb("LowTotal"), meminfo_kb("MemTotal"));
	CHECK_EQ(meminfo_kb("HighTotal"), (2048 - 896) * 1024);
	CHECK(meminfo_kb("HighFree") <= meminfo_kb("HighTotal"));
	CHECK(meminfo_kb("LowFree") <= meminfo_kb("LowTotal"));
}

int main(void)
{
	return kmm_test_main();
}
