/* kmm-test: labels=unit env=KMM_SLAB=slab,KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_slab_backend.c - the SLAB back-end (src/slab.c) through the public API, with a
 * look inside through src/slab.h: the per-thread array cache (LIFO, refill by
 * batchcount, flush when full), free_limit, the tunables in slabinfo, slab colouring,
 * constructors, off-slab management, cross-thread frees, cache_reap, destroy with live
 * objects, double frees, bulk calls and a multi-threaded stress with content checks.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "kmm_test.h"
#include "slab.h"

struct row {
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long limit, batchcount, sharedfactor, active_slabs, num_slabs, sharedavail;
};

/* The slabinfo row of @name, as /proc/slabinfo prints it. */
static bool slabinfo_row(const char *name, struct row *r)
{
	char *buf = NULL, pat[80];
	const char *at;
	bool found = false;

	CAPTURE(buf, kmm_report(out, "slabinfo"));
	snprintf(pat, sizeof(pat), "\n%s ", name);
	at = strstr(buf, pat);
	if (at) {
		char rname[64];

		found = sscanf(at + 1,
			       "%63s %lu %lu %lu %lu %lu : tunables %lu %lu %lu : slabdata %lu %lu "
			       "%lu",
			       rname, &r->active_objs, &r->num_objs, &r->objsize, &r->objperslab,
			       &r->pagesperslab, &r->limit, &r->batchcount, &r->sharedfactor,
			       &r->active_slabs, &r->num_slabs, &r->sharedavail) == 12;
	}
	free(buf);
	return found;
}

static long attr_num(const char *cache, const char *attr)
{
	char buf[256];

	if (kmm_slab_attr(cache, attr, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static struct slabinfo info_of(struct kmem_cache *s)
{
	struct slabinfo si;

	slab_ops->get_slabinfo(s, &si);
	return si;
}

static void *run_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *ret;

	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, &ret);
	return ret;
}

TEST(the_slab_back_end_is_in_use)
{
	CHECK(!strcmp(kmm_slab_allocator(), "slab"));
	CHECK_EQ(slab_ops->kmalloc_shift_low, 5);
	/*
	 * PAGE_SHIFT + 1 since 6.1, as SLUB's (d6a71648dbc0 "mm/slab: kmalloc: pass
	 * requests larger than order-1 page to page allocator")
	 */
	CHECK_EQ(slab_ops->kmalloc_shift_high, 13);
	CHECK_EQ(slab_ops->kmalloc_shift_high, KMALLOC_SHIFT_HIGH);
}

/* ---- the array cache -------------------------------------------------------------------- */

TEST(the_array_cache_is_lifo)
{
	struct kmem_cache *s = kmem_cache_create("t_lifo", 64, 0, SLAB_NO_MERGE, NULL);
	void *a, *b, *c, *x, *y, *z;

	REQUIRE(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	c = kmem_cache_alloc(s, GFP_KERNEL);
	if (!(a && b && c)) {
		kmem_cache_free(s, a);
		kmem_cache_free(s, b);
		kmem_cache_free(s, c);
		kmem_cache_destroy(s);
	}
	REQUIRE(a && b && c);
	kmem_cache_free(s, a);
	kmem_cache_free(s, c);
	kmem_cache_free(s, b);
	x = kmem_cache_alloc(s, GFP_KERNEL);
	y = kmem_cache_alloc(s, GFP_KERNEL);
	z = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(x == b);
	CHECK(y == c);
	CHECK(z == a);
	kmem_cache_free(s, x);
	kmem_cache_free(s, y);
	kmem_cache_free(s, z);
	CHECK_EQ(kmm_slab_validate("t_lifo"), 0);
	kmem_cache_destroy(s);
}

static void *refill_thread(void *arg)
{
	struct kmem_cache *s = arg;
	void *p[17];

	/* an untouched array takes BATCHREFILL_LIMIT (16), a touched one batchcount (60) */
	p[0] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(info_of(s).active_objs, 16);
	for (int i = 1; i < 16; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(info_of(s).active_objs, 16);
	p[16] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(info_of(s).active_objs, 16 + 60);
	for (int i = 0; i < 17; i++)
		kmem_cache_free(s, p[i]);
	return NULL;
}

TEST(a_miss_refills_by_batchcount)
{
	/* 124 objects a slab: both refills come from the first slab */
	struct kmem_cache *s = kmem_cache_create("t_refill", 32, 0, SLAB_NO_MERGE, NULL);

	REQUIRE(s);
	CHECK_EQ(attr_num("t_refill", "limit"), 120);
	CHECK_EQ(attr_num("t_refill", "batchcount"), 60);
	run_thread(refill_thread, s);
	/* the thread's array went back to the slabs when it exited */
	CHECK_EQ(info_of(s).active_objs, 0);
	CHECK_EQ(kmm_slab_validate("t_refill"), 0);
	kmem_cache_destroy(s);
}

static void *flush_thread(void *arg)
{
	struct kmem_cache *s = arg;
	enum { N = 200 };
	void *p[N];

	for (int i = 0; i < N; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	/* 120 fill the array; each free into a full array moves its 60 oldest to shared */
	CHECK_EQ(info_of(s).shared_avail, 120);
	CHECK_EQ(attr_num("t_flush", "shared_avail"), 120);
	/* the newest stay: the last freed comes back first */
	p[0] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(p[0] == p[N - 1]);
	kmem_cache_free(s, p[0]);
	return NULL;
}

TEST(a_full_array_flushes_batchcount_to_the_shared_array)
{
	struct kmem_cache *s = kmem_cache_create("t_flush", 128, 0, SLAB_NO_MERGE, NULL);

	REQUIRE(s);
	run_thread(flush_thread, s);
	CHECK_EQ(kmm_slab_validate("t_flush"), 0);
	kmem_cache_destroy(s);
}

static void *free_limit_thread(void *arg)
{
	struct kmem_cache *s = arg;
	enum { N = 400 };
	void **p = malloc(N * sizeof(*p));
	long free_limit = attr_num("t_free_limit", "free_limit");

	for (int i = 0; i < N; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(info_of(s).num_slabs, N / 4);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	/* beyond free_limit, free slabs were destroyed at once */
	CHECK(attr_num("t_free_limit", "free_objects") <= free_limit);
	CHECK(info_of(s).num_slabs < N / 4);
	CHECK(info_of(s).num_slabs <= (54 + 216 + (unsigned long)free_limit) / 4 + 1);
	free(p);
	/* shrink: this thread's array, the shared array, every free slab */
	CHECK_EQ(kmem_cache_shrink(s), 0);
	CHECK_EQ(info_of(s).num_slabs, 0);
	return NULL;
}

TEST(free_slabs_beyond_free_limit_are_destroyed)
{
	struct kmem_cache *s = kmem_cache_create("t_free_limit", 1024, 0, SLAB_NO_MERGE, NULL);

	REQUIRE(s);
	/* (1 + CPUs) * batchcount + objects per slab */
	CHECK_EQ(attr_num("t_free_limit", "free_limit"), 3 * 27 + 4);
	run_thread(free_limit_thread, s);
	CHECK_EQ(kmm_slab_validate("t_free_limit"), 0);
	kmem_cache_destroy(s);
}

/* ---- tunables, geometry, colouring ------------------------------------------------------- */

TEST(slabinfo_shows_the_tunables_of_enable_cpucache)
{
	static const struct {
		const char *name;
		unsigned int size;
		unsigned long limit, batchcount, shared, objperslab, pagesperslab;
	} want[] = {
		{ "t_tune_32", 32, 120, 60, 8, 124, 1 },     { "t_tune_512", 512, 54, 27, 8, 8, 1 },
		{ "t_tune_2048", 2048, 24, 12, 8, 2, 1 },    { "t_tune_8192", 8192, 8, 4, 0, 1, 2 },
		{ "t_tune_200000", 200000, 1, 1, 0, 1, 64 },
	};
	struct kmem_cache *s[ARRAY_SIZE(want)];

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct row r;
		void *p;

		s[i] = kmem_cache_create(want[i].name, want[i].size, 0, SLAB_NO_MERGE, NULL);
		REQUIRE(s[i]);
		p = kmem_cache_alloc(s[i], GFP_KERNEL);
		REQUIRE(p);
		memset(p, 0x5a, want[i].size);
		REQUIRE(slabinfo_row(want[i].name, &r));
		CHECK_EQ(r.limit, want[i].limit);
		CHECK_EQ(r.batchcount, want[i].batchcount);
		CHECK_EQ(r.sharedfactor, want[i].shared);
		CHECK_EQ(r.objperslab, want[i].objperslab);
		CHECK_EQ(r.pagesperslab, want[i].pagesperslab);
		CHECK_EQ(r.num_slabs, 1);
		CHECK_EQ(r.active_slabs, 1);
		CHECK_EQ(r.sharedavail, 0);
		kmem_cache_free(s[i], p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		kmem_cache_destroy(s[i]);
}

TEST(kmalloc_caches_are_slabs_classes)
{
	struct row r;
	void *p = kmalloc(90, GFP_KERNEL);

	REQUIRE(p);
	/* SLAB's kmalloc caches are SLAB_HWCACHE_ALIGN: kmalloc-96 has a 128-byte stride */
	REQUIRE(slabinfo_row("kmalloc-96", &r));
	CHECK_EQ(r.objsize, 128);
	CHECK_EQ(ksize(p), 96);
	kfree(p);
	/* 128 indices do not fit in a 32-byte object: on-slab, 124 a page */
	REQUIRE(slabinfo_row("kmalloc-32", &r));
	CHECK_EQ(r.objperslab, 124);
	CHECK(!slabinfo_row("kmalloc-16", &r));
	p = kmalloc(1, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(ksize(p), 32);
	kfree(p);
	/* the largest class: one 8 KiB object in an order-1 slab (slab_max_order 1) */
	REQUIRE(slabinfo_row("kmalloc-8k", &r));
	CHECK_EQ(r.objsize, 8192);
	CHECK_EQ(r.objperslab, 1);
	CHECK_EQ(r.pagesperslab, 2);
	CHECK_EQ(r.limit, 8);
	CHECK_EQ(r.sharedfactor, 0);
	volatile size_t n8k = 8192, above = 8193;
	p = kmalloc(n8k, GFP_KERNEL);
	REQUIRE(p);
	CHECK(virt_to_slab(p) && !strcmp(virt_to_slab(p)->slab_cache->name, "kmalloc-8k"));
	CHECK_EQ(ksize(p), 8192);
	kfree(p);
	/* nothing above since 6.1: kmalloc-16k .. kmalloc-2M are gone, the pages serve */
	CHECK(!slabinfo_row("kmalloc-16k", &r));
	CHECK(!slabinfo_row("kmalloc-2M", &r));
	p = kmalloc(above, GFP_KERNEL);
	REQUIRE(p);
	CHECK(virt_to_slab(p) == NULL);
	CHECK_EQ(ksize(p), 16384);
	kfree(p);
	p = kmalloc(1 << 20, GFP_KERNEL);
	REQUIRE(p);
	CHECK(virt_to_slab(p) == NULL);
	CHECK(PAGE_ALIGNED(p));
	CHECK_EQ(ksize(p), 1 << 20);
	kfree(p);
}

TEST(consecutive_slabs_start_at_cycling_colour_offsets)
{
	/* 320 bytes: 12 a page, 256 left over: 4 colours of 64 bytes */
	struct kmem_cache *s = kmem_cache_create("t_colour", 320, 8, SLAB_NO_MERGE, NULL);
	enum { N = 12 * 8 };
	void *p[N];
	unsigned long offs[N];
	int nr = 0;

	REQUIRE(s);
	CHECK_EQ(attr_num("t_colour", "colour"), 4);
	CHECK_EQ(attr_num("t_colour", "colour_off"), 64);
	for (int i = 0; i < N; i++) {
		struct slab *slab;
		unsigned long off;
		bool seen = false;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		slab = virt_to_slab(p[i]);
		off = (unsigned long)((char *)slab->s_mem - (char *)slab_address(slab));
		for (int k = 0; k < nr; k++)
			seen |= offs[k] == ((unsigned long)slab << 16 | off);
		if (!seen && nr < N)
			offs[nr++] = (unsigned long)slab << 16 | off;
	}
	/* 8 slabs; offsets cycle 64, 128, 192, 0, 64, ... as colour_next advances */
	CHECK_EQ(nr, 8);
	for (int k = 0; k < nr; k++) {
		unsigned long off = offs[k] & 0xffff, next = offs[(k + 1) % nr] & 0xffff;

		CHECK_EQ(off % 64, 0);
		CHECK(off < 256);
		if (k + 1 < nr)
			CHECK_EQ(next, (off + 64) % 256);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	kmem_cache_destroy(s);
}

/* ---- constructors and slab management ------------------------------------------------------ */

static _Atomic long ctor_calls;

static void count_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0xc7, 256);
}

static void ctor_1024(void *obj)
{
	memset(obj, 0xab, 1024);
}

TEST(constructors_run_once_per_object_when_a_slab_grows)
{
	struct kmem_cache *s = kmem_cache_create("t_ctor", 256, 0, 0, count_ctor);
	long num;
	void *p, *q;

	REQUIRE(s);
	num = attr_num("t_ctor", "objs_per_slab");
	ctor_calls = 0;
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(ctor_calls, num);
	CHECK_EQ(((unsigned char *)p)[255], 0xc7);
	((unsigned char *)p)[0] = 0xc7; /* back to the constructed state */
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(q);
	CHECK(q == p);
	CHECK_EQ(ctor_calls, num);
	for (int i = 0; i < 256; i++)
		if (((unsigned char *)q)[i] != 0xc7) {
			CHECK_EQ(((unsigned char *)q)[i], 0xc7);
			break;
		}
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

TEST(management_is_off_slab_for_large_objects_with_a_constructor)
{
	struct kmem_cache *s = kmem_cache_create("t_offslab", 1024, 0, 0, ctor_1024);
	struct kmem_cache *o = kmem_cache_create("t_objfl", 1024, 0, SLAB_NO_MERGE, NULL);
	struct kmem_cache *on = kmem_cache_create("t_onslab", 8, 0, SLAB_NO_MERGE, NULL);
	char buf[32];
	void *p[8];

	if (!(s && o && on)) {
		kmem_cache_destroy(s);
		kmem_cache_destroy(o);
		kmem_cache_destroy(on);
	}
	REQUIRE(s && o && on);
	CHECK(kmm_slab_attr("t_offslab", "slab_mgmt", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "off-slab\n"));
	CHECK_EQ(attr_num("t_offslab", "objs_per_slab"), 4);
	CHECK(kmm_slab_attr("t_objfl", "slab_mgmt", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "objfreelist\n"));
	/* 8-byte objects: at least 16, 240 with a byte of index each on the slab */
	CHECK(kmm_slab_attr("t_onslab", "slab_mgmt", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "on-slab\n"));
	CHECK_EQ(attr_num("t_onslab", "objs_per_slab"), 240);
	CHECK_EQ(attr_num("t_onslab", "slab_size"), 16);

	for (int i = 0; i < 8; i++) {
		struct slab *slab;
		char *mgmt;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		CHECK_EQ(((unsigned char *)p[i])[1023], 0xab);
		slab = virt_to_slab(p[i]);
		mgmt = (char *)slab->freelist_idx;
		/* the indices live in a kmalloc object, not in the slab's page */
		CHECK(mgmt < (char *)slab_address(slab) ||
		      mgmt >= (char *)slab_address(slab) + PAGE_SIZE);
		CHECK(virt_to_slab(mgmt) &&
		      !strcmp(virt_to_slab(mgmt)->slab_cache->name, "kmalloc-32"));
	}
	CHECK_EQ(kmm_slab_validate("t_offslab"), 0);
	for (int i = 0; i < 8; i++)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmem_cache_destroy(s);
	kmem_cache_destroy(o);
	kmem_cache_destroy(on);
}

/* ---- threads ---------------------------------------------------------------------------------- */

struct xfer {
	struct kmem_cache *s;
	void **objs;
	int n;
};

static void *xfer_free(void *arg)
{
	struct xfer *x = arg;

	for (int i = 0; i < x->n; i++) {
		unsigned char *p = x->objs[i];

		for (int k = 0; k < 200; k++)
			if (p[k] != (unsigned char)(i + k)) {
				CHECK_EQ(p[k], (unsigned char)(i + k));
				break;
			}
		kmem_cache_free(x->s, p);
	}
	return NULL;
}

TEST(objects_freed_by_another_thread_go_back_to_their_slabs)
{
	struct kmem_cache *s = kmem_cache_create("t_xfer", 200, 0, SLAB_NO_MERGE, NULL);
	enum { N = 1000 };
	void *objs[N];
	struct xfer x = { s, objs, N };

	REQUIRE(s);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);

			REQUIRE(p);
			for (int k = 0; k < 200; k++)
				p[k] = (unsigned char)(i + k);
			objs[i] = p;
		}
		run_thread(xfer_free, &x);
		CHECK_EQ(kmm_slab_validate("t_xfer"), 0);
	}
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmem_cache_destroy(s);
}

static void *reap_fill(void *arg)
{
	struct kmem_cache *s = arg;
	enum { N = 2000 };
	void **p = malloc(N * sizeof(*p));

	for (int i = 0; i < N; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	free(p);
	return NULL;
}

TEST(cache_reap_shrinks_an_idle_cache_within_seconds)
{
	struct kmem_cache *s = kmem_cache_create("t_reap", 1024, 0, SLAB_NO_MERGE, NULL);
	unsigned long before, now = 0;
	struct timespec start, t;

	REQUIRE(s);
	run_thread(reap_fill, s);
	before = info_of(s).num_slabs;
	CHECK(before > 0);
	CHECK(info_of(s).shared_avail > 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(100 * 1000);
		now = info_of(s).num_slabs;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (now >= before && t.tv_sec - start.tv_sec < 20);
	if (now >= before)
		fprintf(stderr, "%s: still %lu slabs after %ld s\n", kmm_current_test, now,
			(long)(t.tv_sec - start.tv_sec));
	CHECK(now < before);
	CHECK_EQ(kmm_slab_validate("t_reap"), 0);
	kmem_cache_destroy(s);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void destroy_busy(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("t_busy", 96, 0, SLAB_NO_MERGE, NULL);
	void *p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;

	if (!p) {
		fprintf(stderr, "allocation failed\n");
		return;
	}
	kmem_cache_destroy(s);
	/* the cache stays, its object usable and freeable */
	memset(p, 1, 96);
	kmem_cache_free(s, p);
	fprintf(stderr, "validate=%d\n", kmm_slab_validate("t_busy"));
}

TEST(destroying_a_cache_with_live_objects_is_reported)
{
	int status;
	char *out = kmm_run_child(destroy_busy, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "Slab cache still has objects");
	CHECK_STR_CONTAINS(out, "t_busy");
	CHECK_STR_CONTAINS(out, "validate=0");
	free(out);
}

static void double_free(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("t_dfree", 64, 0, SLAB_NO_MERGE, NULL);
	void *a = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	void *b = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	void *x, *y;

	if (!a || !b) {
		fprintf(stderr, "allocation failed\n");
		return;
	}
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	kmem_cache_free(s, a);		   /* a is in the array, under b */
	kmem_cache_free(s, (char *)b + 8); /* not an object's start */
	x = kmem_cache_alloc(s, GFP_KERNEL);
	y = kmem_cache_alloc(s, GFP_KERNEL);
	fprintf(stderr, "distinct=%d validate=%d\n", x != y && (x == a || y == a),
		kmm_slab_validate("t_dfree"));
	kmem_cache_free(s, x);
	kmem_cache_free(s, y);
	kmem_cache_destroy(s);
}

TEST(a_double_free_in_the_array_is_reported_and_ignored)
{
	int status;
	char *out = kmm_run_child(double_free, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "slab: double free detected in cache 't_dfree'");
	CHECK_STR_CONTAINS(out, "slab: invalid free in cache 't_dfree'");
	CHECK_STR_CONTAINS(out, "distinct=1 validate=0");
	free(out);
}

/* ---- bulk ------------------------------------------------------------------------------------- */

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

TEST(bulk_alloc_and_free)
{
	struct kmem_cache *s = kmem_cache_create("t_bulk", 48, 0, SLAB_NO_MERGE, NULL);
	enum { N = 500 };
	void *p[N], *sorted[N];

	REQUIRE(s);
	REQUIRE(kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO, N, p) == N);
	memcpy(sorted, p, sizeof(p));
	qsort(sorted, N, sizeof(void *), cmp_ptr);
	for (int i = 1; i < N; i++)
		CHECK(sorted[i] != sorted[i - 1]);
	for (int i = 0; i < N; i++)
		CHECK_EQ(((unsigned char *)p[i])[47], 0);
	CHECK_EQ(info_of(s).active_objs >= N, 1);
	kmem_cache_free_bulk(s, N, p);
	CHECK_EQ(kmm_slab_validate("t_bulk"), 0);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	CHECK_EQ(info_of(s).active_objs, 0);
	kmem_cache_destroy(s);
}

/* ---- stress ---------------------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_OPS     200000
#define RING	       256

static struct {
	pthread_mutex_t lock;
	void *slot[RING];
	unsigned int size[RING];
} ring = { PTHREAD_MUTEX_INITIALIZER };
static struct kmem_cache *stress_cache;

static void fill(void *p, unsigned int n, unsigned int seed)
{
	for (unsigned int i = 0; i < n; i++)
		((unsigned char *)p)[i] = (unsigned char)(seed + i);
}

static bool intact(const void *p, unsigned int n, unsigned int seed)
{
	for (unsigned int i = 0; i < n; i++)
		if (((const unsigned char *)p)[i] != (unsigned char)(seed + i))
			return false;
	return true;
}

static void *stress_thread(void *arg)
{
	unsigned int rnd = (unsigned int)(uintptr_t)arg * 2654435761u + 1, bad = 0;
	void *mine[64] = { 0 };
	unsigned int mine_size[64] = { 0 };

	for (int op = 0; op < STRESS_OPS; op++) {
		unsigned int k, r;

		rnd = rnd * 1103515245u + 12345u;
		r = rnd >> 8;
		k = r % 64;
		if (mine[k]) {
			if (!intact(mine[k], mine_size[k], (unsigned int)(uintptr_t)mine[k]))
				bad++;
			/* half the objects go to another thread to free */
			if (r & 0x100) {
				unsigned int slot = (r >> 10) % RING;
				void *old;
				unsigned int old_size;

				pthread_mutex_lock(&ring.lock);
				old = ring.slot[slot];
				old_size = ring.size[slot];
				ring.slot[slot] = mine[k];
				ring.size[slot] = mine_size[k];
				pthread_mutex_unlock(&ring.lock);
				if (old) {
					if (!intact(old, old_size, (unsigned int)(uintptr_t)old))
						bad++;
					kfree(old);
				}
			} else {
				kfree(mine[k]);
			}
			mine[k] = NULL;
		} else {
			unsigned int size = (r & 0x200) ? 40 : 1 + (r >> 12) % 3000;

			mine[k] = (r & 0x200) ? kmem_cache_alloc(stress_cache, GFP_KERNEL) :
						kmalloc(size, GFP_KERNEL);
			if (!mine[k]) {
				bad++;
				continue;
			}
			mine_size[k] = size;
			fill(mine[k], size, (unsigned int)(uintptr_t)mine[k]);
		}
	}
	for (int k = 0; k < 64; k++)
		kfree(mine[k]);
	return (void *)(uintptr_t)bad;
}

TEST(multi_threaded_stress_with_cross_thread_frees)
{
	pthread_t t[STRESS_THREADS];
	uintptr_t bad = 0;

	stress_cache = kmem_cache_create("t_stress", 40, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(stress_cache);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_create(&t[i], NULL, stress_thread, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < STRESS_THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		bad += (uintptr_t)ret;
	}
	CHECK_EQ(bad, 0);
	for (int i = 0; i < RING; i++) {
		if (ring.slot[i]) {
			CHECK(intact(ring.slot[i], ring.size[i],
				     (unsigned int)(uintptr_t)ring.slot[i]));
			kfree(ring.slot[i]);
			ring.slot[i] = NULL;
		}
	}
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	CHECK_EQ(kmem_cache_shrink(stress_cache), 0);
	CHECK_EQ(info_of(stress_cache).active_objs, 0);
	kmem_cache_destroy(stress_cache);
}

int main(void)
{
	return kmm_test_main();
}
