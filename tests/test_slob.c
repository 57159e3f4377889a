/* kmm-test: labels=unit env=KMM_KASAN=off,KMM_SLAB=slob,KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_slob.c - the SLOB back-end (src/slob.c) through the public API, with a look at
 * its heap pages through src/slab.h (struct slab's slob_list, slob_free and units): the
 * kmalloc size prefix and its alignment, ksize, the three free lists, first fit, merging
 * of free neighbours, empty pages going back to the page allocator, large kmalloc, caches
 * (constructor on every allocation, alignment, objects of a page or more, DMA), bulk
 * calls, double-free reports, validation, and threads freeing each other's blocks.
 */
#include <pthread.h>
#include <stdint.h>

#include "kmm_test.h"
#include "slab.h"

#define MINALIGN   8 /* max(ARCH_KMALLOC_MINALIGN, ARCH_SLAB_MINALIGN) on x86-64 */
#define UNIT	   2 /* sizeof(slob_t) with 4 KiB pages */
#define PAGE_UNITS (4096 / UNIT)

static long attr_num(const char *cache, const char *attr)
{
	char buf[256];

	if (kmm_slab_attr(cache, attr, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* ---- a look at a heap page ------------------------------------------------------------- */

static struct slab *heap_page(const void *p)
{
	struct slab *sp = virt_to_slab(p);

	return sp && !sp->slab_cache ? sp : NULL;
}

static bool in_mem_map(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)mem_map && (uintptr_t)p < (uintptr_t)(mem_map + max_pfn);
}

/*
 * The list head a heap page is on (one of slob.c's static free lists), found by walking
 * the circular list to the one entry that is not inside mem_map; NULL when the page is
 * full and on no list.
 */
static const struct list_head *list_of(const void *p)
{
	struct slab *sp = heap_page(p);
	const struct list_head *e;

	if (!sp || list_empty(&sp->slob_list))
		return NULL;
	for (e = sp->slob_list.next; in_mem_map(e); e = e->next)
		;
	return e;
}

/* A free block's size and next offset, decoded as slob.c's slob_units()/slob_next(). */
static int16_t blk_units(const int16_t *b)
{
	return b[0] > 0 ? b[0] : 1;
}

static const int16_t *blk_next(const int16_t *b)
{
	const int16_t *base = (const int16_t *)((uintptr_t)b & ~(uintptr_t)4095);

	return base + (b[0] < 0 ? -b[0] : b[1]);
}

/* The end of the free block of @sp that holds @at, or NULL if @at is in use. */
static const char *free_block_end(const struct slab *sp, const void *at)
{
	const int16_t *b = sp->slob_free;

	if (list_empty(&sp->slob_list))
		return NULL;
	for (int guard = 0; guard < PAGE_UNITS; guard++) {
		const char *end = (const char *)(b + blk_units(b));

		if ((const char *)at >= (const char *)b && (const char *)at < end)
			return end;
		if (!((uintptr_t)blk_next(b) & 4095))
			break;
		b = blk_next(b);
	}
	return NULL;
}

/* ---- kmalloc ----------------------------------------------------------------------------- */

/*
 * SLOB's size prefix, MINALIGN bytes before a kmalloc'd block. Read through an integer
 * so that the compiler's object-size checks do not object to the negative offset.
 */
static unsigned int kmalloc_prefix(const void *block)
{
	unsigned int v;

	memcpy(&v, (const void *)((uintptr_t)block - MINALIGN), sizeof(v));
	return v;
}

TEST(kmalloc_stores_the_size_before_an_aligned_object)
{
	static const size_t sizes[] = { 1, 7, 13, 100, 247, 248, 1000, 1015, 1016, 3000, 4087 };

	CHECK(!strcmp(kmm_slab_allocator(), "slob"));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		volatile size_t n = sizes[i];
		unsigned char *p = kmalloc(n, GFP_KERNEL);

		REQUIRE(p != NULL);
		CHECK_EQ((uintptr_t)p % MINALIGN, 0);
		CHECK_EQ(kmalloc_prefix(p), n);
		CHECK(heap_page(p) != NULL);
		memset(p, 0xa5, n);
		CHECK_EQ(ksize(p), (n + 1) & ~1UL);
		kfree(p);
	}
	/* power-of-two sizes are naturally aligned, the prefix just before them */
	for (size_t n = 8; n <= 2048; n *= 2) {
		volatile size_t vn = n;
		unsigned char *p = kmalloc(vn, GFP_KERNEL);

		REQUIRE(p != NULL);
		CHECK_EQ((uintptr_t)p % n, 0);
		CHECK_EQ(kmalloc_prefix(p), n);
		kfree(p);
	}
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

TEST(kmalloc_of_a_page_less_the_prefix_or_more_comes_from_the_page_allocator)
{
	static const size_t sizes[] = { 4088, 4096, 5000, 20000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		volatile size_t n = sizes[i];
		unsigned char *p = kmalloc(n, GFP_KERNEL);
		struct page *page;

		REQUIRE(p != NULL);
		page = virt_to_page(p);
		CHECK_EQ((uintptr_t)p % 4096, 0);
		CHECK(!PageSlab(page));
		CHECK_EQ(page->page_type >> 24, PGTY_large_kmalloc);
		CHECK_EQ(ksize(p), 4096UL << get_order(n));
		memset(p, 0x5a, n);
		kfree(p);
		CHECK(page->page_type >> 24 != PGTY_large_kmalloc);
	}
}

TEST(kzalloc_and_krealloc_keep_their_promises)
{
	unsigned char *p = kzalloc(300, GFP_KERNEL), *q;

	REQUIRE(p != NULL);
	for (int i = 0; i < 300; i++)
		if (p[i]) {
			CHECK(!"kzalloc block not zeroed");
			break;
		}
	memset(p, 0x11, 300);
	q = krealloc(p, 3000, GFP_KERNEL);
	if (!q)
		kfree(p);
	REQUIRE(q != NULL);
	CHECK_EQ(kmalloc_prefix(q), 3000);
	for (int i = 0; i < 300; i++)
		if (q[i] != 0x11) {
			CHECK(!"krealloc lost the content");
			break;
		}
	p = krealloc(q, 9000, GFP_KERNEL);
	if (!p)
		kfree(q);
	REQUIRE(p != NULL);
	q = p;
	CHECK(!PageSlab(virt_to_page(q)));
	CHECK_EQ(q[299], 0x11);
	kfree(q);
}

/* ---- the three lists, first fit, merging, empty pages --------------------------------------- */

TEST(sizes_pick_the_small_medium_or_large_list)
{
	/* slob_alloc sees size + the prefix: < 256 small, < 1024 medium, else large */
	void *small = kmalloc(247, GFP_KERNEL), *medium = kmalloc(248, GFP_KERNEL);
	void *medium2 = kmalloc(1015, GFP_KERNEL), *large = kmalloc(1016, GFP_KERNEL);
	void *small2 = kmalloc(20, GFP_KERNEL), *large2 = kmalloc(1500, GFP_KERNEL);
	const struct list_head *ls, *lm, *ll;

	REQUIRE(small && medium && medium2 && large && small2 && large2);
	ls = list_of(small2);
	lm = list_of(medium);
	ll = list_of(large2);
	REQUIRE(ls && lm && ll);
	CHECK(ls != lm && lm != ll && ls != ll);
	if (list_of(small))
		CHECK(list_of(small) == ls);
	if (list_of(medium2))
		CHECK(list_of(medium2) == lm);
	if (list_of(large))
		CHECK(list_of(large) == ll);
	/* a page is on one list only: a small and a medium block never share a fresh page */
	CHECK(heap_page(small2) != heap_page(medium));
	CHECK(heap_page(medium) != heap_page(large2));

	/* caches go by their size in units the same way (no prefix; 255 would be 256) */
	struct kmem_cache *c254 = kmem_cache_create("slob_254", 254, 0, 0, NULL);
	struct kmem_cache *c256 = kmem_cache_create("slob_256", 256, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(c254 && c256);
	void *a = kmem_cache_alloc(c254, GFP_KERNEL), *b = kmem_cache_alloc(c256, GFP_KERNEL);
	REQUIRE(a && b);
	if (list_of(a))
		CHECK(list_of(a) == ls);
	if (list_of(b))
		CHECK(list_of(b) == lm);
	kmem_cache_free(c254, a);
	kmem_cache_free(c256, b);
	kmem_cache_destroy(c254);
	kmem_cache_destroy(c256);

	kfree(small);
	kfree(medium);
	kfree(medium2);
	kfree(large);
	kfree(small2);
	kfree(large2);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

/* Three blocks of @n bytes, consecutive in one page (more are taken until they are). */
static bool three_in_a_row(size_t n, size_t stride, void *abc[3], void **spare, int *nspare)
{
	for (int tries = 0; tries < 200; tries++) {
		void *p = kmalloc(n, GFP_KERNEL);

		if (!p)
			return false;
		abc[0] = abc[1];
		abc[1] = abc[2];
		abc[2] = p;
		if (tries >= 2 && (char *)abc[1] == (char *)abc[0] + stride &&
		    (char *)abc[2] == (char *)abc[1] + stride)
			return true;
		if (tries >= 2)
			spare[(*nspare)++] = abc[0];
	}
	return false;
}

TEST(first_fit_reuses_the_hole_a_free_left)
{
	void *spare[256], *abc[3] = { NULL, NULL, NULL };
	int nspare = 0;

	/* 100 bytes + 8 of prefix = 108: the next block starts 4 bytes on, to align */
	REQUIRE(three_in_a_row(100, 112, abc, spare, &nspare));
	kfree(abc[1]);
	void *again = kmalloc(100, GFP_KERNEL);
	CHECK(again == abc[1]);
	kfree(again);
	/* a smaller one takes the same hole: it is the first that fits */
	void *again2 = kmalloc(96, GFP_KERNEL);
	CHECK(again2 == abc[1]);
	kfree(again2);
	/* a larger one does not fit the hole and goes elsewhere */
	void *bigger = kmalloc(140, GFP_KERNEL);
	CHECK(bigger != abc[1]);
	kfree(bigger);
	kfree(abc[0]);
	kfree(abc[2]);
	while (nspare)
		kfree(spare[--nspare]);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

TEST(adjacent_free_blocks_merge)
{
	void *spare[256], *abc[3] = { NULL, NULL, NULL };
	int nspare = 0;
	struct slab *sp;

	/* 72 + 8 = 80 bytes, a multiple of the alignment: the blocks touch */
	REQUIRE(three_in_a_row(72, 80, abc, spare, &nspare));
	sp = heap_page(abc[0]);
	REQUIRE(sp != NULL);
	char *x = (char *)abc[0] - MINALIGN, *y = (char *)abc[1] - MINALIGN;
	char *z = (char *)abc[2] - MINALIGN;

	kfree(abc[1]);
	CHECK(free_block_end(sp, y) == z); /* its neighbours are in use */
	CHECK(free_block_end(sp, x) == NULL);
	kfree(abc[0]);
	/* one free block from the first through the middle one */
	CHECK(free_block_end(sp, x) == z);
	kfree(abc[2]);
	CHECK(free_block_end(sp, x) != NULL && free_block_end(sp, x) >= z + 80);
	CHECK(free_block_end(sp, x) == free_block_end(sp, z));
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	/* the three together hold 232 bytes and a prefix: in place */
	void *all = kmalloc(232, GFP_KERNEL);
	CHECK(all == abc[0]);
	kfree(all);
	while (nspare)
		kfree(spare[--nspare]);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

TEST(a_page_whose_blocks_are_all_free_goes_back_to_the_page_allocator)
{
	struct kmm_page_stats before, after;
	unsigned long slab_kb0, slab_kb1;
	void *held[64];
	int nheld = 0;
	char *p = NULL;
	struct slab *sp = NULL;

	/* a block of 3000 bytes alone in a fresh page */
	while (nheld < 64) {
		p = kmalloc(3000, GFP_KERNEL);
		REQUIRE(p != NULL);
		sp = heap_page(p);
		REQUIRE(sp != NULL);
		if (sp->units == PAGE_UNITS - (3000 + MINALIGN) / UNIT)
			break;
		held[nheld++] = p;
	}
	REQUIRE(nheld < 64);
	CHECK(list_of(p) != NULL);
	slab_kb0 = meminfo_kb("Slab");
	kmm_page_stats(&before);
	kfree(p);
	kmm_page_stats(&after);
	slab_kb1 = meminfo_kb("Slab");
	CHECK(!PageSlab(slab_page(sp)));
	CHECK_EQ(before.allocated - after.allocated, 1);
	CHECK_EQ(slab_kb0 - slab_kb1, 4);
	while (nheld)
		kfree(held[--nheld]);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

/* ---- caches ------------------------------------------------------------------------------ */

static _Atomic long ctor_calls;

static void slob_test_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0x3c, 40);
}

TEST(caches_run_the_constructor_on_every_allocation)
{
	struct kmem_cache *s = kmem_cache_create("slob_ctor", 40, 0, 0, slob_test_ctor);
	unsigned char *p, *q;

	REQUIRE(s != NULL);
	CHECK_EQ(ctor_calls, 0);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ctor_calls, 1);
	CHECK_EQ(p[0], 0x3c);
	CHECK_EQ(p[39], 0x3c);
	CHECK(heap_page(p) != NULL);
	CHECK_EQ(attr_num("slob_ctor", "objects"), 1);
	memset(p, 0, 40);
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(q != NULL);
	CHECK_EQ(ctor_calls, 2);
	CHECK_EQ(q[0], 0x3c);
	kmem_cache_free(s, q);
	CHECK_EQ(attr_num("slob_ctor", "objects"), 0);
	CHECK_EQ(attr_num("slob_ctor", "object_size"), 40);
	CHECK_EQ(attr_num("slob_ctor", "align"), 8);
	kmem_cache_destroy(s);
}

TEST(cache_alignment_requests_are_honoured)
{
	struct kmem_cache *s = kmem_cache_create("slob_align64", 40, 64, 0, NULL);
	struct kmem_cache *hw = kmem_cache_create("slob_hwalign", 100, 0, SLAB_HWCACHE_ALIGN, NULL);
	void *p[200], *h[200];

	REQUIRE(s && hw);
	CHECK_EQ(attr_num("slob_align64", "align"), 64);
	CHECK_EQ(attr_num("slob_hwalign", "align"), 64);
	for (int i = 0; i < 200; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		h[i] = kmem_cache_alloc(hw, GFP_KERNEL);
		REQUIRE(p[i] && h[i]);
		CHECK_EQ((uintptr_t)p[i] % 64, 0);
		CHECK_EQ((uintptr_t)h[i] % 64, 0);
		memset(p[i], i, 40);
		memset(h[i], i, 100);
	}
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	for (int i = 0; i < 200; i++) {
		CHECK_EQ(((unsigned char *)p[i])[39], (unsigned char)i);
		kmem_cache_free(s, p[i]);
		kmem_cache_free(hw, h[i]);
	}
	kmem_cache_destroy(s);
	kmem_cache_destroy(hw);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

TEST(objects_of_a_page_or_more_get_pages_of_their_own)
{
	struct kmem_cache *s = kmem_cache_create("slob_big", 5000, 0, 0, NULL);
	struct slabinfo_row {
		char name[64];
		unsigned long active, num;
		unsigned int objsize, perslab;
		int pages;
	} r = { { 0 } };
	char *buf = NULL, *at;
	void *p, *q;

	REQUIRE(s != NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p && q);
	CHECK_EQ((uintptr_t)p % 4096, 0);
	CHECK(virt_to_slab(p) && virt_to_slab(p)->slab_cache == s);
	CHECK_EQ(slab_order(virt_to_slab(p)), 1);
	CHECK_EQ(ksize(p), 5000);
	memset(p, 1, 5000);
	CHECK_EQ(attr_num("slob_big", "slabs"), 2);
	CAPTURE(buf, kmm_report(out, "slabinfo"));
	at = strstr(buf, "\nslob_big ");
	REQUIRE(at != NULL);
	CHECK_EQ(sscanf(at + 1, "%63s %lu %lu %u %u %d", r.name, &r.active, &r.num, &r.objsize,
			&r.perslab, &r.pages),
		 6);
	CHECK_EQ(r.active, 2);
	CHECK_EQ(r.objsize, 5000);
	CHECK_EQ(r.perslab, 1);
	CHECK_EQ(r.pages, 2);
	free(buf);
	kmem_cache_free(s, p);
	kfree(q); /* the page names its cache */
	CHECK_EQ(attr_num("slob_big", "objects"), 0);
	kmem_cache_destroy(s);
}

TEST(dma_caches_take_their_zone)
{
	struct kmem_cache *dma = kmem_cache_create("slob_dma", 200, 0, SLAB_CACHE_DMA, NULL);
	void *a[50];

	REQUIRE(dma != NULL);
	for (int i = 0; i < 50; i++) {
		a[i] = kmem_cache_alloc(dma, GFP_KERNEL);
		REQUIRE(a[i] != NULL);
		CHECK_EQ(page_zonenum(virt_to_page(a[i])), ZONE_DMA);
	}
	for (int i = 0; i < 50; i++)
		kmem_cache_free(dma, a[i]);
	kmem_cache_destroy(dma);
}

TEST(bulk_alloc_and_free)
{
	struct kmem_cache *s = kmem_cache_create("slob_bulk", 64, 0, SLAB_NO_MERGE, NULL);
	void *p[300], *k[3];

	REQUIRE(s != NULL);
	REQUIRE(kmem_cache_alloc_bulk(s, GFP_KERNEL, 300, p) == 300);
	CHECK_EQ(attr_num("slob_bulk", "objects"), 300);
	for (int i = 0; i < 300; i++)
		memset(p[i], i, 64);
	kmem_cache_free_bulk(s, 300, p);
	CHECK_EQ(attr_num("slob_bulk", "objects"), 0);
	k[0] = kmalloc(10, GFP_KERNEL);
	k[1] = kmalloc(2000, GFP_KERNEL);
	k[2] = kmalloc(10000, GFP_KERNEL);
	if (!(k[0] && k[1] && k[2]))
		for (int i = 0; i < 3; i++)
			kfree(k[i]);
	REQUIRE(k[0] && k[1] && k[2]);
	kfree_bulk(3, k);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmem_cache_destroy(s);
}

static void destroy_busy(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("slob_busy", 30, 0, SLAB_NO_MERGE, NULL);

	(void)arg;
	if (!s || !kmem_cache_alloc(s, GFP_KERNEL) || !kmem_cache_alloc(s, GFP_KERNEL)) {
		printf("allocation failed\n");
		return;
	}
	kmem_cache_destroy(s);
	printf("slabinfo still lists it: %d\n", attr_num("slob_busy", "objects") == 2);
}

TEST(destroying_a_busy_cache_is_reported)
{
	int status;
	char *out = kmm_run_child(destroy_busy, NULL, &status);

	CHECK_STR_CONTAINS(out, "BUG slob_busy");
	CHECK_STR_CONTAINS(out, "Objects remaining on __kmem_cache_shutdown()");
	CHECK_STR_CONTAINS(out, "2 objects of 30 bytes still allocated");
	CHECK_STR_CONTAINS(out, "Slab cache still has objects");
	CHECK_STR_CONTAINS(out, "slabinfo still lists it: 1");
	free(out);
}

/* ---- bad frees and validation ---------------------------------------------------------------- */

static void double_kfree(void *arg)
{
	char *keep = kmalloc(100, GFP_KERNEL), *p = kmalloc(100, GFP_KERNEL);

	(void)arg;
	kfree(p);
	kfree(p);
	printf("validate=%d\n", kmm_slab_validate(NULL));
	kfree(keep);
}

static void double_cache_free(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("slob_df", 48, 0, SLAB_NO_MERGE, NULL);
	void *keep = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	void *p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;

	(void)arg;
	if (!keep || !p) {
		printf("allocation failed\n");
		return;
	}
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	printf("validate=%d objects=%ld\n", kmm_slab_validate(NULL),
	       attr_num("slob_df", "objects"));
	kmem_cache_free(s, keep);
}

TEST(double_frees_are_reported_and_ignored)
{
	int status;
	char *out = kmm_run_child(double_kfree, NULL, &status);

	CHECK_STR_CONTAINS(out, "BUG kmalloc");
	CHECK_STR_CONTAINS(out, "free ignored");
	CHECK_STR_CONTAINS(out, "validate=0");
	free(out);
	out = kmm_run_child(double_cache_free, NULL, &status);
	CHECK_STR_CONTAINS(out, "BUG slob_df");
	CHECK_STR_CONTAINS(out, "double free or corruption detected");
	CHECK_STR_CONTAINS(out, "validate=0 objects=1");
	free(out);
}

static void corrupt_a_free_block(void *arg)
{
	void *spare[256], *abc[3] = { NULL, NULL, NULL };
	int nspare = 0;

	(void)arg;
	if (!three_in_a_row(72, 80, abc, spare, &nspare))
		return;
	kfree(abc[1]);
	/* the free block's size unit, now claiming more than the gap holds */
	((int16_t *)((char *)abc[1] - MINALIGN))[0] = 200;
	printf("validate=%d\n", kmm_slab_validate("kmem_cache"));
}

TEST(validate_finds_a_corrupted_free_list)
{
	int status;
	char *out = kmm_run_child(corrupt_a_free_block, NULL, &status);

	CHECK_STR_CONTAINS(out, "BUG kmalloc");
	CHECK_STR_CONTAINS(out, "SLOB heap page:");
	CHECK(strstr(out, "validate=0") == NULL);
	free(out);
}

/* ---- threads ------------------------------------------------------------------------------ */

#define HANDOFF 20000
struct handoff {
	void *obj[HANDOFF];
	size_t size[HANDOFF];
	_Atomic int produced;
	int bad;
};

static void *consume(void *arg)
{
	struct handoff *h = arg;

	for (int i = 0; i < HANDOFF; i++) {
		unsigned char *p;

		while (atomic_load_explicit(&h->produced, memory_order_acquire) <= i)
			;
		p = h->obj[i];
		for (size_t k = 0; k < h->size[i]; k++)
			if (p[k] != (unsigned char)(i + k)) {
				h->bad++;
				break;
			}
		kfree(p);
	}
	return NULL;
}

TEST(blocks_freed_by_another_thread_keep_their_content)
{
	static struct handoff h;
	pthread_t t;
	int failed = 0;

	pthread_create(&t, NULL, consume, &h);
	for (int i = 0; i < HANDOFF; i++) {
		size_t n = 1 + (size_t)(i * 7919) % 1500;
		unsigned char *p = kmalloc(n, GFP_KERNEL);

		if (!p) { /* handed over empty: the consumer waits for every one */
			failed++;
			n = 0;
		}
		for (size_t k = 0; k < n; k++)
			p[k] = (unsigned char)(i + k);
		h.obj[i] = p;
		h.size[i] = n;
		atomic_store_explicit(&h.produced, i + 1, memory_order_release);
	}
	pthread_join(t, NULL);
	CHECK_EQ(failed, 0);
	CHECK_EQ(h.bad, 0);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

#define STRESS_THREADS 4
#define STRESS_SLOTS   256
#define STRESS_OPS     60000
static struct kmem_cache *stress_cache;
static _Atomic int stress_bad;

static void *stress(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uintptr_t)(1 + (intptr_t)arg);
	unsigned char *slot[STRESS_SLOTS] = { NULL };
	size_t len[STRESS_SLOTS];
	unsigned char tag = (unsigned char)(uintptr_t)arg;

	for (int op = 0; op < STRESS_OPS; op++) {
		int i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)(x % STRESS_SLOTS);
		if (slot[i]) {
			for (size_t k = 0; k < len[i]; k++)
				if (slot[i][k] != (unsigned char)(tag + k)) {
					stress_bad++;
					break;
				}
			if (len[i] == 88)
				kmem_cache_free(stress_cache, slot[i]);
			else
				kfree(slot[i]);
			slot[i] = NULL;
			continue;
		}
		if ((x >> 32) % 5 == 0) {
			len[i] = 88;
			slot[i] = kmem_cache_alloc(stress_cache, GFP_KERNEL);
		} else {
			len[i] = 1 + (x >> 40) % ((x >> 20) % 8 ? 300 : 5000);
			if (len[i] == 88)
				len[i] = 89;
			slot[i] = kmalloc(len[i], GFP_KERNEL);
		}
		if (!slot[i]) {
			stress_bad++;
			continue;
		}
		for (size_t k = 0; k < len[i]; k++)
			slot[i][k] = (unsigned char)(tag + k);
	}
	for (int i = 0; i < STRESS_SLOTS; i++) {
		if (!slot[i])
			continue;
		if (len[i] == 88)
			kmem_cache_free(stress_cache, slot[i]);
		else
			kfree(slot[i]);
	}
	return NULL;
}

TEST(threads_share_the_heap_under_one_lock)
{
	pthread_t t[STRESS_THREADS];
	unsigned long slab_kb0 = meminfo_kb("Slab");

	stress_cache = kmem_cache_create("slob_stress", 88, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(stress_cache != NULL);
	for (intptr_t i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, stress, (void *)i);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(stress_bad, 0);
	CHECK_EQ(attr_num("slob_stress", "objects"), 0);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	kmem_cache_destroy(stress_cache);
	/* partial pages may stay, but not many more than before */
	CHECK(meminfo_kb("Slab") < slab_kb0 + 4 * 64);
}

int main(void)
{
	return kmm_test_main();
}
