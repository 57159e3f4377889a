/* kmm-test: labels=unit env=KMM_RAM=1G,KMM_NR_CPUS=2 backends=all */
/*
 * test_slab_api.c - the slab layer's front end through the public API, checked against
 * what the kernel's mm/slab_common.c and mm/slub.c do, and run for each back-end
 * (backends=all): where SLAB (6.7's mm/slab.c) or SLOB (6.3's mm/slob.c) behaved
 * otherwise, the test asserts what that back-end did (branches on `backend`):
 *  - kmem_cache_create in every form (classic, struct kmem_cache_args, NULL args,
 *    KMEM_CACHE, kmem_cache_create_usercopy) and the input it refuses, with the
 *    kernel's "failed with error -22" message, and SLAB_PANIC turning a refusal into a
 *    panic;
 *  - the creation flags: HWCACHE_ALIGN's alignment (halved for small objects), DMA and
 *    DMA32 placement, RECLAIM_ACCOUNT in meminfo's SReclaimable;
 *  - merging: a compatible cache request returns the SAME struct kmem_cache (refcount
 *    and "aliases" go up), never with a ctor, SLAB_NO_MERGE, a usercopy region or a
 *    different SLAB_MERGE_SAME flag, and the attributes answer to the alias's name;
 *  - objects: alloc/free/zalloc/alloc_node, bulk calls, shrink, destroy (empty, with live
 *    objects, NULL), freeing to the wrong cache;
 *  - constructors: run once per object when its slab is created, never on reuse;
 *  - slabinfo: the kernel's header and row layout, newest cache first, counts.
 * Every cache a test creates has a size (stride) of its own, or SLAB_NO_MERGE, so that
 * no test's cache merges into another's; each test destroys what it created.
 * Reports that are expected (WARN, refusals, panics) are produced in child processes
 * and read back from their output.
 */
#include "kmm_test.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <kmm.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "slab.h"

/* ---- helpers --------------------------------------------------------------------------- */

/* A per-cache attribute as a number; ~0UL (and a failed check) if it cannot be read. */
static unsigned long attr_ul(const char *cache, const char *attr)
{
	char buf[256];
	int n = kmm_slab_attr(cache, attr, buf, sizeof(buf));

	if (n < 0) {
		fprintf(stderr, "%s: kmm_slab_attr(%s, %s) = %d\n", kmm_current_test, cache, attr,
			n);
		kmm_failures++;
		return ~0UL;
	}
	return strtoul(buf, NULL, 10);
}

/* One row of /proc/slabinfo. */
struct slabinfo_row {
	char name[128];
	unsigned long active_objs, num_objs;
	unsigned int objsize, objperslab;
	int pagesperslab;
	unsigned int limit, batchcount, sharedfactor;
	unsigned long active_slabs, num_slabs, sharedavail;
};

/* Parse one row with the kernel's layout; true if it parsed and prints back the same. */
static bool parse_slabinfo_row(const char *line, struct slabinfo_row *r)
{
	char again[512];

	if (sscanf(line, "%127s %lu %lu %u %u %d : tunables %u %u %u : slabdata %lu %lu %lu",
		   r->name, &r->active_objs, &r->num_objs, &r->objsize, &r->objperslab,
		   &r->pagesperslab, &r->limit, &r->batchcount, &r->sharedfactor, &r->active_slabs,
		   &r->num_slabs, &r->sharedavail) != 12)
		return false;
	/* mm/slab_common.c cache_show() */
	snprintf(again, sizeof(again),
		 "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu",
		 r->name, r->active_objs, r->num_objs, r->objsize, r->objperslab, r->pagesperslab,
		 r->limit, r->batchcount, r->sharedfactor, r->active_slabs, r->num_slabs,
		 r->sharedavail);
	return strcmp(line, again) == 0;
}

/* The slabinfo row of @cache; false if the cache is not listed. */
static bool slabinfo_of(const char *cache, struct slabinfo_row *r)
{
	char *buf = NULL, *line, *save = NULL;
	bool found = false;

	CAPTURE(buf, kmm_report(out, "slabinfo"));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (parse_slabinfo_row(line, r) && !strcmp(r->name, cache)) {
			found = true;
			break;
		}
	}
	free(buf);
	return found;
}

enum backend { SLUB, SLAB, SLOB };
static enum backend backend;

/* The cache a slab object belongs to, found from its page as kfree() does. */
static struct kmem_cache *cache_of(const void *obj)
{
	struct slab *slab = virt_to_slab(obj);

	return slab ? slab->slab_cache : NULL;
}

/*
 * What cache_of() must say for an object of @s: @s, except on SLOB, whose objects
 * below a page are blocks of heap pages that kmalloc and every cache share
 * (mm/slob.c slob_alloc_node()): no cache identity, slab_cache NULL.
 */
static struct kmem_cache *page_cache(struct kmem_cache *s)
{
	return backend == SLOB && s->size < PAGE_SIZE ? NULL : s;
}

/* SLOB's heap unit and the footer of a SLAB_TYPESAFE_BY_RCU object (mm/slob.c). */
#define SLOB_UNIT	    2
#define SLOB_RCU_FOOTER	    24 /* struct slob_rcu: rcu_head and int size, padded */
#define SLOB_SIZE(obj_size) (((obj_size) + SLOB_UNIT - 1) / SLOB_UNIT * SLOB_UNIT)

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- kmem_cache_create in all its forms ------------------------------------------------ */

TEST(create_classic_form)
{
	/* 44 bytes, 16-aligned: a stride of 48 */
	struct kmem_cache *s = kmem_cache_create("kmm_classic", 44, 16, 0, NULL);
	void *objs[64];

	REQUIRE(s != NULL);
	CHECK_STR_CONTAINS(kmem_cache_name(s), "kmm_classic");
	CHECK_EQ(kmem_cache_size(s), 44);
	CHECK_EQ(attr_ul("kmm_classic", "object_size"), 44);
	CHECK_EQ(attr_ul("kmm_classic", "align"), 16);
	/* SLUB and SLAB round the stride up to the alignment; SLOB's size is the object's */
	CHECK_EQ(attr_ul("kmm_classic", "slab_size"), backend == SLOB ? 44 : 48);
	for (int i = 0; i < 64; i++) {
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(objs[i] != NULL);
		CHECK_EQ((uintptr_t)objs[i] % 16, 0);
		CHECK(cache_of(objs[i]) == page_cache(s));
		memset(objs[i], i, 44);
	}
	for (int i = 0; i < 64; i++) {
		for (int b = 0; b < 44; b++)
			if (((unsigned char *)objs[i])[b] != i) {
				CHECK(!"object content changed");
				break;
			}
		kmem_cache_free(s, objs[i]);
	}
	kmem_cache_destroy(s);
}

static atomic_int args_ctor_calls;

void kmm_test_args_ctor(void *obj)
{
	memset(obj, 0xc3, 52);
	args_ctor_calls++;
}

TEST(create_args_form)
{
	struct kmem_cache_args args = { .align = 32, .ctor = kmm_test_args_ctor };
	struct kmem_cache *s = kmem_cache_create("kmm_args", 52, &args, SLAB_ACCOUNT);
	unsigned char *p;

	REQUIRE(s != NULL);
	CHECK(!strcmp(kmem_cache_name(s), "kmm_args"));
	CHECK_EQ(kmem_cache_size(s), 52);
	CHECK_EQ(attr_ul("kmm_args", "align"), 32);
	CHECK(s->flags & SLAB_ACCOUNT);
	CHECK(s->ctor == kmm_test_args_ctor);
	CHECK_EQ(args_ctor_calls, 0); /* no slab yet, no constructor call */
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ((uintptr_t)p % 32, 0);
	CHECK(args_ctor_calls > 0);
	CHECK_EQ(p[0], 0xc3);
	CHECK_EQ(p[51], 0xc3);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

TEST(create_args_form_with_null_args)
{
	/* NULL: the defaults, as the kernel's _Generic picks __kmem_cache_default_args */
	struct kmem_cache *s = kmem_cache_create("kmm_args_null", 60, NULL, 0);
	void *p;

	REQUIRE(s != NULL);
	CHECK(!strcmp(kmem_cache_name(s), "kmm_args_null"));
	CHECK_EQ(kmem_cache_size(s), 60);
	CHECK_EQ(attr_ul("kmm_args_null", "align"), 8);
	CHECK_EQ(attr_ul("kmm_args_null", "slab_size"), backend == SLOB ? 60 : 64);
	CHECK(s->ctor == NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ((uintptr_t)p % 8, 0);
	memset(p, 0xff, 60);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

struct kmm_test_foo {
	long a;
	char b[64];
} __attribute__((aligned(16)));

TEST(create_with_KMEM_CACHE)
{
	struct kmem_cache *s = KMEM_CACHE(kmm_test_foo, 0);
	struct kmm_test_foo *f;

	_Static_assert(sizeof(struct kmm_test_foo) == 80, "an 80-byte stride of its own");
	REQUIRE(s != NULL);
	/* the struct's name and size, its alignment */
	CHECK(!strcmp(kmem_cache_name(s), "kmm_test_foo"));
	CHECK_EQ(kmem_cache_size(s), sizeof(struct kmm_test_foo));
	CHECK_EQ(attr_ul("kmm_test_foo", "align"), __alignof__(struct kmm_test_foo));
	for (int i = 0; i < 20; i++) {
		f = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(f != NULL);
		CHECK_EQ((uintptr_t)f % __alignof__(struct kmm_test_foo), 0);
		f->a = i;
		kmem_cache_free(s, f);
	}
	kmem_cache_destroy(s);
}

TEST(create_usercopy)
{
	struct kmem_cache *s = kmem_cache_create_usercopy("kmm_usercopy", 136, 0, 0, 8, 32, NULL);
	struct kmem_cache *t;
	void *p;

	REQUIRE(s != NULL);
	CHECK(!strcmp(kmem_cache_name(s), "kmm_usercopy"));
	CHECK_EQ(s->useroffset, 8);
	CHECK_EQ(s->usersize, 32);
	CHECK_EQ(kmem_cache_size(s), 136);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	kmem_cache_free(s, p);
	/* a cache with a usercopy region is never merged, in either direction */
	t = kmem_cache_create("kmm_usercopy_twin", 136, 0, 0, NULL);
	REQUIRE(t != NULL);
	CHECK(t != s);
	CHECK_EQ(attr_ul("kmm_usercopy", "aliases"), 0);
	kmem_cache_destroy(t);
	kmem_cache_destroy(s);
}

/*
 * The kernel fails closed on a bad usercopy region: WARN_ON(), then the cache is created
 * with usersize = useroffset = 0 (mm/slab_common.c __kmem_cache_create_args()).
 */
static void usersize_beyond_size(void *arg)
{
	struct kmem_cache *s =
		kmem_cache_create_usercopy("kmm_bad_usersize", 144, 0, 0, 16, 200, NULL);

	printf("created=%d\n", s != NULL);
	if (s)
		printf("usersize=%u useroffset=%u\n", s->usersize, s->useroffset);
}

TEST(usersize_beyond_size_warns_and_fails_closed)
{
	int status;
	char *out = kmm_run_child(usersize_beyond_size, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "WARNING");
	CHECK_STR_CONTAINS(out, "created=1");
	CHECK_STR_CONTAINS(out, "usersize=0 useroffset=0");
	free(out);
}

/* Requests the front end must refuse; each one in a child, which prints the result. */
enum bad_request {
	BAD_SIZE_ZERO,
	BAD_SIZE_TOO_BIG,
	BAD_ALIGN_NOT_POWER_OF_TWO,
	BAD_FREEPTR_WITHOUT_RCU,
	BAD_FREEPTR_BEYOND_OBJECT,
	BAD_FREEPTR_UNALIGNED,
	BAD_NAME_NULL,
	BAD_UNKNOWN_FLAG,
	NR_BAD_REQUESTS
};

static const char *const bad_request_names[] = {
	"size 0",
	"size > KMALLOC_MAX_SIZE",
	"align 24",
	"freeptr_offset without SLAB_TYPESAFE_BY_RCU",
	"freeptr_offset >= size",
	"freeptr_offset not word-aligned",
	"NULL name",
	"flag bit the kernel does not permit",
};

static struct kmem_cache *make_bad_request(enum bad_request which, slab_flags_t extra)
{
	volatile unsigned int too_big = KMALLOC_MAX_SIZE + 1;
	struct kmem_cache_args args = { .use_freeptr_offset = true };

	switch (which) {
	case BAD_SIZE_ZERO:
		return kmem_cache_create("kmm_bad", 0, 0, extra, NULL);
	case BAD_SIZE_TOO_BIG:
		return kmem_cache_create("kmm_bad", too_big, 0, extra, NULL);
	case BAD_ALIGN_NOT_POWER_OF_TWO:
		return kmem_cache_create("kmm_bad", 64, 24, extra, NULL);
	case BAD_FREEPTR_WITHOUT_RCU:
		args.freeptr_offset = 8;
		return kmem_cache_create("kmm_bad", 64, &args, extra);
	case BAD_FREEPTR_BEYOND_OBJECT:
		args.freeptr_offset = 64;
		return kmem_cache_create("kmm_bad", 64, &args, SLAB_TYPESAFE_BY_RCU | extra);
	case BAD_FREEPTR_UNALIGNED:
		args.freeptr_offset = 4;
		return kmem_cache_create("kmm_bad", 64, &args, SLAB_TYPESAFE_BY_RCU | extra);
	case BAD_NAME_NULL:
		return kmem_cache_create(NULL, 64, 0, extra, NULL);
	case BAD_UNKNOWN_FLAG:
		return kmem_cache_create("kmm_bad", 64, 0, (slab_flags_t)(1U << 30) | extra, NULL);
	default:
		return NULL;
	}
}

static void bad_request_child(void *arg)
{
	struct kmem_cache *s = make_bad_request((enum bad_request)(uintptr_t)arg, 0);

	printf("result=%s\n", s ? "cache" : "NULL");
}

TEST(invalid_requests_return_NULL_with_a_message)
{
	for (int i = 0; i < NR_BAD_REQUESTS; i++) {
		int status;
		char *out = kmm_run_child(bad_request_child, (void *)(uintptr_t)i, &status);

		if (!strstr(out, "result=NULL") || !strstr(out, "failed with error -22"))
			fprintf(stderr, "%s: bad request %s was not refused\n", kmm_current_test,
				bad_request_names[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CHECK_STR_CONTAINS(out, "result=NULL");
		/* pr_warn("%s(%s) failed with error %d\n", __func__, name, err); dump_stack() */
		CHECK_STR_CONTAINS(out, "failed with error -22");
		free(out);
	}
}

static void panic_request_child(void *arg)
{
	make_bad_request((enum bad_request)(uintptr_t)arg, SLAB_PANIC);
	printf("survived\n");
}

TEST(SLAB_PANIC_turns_a_refusal_into_a_panic)
{
	static const enum bad_request cases[] = { BAD_SIZE_ZERO, BAD_ALIGN_NOT_POWER_OF_TWO,
						  BAD_FREEPTR_WITHOUT_RCU };

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status;
		char *out =
			kmm_run_child(panic_request_child, (void *)(uintptr_t)cases[i], &status);

		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
		CHECK(!strstr(out, "survived"));
		CHECK_STR_CONTAINS(out, "Failed to create slab 'kmm_bad'. Error -22");
		free(out);
	}
}

TEST(freeptr_offset_with_SLAB_TYPESAFE_BY_RCU_is_accepted)
{
	struct kmem_cache_args args = { .use_freeptr_offset = true, .freeptr_offset = 16 };
	struct kmem_cache *s =
		kmem_cache_create("kmm_rcu_freeptr", 88, &args, SLAB_TYPESAFE_BY_RCU);
	void *p;

	REQUIRE(s != NULL);
	CHECK(s->flags & SLAB_TYPESAFE_BY_RCU);
	if (backend == SLUB) {
		/* the free pointer goes where the creator said: no extra word after the object */
		CHECK_EQ(s->offset, 16);
		CHECK_EQ(attr_ul("kmm_rcu_freeptr", "slab_size"), 88);
	} else if (backend == SLAB) {
		/* SLAB keeps no free pointer in an object: its freelist is an index array */
		CHECK_EQ(attr_ul("kmm_rcu_freeptr", "slab_size"), 88);
	} else {
		/* SLOB's __kmem_cache_create() adds its struct slob_rcu footer */
		CHECK_EQ(attr_ul("kmm_rcu_freeptr", "slab_size"), SLOB_SIZE(88 + SLOB_RCU_FOOTER));
	}
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

/* ---- flags ----------------------------------------------------------------------------- */

TEST(SLAB_HWCACHE_ALIGN_aligns_to_a_cache_line_or_a_fraction_of_it)
{
	/* calculate_alignment(): 64, halved while the object fits in half of it */
	static const struct {
		const char *name;
		unsigned int size, align;
	} cases[] = {
		{ "kmm_hw_8", 8, 8 },	   { "kmm_hw_12", 12, 16 },   { "kmm_hw_16", 16, 16 },
		{ "kmm_hw_20", 20, 32 },   { "kmm_hw_32", 32, 32 },   { "kmm_hw_33", 33, 64 },
		{ "kmm_hw_100", 100, 64 }, { "kmm_hw_300", 300, 64 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmem_cache *s = kmem_cache_create(cases[i].name, cases[i].size, 0,
							 SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE, NULL);
		void *objs[40];

		REQUIRE(s != NULL);
		CHECK_EQ(attr_ul(cases[i].name, "align"), cases[i].align);
		CHECK_EQ(attr_ul(cases[i].name, "hwcache_align"), 1);
		for (int j = 0; j < 40; j++) {
			objs[j] = kmem_cache_alloc(s, GFP_KERNEL);
			REQUIRE(objs[j] != NULL);
			if ((uintptr_t)objs[j] % cases[i].align) {
				fprintf(stderr, "%s: %s object %p not %u-aligned\n",
					kmm_current_test, cases[i].name, objs[j], cases[i].align);
				kmm_failures++;
			}
		}
		for (int j = 0; j < 40; j++)
			kmem_cache_free(s, objs[j]);
		kmem_cache_destroy(s);
	}
	/* a larger requested alignment wins over the cache line */
	struct kmem_cache *s =
		kmem_cache_create("kmm_hw_big", 100, 256, SLAB_HWCACHE_ALIGN | SLAB_NO_MERGE, NULL);
	REQUIRE(s != NULL);
	CHECK_EQ(attr_ul("kmm_hw_big", "align"), 256);
	kmem_cache_destroy(s);
}

TEST(SLAB_CACHE_DMA_objects_live_below_16M_and_DMA32_below_4G)
{
	struct kmem_cache *dma = kmem_cache_create("kmm_dma", 200, 0, SLAB_CACHE_DMA, NULL);
	struct kmem_cache *dma32 = kmem_cache_create("kmm_dma32", 200, 0, SLAB_CACHE_DMA32, NULL);
	void *a[100], *b[100];

	REQUIRE(dma != NULL && dma32 != NULL);
	/* SLAB_CACHE_DMA and SLAB_CACHE_DMA32 must agree for a merge (SLAB_MERGE_SAME) */
	CHECK(dma != dma32);
	CHECK_EQ(attr_ul("kmm_dma", "cache_dma"), 1);
	CHECK_EQ(attr_ul("kmm_dma32", "cache_dma"), 0);
	for (int i = 0; i < 100; i++) {
		a[i] = kmem_cache_alloc(dma, GFP_KERNEL);
		b[i] = kmem_cache_alloc(dma32, GFP_KERNEL);
		REQUIRE(a[i] && b[i]);
		CHECK(__pa(a[i]) < (16UL << 20));
		CHECK_EQ(page_zonenum(virt_to_page(a[i])), ZONE_DMA);
		CHECK(__pa(b[i]) < (4UL << 30));
		CHECK_EQ(page_zonenum(virt_to_page(b[i])), ZONE_DMA32);
	}
	for (int i = 0; i < 100; i++) {
		kmem_cache_free(dma, a[i]);
		kmem_cache_free(dma32, b[i]);
	}
	kmem_cache_destroy(dma);
	kmem_cache_destroy(dma32);
}

TEST(SLAB_RECLAIM_ACCOUNT_counts_in_SReclaimable_others_in_SUnreclaim)
{
	enum { N = 4000, SIZE = 256 };
	const unsigned long kb = (unsigned long)N * SIZE / 1024; /* 1000 kB of objects */
	struct kmem_cache *rcl =
		kmem_cache_create("kmm_rcl", SIZE, 0, SLAB_RECLAIM_ACCOUNT | SLAB_NO_MERGE, NULL);
	struct kmem_cache *unr = kmem_cache_create("kmm_unrcl", SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *objs[N];
	unsigned long r0, u0, r1, u1, r2, u2;

	REQUIRE(rcl != NULL && unr != NULL);
	CHECK_EQ(attr_ul("kmm_rcl", "reclaim_account"), 1);
	CHECK_EQ(attr_ul("kmm_unrcl", "reclaim_account"), 0);

	r0 = meminfo_kb("SReclaimable");
	u0 = meminfo_kb("SUnreclaim");
	for (int i = 0; i < N; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(rcl, GFP_KERNEL)) != NULL);
	r1 = meminfo_kb("SReclaimable");
	u1 = meminfo_kb("SUnreclaim");
	if (backend == SLOB) {
		/* SLOB counts every page it takes as unreclaimable (slob_new_pages()) */
		CHECK(u1 >= u0 + kb);
		CHECK(u1 <= u0 + 2 * kb);
		CHECK(r1 < r0 + kb / 8);
	} else {
		CHECK(r1 >= r0 + kb);
		CHECK(r1 <= r0 + 2 * kb);
		CHECK(u1 < u0 + kb / 8);
	}
	for (int i = 0; i < N; i++)
		kmem_cache_free(rcl, objs[i]);
	CHECK_EQ(kmem_cache_shrink(rcl), 0);
	CHECK_EQ(meminfo_kb("SReclaimable"), r0);
	if (backend == SLOB)
		u1 = meminfo_kb("SUnreclaim");

	for (int i = 0; i < N; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(unr, GFP_KERNEL)) != NULL);
	r2 = meminfo_kb("SReclaimable");
	u2 = meminfo_kb("SUnreclaim");
	CHECK(u2 >= u1 + kb);
	CHECK(u2 <= u1 + 2 * kb);
	CHECK(r2 < r0 + kb / 8);
	/* Slab is the sum of both */
	CHECK_EQ(meminfo_kb("Slab"), meminfo_kb("SReclaimable") + meminfo_kb("SUnreclaim"));
	for (int i = 0; i < N; i++)
		kmem_cache_free(unr, objs[i]);
	kmem_cache_destroy(unr);
	kmem_cache_destroy(rcl);
}

/* ---- merging ----------------------------------------------------------------------------- */

void kmm_test_merge_ctor(void *obj)
{
	memset(obj, 0, 100);
}

TEST(compatible_caches_merge_into_the_same_kmem_cache)
{
	/* 100 bytes: a stride of 104, which no other test uses */
	struct kmem_cache *a = kmem_cache_create("kmm_merge_a", 100, 0, 0, NULL);
	struct kmem_cache *b = kmem_cache_create("kmm_merge_b", 100, 0, 0, NULL);
	/* 97 rounds up to 104 too: fits, wastes less than a word */
	struct kmem_cache *c = kmem_cache_create("kmm_merge_c", 97, 8, 0, NULL);
	/* 96: 8 bytes less than the stride, a word wasted: its own cache */
	struct kmem_cache *d = kmem_cache_create("kmm_merge_d", 96, 0, 0, NULL);
	char buf[128];
	void *p;

	REQUIRE(a && b && c && d);
	if (backend == SLOB) {
		/* SLOB never merged: mm/slab.h's __kmem_cache_alias() returned NULL for it */
		struct slabinfo_row r;

		CHECK(b != a && c != a && c != b && d != a);
		CHECK_EQ(a->refcount, 1);
		CHECK_EQ(attr_ul("kmm_merge_a", "aliases"), 0);
		CHECK_EQ(attr_ul("kmm_merge_c", "object_size"), 97);
		CHECK(!strcmp(kmem_cache_name(b), "kmm_merge_b"));
		CHECK(slabinfo_of("kmm_merge_b", &r));
		kmem_cache_destroy(a);
		kmem_cache_destroy(b);
		kmem_cache_destroy(c);
		kmem_cache_destroy(d);
		return;
	}
	/* the kernel's __kmem_cache_alias() hands back the existing cache itself */
	CHECK(b == a);
	CHECK(c == a);
	CHECK(d != a);
	CHECK_EQ(a->refcount, 3);
	CHECK_EQ(attr_ul("kmm_merge_a", "aliases"), 2);
	/* the attributes answer to an alias's name, with the target's values */
	CHECK_EQ(attr_ul("kmm_merge_b", "aliases"), 2);
	CHECK_EQ(attr_ul("kmm_merge_c", "object_size"), 100);
	CHECK_EQ(attr_ul("kmm_merge_c", "slab_size"), attr_ul("kmm_merge_a", "slab_size"));
	CHECK(kmm_slab_attr("kmm_merge_b", "order", buf, sizeof(buf)) > 0);
	CHECK_EQ(attr_ul("kmm_merge_d", "aliases"), 0);
	/* the merged cache's name and size are the first creator's */
	CHECK(!strcmp(kmem_cache_name(b), "kmm_merge_a"));
	CHECK_EQ(kmem_cache_size(c), 100);
	/* slabinfo lists the cache once, under its own name */
	struct slabinfo_row row;
	CHECK(slabinfo_of("kmm_merge_a", &row));
	CHECK(!slabinfo_of("kmm_merge_b", &row));

	p = kmem_cache_alloc(b, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(cache_of(p) == a);
	kmem_cache_free(c, p);

	/* destroying an alias drops a reference; the cache lives on */
	kmem_cache_destroy(b);
	CHECK_EQ(attr_ul("kmm_merge_a", "aliases"), 1);
	kmem_cache_destroy(c);
	CHECK_EQ(attr_ul("kmm_merge_a", "aliases"), 0);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	CHECK(p != NULL);
	kmem_cache_free(a, p);
	kmem_cache_destroy(a);
	CHECK_EQ(kmm_slab_attr("kmm_merge_a", "aliases", buf, sizeof(buf)), -2);
	kmem_cache_destroy(d);
}

TEST(merging_follows_the_kernels_rules)
{
	struct kmem_cache *base = kmem_cache_create("kmm_rules", 112, 0, 0, NULL);
	struct kmem_cache *s;

	REQUIRE(base != NULL);
	/* a constructor: never merged */
	s = kmem_cache_create("kmm_rules_ctor", 112, 0, 0, kmm_test_merge_ctor);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	/* SLAB_NO_MERGE (and the other SLAB_NEVER_MERGE flags) */
	s = kmem_cache_create("kmm_rules_nomerge", 112, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	s = kmem_cache_create("kmm_rules_rcu", 112, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	/* a usercopy region */
	s = kmem_cache_create_usercopy("kmm_rules_user", 112, 0, 0, 0, 16, NULL);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	/* SLAB_RECLAIM_ACCOUNT must agree; two reclaimable caches merge with each other */
	struct kmem_cache *r1 =
		kmem_cache_create("kmm_rules_rcl1", 112, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	struct kmem_cache *r2 =
		kmem_cache_create("kmm_rules_rcl2", 112, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	REQUIRE(r1 && r2);
	CHECK(r1 != base);
	CHECK(backend == SLOB ? r2 != r1 : r2 == r1); /* SLOB never merged */
	CHECK_EQ(attr_ul("kmm_rules_rcl2", "reclaim_account"), 1);
	kmem_cache_destroy(r2);
	kmem_cache_destroy(r1);
	/* SLAB_ACCOUNT too (SLAB_MERGE_SAME) */
	s = kmem_cache_create("kmm_rules_account", 112, 0, SLAB_ACCOUNT, NULL);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	/* the target must keep the requested alignment: 112 is not 64-aligned */
	s = kmem_cache_create("kmm_rules_align", 112, 64, 0, NULL);
	REQUIRE(s != NULL);
	CHECK(s != base);
	kmem_cache_destroy(s);
	/* a plain compatible request does merge (SLOB: never) */
	s = kmem_cache_create("kmm_rules_same", 110, 0, 0, NULL);
	CHECK(backend == SLOB ? s != base : s == base);
	kmem_cache_destroy(s);
	kmem_cache_destroy(base);
}

TEST(HWCACHE_ALIGN_cache_takes_a_plain_request_of_its_stride)
{
	/* 150 bytes with SLAB_HWCACHE_ALIGN: aligned to 64, a stride of 192 */
	struct kmem_cache *hw = kmem_cache_create("kmm_merge_hw", 150, 0, SLAB_HWCACHE_ALIGN, NULL);
	struct kmem_cache *fits, *wastes;

	REQUIRE(hw != NULL);
	if (backend == SLOB) {
		/* SLOB: the object's own size, aligned only where it is placed; no merging */
		CHECK_EQ(attr_ul("kmm_merge_hw", "slab_size"), 150);
		CHECK_EQ(attr_ul("kmm_merge_hw", "align"), 64);
		fits = kmem_cache_create("kmm_merge_hw_fits", 188, 0, 0, NULL);
		REQUIRE(fits != NULL);
		CHECK(fits != hw);
		CHECK_EQ(kmem_cache_size(hw), 150);
		kmem_cache_destroy(fits);
		kmem_cache_destroy(hw);
		return;
	}
	CHECK_EQ(attr_ul("kmm_merge_hw", "slab_size"), 192);
	/* HWCACHE_ALIGN is not a SLAB_MERGE_SAME flag: 188 -> 192 merges */
	fits = kmem_cache_create("kmm_merge_hw_fits", 188, 0, 0, NULL);
	/* 184 would waste a word of the 192 */
	wastes = kmem_cache_create("kmm_merge_hw_wastes", 184, 0, 0, NULL);
	REQUIRE(fits && wastes);
	CHECK(fits == hw);
	CHECK(wastes != hw);
	CHECK_EQ(kmem_cache_size(hw), 188); /* object_size grows to the largest merged request */
	kmem_cache_destroy(wastes);
	kmem_cache_destroy(fits);
	kmem_cache_destroy(hw);
}

/* ---- objects ------------------------------------------------------------------------------ */

TEST(alloc_free_zalloc_and_alloc_node)
{
	struct kmem_cache *s = kmem_cache_create("kmm_objects", 72, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p, *q;

	REQUIRE(s != NULL);
	CHECK_EQ(kmem_cache_size(s), 72);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(kmem_valid_obj(p));
	memset(p, 0xee, 72);
	kmem_cache_free(s, p);
	/* zalloc: the same (LIFO) object comes back, zeroed */
	q = kmem_cache_zalloc(s, GFP_KERNEL);
	REQUIRE(q != NULL);
	CHECK(q == p);
	for (int i = 0; i < 72; i++)
		if (q[i]) {
			CHECK(!"kmem_cache_zalloc object not zeroed");
			break;
		}
	kmem_cache_free(s, q);
	/* node 0 and NUMA_NO_NODE */
	p = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
	q = kmem_cache_alloc_node(s, GFP_KERNEL, NUMA_NO_NODE);
	REQUIRE(p && q);
	CHECK(p != q);
	CHECK_EQ(page_to_nid(virt_to_page(p)), 0);
	CHECK_EQ(page_to_nid(virt_to_page(q)), 0);
	CHECK(cache_of(p) == page_cache(s) && cache_of(q) == page_cache(s));
	kmem_cache_free(s, p);
	kmem_cache_free(s, q);
	/* kmem_cache_free(s, NULL) is a no-op */
	kmem_cache_free(s, NULL);
	/*
	 * kfree() takes kmem_cache objects too (the cache comes from the page); SLOB's
	 * kfree() took kmalloc blocks only, reading their size prefix (mm/slob.c kfree())
	 */
	p = kmem_cache_alloc(s, GFP_ATOMIC);
	REQUIRE(p != NULL);
	if (backend == SLOB)
		kmem_cache_free(s, p);
	else
		kfree(p);
	CHECK_EQ(kmm_slab_validate("kmm_objects"), 0);
	kmem_cache_destroy(s);
}

TEST(kmem_cache_shrink_returns_empty_slabs_to_the_page_allocator)
{
	enum { N = 400, SIZE = 512 };
	struct kmem_cache *s = kmem_cache_create("kmm_shrink", SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *objs[N];
	struct kmm_page_stats before, full, after;

	REQUIRE(s != NULL);
	/* an empty cache shrinks to nothing */
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmm_page_stats(&before);
	for (int i = 0; i < N; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	kmm_page_stats(&full);
	CHECK(full.allocated >= before.allocated + N * SIZE / PAGE_SIZE);
	/* slabs with live objects stay: nonzero */
	CHECK(kmem_cache_shrink(s) != 0);
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, objs[i]);
	/* all free: every slab goes back, per-CPU ones included; 0 says so */
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmm_page_stats(&after);
	CHECK(after.allocated <= before.allocated);
	CHECK(after.allocated + N * SIZE / PAGE_SIZE <= full.allocated);
	CHECK_EQ(attr_ul("kmm_shrink", "slabs"), 0);
	kmem_cache_destroy(s);
}

TEST(destroying_an_empty_cache_removes_it)
{
	struct kmem_cache *s = kmem_cache_create("kmm_destroy_me", 232, 0, SLAB_NO_MERGE, NULL);
	struct slabinfo_row row;
	char buf[64];
	void *objs[50];

	REQUIRE(s != NULL);
	for (int i = 0; i < 50; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	for (int i = 0; i < 50; i++)
		kmem_cache_free(s, objs[i]);
	CHECK(slabinfo_of("kmm_destroy_me", &row));
	kmem_cache_destroy(s);
	CHECK(!slabinfo_of("kmm_destroy_me", &row));
	CHECK_EQ(kmm_slab_attr("kmm_destroy_me", "object_size", buf, sizeof(buf)), -2);
	/* the name is free again */
	s = kmem_cache_create("kmm_destroy_me", 232, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s != NULL);
	CHECK(slabinfo_of("kmm_destroy_me", &row));
	kmem_cache_destroy(s);
	/* NULL: nothing to do */
	kmem_cache_destroy(NULL);
}

static void destroy_quietly(void *arg)
{
	for (int round = 0; round < 3; round++) {
		struct kmem_cache *s =
			kmem_cache_create("kmm_destroy_quiet", 248, 0, SLAB_NO_MERGE, NULL);
		void *p;

		CHILD_REQUIRE(s);
		p = kmem_cache_alloc(s, GFP_KERNEL);
		kmem_cache_free(s, p);
		kmem_cache_destroy(s);
	}
	kmem_cache_destroy(NULL);
	printf("done\n");
}

TEST(destroying_an_empty_cache_reports_nothing)
{
	int status;
	char *out = kmm_run_child(destroy_quietly, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strcmp(out, "done\n"));
	if (strcmp(out, "done\n"))
		fprintf(stderr, "child output:\n%s\n", out);
	free(out);
}

/* Not static: the report names its caller by symbol. */
void kmm_test_destroy_busy(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("kmm_busy", 264, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;
	struct slabinfo_row row;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p && q);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
	/* the kernel leaves such a cache in place, listed: its objects may still be in use */
	printf("listed=%d\n", slabinfo_of("kmm_busy", &row));
	memset(p, 0x11, 264);
	kmem_cache_free(s, p);
	printf("survived\n");
}

TEST(destroying_a_cache_with_live_objects_is_reported)
{
	int status;
	char *out = kmm_run_child(kmm_test_destroy_busy, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* WARN(err, "%s %s: Slab cache still has objects when called from %pS", ...) */
	CHECK_STR_CONTAINS(out, "kmem_cache_destroy kmm_busy: Slab cache still has objects");
	CHECK_STR_CONTAINS(out, "when called from kmm_test_destroy_busy");
	/*
	 * SLUB's own report of what is left (slab_err() in __kmem_cache_shutdown), and kmm's
	 * SLOB's; SLAB's __kmem_cache_shutdown() only answered nonzero (__kmem_cache_shrink)
	 */
	if (backend == SLAB)
		CHECK(!strstr(out, "Objects remaining"));
	else
		CHECK_STR_CONTAINS(out, "Objects remaining");
	CHECK_STR_CONTAINS(out, "listed=1");
	CHECK_STR_CONTAINS(out, "survived");
	free(out);
}

static void free_to_wrong_cache(void *arg)
{
	struct kmem_cache *a = kmem_cache_create("kmm_wrong_a", 280, 0, SLAB_NO_MERGE, NULL);
	struct kmem_cache *b = kmem_cache_create("kmm_wrong_b", 280, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;

	CHILD_REQUIRE(a && b);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(b, p);
	/* it went back to a: the next allocation from a hands it out again */
	q = kmem_cache_alloc(a, GFP_KERNEL);
	printf("same=%d validate=%d\n", q == p, kmm_slab_validate(NULL));
	kmem_cache_free(a, q);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	printf("done\n");
}

TEST(kmem_cache_free_to_the_wrong_cache_is_reported_and_frees_right)
{
	int status;
	char *out = kmm_run_child(free_to_wrong_cache, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (backend == SLOB) {
		/*
		 * SLOB's heap pages name no cache: it cannot tell (mm/slob.c kmem_cache_free()
		 * frees the block with the size of the cache it is given, here the same)
		 */
		CHECK(!strstr(out, "Wrong slab cache"));
		/* kmm's per-cache object counts go wrong with it (validate: -1 in use) */
		CHECK_STR_CONTAINS(out, "same=1 validate=");
		CHECK_STR_CONTAINS(out, "done");
		free(out);
		return;
	}
	/* mm/slab.h cache_from_obj() */
	CHECK_STR_CONTAINS(out, "cache_from_obj: Wrong slab cache. kmm_wrong_b but object is from "
				"kmm_wrong_a");
	CHECK_STR_CONTAINS(out, "same=1 validate=0");
	CHECK(!strstr(out, "still has objects"));
	CHECK_STR_CONTAINS(out, "done");
	free(out);
}

TEST(bulk_alloc_and_free_of_1000_objects)
{
	enum { N = 1000, SIZE = 56 };
	struct kmem_cache *s = kmem_cache_create("kmm_bulk", SIZE, 0, SLAB_NO_MERGE, NULL);
	static void *p[N], *sorted[N];
	struct kmm_page_stats before, after;

	REQUIRE(s != NULL);
	for (int round = 0; round < 3; round++) {
		/*
		 * After the first round: the per-CPU sheaves it made are kmalloc'd, and take a
		 * new kmalloc slab or not depending on what earlier tests left there.
		 */
		if (round == 1)
			kmm_page_stats(&before);
		REQUIRE(kmem_cache_alloc_bulk(s, GFP_KERNEL, N, p) == N);
		for (int i = 0; i < N; i++) {
			REQUIRE(p[i] != NULL);
			CHECK(cache_of(p[i]) == page_cache(s));
			CHECK_EQ((uintptr_t)p[i] % 8, 0);
			memset(p[i], (unsigned char)i, SIZE);
		}
		memcpy(sorted, p, sizeof(p));
		qsort(sorted, N, sizeof(sorted[0]), cmp_ptr);
		for (int i = 1; i < N; i++) {
			/* distinct, and not overlapping */
			if ((uintptr_t)sorted[i] < (uintptr_t)sorted[i - 1] + SIZE) {
				CHECK(!"bulk objects overlap");
				break;
			}
		}
		for (int i = 0; i < N; i++) {
			unsigned char *o = p[i];

			if (o[0] != (unsigned char)i || o[SIZE - 1] != (unsigned char)i) {
				CHECK(!"bulk object content changed");
				break;
			}
		}
		kmem_cache_free_bulk(s, N, p);
		CHECK_EQ(kmm_slab_validate("kmm_bulk"), 0);
	}
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmm_page_stats(&after);
	CHECK(after.allocated <= before.allocated);
	kmem_cache_destroy(s);
}

TEST(kfree_bulk_frees_objects_of_different_kmalloc_sizes)
{
	static const size_t sizes[] = { 8, 24, 96, 192, 500, 1024, 3000, 8192, 20000, 100000 };
	enum { NS = sizeof(sizes) / sizeof(sizes[0]), PER = 20 };
	void *p[NS * PER];
	struct kmm_page_stats mid, after;

	for (int i = 0; i < NS * PER; i++) {
		volatile size_t n = sizes[i % NS];

		p[i] = kmalloc(n, GFP_KERNEL);
		REQUIRE(p[i] != NULL);
		memset(p[i], 0x42, n);
	}
	kmm_page_stats(&mid);
	kfree_bulk(NS * PER, p);
	kmm_page_stats(&after);
	/*
	 * the large ones (20000: order 3, 100000: order 5) went back to the page allocator,
	 * on SLAB too (its classes end at kmalloc-8k since 6.1, d6a71648dbc0); on SLOB 8192
	 * too (order 1: __do_kmalloc_node() above PAGE_SIZE - minalign)
	 */
	if (backend != SLOB)
		CHECK(mid.allocated - after.allocated >= PER * (8 + 32));
	else
		CHECK(mid.allocated - after.allocated >= PER * (2 + 8 + 32));
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	/*
	 * the slab ones are free again: each class hands one of them out soon - next on SLAB
	 * (LIFO array cache), once the sheaf's objects run out on SLUB (kfree_bulk frees to
	 * the slabs, which refill the sheaves). SLOB has no classes and no LIFO: its freed
	 * blocks merge, and pages left empty go back at once (slob_free()).
	 */
	for (int k = 0; k < NS && backend != SLOB; k++) {
		volatile size_t n = sizes[k];
		size_t class = kmalloc_size_roundup(n);
		void *q[256];
		int tries = backend == SLAB ? 1 : 256, got;
		bool reused = false;

		if (n > KMALLOC_MAX_CACHE_SIZE)
			continue;
		for (got = 0; got < tries && !reused; got++) {
			q[got] = kmalloc(n, GFP_KERNEL);
			/* SLAB: 8 and 24 share kmalloc-32, whose last freed object is a 24-byte one */
			for (int i = 0; i < NS * PER; i++)
				reused |= q[got] == p[i] &&
					  kmalloc_size_roundup(sizes[i % NS]) == class;
		}
		if (!reused)
			fprintf(stderr, "%s: kmalloc(%zu) after kfree_bulk is not a freed object\n",
				kmm_current_test, (size_t)n);
		CHECK(reused);
		while (got--)
			kfree(q[got]);
	}
}

/* ---- constructors -------------------------------------------------------------------------- */

#define CTOR_SIZE 120
static atomic_int ctor_calls;

void kmm_test_pattern_ctor(void *obj)
{
	memset(obj, 0x5a, CTOR_SIZE);
	ctor_calls++;
}

/*
 * SLOB: "SLAB is emulated on top of SLOB by simply calling constructors ... for every
 * SLAB allocation" (mm/slob.c slob_alloc_node()); no free pointer, the stride is the
 * object's size.
 */
static void ctor_on_every_allocation(struct kmem_cache *s, unsigned long n)
{
	unsigned char *p, *q;
	void **objs;

	CHECK_EQ(attr_ul("kmm_ctor", "slab_size"), CTOR_SIZE);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ctor_calls, 1);
	CHECK_EQ(p[0], 0x5a);
	CHECK_EQ(p[CTOR_SIZE - 1], 0x5a);
	memset(p, 0x77, CTOR_SIZE);
	kmem_cache_free(s, p);
	/* first fit hands the block out again, constructed again */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(q == p);
	CHECK_EQ(ctor_calls, 2);
	for (int i = 0; i < CTOR_SIZE; i++)
		if (q[i] != 0x5a) {
			CHECK(!"a reused SLOB object was not constructed");
			break;
		}
	objs = calloc(n, sizeof(void *));
	REQUIRE(objs != NULL);
	for (int round = 1; round <= 2; round++) {
		for (unsigned long i = 0; i < n; i++)
			REQUIRE((objs[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
		CHECK_EQ(ctor_calls, 2 + round * n);
		for (unsigned long i = 0; i < n; i++)
			kmem_cache_free(s, objs[i]);
	}
	kmem_cache_free(s, q);
	free(objs);
}

TEST(ctor_runs_once_per_object_when_its_slab_is_created)
{
	struct kmem_cache *s =
		kmem_cache_create("kmm_ctor", CTOR_SIZE, 0, 0, kmm_test_pattern_ctor);
	unsigned long per_slab;
	unsigned char *p, *q;
	char buf[256];
	void **objs;

	REQUIRE(s != NULL);
	ctor_calls = 0;
	per_slab = attr_ul("kmm_ctor", "objs_per_slab");
	REQUIRE(per_slab > 1 && per_slab < 10000);
	CHECK(kmm_slab_attr("kmm_ctor", "ctor", buf, sizeof(buf)) > 0);
	CHECK_STR_CONTAINS(buf, "kmm_test_pattern_ctor");
	CHECK_EQ(ctor_calls, 0);
	if (backend == SLOB) {
		ctor_on_every_allocation(s, per_slab);
		kmem_cache_destroy(s);
		return;
	}

	/*
	 * The first object brings a slab: every object of it is constructed, once (SLUB's
	 * sheaf refill may bring a second one: whole slabs either way).
	 */
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	long first = ctor_calls;
	CHECK(first > 0);
	CHECK_EQ(first % (long)per_slab, 0);
	CHECK_EQ(first, (long)attr_ul("kmm_ctor", "total_objects"));
	CHECK_EQ(p[0], 0x5a);
	CHECK_EQ(p[CTOR_SIZE - 1], 0x5a);

	/* reuse: no constructor call, and the object is as it was freed (free pointer outside) */
	memset(p, 0x77, CTOR_SIZE);
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(q == p);
	CHECK_EQ(ctor_calls, first);
	for (int i = 0; i < CTOR_SIZE; i++)
		if (q[i] != 0x77) {
			fprintf(stderr, "%s: byte %d of a reused object is %#x\n", kmm_current_test,
				i, q[i]);
			kmm_failures++;
			break;
		}
	if (backend == SLUB) {
		/* the free pointer lives after the object: the stride has an extra word */
		CHECK(attr_ul("kmm_ctor", "slab_size") >= CTOR_SIZE + sizeof(void *));
		CHECK(s->offset >= CTOR_SIZE);
	} else {
		/* SLAB: free objects are indices in the slab's freelist array, none inside */
		CHECK_EQ(attr_ul("kmm_ctor", "slab_size"), CTOR_SIZE);
	}

	/* as many again as exist: new slabs, whose objects are constructed, each once */
	unsigned long more = (unsigned long)first;

	objs = calloc(more, sizeof(void *));
	REQUIRE(objs != NULL);
	for (unsigned long i = 0; i < more; i++) {
		unsigned char *o = objs[i] = kmem_cache_alloc(s, GFP_KERNEL);

		REQUIRE(o != NULL);
		if (o[0] != 0x5a || o[CTOR_SIZE - 1] != 0x5a) {
			CHECK(!"a fresh object was not constructed");
			break;
		}
	}
	long filled = ctor_calls;
	CHECK(filled > first);
	CHECK_EQ(filled % (long)per_slab, 0);
	CHECK_EQ(filled, (long)attr_ul("kmm_ctor", "total_objects"));
	for (unsigned long i = 0; i < more; i++)
		kmem_cache_free(s, objs[i]);
	kmem_cache_free(s, q);
	/* frees and re-allocations of the now-constructed objects call nothing */
	for (unsigned long i = 0; i < more; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(ctor_calls, filled);
	for (unsigned long i = 0; i < more; i++)
		kmem_cache_free(s, objs[i]);
	free(objs);
	kmem_cache_destroy(s);
}

TEST(rcu_typesafe_objects_keep_their_content_across_free_and_alloc)
{
	/* SLAB_TYPESAFE_BY_RCU without freeptr_offset: the free pointer goes after the object */
	struct kmem_cache *s = kmem_cache_create("kmm_rcu", 120, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	unsigned char *p, *q;

	/*
	 * SLOB keeps a struct slob_rcu footer after the object and, freeing the block, writes
	 * its two-unit free-block header over the first bytes (set_slob() in slob_free());
	 * it frees the block after a grace period, and then first fit hands it out again
	 */
	unsigned int kept_from = backend == SLOB ? 2 * SLOB_UNIT : 0;

	REQUIRE(s != NULL);
	if (backend == SLUB)
		CHECK(s->offset >= 120);
	else if (backend == SLAB) /* no free pointer: the freelist is an index array */
		CHECK_EQ(attr_ul("kmm_rcu", "slab_size"), 120);
	else
		CHECK_EQ(attr_ul("kmm_rcu", "slab_size"), SLOB_SIZE(120 + SLOB_RCU_FOOTER));
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p != NULL);
	memset(p, 0x3c, 120);
	kmem_cache_free(s, p);
	if (backend == SLOB)
		rcu_barrier();
	q = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(q == p);
	for (unsigned int i = kept_from; i < 120; i++)
		if (q[i] != 0x3c) {
			CHECK(!"RCU-typesafe object changed while free");
			break;
		}
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

/* ---- slabinfo --------------------------------------------------------------------------------- */

TEST(slabinfo_has_the_kernels_header_and_row_layout)
{
	char *buf = NULL, *line, *save = NULL;
	int rows = 0, bad = 0, nr_line = 0;
	bool kmalloc64 = false, kmem_cache_row = false;

	CAPTURE(buf, CHECK_EQ(kmm_report(out, "slabinfo"), 0));
	REQUIRE(buf != NULL);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct slabinfo_row r;

		nr_line++;
		if (nr_line == 1) {
			CHECK(!strcmp(line, "slabinfo - version: 2.1"));
			continue;
		}
		if (nr_line == 2) {
			/* mm/slab_common.c print_slabinfo_header() */
			CHECK(!strcmp(line,
				      "# name            <active_objs> <num_objs> <objsize> "
				      "<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
				      "<sharedfactor> : slabdata <active_slabs> <num_slabs> "
				      "<sharedavail>"));
			continue;
		}
		rows++;
		if (!parse_slabinfo_row(line, &r)) {
			if (bad++ < 5)
				fprintf(stderr, "%s: row not in the kernel's layout: \"%s\"\n",
					kmm_current_test, line);
			continue;
		}
		CHECK(r.active_objs <= r.num_objs);
		CHECK(r.active_slabs <= r.num_slabs);
		CHECK(r.pagesperslab >= 1 && (r.pagesperslab & (r.pagesperslab - 1)) == 0);
		if (backend == SLOB) {
			/*
			 * SLOB had no slabinfo; kmm's model: every object active, slabs only
			 * for objects of a page or more (their own pages), no tunables
			 */
			CHECK_EQ(r.active_objs, r.num_objs);
			CHECK_EQ(r.num_slabs, r.objsize >= PAGE_SIZE ? r.num_objs : 0);
			CHECK_EQ(r.limit + r.batchcount + r.sharedfactor + r.sharedavail, 0);
		} else {
			CHECK_EQ(r.num_objs, (unsigned long)r.num_slabs * r.objperslab);
		}
		if (backend == SLAB) {
			/* enable_cpucache(): limit by size, batchcount half, shared 8 on SMP */
			unsigned int limit = r.objsize > 131072	   ? 1 :
					     r.objsize > PAGE_SIZE ? 8 :
					     r.objsize > 1024	   ? 24 :
					     r.objsize > 256	   ? 54 :
								     120;

			CHECK_EQ(r.limit, limit);
			CHECK_EQ(r.batchcount, (limit + 1) / 2);
			CHECK_EQ(r.sharedfactor, r.objsize <= PAGE_SIZE ? 8 : 0);
			CHECK(r.sharedavail <= (unsigned long)r.sharedfactor * r.batchcount);
		} else if (backend == SLUB) {
			/* SLUB has no tunables: all zero */
			CHECK_EQ(r.limit + r.batchcount + r.sharedfactor + r.sharedavail, 0);
		}
		if (!strcmp(r.name, "kmalloc-64")) {
			kmalloc64 = true;
			CHECK_EQ(r.objsize, 64);
		}
		kmem_cache_row |= !strcmp(r.name, "kmem_cache");
	}
	CHECK_EQ(bad, 0);
	if (backend == SLUB)
		CHECK(rows >= 4 * 13 + 1); /* 13 kmalloc sizes of 4 types, kmem_cache */
	else if (backend == SLAB)
		CHECK(rows >= 4 * 11 + 1); /* 32 .. 8k and 96, 192, of 4 types, kmem_cache */
	/* SLOB has no kmalloc caches */
	CHECK(kmalloc64 == (backend != SLOB));
	CHECK(kmem_cache_row);
	free(buf);
}

TEST(slabinfo_lists_every_kmalloc_cache)
{
	static const char *const types[] = { "kmalloc-", "kmalloc-rcl-", "dma-kmalloc-",
					     "kmalloc-cg-" };
	static const char *const sizes[] = { "8",   "16",  "32",   "64",   "96",   "128", "192",
					     "256", "512", "1k",   "2k",   "4k",   "8k",  "16k",
					     "32k", "64k", "128k", "256k", "512k", "1M",  "2M" };
	static const unsigned int bytes[] = {
		8,    16,   32,	   64,	  96,	 128,	 192,	 256,	 512,	  1024,	  2048,
		4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152
	};

	for (unsigned int t = 0; t < 4; t++) {
		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			/*
			 * SLUB: 8 .. 8k; SLAB: 32 .. 8k (KMALLOC_SHIFT_LOW 5, KMALLOC_SHIFT_HIGH
			 * PAGE_SHIFT + 1 since 6.1), its kmalloc-96 HWCACHE-aligned to a stride
			 * of 128 (ARCH_KMALLOC_FLAGS); SLOB: none. 16k .. 2M: none anywhere.
			 */
			bool listed = backend == SLUB ? bytes[i] <= 8192 :
				      backend == SLAB ? bytes[i] >= 32 && bytes[i] <= 8192 :
							false;
			unsigned int stride = backend == SLAB && bytes[i] == 96 ? 128 : bytes[i];
			struct slabinfo_row r;
			char name[64];

			snprintf(name, sizeof(name), "%s%s", types[t], sizes[i]);
			if (slabinfo_of(name, &r) != listed) {
				fprintf(stderr, "%s: %s %sin slabinfo\n", kmm_current_test, name,
					listed ? "not " : "");
				kmm_failures++;
				continue;
			}
			if (listed)
				CHECK_EQ(r.objsize, stride);
		}
	}
}

TEST(slabinfo_lists_a_new_cache_first_and_counts_its_objects)
{
	enum { N = 300, SIZE = 328 };
	struct kmem_cache *s = kmem_cache_create("kmm_slabinfo", SIZE, 0, SLAB_NO_MERGE, NULL);
	char *buf = NULL, first[128] = "";
	struct slabinfo_row r;
	static void *objs[N];

	REQUIRE(s != NULL);
	/* newest first: the first row after the two header lines */
	CAPTURE(buf, kmm_report(out, "slabinfo"));
	{
		const char *row = strchr(buf, '\n');

		row = row ? strchr(row + 1, '\n') : NULL;
		if (row)
			sscanf(row + 1, "%127s", first);
	}
	free(buf);
	CHECK(!strcmp(first, "kmm_slabinfo"));

	REQUIRE(slabinfo_of("kmm_slabinfo", &r));
	CHECK_EQ(r.active_objs, 0);
	CHECK_EQ(r.num_objs, 0);
	CHECK_EQ(r.objsize, attr_ul("kmm_slabinfo", "slab_size"));
	CHECK_EQ(r.objperslab, attr_ul("kmm_slabinfo", "objs_per_slab"));
	CHECK_EQ(r.pagesperslab, 1 << attr_ul("kmm_slabinfo", "order"));

	for (int i = 0; i < N; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	REQUIRE(slabinfo_of("kmm_slabinfo", &r));
	/*
	 * SLUB counts every object not free on a node's partial list as active, so the CPU
	 * slab's free objects count too: N <= active <= num, with less than a slab to spare.
	 */
	CHECK(r.active_objs >= N);
	CHECK(r.active_objs <= r.num_objs);
	/* and what a sheaf refill took beyond them (SLUB) */
	CHECK(r.num_objs <
	      N + r.objperslab + (backend == SLUB ? attr_ul("kmm_slabinfo", "sheaf_capacity") : 0));
	if (backend == SLOB) {
		/* kmm's SLOB model: objects in heap pages shared with everything, no slabs */
		CHECK_EQ(r.active_objs, N);
		CHECK_EQ(r.num_objs, N);
		CHECK_EQ(r.num_slabs, 0);
	} else {
		CHECK_EQ(r.num_slabs, (r.num_objs + r.objperslab - 1) / r.objperslab);
	}
	CHECK_EQ(attr_ul("kmm_slabinfo", "slabs"), r.num_slabs);

	for (int i = 0; i < N; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	REQUIRE(slabinfo_of("kmm_slabinfo", &r));
	CHECK_EQ(r.active_objs, 0);
	CHECK_EQ(r.num_objs, 0);
	CHECK_EQ(r.num_slabs, 0);
	kmem_cache_destroy(s);
}

int main(void)
{
	const char *name = kmm_slab_allocator();

	backend = !strcmp(name, "slab") ? SLAB : !strcmp(name, "slob") ? SLOB : SLUB;
	return kmm_test_main();
}
