/* kmm-test: labels=unit;debug;faultinj env=KMM_RAM=256M,KMM_NR_CPUS=2,KMM_LOGLEVEL=4 timeout=300 backends=all */
/*
 * test_faultinj - allocation failures injected everywhere, and what must hold anyway:
 *
 *  - a fail-nth sweep over each multi-step operation (cache creation, vmalloc, krealloc,
 *    kvmalloc, mempool creation, bulk, large kmalloc): the 1st, 2nd, ... allocation
 *    inside it fails until the operation succeeds without an injected failure; after
 *    each attempt every page is back;
 *  - a workload over every entry point (kmalloc of all sizes, kmem_cache, pages of
 *    orders 0..4, vmalloc, kvmalloc, krealloc, mempool, the bulk API, cache creation)
 *    with failslab and fail_page_alloc at 1%, 10% and 50%: each failure is a clean NULL,
 *    __GFP_NOFAIL and mempool reserves never fail, what succeeded keeps its contents,
 *    nothing warns, the allocators' own checks pass, and at the end every page is back.
 *
 * This file is the fast variant (in `make test`); test_faultinj_full.c runs the same
 * with many more rounds and two threads (label faultinj, `make test-faultinj`).
 * KMM_LOGLEVEL=4 keeps the expected warnings (failed cache creation, vmalloc errors)
 * off the console; an unexpected WARN still taints, and the taint is checked.
 */
#include <pthread.h>
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "slab.h"
#include "kmm_test.h"

#ifndef FAULTINJ_ROUNDS
#define FAULTINJ_ROUNDS	 3000 /* operations per thread and rate */
#define FAULTINJ_THREADS 1
#endif

/* ---- every page back? ------------------------------------------------------------------- */

/*
 * What must come back: every page outside the slabs, every object of every cache and,
 * where the order of allocations is fixed (one thread), every slab page. With threads,
 * the objects that outlive a run (a free vmap_area) may sit in other slabs than before:
 * the same objects, in more pages, and no leak.
 */
struct usage {
	unsigned long pages, slab_pages;
	char *slabinfo; /* "name active_objs" lines */
};

static void usage_take(struct usage *u)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	u->pages = pages_in_use_quiesced();
	u->slab_pages = meminfo_kb("Slab") / (PAGE_SIZE / 1024);
	CAPTURE(buf, kmm_report(out, "slabinfo"));
	f = open_memstream(&u->slabinfo, &len);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long active;

		if (sscanf(line, "%63s %lu", name, &active) == 2)
			fprintf(f, "%s %lu\n", name, active);
	}
	fclose(f);
	free(buf);
}

static void usage_check(struct usage *before, bool exact_pages)
{
	struct usage after;

	usage_take(&after);
	CHECK_EQ(after.pages - after.slab_pages, before->pages - before->slab_pages);
	if (strcmp(after.slabinfo, before->slabinfo))
		fprintf(stderr, "objects before:\n%s\nobjects after:\n%s\n", before->slabinfo,
			after.slabinfo);
	CHECK(!strcmp(after.slabinfo, before->slabinfo));
	if (exact_pages)
		CHECK_EQ(after.pages, before->pages);
	free(after.slabinfo);
	free(before->slabinfo);
}

static void attr_set(const char *cap, const char *attr, const char *value)
{
	CHECK_EQ(kmm_fault_attr_set(cap, attr, value), 0);
}

/* Every allocation eligible: GFP_KERNEL too, single pages and highmem too; quiet. */
static void make_everything_eligible(void)
{
	static const char *const caps[] = { "failslab", "fail_page_alloc" };

	for (int i = 0; i < 2; i++) {
		attr_set(caps[i], "ignore-gfp-wait", "N");
		attr_set(caps[i], "verbose", "0");
		attr_set(caps[i], "interval", "1");
		attr_set(caps[i], "times", "-1");
		attr_set(caps[i], "space", "0");
	}
	attr_set("fail_page_alloc", "min-order", "0");
	attr_set("fail_page_alloc", "ignore-gfp-highmem", "N");
}

static void set_rate(const char *percent)
{
	attr_set("failslab", "probability", percent);
	attr_set("fail_page_alloc", "probability", percent);
}

/* ---- contents ---------------------------------------------------------------------------- */

static bool filled_with(const void *p, size_t size, unsigned char tag)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		if (b[i] != tag)
			return false;
	return true;
}

/* ---- the fail-nth sweep ------------------------------------------------------------------ */

/* One multi-step operation, undone before it returns; false if it failed (cleanly). */
typedef bool (*sweep_op)(void);

static bool op_cache_create(void)
{
	struct kmem_cache *c = kmem_cache_create("fi_sweep", 200, 0, SLAB_HWCACHE_ALIGN, NULL);
	void *obj;

	if (!c)
		return false;
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	if (obj)
		memset(obj, 0x5a, 200);
	kmem_cache_free(c, obj);
	kmem_cache_destroy(c);
	return obj != NULL;
}

static bool op_vmalloc(void)
{
	size_t size = 9 * PAGE_SIZE + 100;
	char *p = vmalloc(size);

	if (!p)
		return false;
	memset(p, 0x77, size);
	CHECK(filled_with(p, size, 0x77));
	vfree(p);
	return true;
}

static bool op_krealloc(void)
{
	char *p = kmalloc(100, GFP_KERNEL), *q;

	if (!p)
		return false;
	memset(p, 0x33, 100);
	q = krealloc(p, 5000, GFP_KERNEL);
	if (!q) {
		CHECK(filled_with(p, 100, 0x33)); /* untouched */
		kfree(p);
		return false;
	}
	CHECK(filled_with(q, 100, 0x33));
	kfree(q);
	return true;
}

static bool op_kvmalloc(void)
{
	static const size_t sizes[] = { 64 << 10, 4 << 20 }; /* kmalloc, then vmalloc */
	bool ok = true;

	for (int i = 0; i < 2; i++) {
		char *p = kvmalloc(sizes[i], GFP_KERNEL);

		if (!p) {
			ok = false;
			continue;
		}
		memset(p, 0x11, sizes[i]);
		kvfree(p);
	}
	return ok;
}

static bool op_mempool(void)
{
	mempool_t *pool = mempool_create_kmalloc_pool(4, 128);
	void *e[4];

	if (!pool)
		return false;
	/* the reserve is there: these never fail */
	for (int i = 0; i < 4; i++) {
		e[i] = mempool_alloc(pool, GFP_NOWAIT);
		CHECK(e[i] != NULL);
	}
	for (int i = 0; i < 4; i++)
		if (e[i])
			mempool_free(e[i], pool);
	mempool_destroy(pool);
	return true;
}

static struct kmem_cache *bulk_cache;

static bool op_bulk(void)
{
	void *objs[40];

	if (!kmem_cache_alloc_bulk(bulk_cache, GFP_KERNEL, 40, objs))
		return false;
	kmem_cache_free_bulk(bulk_cache, 40, objs);
	return true;
}

static bool op_kmalloc_large(void)
{
	void *p = kmalloc(200 << 10, GFP_KERNEL);

	kfree(p);
	return p != NULL;
}

/*
 * Fail the 1st, 2nd, ... eligible allocation of @op until one run finishes with fail-nth
 * still armed (nothing left to fail). Returns how many runs were failed by injection.
 */
static int sweep(const char *name, sweep_op op)
{
	unsigned long before, after;
	int injected = 0, n;

	op(); /* warm: lazily created state is not a leak */
	before = pages_in_use_quiesced();
	for (n = 1; n < 500; n++) {
		bool ok;
		unsigned int left;

		kmm_fail_nth_set((unsigned int)n);
		ok = op();
		left = kmm_fail_nth_get();
		kmm_fail_nth_set(0);
		after = pages_in_use_quiesced();
		if (after != before) {
			fprintf(stderr, "%s: fail-nth %d: %lu pages in use, %lu before\n", name, n,
				after, before);
			CHECK(0);
			before = after;
		}
		if (left) {
			CHECK(ok); /* nothing was injected: it must have worked */
			break;
		}
		injected++;
	}
	CHECK(n < 500);
	printf("%s: %d allocation(s) failed in turn\n", name, injected);
	return injected;
}

TEST(fail_nth_sweep_of_each_multi_step_operation)
{
	make_everything_eligible();
	bulk_cache = kmem_cache_create("fi_bulk", 72, 0, 0, NULL);
	REQUIRE(bulk_cache);
	CHECK(sweep("kmem_cache_create", op_cache_create) >= 1);
	CHECK(sweep("vmalloc", op_vmalloc) >= 3);
	CHECK(sweep("krealloc", op_krealloc) >= 2);
	CHECK(sweep("kvmalloc", op_kvmalloc) >= 2);
	CHECK(sweep("mempool", op_mempool) >= 2);
	CHECK(sweep("kmem_cache_alloc_bulk", op_bulk) >= 1);
	CHECK(sweep("kmalloc_large", op_kmalloc_large) >= 1);
	kmem_cache_destroy(bulk_cache);
	CHECK(!strcmp(print_tainted(), "Not tainted"));
}

/* ---- the workload ---------------------------------------------------------------------- */

enum kind { FREE_SLOT, KMALLOC, CACHE_OBJ, PAGES, VMALLOC, KVMALLOC, POOL_ELEM, BULK, NR_KINDS };

struct slot {
	enum kind kind;
	void *p;
	size_t size;
	unsigned int order; /* PAGES */
	unsigned char tag;
};

#define NR_SLOTS 64
#define NR_BULK	 16
#define POOL_MIN 8

struct workload {
	unsigned int seed;
	struct slot slots[NR_SLOTS];
	struct kmem_cache *caches[3];
	mempool_t *pool;
	int pool_live;
	unsigned long ops, failures, nofail_ops;
};

static const size_t kmalloc_sizes[] = { 8,    24,   64,	  100,	192,   256,   500,
					1024, 2048, 4000, 8192, 12000, 32768, 100000 };

static unsigned int next_rand(struct workload *w)
{
	w->seed = w->seed * 1103515245u + 12345u;
	return w->seed >> 8;
}

/* The flags of an allocation that may fail; NOFAIL ones are counted separately. */
static gfp_t pick_gfp(struct workload *w, bool may_nofail)
{
	switch (next_rand(w) % 6) {
	case 0:
		return GFP_ATOMIC;
	case 1:
		return GFP_NOWAIT;
	case 2:
		return GFP_KERNEL | __GFP_ZERO;
	case 3:
		if (may_nofail)
			return GFP_KERNEL | __GFP_NOFAIL;
		return GFP_KERNEL;
	default:
		return GFP_KERNEL;
	}
}

/* A successful allocation: zeroed if asked, then filled with the slot's tag. */
static void took(struct workload *w, struct slot *sl, gfp_t gfp)
{
	if (gfp & __GFP_ZERO)
		CHECK(filled_with(sl->p, sl->size, 0));
	sl->tag = (unsigned char)(next_rand(w) | 1);
	memset(sl->p, sl->tag, sl->size);
}

static void failed(struct workload *w, gfp_t gfp)
{
	w->failures++;
	CHECK(!(gfp & __GFP_NOFAIL)); /* never fails */
}

static void release(struct workload *w, struct slot *sl)
{
	if (sl->kind == FREE_SLOT)
		return;
	if (sl->kind == BULK) {
		void **objs = sl->p;

		for (int i = 0; i < NR_BULK; i++)
			CHECK(filled_with(objs[i], sl->size, sl->tag));
		kmem_cache_free_bulk(w->caches[1], NR_BULK, objs);
		kfree(objs);
		sl->kind = FREE_SLOT;
		return;
	}
	CHECK(filled_with(sl->p, sl->size, sl->tag));
	switch (sl->kind) {
	case KMALLOC:
		kfree(sl->p);
		break;
	case CACHE_OBJ:
		kmem_cache_free(w->caches[sl->size == 40 ? 0 : sl->size == 120 ? 1 : 2], sl->p);
		break;
	case PAGES:
		__free_pages(virt_to_page(sl->p), sl->order);
		break;
	case VMALLOC:
		vfree(sl->p);
		break;
	case KVMALLOC:
		kvfree(sl->p);
		break;
	case POOL_ELEM:
		mempool_free(sl->p, w->pool);
		w->pool_live--;
		break;
	default:
		break;
	}
	sl->kind = FREE_SLOT;
}

static void do_kmalloc(struct workload *w, struct slot *sl)
{
	gfp_t gfp = pick_gfp(w, true);

	sl->size = kmalloc_sizes[next_rand(w) % ARRAY_SIZE(kmalloc_sizes)];
	sl->p = kmalloc(sl->size, gfp);
	if (!sl->p)
		return failed(w, gfp);
	sl->kind = KMALLOC;
	took(w, sl, gfp);
}

static void do_krealloc(struct workload *w, struct slot *sl)
{
	size_t new_size = kmalloc_sizes[next_rand(w) % ARRAY_SIZE(kmalloc_sizes)];
	gfp_t gfp = pick_gfp(w, true) & ~__GFP_ZERO;
	char *q = krealloc(sl->p, new_size, gfp);

	if (!q) {
		failed(w, gfp);
		CHECK(filled_with(sl->p, sl->size, sl->tag)); /* the old block is untouched */
		return;
	}
	CHECK(filled_with(q, min(sl->size, new_size), sl->tag));
	sl->p = q;
	sl->size = new_size;
	memset(q, sl->tag, new_size);
}

static void do_cache_obj(struct workload *w, struct slot *sl)
{
	static const size_t sizes[] = { 40, 120, 1000 };
	unsigned int i = next_rand(w) % 3;
	gfp_t gfp = pick_gfp(w, true);

	sl->size = sizes[i];
	sl->p = kmem_cache_alloc(w->caches[i], gfp);
	if (!sl->p)
		return failed(w, gfp);
	sl->kind = CACHE_OBJ;
	took(w, sl, gfp);
}

static void do_pages(struct workload *w, struct slot *sl)
{
	gfp_t gfp = pick_gfp(w, true);
	struct page *page;

	sl->order = next_rand(w) % 5;
	sl->size = PAGE_SIZE << sl->order;
	page = alloc_pages(gfp, sl->order);
	if (!page)
		return failed(w, gfp);
	sl->p = page_address(page);
	sl->kind = PAGES;
	took(w, sl, gfp);
}

static void do_vmalloc(struct workload *w, struct slot *sl, bool kv)
{
	gfp_t gfp = next_rand(w) % 4 ? GFP_KERNEL : GFP_KERNEL | __GFP_NOFAIL;

	sl->size = (next_rand(w) % (kv ? 300000 : 200000)) + 1;
	sl->p = kv ? kvmalloc(sl->size, gfp) : __vmalloc(sl->size, gfp);
	if (!sl->p)
		return failed(w, gfp);
	sl->kind = kv ? KVMALLOC : VMALLOC;
	took(w, sl, gfp);
}

static void do_pool(struct workload *w, struct slot *sl)
{
	gfp_t gfp = next_rand(w) % 2 ? GFP_KERNEL : GFP_NOWAIT;

	if (w->pool_live >= POOL_MIN)
		return;
	/* with an element in reserve, mempool_alloc() never fails */
	sl->p = mempool_alloc(w->pool, gfp);
	CHECK(sl->p != NULL);
	if (!sl->p)
		return;
	w->pool_live++;
	sl->size = 256;
	sl->kind = POOL_ELEM;
	took(w, sl, 0);
}

static void do_bulk(struct workload *w, struct slot *sl)
{
	void **objs = kmalloc_array(NR_BULK, sizeof(void *), GFP_KERNEL | __GFP_NOFAIL);
	gfp_t gfp = pick_gfp(w, false) & ~__GFP_ZERO;

	CHECK(objs != NULL);
	if (!objs)
		return;
	if (!kmem_cache_alloc_bulk(w->caches[1], gfp, NR_BULK, objs)) {
		kfree(objs);
		return failed(w, gfp);
	}
	sl->p = objs;
	sl->size = 120;
	sl->tag = (unsigned char)(next_rand(w) | 1);
	for (int i = 0; i < NR_BULK; i++)
		memset(objs[i], sl->tag, sl->size);
	sl->kind = BULK;
}

/* Create a cache, use it, destroy it: any step may fail, and must fail cleanly. */
static void do_cache_cycle(struct workload *w)
{
	struct kmem_cache *c = kmem_cache_create("fi_cycle", 88, 0, 0, NULL);
	void *objs[8];

	if (!c) {
		w->failures++;
		return;
	}
	for (int i = 0; i < 8; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_ATOMIC);
		if (objs[i])
			memset(objs[i], 0x42, 88);
		else
			w->failures++;
	}
	for (int i = 0; i < 8; i++) {
		if (objs[i])
			CHECK(filled_with(objs[i], 88, 0x42));
		kmem_cache_free(c, objs[i]);
	}
	kmem_cache_destroy(c);
}

static void workload_step(struct workload *w)
{
	struct slot *sl = &w->slots[next_rand(w) % NR_SLOTS];
	unsigned int what = next_rand(w) % 16;

	w->ops++;
	if (what == 15)
		return do_cache_cycle(w);
	if (sl->kind == KMALLOC && what < 4)
		return do_krealloc(w, sl);
	if (sl->kind != FREE_SLOT)
		return release(w, sl);
	switch (what % 8) {
	case 0:
	case 1:
		return do_kmalloc(w, sl);
	case 2:
		return do_cache_obj(w, sl);
	case 3:
		return do_pages(w, sl);
	case 4:
		return do_vmalloc(w, sl, false);
	case 5:
		return do_vmalloc(w, sl, true);
	case 6:
		return do_pool(w, sl);
	default:
		return do_bulk(w, sl);
	}
}

static void *workload_thread(void *arg)
{
	struct workload *w = arg;

	for (int i = 0; i < FAULTINJ_ROUNDS; i++)
		workload_step(w);
	for (int i = 0; i < NR_SLOTS; i++)
		release(w, &w->slots[i]);
	return NULL;
}

/* Run the workload on FAULTINJ_THREADS threads (the calling one if just one). */
static void run_workload(struct workload *w)
{
	pthread_t threads[FAULTINJ_THREADS];

	if (FAULTINJ_THREADS == 1) {
		workload_thread(w);
		return;
	}
	for (int t = 0; t < FAULTINJ_THREADS; t++)
		pthread_create(&threads[t], NULL, workload_thread, &w[t]);
	for (int t = 0; t < FAULTINJ_THREADS; t++)
		pthread_join(threads[t], NULL);
}

/* False if a cache or the pool could not be created (workload_teardown() frees the rest). */
static bool workload_setup(struct workload *w)
{
	bool ok = true;

	memset(w, 0, sizeof(*w) * FAULTINJ_THREADS);
	for (int t = 0; t < FAULTINJ_THREADS; t++) {
		w[t].seed = 12345u + (unsigned int)t;
		w[t].caches[0] = kmem_cache_create("fi_small", 40, 0, 0, NULL);
		w[t].caches[1] = kmem_cache_create("fi_mid", 120, 0, SLAB_HWCACHE_ALIGN, NULL);
		w[t].caches[2] = kmem_cache_create("fi_big", 1000, 0, 0, NULL);
		w[t].pool = mempool_create_kmalloc_pool(POOL_MIN, 256);
		CHECK(w[t].caches[0] && w[t].caches[1] && w[t].caches[2] && w[t].pool);
		ok &= w[t].caches[0] && w[t].caches[1] && w[t].caches[2] && w[t].pool;
	}
	return ok;
}

static void workload_teardown(struct workload *w)
{
	for (int t = 0; t < FAULTINJ_THREADS; t++) {
		for (int i = 0; i < 3; i++)
			kmem_cache_destroy(w[t].caches[i]);
		mempool_destroy(w[t].pool);
	}
}

/*
 * The workload at @percent, between two counts of what is in use taken with no cache or
 * pool of its own alive: objects that outlive a run (a pool's reserve) may land in other
 * slabs than before, which is no leak but would change the page count.
 */
static void run_at(const char *percent)
{
	struct workload w[FAULTINJ_THREADS];
	unsigned long ops = 0, failures = 0;
	struct usage before;

	/* once without failures: what the workload leaves cached is not a leak */
	if (!workload_setup(w)) {
		workload_teardown(w);
		return;
	}
	run_workload(w);
	workload_teardown(w);
	usage_take(&before);

	if (!workload_setup(w)) {
		workload_teardown(w);
		free(before.slabinfo);
		return;
	}
	make_everything_eligible();
	set_rate(percent);
	run_workload(w);
	set_rate("0");
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	workload_teardown(w);
	for (int t = 0; t < FAULTINJ_THREADS; t++) {
		ops += w[t].ops;
		failures += w[t].failures;
	}
	CHECK(failures > 0);
	usage_check(&before, FAULTINJ_THREADS == 1);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	CHECK(!strcmp(print_tainted(), "Not tainted"));
	printf("%s%%: %lu operations, %lu failed\n", percent, ops, failures);
}

TEST(workload_at_1_percent)
{
	run_at("1");
}

TEST(workload_at_10_percent)
{
	run_at("10");
}

TEST(workload_at_50_percent)
{
	run_at("50");
}

int main(void)
{
	return kmm_test_main();
}
