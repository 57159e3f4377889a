/* kmm-test: labels=unit env=KMM_RAM=1G,KMM_NR_CPUS=2 backends=all */
/*
 * test_kmalloc.c - the kmalloc family through the public API, checked against the
 * kernel's include/linux/slab.h and mm/slab_common.c, and run for each back-end
 * (backends=all) with what that back-end's kernel did where they differ (the helpers
 * below: SLUB as mm/slub.c, SLAB as 6.7's mm/slab.c, SLOB as 6.3's mm/slob.c):
 *  - size classes: every size from 1 to 8192 lands in the back-end's class (SLUB: 8, 16,
 *    32, 64, 96, 128, 192, 256, 512, 1k .. 8k; SLAB: 32 .. 8k; SLOB: no classes, the
 *    size itself in a heap block), through the compile-time path (constant sizes) and
 *    the run-time one (volatile sizes) alike; power-of-two sizes aligned to their size;
 *  - kmalloc(0) and ZERO_SIZE_PTR; large kmalloc through the page allocator up to
 *    KMALLOC_MAX_SIZE, NULL beyond it (quietly with __GFP_NOWARN);
 *  - kmalloc types: GFP_DMA -> dma-kmalloc-*, __GFP_RECLAIMABLE -> kmalloc-rcl-*,
 *    __GFP_ACCOUNT -> kmalloc-cg-*;
 *  - kzalloc, kmalloc_array, kcalloc and their _node forms, overflow -> NULL; krealloc
 *    and krealloc_array in all their cases; kfree_sensitive; kmemdup, kmemdup_nul,
 *    kstrdup, kstrndup, kstrdup_const; kmalloc_size_roundup; kmalloc_track_caller;
 *    kmem_valid_obj and kmem_dump_obj;
 *  - bad frees (memory kmm never handed out, an interior pointer of a large kmalloc),
 *    reported without a crash;
 *  - four threads doing kmalloc/kfree with content checks, freeing each other's objects.
 * Reports that are expected are produced in child processes and read back.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <kmm.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "slab.h"

/* ---- helpers --------------------------------------------------------------------------- */

enum backend { SLUB, SLAB, SLOB };
static enum backend backend;

static void backend_init(void)
{
	const char *name = kmm_slab_allocator();

	backend = !strcmp(name, "slab") ? SLAB : !strcmp(name, "slob") ? SLOB : SLUB;
}

/*
 * The largest request served from a slab: 8 KiB for SLUB and SLAB (KMALLOC_SHIFT_HIGH =
 * PAGE_SHIFT + 1; SLAB's since 6.1, d6a71648dbc0 "mm/slab: kmalloc: pass requests larger
 * than order-1 page to page allocator"), and for SLOB anything below PAGE_SIZE - minalign
 * (mm/slob.c __do_kmalloc_node()).
 */
static size_t max_slab_kmalloc(void)
{
	if (backend == SLOB)
		return PAGE_SIZE - ARCH_KMALLOC_MINALIGN - 1;
	return KMALLOC_MAX_CACHE_SIZE;
}

/* Does kmalloc(@n) come from a slab page (else straight from the page allocator)? */
static bool slab_kmalloc(size_t n)
{
	return n && n <= max_slab_kmalloc();
}

/*
 * The back-end's kmalloc class for a request of @n bytes (slab_kmalloc(n)): SLUB's
 * smallest class is 8 bytes, SLAB's 32 (KMALLOC_SHIFT_LOW 5 in include/linux/slab.h
 * under CONFIG_SLAB), both with the 96 and 192 classes. SLOB has none: 0.
 */
static size_t kmalloc_class(size_t n)
{
	static const size_t small[] = { 8, 16, 32, 64, 96, 128, 192, 256 };
	size_t c = 512;

	if (backend == SLOB)
		return 0;
	if (backend == SLAB && n < 32)
		return 32;
	for (unsigned int i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		if (n <= small[i])
			return small[i];
	while (c < n)
		c <<= 1;
	return c;
}

/* SLOB's heap unit (mm/slob.c: slob_t is an s16 with 4 KiB pages). */
#define SLOB_UNIT 2

/*
 * ksize(kmalloc(@n)): the class's object size, or the whole compound page for a large
 * kmalloc; SLOB's __ksize() returns the size prefix rounded up to SLOB units.
 */
static size_t expect_ksize(size_t n)
{
	if (!slab_kmalloc(n))
		return PAGE_SIZE << get_order(n);
	if (backend == SLOB)
		return (n + SLOB_UNIT - 1) / SLOB_UNIT * SLOB_UNIT;
	return kmalloc_class(n);
}

/* "kmalloc-96", "kmalloc-rcl-1k", "dma-kmalloc-8k" ... */
static const char *kmalloc_name(char *buf, size_t len, const char *prefix, size_t class)
{
	if (class >= 1024)
		snprintf(buf, len, "%s%zuk", prefix, class / 1024);
	else
		snprintf(buf, len, "%s%zu", prefix, class);
	return buf;
}

#define SLOB_HEAP  "(SLOB heap page)"
#define NOT_A_SLAB "(not a slab page)"

/*
 * The name of the cache an object belongs to, from its page as kfree() finds it. SLOB's
 * heap pages are shared by kmalloc and every cache: their slab_cache is NULL.
 */
static const char *cache_name_of(const void *obj)
{
	struct slab *slab = virt_to_slab(obj);

	if (!slab)
		return NOT_A_SLAB;
	return slab->slab_cache ? slab->slab_cache->name : SLOB_HEAP;
}

/* The cache name kmalloc(@n, a @prefix type) must come from. */
static const char *expect_cache_name(char *buf, size_t len, const char *prefix, size_t n)
{
	if (!slab_kmalloc(n))
		return NOT_A_SLAB;
	if (backend == SLOB)
		return SLOB_HEAP;
	return kmalloc_name(buf, len, prefix, kmalloc_class(n));
}

static bool all_bytes(const void *p, size_t n, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return false;
	return true;
}

/* ---- the first call ----------------------------------------------------------------------- */

/*
 * "Initialisation: none required. The first call initialises with defaults." Each of
 * these runs as the first kmm call of a fresh copy of this program (re-executed, so that
 * nothing has initialised kmm before), and must work; FIRST_THREADS has four threads
 * make their first kmalloc at the same time.
 */
enum first_call {
	FIRST_KMALLOC,
	FIRST_KMALLOC_CONST,
	FIRST_KSTRDUP,
	FIRST_ROUNDUP,
	FIRST_THREADS,
	NR_FIRST_CALLS
};

static const char *const first_call_names[] = {
	"kmalloc(n)",
	"kmalloc(64)",
	"kstrdup",
	"kmalloc_size_roundup(n)",
	"four threads' kmalloc(n)",
};

static void *first_call_thread(void *arg)
{
	volatile size_t n = 100 + (uintptr_t)arg;
	void *p = kmalloc(n, GFP_KERNEL);

	if (!p)
		return NULL;
	memset(p, 1, n);
	kfree(p);
	return (void *)1; /* allocated */
}

/* The program's first kmm call (main() runs it when re-executed by the test below). */
static int first_call(enum first_call which)
{
	volatile size_t n = 100;
	pthread_t threads[4];
	void *p = NULL;

	switch (which) {
	case FIRST_KMALLOC:
		p = kmalloc(n, GFP_KERNEL);
		break;
	case FIRST_KMALLOC_CONST:
		p = kmalloc(64, GFP_KERNEL);
		break;
	case FIRST_KSTRDUP:
		p = kstrdup("first", GFP_KERNEL);
		break;
	case FIRST_ROUNDUP:
		printf("roundup=%zu\n", kmalloc_size_roundup(n));
		return 0;
	case FIRST_THREADS:
		for (uintptr_t i = 0; i < 4; i++)
			pthread_create(&threads[i], NULL, first_call_thread, (void *)i);
		p = (void *)1;
		for (int i = 0; i < 4; i++) {
			void *ret;

			pthread_join(threads[i], &ret);
			if (!ret)
				p = NULL;
		}
		break;
	default:
		break;
	}
	printf("%s\n", p ? "allocated" : "NULL");
	if (which != FIRST_THREADS)
		kfree(p);
	return 0;
}

static void reexec_first_call(void *arg)
{
	const char *tsan = getenv("TSAN_OPTIONS");
	char which[16], opts[512];

	snprintf(which, sizeof(which), "%d", (int)(uintptr_t)arg);
	setenv("KMM_TEST_FIRST_CALL", which, 1);
	/* a ThreadSanitizer build would otherwise sleep a second at exit */
	snprintf(opts, sizeof(opts), "%s%satexit_sleep_ms=0", tsan ? tsan : "", tsan ? ":" : "");
	setenv("TSAN_OPTIONS", opts, 1);
	execl("/proc/self/exe", "test_kmalloc", (char *)NULL);
	_exit(127);
}

TEST(any_kmalloc_call_may_be_the_first)
{
	char roundup[32];

	/* the child is this back-end too (KMM_SLAB is inherited) */
	snprintf(roundup, sizeof(roundup), "roundup=%zu", kmalloc_size_roundup(100));
	for (int i = 0; i < NR_FIRST_CALLS; i++) {
		int status;
		char *out = kmm_run_child(reexec_first_call, (void *)(uintptr_t)i, &status);
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			  (strstr(out, "allocated") || strstr(out, roundup));

		if (!ok) {
			fprintf(stderr, "%s: %s as the first call: %s\n", kmm_current_test,
				first_call_names[i],
				WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : out);
			kmm_failures++;
		}
		free(out);
	}
}

/* ---- size classes ----------------------------------------------------------------------- */

/* One kmalloc'd object of @n bytes: its class, its cache, alignment; then freed. */
static void check_kmalloc_object(void *p, size_t n, const char *how)
{
	char buf[64];
	size_t want = expect_ksize(n);
	const char *name = expect_cache_name(buf, sizeof(buf), "kmalloc-", n);

	if (!p) {
		fprintf(stderr, "%s: %s(%zu) returned NULL\n", kmm_current_test, how, n);
		kmm_failures++;
		return;
	}
	if (ksize(p) != want || strcmp(cache_name_of(p), name) ||
	    (uintptr_t)p % ARCH_KMALLOC_MINALIGN) {
		fprintf(stderr, "%s: %s(%zu): ksize %zu cache %s at %p; want %zu in %s\n",
			kmm_current_test, how, n, ksize(p), cache_name_of(p), p, want, name);
		kmm_failures++;
	}
	memset(p, 0xab, n);
	kfree(p);
}

TEST(every_runtime_size_lands_in_the_kernels_class)
{
	for (size_t i = 1; i <= KMALLOC_MAX_CACHE_SIZE; i++) {
		volatile size_t n = i;

		check_kmalloc_object(kmalloc(n, GFP_KERNEL), n, "kmalloc");
	}
	/* the examples the kernel's comments give */
	volatile size_t n65 = 65, n129 = 129;
	void *a = kmalloc(n65, GFP_KERNEL), *b = kmalloc(n129, GFP_KERNEL);

	CHECK_EQ(ksize(a), backend == SLOB ? 66 : 96);
	CHECK_EQ(ksize(b), backend == SLOB ? 130 : 192);
	kfree(a);
	kfree(b);
}

#define CONST_SIZES(X)                                                                             \
	X(1)                                                                                       \
	X(2)                                                                                       \
	X(7)                                                                                       \
	X(8)                                                                                       \
	X(9)                                                                                       \
	X(15)                                                                                      \
	X(16)                                                                                      \
	X(17)                                                                                      \
	X(24)                                                                                      \
	X(31)                                                                                      \
	X(32)                                                                                      \
	X(33)                                                                                      \
	X(40)                                                                                      \
	X(63) X(64) X(65) X(72) X(95) X(96) X(97) X(120) X(127) X(128) X(129) X(160) X(191) X(192) \
		X(193) X(200) X(255) X(256) X(257) X(384) X(511) X(512) X(513) X(1000) X(1023)     \
			X(1024) X(1025) X(2047) X(2048) X(2049) X(3000) X(4095) X(4096) X(4097)    \
				X(6000) X(8191) X(8192)

TEST(every_constant_size_lands_in_the_kernels_class)
{
	/* constant sizes take the header's compile-time path (when the compiler folds them) */
#define ONE_CONST(n) check_kmalloc_object(kmalloc(n, GFP_KERNEL), n, "kmalloc");
	CONST_SIZES(ONE_CONST)
#undef ONE_CONST
#define ONE_CONST(n) check_kmalloc_object(kmalloc_node(n, GFP_KERNEL, 0), n, "kmalloc_node");
	CONST_SIZES(ONE_CONST)
#undef ONE_CONST
#define ONE_CONST(n) check_kmalloc_object(kzalloc(n, GFP_KERNEL), n, "kzalloc");
	CONST_SIZES(ONE_CONST)
#undef ONE_CONST
	/* kzalloc's constant path zeroes too */
	unsigned char *p = kmalloc(200, GFP_KERNEL);
	REQUIRE(p != NULL);
	memset(p, 0xff, 200);
	kfree(p);
	p = kzalloc(200, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(all_bytes(p, 200, 0));
	kfree(p);
}

TEST(header_and_front_end_pick_the_same_cache)
{
	/* kmalloc_index() (constant path, header) and kmalloc_slab() (run time, front end) */
	int bad = 0;

	for (size_t n = 1; n <= KMALLOC_MAX_CACHE_SIZE; n++) {
		for (int gfp = 0; gfp < 4; gfp++) {
			static const gfp_t flags[] = { GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE,
						       GFP_KERNEL | GFP_DMA, GFP_KERNEL_ACCOUNT };
			struct kmem_cache *hdr =
				kmalloc_caches[kmalloc_type(flags[gfp])][kmalloc_index(n)];
			/*
			 * SLOB: no kmalloc caches at all (mm/slob.c __do_kmalloc_node()); the
			 * header's table holds the placeholder that owns nothing (no slot)
			 */
			bool ok = backend == SLOB ?
					  hdr && !hdr->cpu_index && !kmalloc_slab(n, flags[gfp]) :
					  hdr && hdr == kmalloc_slab(n, flags[gfp]) &&
						  hdr->object_size == kmalloc_class(n);

			if (!ok) {
				if (bad++ < 5)
					fprintf(stderr,
						"%s: size %zu type %d: header %s, front end %s\n",
						kmm_current_test, n, gfp, hdr ? hdr->name : "NULL",
						kmalloc_slab(n, flags[gfp]) ?
							kmalloc_slab(n, flags[gfp])->name :
							"NULL");
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmalloc_index(96), 1);
	CHECK_EQ(kmalloc_index(192), 2);
	CHECK_EQ(kmalloc_index(8), 3);
	CHECK_EQ(kmalloc_index(8192), 13);
	CHECK_EQ(KMALLOC_MAX_CACHE_SIZE, 8192);
	if (backend != SLOB)
		CHECK(!strcmp(kmalloc_slab(8192, GFP_KERNEL)->name, "kmalloc-8k"));
	/*
	 * nothing above kmalloc-8k, SLAB included: its KMALLOC_SHIFT_HIGH is PAGE_SHIFT + 1
	 * since 6.1 (d6a71648dbc0), so kmalloc-16k .. kmalloc-2M are gone
	 */
	for (int t = 0; t < NR_KMALLOC_TYPES; t++)
		for (unsigned int i = KMALLOC_SHIFT_HIGH + 1; i <= KMALLOC_SHIFT_MAX; i++)
			CHECK(kmalloc_caches[t][i] == NULL);
	CHECK(kmalloc_slab(8193, GFP_KERNEL) == NULL);
	CHECK(kmalloc_slab(2UL << 20, GFP_KERNEL) == NULL);
	char buf[32];
	CHECK_EQ(kmm_slab_attr("kmalloc-16k", "align", buf, sizeof(buf)), -2);
	CHECK_EQ(kmm_slab_attr("kmalloc-2M", "align", buf, sizeof(buf)), -2);
	CHECK_EQ(KMALLOC_MAX_SIZE, 4UL << 20);
}

TEST(power_of_two_sizes_are_aligned_to_their_size)
{
	for (size_t size = 8; size <= KMALLOC_MAX_CACHE_SIZE; size <<= 1) {
		void *objs[32];
		volatile size_t n = size;

		for (int i = 0; i < 32; i++) {
			objs[i] = kmalloc(n, GFP_KERNEL);
			REQUIRE(objs[i] != NULL);
			if ((uintptr_t)objs[i] % size) {
				fprintf(stderr, "%s: kmalloc(%zu) = %p\n", kmm_current_test, size,
					objs[i]);
				kmm_failures++;
			}
		}
		for (int i = 0; i < 32; i++)
			kfree(objs[i]);
	}
	/* constant sizes too */
	void *p64 = kmalloc(64, GFP_KERNEL), *p4k = kmalloc(4096, GFP_KERNEL);
	CHECK_EQ((uintptr_t)p64 % 64, 0);
	CHECK_EQ((uintptr_t)p4k % 4096, 0);
	kfree(p64);
	kfree(p4k);
	char buf[32];
	if (backend == SLOB) {
		/* no kmalloc caches: a block is only SLOB_MINALIGN-aligned unless a power of 2 */
		CHECK_EQ(kmm_slab_attr("kmalloc-96", "align", buf, sizeof(buf)), -2);
		return;
	}
	/*
	 * 96 and 192: SLUB aligns them to their largest power-of-two divisor
	 * (create_boot_cache); SLAB created its kmalloc caches with ARCH_KMALLOC_FLAGS,
	 * SLAB_HWCACHE_ALIGN (mm/slab.c kmem_cache_init()), so both are 64-aligned and
	 * kmalloc-96 has a stride of 128.
	 */
	unsigned int align96 = backend == SLAB ? 64 : 32;
	for (int i = 0; i < 16; i++) {
		volatile size_t n96 = 96, n192 = 192;
		void *a = kmalloc(n96, GFP_KERNEL), *b = kmalloc(n192, GFP_KERNEL);

		CHECK_EQ((uintptr_t)a % align96, 0);
		CHECK_EQ((uintptr_t)b % 64, 0);
		kfree(a);
		kfree(b);
	}
	CHECK(kmm_slab_attr("kmalloc-96", "align", buf, sizeof(buf)) > 0);
	CHECK_EQ(strtoul(buf, NULL, 10), align96);
	CHECK(kmm_slab_attr("kmalloc-4k", "align", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "4096\n"));
	if (backend == SLAB) {
		CHECK(kmm_slab_attr("kmalloc-96", "slab_size", buf, sizeof(buf)) > 0);
		CHECK(!strcmp(buf, "128\n"));
	}
}

TEST(kmalloc_of_zero_is_ZERO_SIZE_PTR)
{
	volatile size_t zero = 0;

	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kmalloc(zero, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kzalloc(zero, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kmalloc_node(zero, GFP_KERNEL, 0) == ZERO_SIZE_PTR);
	CHECK(kcalloc(zero, 8, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(ZERO_OR_NULL_PTR(ZERO_SIZE_PTR));
	CHECK(ZERO_OR_NULL_PTR(NULL));
	CHECK_EQ(ksize(ZERO_SIZE_PTR), 0);
	CHECK_EQ(ksize(NULL), 0);
	kfree(ZERO_SIZE_PTR);
	kfree(NULL);
	kfree_sensitive(NULL);
	kfree_sensitive(ZERO_SIZE_PTR);
	CHECK(!kmem_valid_obj(ZERO_SIZE_PTR));
	CHECK(!kmem_dump_obj(ZERO_SIZE_PTR));
}

/* ---- large kmalloc ---------------------------------------------------------------------- */

TEST(large_kmalloc_comes_from_the_page_allocator)
{
	static const size_t sizes[] = { 8193,	   12288,     16384,	       16385,	 65536,
					1UL << 20, 3UL << 20, (3UL << 20) + 1, 4UL << 20 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		volatile size_t n = sizes[i];
		unsigned int order = (unsigned int)get_order(sizes[i]);
		struct kmm_page_stats before, mid, after;
		unsigned char *p;

		kmm_page_stats(&before);
		p = kmalloc(n, GFP_KERNEL);
		REQUIRE(p != NULL);
		kmm_page_stats(&mid);
		CHECK_EQ(ksize(p), PAGE_SIZE << order);
		CHECK(PAGE_ALIGNED(p));
		memset(p, 0x6b, ksize(p));
		/* every back-end, SLAB too: above kmalloc-8k is the page allocator's */
		CHECK(!slab_kmalloc(n));
		CHECK(virt_to_slab(p) == NULL);
		CHECK(!kmem_valid_obj(p));
		CHECK(mid.allocated >= before.allocated + (1UL << order));
		kfree(p);
		kmm_page_stats(&after);
		CHECK(after.allocated + (1UL << order) <= mid.allocated);
	}
	/* the constant-size path */
	void *p = kmalloc(10000, GFP_KERNEL), *q = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL);
	REQUIRE(p && q);
	CHECK_EQ(ksize(p), 16384);
	CHECK_EQ(ksize(q), KMALLOC_MAX_SIZE);
	CHECK(PAGE_ALIGNED(p) && PAGE_ALIGNED(q));
	kfree(p);
	kfree(q);
	/* large kmalloc is counted as unreclaimable slab memory (SLOB: slob_new_pages()) */
	unsigned long u0 = meminfo_kb("SUnreclaim");
	volatile size_t mib = 1UL << 20;
	unsigned long mib_kb = (PAGE_SIZE << get_order(mib)) / 1024;
	p = kmalloc(mib, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(virt_to_slab(p) == NULL);
	CHECK_EQ(meminfo_kb("SUnreclaim"), u0 + mib_kb);
	kfree(p);
	CHECK_EQ(meminfo_kb("SUnreclaim"), u0);
	/* kmalloc_node and kzalloc of a large size */
	p = kzalloc_node(mib, GFP_KERNEL, 0);
	REQUIRE(p != NULL);
	CHECK(all_bytes(p, 1UL << 20, 0));
	CHECK_EQ(page_to_nid(virt_to_page(p)), 0);
	kfree(p);
}

static void too_large_quietly(void *arg)
{
	volatile size_t n = KMALLOC_MAX_SIZE + 1, huge = SIZE_MAX;
	void *a = kmalloc(n, GFP_KERNEL | __GFP_NOWARN);
	void *b = kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN);
	void *c = kmalloc(huge, GFP_KERNEL | __GFP_NOWARN);
	void *d = kmalloc_node(n, GFP_KERNEL | __GFP_NOWARN, 0);

	printf("%s %s %s %s\n", a ? "ptr" : "NULL", b ? "ptr" : "NULL", c ? "ptr" : "NULL",
	       d ? "ptr" : "NULL");
}

static void too_large_loudly(void *arg)
{
	volatile size_t n = KMALLOC_MAX_SIZE + 1;
	void *a = kmalloc(n, GFP_KERNEL);

	printf("result=%s\n", a ? "ptr" : "NULL");
}

TEST(beyond_KMALLOC_MAX_SIZE_is_NULL_quietly_with_NOWARN)
{
	int status;
	char *out = kmm_run_child(too_large_quietly, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strcmp(out, "NULL NULL NULL NULL\n"));
	if (strcmp(out, "NULL NULL NULL NULL\n"))
		fprintf(stderr, "child output:\n%s\n", out);
	free(out);

	out = kmm_run_child(too_large_loudly, NULL, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "result=NULL");
	CHECK_STR_CONTAINS(out, "WARNING");
	free(out);
}

/* ---- kmalloc types ------------------------------------------------------------------------ */

TEST(gfp_flags_pick_the_kmalloc_type)
{
	static const struct {
		gfp_t gfp;
		const char *prefix;
		enum kmalloc_cache_type type;
	} types[] = {
		{ GFP_KERNEL, "kmalloc-", KMALLOC_NORMAL },
		{ GFP_KERNEL | GFP_DMA, "dma-kmalloc-", KMALLOC_DMA },
		{ GFP_KERNEL | __GFP_RECLAIMABLE, "kmalloc-rcl-", KMALLOC_RECLAIM },
		{ GFP_KERNEL_ACCOUNT, "kmalloc-cg-", KMALLOC_CGROUP },
		/* DMA wins over the others, reclaimable over accounting */
		{ GFP_KERNEL | GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT, "dma-kmalloc-",
		  KMALLOC_DMA },
		{ GFP_KERNEL_ACCOUNT | __GFP_RECLAIMABLE, "kmalloc-rcl-", KMALLOC_RECLAIM },
		{ GFP_ATOMIC, "kmalloc-", KMALLOC_NORMAL },
	};
	static const size_t sizes[] = { 8, 64, 96, 192, 1000, 8192 };

	for (unsigned int t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		CHECK_EQ(kmalloc_type(types[t].gfp), types[t].type);
		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			volatile size_t n = sizes[i];
			char buf[64];
			void *p = kmalloc(n, types[t].gfp);
			const char *want = expect_cache_name(buf, sizeof(buf), types[t].prefix, n);

			REQUIRE(p != NULL);
			if (strcmp(cache_name_of(p), want)) {
				fprintf(stderr, "%s: kmalloc(%zu, %#x) from %s, want %s\n",
					kmm_current_test, sizes[i], types[t].gfp, cache_name_of(p),
					want);
				kmm_failures++;
			}
			if (types[t].type == KMALLOC_DMA)
				CHECK(__pa(p) < (16UL << 20));
			kfree(p);
		}
	}
	char buf[16];
	void *p = kmalloc(64, GFP_KERNEL | GFP_DMA);
	REQUIRE(p);
	CHECK(__pa(p) < (16UL << 20));
	if (backend == SLOB) {
		/* SLOB: one heap for every type; the GFP zone alone picks DMA pages */
		CHECK(!strcmp(cache_name_of(p), SLOB_HEAP));
		kfree(p);
		CHECK_EQ(kmm_slab_attr("kmalloc-rcl-64", "reclaim_account", buf, sizeof(buf)), -2);
		return;
	}
	/* the constant-size path picks the same caches */
	CHECK(!strcmp(cache_name_of(p), "dma-kmalloc-64"));
	kfree(p);
	p = kmalloc(96, GFP_KERNEL | __GFP_RECLAIMABLE);
	REQUIRE(p);
	CHECK(!strcmp(cache_name_of(p), "kmalloc-rcl-96"));
	kfree(p);
	p = kzalloc(192, GFP_KERNEL_ACCOUNT);
	REQUIRE(p);
	CHECK(!strcmp(cache_name_of(p), "kmalloc-cg-192"));
	kfree(p);
	/* kmalloc-rcl-* caches are SLAB_RECLAIM_ACCOUNT */
	CHECK(kmm_slab_attr("kmalloc-rcl-64", "reclaim_account", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "1\n"));
	CHECK(kmm_slab_attr("dma-kmalloc-64", "cache_dma", buf, sizeof(buf)) > 0);
	CHECK(!strcmp(buf, "1\n"));
}

static void dump_dma_object(void *arg)
{
	char *p = kmalloc(64, GFP_KERNEL | GFP_DMA);
	int local;

	CHILD_REQUIRE(p);
	printf("ret=%d\n", kmem_dump_obj(p + 8));
	fflush(stdout);
	printf("stack=%d\n", kmem_dump_obj(&local));
	kfree(p);
}

TEST(kmem_dump_obj_names_the_cache_and_the_offset)
{
	int status;
	char *out = kmm_run_child(dump_dma_object, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "ret=1");
	CHECK_STR_CONTAINS(out, "stack=0");
	if (backend == SLOB) {
		/*
		 * SLOB's __kmem_obj_info() knows the page only: no cache, no object start,
		 * so kmem_dump_obj() prints " slab" and nothing of the object
		 */
		CHECK_STR_CONTAINS(out, " slab");
		CHECK(!strstr(out, " start ") && !strstr(out, " pointer offset"));
		free(out);
		return;
	}
	/* " slab %s", " start %px", " pointer offset %lu", " size %u" */
	CHECK_STR_CONTAINS(out, " slab dma-kmalloc-64");
	CHECK_STR_CONTAINS(out, " start ");
	CHECK_STR_CONTAINS(out, " pointer offset 8");
	CHECK_STR_CONTAINS(out, " size 64");
	CHECK_STR_CONTAINS(out, "ret=1");
	CHECK_STR_CONTAINS(out, "stack=0");
	free(out);
}

/* ---- kzalloc, arrays ------------------------------------------------------------------------ */

TEST(kzalloc_returns_zeroed_memory)
{
	static const size_t sizes[] = { 1, 13, 64, 100, 200, 1000, 5000, 8192, 9000, 40000 };

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		volatile size_t n = sizes[i];
		void *p = kmalloc(n, GFP_KERNEL), *q;

		REQUIRE(p != NULL);
		memset(p, 0xff, n);
		kfree(p);
		q = kzalloc(n, GFP_KERNEL);
		REQUIRE(q != NULL);
		if (!all_bytes(q, n, 0)) {
			fprintf(stderr, "%s: kzalloc(%zu) not zeroed (%s)\n", kmm_current_test,
				sizes[i], q == p ? "same object" : "other object");
			kmm_failures++;
		}
		memset(q, 0xff, n);
		kfree(q);
		q = kzalloc_node(n, GFP_KERNEL, 0);
		REQUIRE(q != NULL);
		CHECK(all_bytes(q, n, 0));
		kfree(q);
	}
}

TEST(kmalloc_array_and_kcalloc)
{
	volatile size_t big = SIZE_MAX / 2 + 1, three = 3, n = 10, sz = 24;
	unsigned char *p;

	/* overflow: NULL, nothing allocated */
	CHECK(kmalloc_array(big, 2, GFP_KERNEL) == NULL);
	CHECK(kmalloc_array(three, big, GFP_KERNEL) == NULL);
	CHECK(kcalloc(big, three, GFP_KERNEL) == NULL);
	CHECK(kmalloc_array_node(big, 2, GFP_KERNEL, 0) == NULL);
	CHECK(kcalloc_node(three, big, GFP_KERNEL, NUMA_NO_NODE) == NULL);

	p = kmalloc_array(n, sz, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ksize(p), expect_ksize(240));
	memset(p, 0xff, 240);
	kfree(p);
	p = kcalloc(n, sz, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ksize(p), expect_ksize(240));
	CHECK(all_bytes(p, 240, 0));
	kfree(p);
	p = kmalloc_array_node(n, sz, GFP_KERNEL, 0);
	REQUIRE(p != NULL);
	CHECK_EQ(page_to_nid(virt_to_page(p)), 0);
	memset(p, 0xff, 240);
	kfree(p);
	p = kcalloc_node(n, sz, GFP_KERNEL, NUMA_NO_NODE);
	REQUIRE(p != NULL);
	CHECK(all_bytes(p, 240, 0));
	kfree(p);
	/* into the large range: 1000 * 100 bytes */
	p = kcalloc(1000, 100, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ksize(p), PAGE_SIZE << get_order(100000));
	CHECK(all_bytes(p, 100000, 0));
	kfree(p);
}

/* ---- krealloc --------------------------------------------------------------------------------- */

TEST(krealloc_in_all_its_cases)
{
	volatile size_t n40 = 40, n200 = 200, n100 = 100, n256 = 256, n1000 = 1000;
	unsigned char *p, *q, *r;

	/* NULL and ZERO_SIZE_PTR: a new allocation */
	p = krealloc(NULL, n40, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ(ksize(p), expect_ksize(40));
	kfree(p);
	p = krealloc(ZERO_SIZE_PTR, n40, GFP_KERNEL);
	REQUIRE(p != NULL && p != ZERO_SIZE_PTR);
	CHECK_EQ(ksize(p), expect_ksize(40));
	kfree(p);

	/* shrinking, or growing within ksize(): the same object */
	p = kmalloc(n200, GFP_KERNEL);
	REQUIRE(p != NULL);
	for (int i = 0; i < 200; i++)
		p[i] = (unsigned char)i;
	q = krealloc(p, n100, GFP_KERNEL);
	CHECK(q == p);
	/* up to ksize(): 256 in SLUB's and SLAB's kmalloc-256, 200 for SLOB's block */
	n256 = ksize(p);
	CHECK_EQ(n256, expect_ksize(200));
	q = krealloc(q, n256, GFP_KERNEL);
	CHECK(q == p);
	for (int i = 0; i < 100; i++)
		if (q[i] != (unsigned char)i) {
			CHECK(!"krealloc in place changed the content");
			break;
		}
	/* growing beyond ksize(): a new object with the content, the old one freed */
	r = krealloc(q, n1000, GFP_KERNEL);
	REQUIRE(r != NULL);
	CHECK(r != p);
	CHECK_EQ(ksize(r), expect_ksize(1000));
	for (int i = 0; i < 200; i++)
		if (r[i] != (unsigned char)i) {
			CHECK(!"krealloc lost the content");
			break;
		}
	/*
	 * the old object is free again: SLUB's freelist and SLAB's array cache are LIFO and
	 * hand it out; SLOB's first fit finds its block, the first that fits in its page
	 */
	q = kmalloc(n200, GFP_KERNEL);
	CHECK(q == p);
	kfree(q);

	/* with __GFP_ZERO, the spare part of an object kept in place is zeroed */
	size_t ks = ksize(r);
	memset(r, 0xee, ks);
	q = krealloc(r, n100, GFP_KERNEL | __GFP_ZERO);
	CHECK(q == r);
	CHECK(all_bytes(q, 100, 0xee));
	CHECK(all_bytes(q + 100, ks - 100, 0));

	/* size 0: freed, ZERO_SIZE_PTR */
	r = krealloc(q, 0, GFP_KERNEL);
	CHECK(r == ZERO_SIZE_PTR);
	p = kmalloc(n1000, GFP_KERNEL);
	/* LIFO reuse; SLOB's first fit may find an earlier block of its medium list */
	if (backend != SLOB)
		CHECK(p == q);
	kfree(p);
	CHECK(krealloc(NULL, 0, GFP_KERNEL) == ZERO_SIZE_PTR);

	/* large objects: kept while the size fits, even when shrinking; moved to grow */
	volatile size_t n10000 = 10000, n16000 = 16000, n40000 = 40000;
	p = kmalloc(n10000, GFP_KERNEL);
	REQUIRE(p != NULL);
	for (int i = 0; i < 10000; i++)
		p[i] = (unsigned char)(i * 7);
	q = krealloc(p, n16000, GFP_KERNEL);
	CHECK(q == p);
	q = krealloc(q, n100, GFP_KERNEL);
	CHECK(q == p);
	r = krealloc(q, n40000, GFP_KERNEL);
	REQUIRE(r != NULL);
	CHECK(r != p);
	CHECK_EQ(ksize(r), expect_ksize(40000));
	for (int i = 0; i < 10000; i++)
		if (r[i] != (unsigned char)(i * 7)) {
			CHECK(!"krealloc of a large object lost the content");
			break;
		}
	/* a slab object grown into the large range */
	p = kmalloc(n100, GFP_KERNEL);
	REQUIRE(p != NULL);
	memset(p, 0x12, 100);
	q = krealloc(p, n40000, GFP_KERNEL);
	REQUIRE(q != NULL);
	CHECK(!slab_kmalloc(40000) && virt_to_slab(q) == NULL);
	CHECK(all_bytes(q, 100, 0x12));
	kfree(q);

	/* a failed krealloc leaves the object alone */
	volatile size_t too_big = KMALLOC_MAX_SIZE + 1;
	q = krealloc(r, too_big, GFP_KERNEL | __GFP_NOWARN);
	CHECK(q == NULL);
	CHECK_EQ(ksize(r), expect_ksize(40000));
	CHECK(r[9999] == (unsigned char)(9999 * 7));
	kfree(r);
}

TEST(krealloc_array_checks_for_overflow)
{
	volatile size_t big = SIZE_MAX / 4 + 1, n = 10, sz = 30;
	unsigned char *p = kmalloc_array(n, sz, GFP_KERNEL), *q;

	REQUIRE(p != NULL);
	memset(p, 0x31, 300);
	CHECK(krealloc_array(p, big, 8, GFP_KERNEL) == NULL);
	CHECK(krealloc_array(p, 8, big, GFP_KERNEL) == NULL);
	/* the object is untouched and still ours */
	CHECK(all_bytes(p, 300, 0x31));
	q = krealloc_array(p, 2 * n, sz, GFP_KERNEL);
	REQUIRE(q != NULL);
	CHECK_EQ(ksize(q), expect_ksize(600));
	CHECK(all_bytes(q, 300, 0x31));
	kfree(q);
}

/* ---- kfree_sensitive ------------------------------------------------------------------------- */

#define SENSITIVE_SIZE 64

void kmm_test_sensitive_ctor(void *obj)
{
	memset(obj, 0x99, SENSITIVE_SIZE);
}

TEST(kfree_sensitive_zeroes_the_object_before_freeing_it)
{
	/*
	 * The memory is free afterwards, so look at it as the next owner: the same object
	 * comes back from the CPU freelist or array cache (LIFO), or SLOB's first fit. In a
	 * kmalloc cache SLUB keeps its free pointer in the middle of a free object; in a
	 * constructor cache, after it. SLAB keeps none in an object on its array cache;
	 * SLOB's free-block header goes in the size prefix, before the object.
	 */
	struct kmem_cache *k64 = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)];
	volatile size_t n = 64;
	unsigned char *p = kmalloc(n, GFP_KERNEL), *q;

	REQUIRE(p != NULL && (k64->cpu_index != 0) == (backend != SLOB));
	memset(p, 0xaa, 64);
	kfree_sensitive(p);
	q = kmalloc(n, GFP_KERNEL);
	REQUIRE(q == p);
	for (unsigned int i = 0; i < 64; i++) {
		if (backend == SLUB && i >= k64->offset && i < k64->offset + sizeof(void *))
			continue; /* the free pointer word */
		if (q[i]) {
			fprintf(stderr, "%s: byte %u is %#x after kfree_sensitive\n",
				kmm_current_test, i, q[i]);
			kmm_failures++;
			break;
		}
	}
	kfree(q);

	/* a cache object: SLOB's kfree() took kmalloc blocks only (a size prefix) */
	struct kmem_cache *s = backend == SLOB ? NULL :
						 kmem_cache_create("kmm_sensitive", SENSITIVE_SIZE,
								   0, 0, kmm_test_sensitive_ctor);
	REQUIRE((s != NULL) == (backend != SLOB));
	if (s) {
		p = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p != NULL);
		CHECK(all_bytes(p, SENSITIVE_SIZE, 0x99));
		memset(p, 0xaa, SENSITIVE_SIZE);
		kfree_sensitive(p);
		q = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(q == p);
		CHECK(all_bytes(q, SENSITIVE_SIZE, 0));
		kmem_cache_free(s, q);
		kmem_cache_destroy(s);
	}

	/* a large one is freed too */
	struct kmm_page_stats before, after;
	volatile size_t big = 30000;
	p = kmalloc(big, GFP_KERNEL);
	REQUIRE(p != NULL);
	memset(p, 0xaa, big);
	kmm_page_stats(&before);
	kfree_sensitive(p);
	kmm_page_stats(&after);
	CHECK(after.allocated + (1UL << get_order(big)) <= before.allocated);
}

/* ---- string and copy helpers ------------------------------------------------------------------ */

TEST(kmemdup_kstrdup_and_friends)
{
	static const char text[] = "the quick brown fox jumps over the lazy dog";
	char *s;
	const char *c;
	unsigned char *m;

	m = kmemdup(text, sizeof(text), GFP_KERNEL);
	REQUIRE(m != NULL);
	CHECK(m != (const unsigned char *)text);
	CHECK(!memcmp(m, text, sizeof(text)));
	CHECK_EQ(ksize(m), expect_ksize(sizeof(text)));
	kfree(m);
	CHECK(kmemdup(text, 0, GFP_KERNEL) == ZERO_SIZE_PTR);

	s = kmemdup_nul(text, 9, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(!strcmp(s, "the quick"));
	CHECK_EQ(ksize(s), expect_ksize(10));
	kfree(s);
	s = kmemdup_nul(text, 0, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(!strcmp(s, ""));
	kfree(s);
	CHECK(kmemdup_nul(NULL, 4, GFP_KERNEL) == NULL);

	s = kstrdup(text, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(s != text);
	CHECK(!strcmp(s, text));
	kfree(s);
	CHECK(kstrdup(NULL, GFP_KERNEL) == NULL);

	s = kstrndup(text, 3, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(!strcmp(s, "the"));
	CHECK_EQ(ksize(s), expect_ksize(4));
	kfree(s);
	s = kstrndup("hi", 100, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK(!strcmp(s, "hi"));
	kfree(s);
	CHECK(kstrndup(NULL, 5, GFP_KERNEL) == NULL);

	c = kstrdup_const(text, GFP_KERNEL);
	REQUIRE(c != NULL);
	CHECK(!strcmp(c, text));
	kfree_const(c);
	kfree_const(NULL);
	CHECK(kstrdup_const(NULL, GFP_KERNEL) == NULL);

	/* a long string goes through a large kmalloc */
	char *long_text = malloc(20001);
	REQUIRE(long_text != NULL);
	memset(long_text, 'x', 20000);
	long_text[20000] = '\0';
	s = kstrdup(long_text, GFP_KERNEL);
	REQUIRE(s != NULL);
	CHECK_EQ(strlen(s), 20000);
	CHECK_EQ(ksize(s), expect_ksize(20001));
	kfree(s);
	free(long_text);
}

TEST(kmalloc_size_roundup_matches_what_kmalloc_gives)
{
	/*
	 * SLUB and SLAB: the kmalloc class's object size, or the large kmalloc's pages
	 * (mm/slab_common.c kmalloc_size_roundup()); SLOB's own kmalloc_size_roundup() in
	 * mm/slob.c is ALIGN(size, ARCH_KMALLOC_MINALIGN) for every size.
	 */
	static const struct {
		size_t in, slub, slab, slob;
	} cases[] = {
		{ 0, 0, 0, 0 },
		{ 1, 8, 32, 8 },
		{ 8, 8, 32, 8 },
		{ 9, 16, 32, 16 },
		{ 33, 64, 64, 40 },
		{ 64, 64, 64, 64 },
		{ 65, 96, 96, 72 },
		{ 96, 96, 96, 96 },
		{ 97, 128, 128, 104 },
		{ 129, 192, 192, 136 },
		{ 193, 256, 256, 200 },
		{ 257, 512, 512, 264 },
		{ 1025, 2048, 2048, 1032 },
		{ 8192, 8192, 8192, 8192 },
		{ 8193, 16384, 16384, 8200 },
		{ 16385, 32768, 32768, 16392 },
		{ 100000, 131072, 131072, 100000 },
		{ KMALLOC_MAX_SIZE, KMALLOC_MAX_SIZE, KMALLOC_MAX_SIZE, KMALLOC_MAX_SIZE },
		{ KMALLOC_MAX_SIZE + 1, KMALLOC_MAX_SIZE + 1, KMALLOC_MAX_SIZE + 1,
		  KMALLOC_MAX_SIZE + 8 },
		{ SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t want = backend == SLAB ? cases[i].slab :
			      backend == SLOB ? cases[i].slob :
						cases[i].slub;

		if (kmalloc_size_roundup(cases[i].in) != want) {
			fprintf(stderr, "%s: kmalloc_size_roundup(%zu) = %zu, want %zu\n",
				kmm_current_test, cases[i].in, kmalloc_size_roundup(cases[i].in),
				want);
			kmm_failures++;
		}
	}
	/*
	 * every size kmalloc serves: roundup == ksize(kmalloc()). Not on SLOB, whose
	 * __ksize() gives a heap block's size in 2-byte units (and a large kmalloc's
	 * pages) while its roundup aligns to 8: both are the usable size or less.
	 */
	for (size_t n = 1; n <= 3 * KMALLOC_MAX_CACHE_SIZE; n += (n < 300 ? 1 : 97)) {
		volatile size_t v = n;
		void *p = kmalloc(v, GFP_KERNEL);
		size_t want = backend == SLOB ? expect_ksize(n) : kmalloc_size_roundup(n);

		REQUIRE(p != NULL);
		if (ksize(p) != want || kmalloc_size_roundup(n) < n ||
		    (backend == SLOB && slab_kmalloc(n) &&
		     kmalloc_size_roundup(n) > ksize(p) + ARCH_KMALLOC_MINALIGN)) {
			fprintf(stderr, "%s: ksize(kmalloc(%zu)) = %zu, roundup %zu\n",
				kmm_current_test, n, ksize(p), kmalloc_size_roundup(n));
			kmm_failures++;
		}
		kfree(p);
	}
}

TEST(kmalloc_track_caller)
{
	volatile size_t n = 300;
	void *p = kmalloc_track_caller(n, GFP_KERNEL);
	void *q = kmalloc_node_track_caller(n, GFP_KERNEL, 0);
	void *r = kmalloc_track_caller(n * 100, GFP_KERNEL);

	char buf[64];

	REQUIRE(p && q && r);
	CHECK_EQ(ksize(p), expect_ksize(300));
	CHECK_EQ(ksize(q), expect_ksize(300));
	CHECK(!strcmp(cache_name_of(p), expect_cache_name(buf, sizeof(buf), "kmalloc-", 300)));
	CHECK_EQ(ksize(r), expect_ksize(30000));
	memset(p, 1, 300);
	memset(q, 2, 300);
	memset(r, 3, 30000);
	kfree(p);
	kfree(q);
	kfree(r);
}

/* ---- validity and bad frees ------------------------------------------------------------------- */

static char not_ours[2 * 4096] __attribute__((aligned(4096)));

TEST(kmem_valid_obj_tells_slab_objects_from_the_rest)
{
	int local;
	char *p = kmalloc(64, GFP_KERNEL);
	volatile size_t big = 20000;
	void *large = kmalloc(big, GFP_KERNEL);

	REQUIRE(p && large);
	CHECK(kmem_valid_obj(p));
	/* any address of a slab page is a slab object's (the kernel tests folio_test_slab) */
	CHECK(kmem_valid_obj(p + 8));
	CHECK(!kmem_valid_obj(&local));
	CHECK(!kmem_valid_obj(not_ours));
	CHECK(!kmem_valid_obj(NULL));
	/* 20000 bytes: a large kmalloc on every back-end (SLAB's classes end at 8k too) */
	CHECK(!slab_kmalloc(20000) && !kmem_valid_obj(large));
	kfree(p);
	kfree(large);
}

static void free_foreign_memory(void *arg)
{
	char on_stack[64];
	void *libc = malloc(64);

	kfree(not_ours);
	kfree(not_ours + 100);
	kfree(on_stack);
	kfree(libc);
	printf("ksize=%zu\n", ksize(on_stack));
	printf("survived\n");
	free(libc);
}

TEST(kfree_of_memory_kmm_never_handed_out_is_reported)
{
	int status;
	char *out = kmm_run_child(free_foreign_memory, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "WARNING");
	CHECK_STR_CONTAINS(out, "is not an address kmm handed out");
	CHECK_STR_CONTAINS(out, "ksize=0");
	CHECK_STR_CONTAINS(out, "survived");
	free(out);
}

static void free_inside_large_kmalloc(void *arg)
{
	/* a large kmalloc on every back-end */
	volatile size_t n = 20000;
	char *p = kmalloc(n, GFP_KERNEL);
	struct kmm_page_stats before, after;

	CHILD_REQUIRE(p);
	kmm_page_stats(&before);
	kfree(p + 4096); /* a tail page */
	kfree(p + 100);	 /* inside the head page */
	kmm_page_stats(&after);
	printf("kept=%d\n", after.allocated == before.allocated);
	memset(p, 0x44, n);
	kfree(p);
	kmm_page_stats(&after);
	printf("freed=%d\n", after.allocated + (1UL << get_order(n)) <= before.allocated);
	printf("survived\n");
}

TEST(kfree_of_an_interior_pointer_of_a_large_kmalloc_is_reported)
{
	int status;
	char *out = kmm_run_child(free_inside_large_kmalloc, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "Not a kmalloc allocation");
	CHECK_STR_CONTAINS(out, "was not returned by kmalloc");
	CHECK_STR_CONTAINS(out, "kept=1");
	CHECK_STR_CONTAINS(out, "freed=1");
	CHECK_STR_CONTAINS(out, "survived");
	free(out);
}

static void kmalloc_with_bad_gfp(void *arg)
{
	volatile size_t large = 20000, small = 3000;
	void *p = kmalloc(large, GFP_KERNEL | __GFP_HIGHMEM);
	void *q = kmalloc(small, GFP_KERNEL | __GFP_RECLAIMABLE | __GFP_DMA32);

	printf("large=%d lowmem=%d\n", p != NULL, p && !PageHighMem(virt_to_page(p)));
	printf("small=%d cache=%s\n", q != NULL, q ? cache_name_of(q) : "-");
	kfree(p);
	kfree(q);
}

TEST(gfp_flags_without_meaning_for_kmalloc_are_fixed_up_loudly)
{
	int status;
	char *out = kmm_run_child(kmalloc_with_bad_gfp, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* kmalloc_fix_flags(): "Unexpected gfp: %#x (%pGg). Fixing up to gfp: %#x (%pGg)..." */
	CHECK_STR_CONTAINS(out, "Unexpected gfp: ");
	CHECK_STR_CONTAINS(out, "(__GFP_HIGHMEM). Fixing up to gfp: ");
	CHECK_STR_CONTAINS(out, "(GFP_DMA32). Fixing up to gfp: ");
	CHECK_STR_CONTAINS(out, "Fix your code!");
	CHECK_STR_CONTAINS(out, "large=1 lowmem=1");
	CHECK_STR_CONTAINS(out, backend == SLOB ? "small=1 cache=" SLOB_HEAP :
						  "small=1 cache=kmalloc-rcl-4k");
	free(out);
}

/* ---- threads ------------------------------------------------------------------------------------ */

/*
 * Four threads share a table of slots. Each step takes a random slot: if it holds an
 * object, the thread checks its content and frees it (most often one another thread
 * allocated); if it is empty, the thread allocates an object of a random size, fills it
 * and publishes it. An object records its size in its first two bytes; every other byte
 * holds one value computed from the size and the address.
 */
enum { MT_THREADS = 4, MT_SLOTS = 1024, MT_OPS = 200000 };

static _Atomic(unsigned char *) mt_slots[MT_SLOTS];
static atomic_int mt_errors;

static unsigned char mt_byte(const unsigned char *p, size_t size)
{
	return (unsigned char)(size * 31 + ((uintptr_t)p >> 4));
}

static size_t mt_size(uint64_t r)
{
	/* mostly small, some up to 8 KiB, a few large kmallocs */
	switch (r % 16) {
	case 0:
		return 8193 + (r >> 8) % 24000;
	case 1:
	case 2:
		return 3 + (r >> 8) % 8190;
	default:
		return 3 + (r >> 8) % 300;
	}
}

static void mt_fill(unsigned char *p, size_t size)
{
	p[0] = (unsigned char)size;
	p[1] = (unsigned char)(size >> 8);
	memset(p + 2, mt_byte(p, size), size - 2);
}

static bool mt_check(const unsigned char *p)
{
	size_t size = p[0] | (size_t)p[1] << 8;

	/* bytes 2..size-1 all equal to the object's value: p[2] right, p[2..] == p[3..] */
	return size >= 3 && ksize(p) >= size && p[2] == mt_byte(p, size) &&
	       !memcmp(p + 2, p + 3, size - 3);
}

static void mt_release(unsigned char *p)
{
	if (!mt_check(p))
		mt_errors++;
	kfree(p);
}

static void *mt_worker(void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * ((uintptr_t)arg + 1);

	for (int op = 0; op < MT_OPS / MT_THREADS; op++) {
		unsigned char *p;
		unsigned int slot;

		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		slot = (unsigned int)(x >> 40) % MT_SLOTS;
		p = atomic_exchange(&mt_slots[slot], NULL);
		if (p) {
			mt_release(p);
			continue;
		}
		size_t size = mt_size(x);
		p = kmalloc(size, GFP_KERNEL);
		if (!p) {
			mt_errors++;
			continue;
		}
		mt_fill(p, size);
		p = atomic_exchange(&mt_slots[slot], p);
		if (p)
			mt_release(p);
	}
	return NULL;
}

TEST(four_threads_kmalloc_and_free_each_others_objects)
{
	pthread_t threads[MT_THREADS];

	for (uintptr_t i = 0; i < MT_THREADS; i++)
		REQUIRE(pthread_create(&threads[i], NULL, mt_worker, (void *)i) == 0);
	for (int i = 0; i < MT_THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < MT_SLOTS; i++) {
		unsigned char *p = atomic_exchange(&mt_slots[i], NULL);

		if (p)
			mt_release(p);
	}
	CHECK_EQ(mt_errors, 0);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
}

/*
 * Large kmalloc is counted in the node's SUnreclaim through per-CPU differences that
 * are folded into the node's counter past a threshold (the kernel's vmstat): meminfo,
 * which adds the differences, stays exact while threads on different CPUs hold blocks
 * (differences below the threshold) and after they have churned many (folded ones).
 */
enum { VM_THREADS = 2, VM_HELD = 3, VM_CHURN = 2000 };
#define VM_BLOCK (4 * PAGE_SIZE)

static void *vmstat_holder(void *arg)
{
	_Atomic int *stage = arg;
	void *held[VM_HELD];
	int err = 0;

	kmm_set_cpu(atomic_fetch_add(&stage[1], 1));
	for (int i = 0; i < VM_HELD; i++)
		err += !(held[i] = kmalloc(VM_BLOCK, GFP_KERNEL));
	atomic_fetch_add(&stage[0], 1);
	while (atomic_load(&stage[0]) < VM_THREADS + 1) /* the main thread reads meminfo */
		;
	for (int i = 0; i < VM_CHURN; i++) {
		void *p = kmalloc(VM_BLOCK, GFP_KERNEL);

		err += !p;
		kfree(p);
	}
	for (int i = 0; i < VM_HELD; i++)
		kfree(held[i]);
	return (void *)(intptr_t)err;
}

TEST(slab_counters_stay_exact_with_per_cpu_differences)
{
	_Atomic int stage[2] = { 0, 0 };
	pthread_t threads[VM_THREADS];
	unsigned long u0 = meminfo_kb("SUnreclaim");
	void *err;

	for (int i = 0; i < VM_THREADS; i++)
		REQUIRE(pthread_create(&threads[i], NULL, vmstat_holder, stage) == 0);
	while (atomic_load(&stage[0]) < VM_THREADS)
		;
	CHECK_EQ(meminfo_kb("SUnreclaim"), u0 + VM_THREADS * VM_HELD * VM_BLOCK / 1024);
	atomic_fetch_add(&stage[0], 1);
	for (int i = 0; i < VM_THREADS; i++) {
		pthread_join(threads[i], &err);
		CHECK_EQ((intptr_t)err, 0);
	}
	CHECK_EQ(meminfo_kb("SUnreclaim"), u0);
}

int main(void)
{
	const char *first = getenv("KMM_TEST_FIRST_CALL");

	if (first)
		return first_call((enum first_call)atoi(first));
	/*
	 * The first call is any_kmalloc_call_may_be_the_first's business (in a fresh copy of
	 * the program); every other test starts from an initialised kmm, alone or not.
	 */
	kmm_config_get();
	backend_init();
	return kmm_test_main();
}
