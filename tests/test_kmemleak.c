/* kmm-test: labels=unit,debug env=KMM_RAM=256M,KMM_NR_CPUS=2,KMM_KMEMLEAK=on,KMM_KMEMLEAK_SCAN=0,KMM_KMEMLEAK_MIN_AGE=0 timeout=120 backends=all */
/*
 * test_kmemleak.c - kmemleak (src/kmemleak.c): leaked kmalloc, vmalloc and page
 * objects are reported after a scan in the kernel's words, with the hex dump and the
 * backtrace; objects referenced from a global, from another tracked object or from a
 * thread's stack are not; kmemleak_not_leak(), kmemleak_ignore() and kmemleak_no_scan()
 * are honoured; "clear" forgets what was reported.
 *
 * A leak is made in a function of its own that keeps only a disguised copy of the
 * address (XOR with a mask, so that it is no reference), and the stack below the
 * caller is scrubbed before scanning: kmemleak reads whole stacks, dead frames too, as
 * the kernel's does. Each scan is done twice: an object is reported only once it stayed
 * unchanged between two scans.
 */
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <pthread.h>

#include "kmm_test.h"

#define DISGUISE 0x5a5a5a5a5a5a5a5aUL
#define MARKER	 "kmm-leak-marker-kmm-leak-marker-kmm-leak-marker-kmm-leak-marker-"

static unsigned long disguised;
static void *global_ref;

static void *revealed(void)
{
	return (void *)(disguised ^ DISGUISE);
}

/*
 * Each test leaks from a size class of its own: an address that an earlier test freed
 * may still lie in a dead slot of the tests' frames, which kmemleak reads as well.
 * Each returns whether the allocation succeeded (not the address: that would be a
 * reference in the caller's frame).
 */
__attribute__((noinline)) bool leak_kmalloc(size_t size)
{
	char *p = kmalloc(size, GFP_KERNEL);

	if (p)
		memcpy(p, MARKER, 64);
	disguised = (unsigned long)p ^ DISGUISE;
	return p != NULL;
}

__attribute__((noinline)) bool leak_vmalloc(void)
{
	char *p = vmalloc(3 * PAGE_SIZE);

	if (p)
		memset(p, 0x11, 3 * PAGE_SIZE);
	disguised = (unsigned long)p ^ DISGUISE;
	return p != NULL;
}

__attribute__((noinline)) bool leak_pages(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);

	disguised = (page ? (unsigned long)page_address(page) : 0) ^ DISGUISE;
	return page != NULL;
}

/*
 * Overwrite the dead frames below the caller, where copies of the address may linger.
 * Uninstrumented, so that ASan puts no red zones around the buffer: it then covers the
 * whole frame, and no dead slot keeps its old value.
 */
__attribute__((noinline, no_sanitize_address)) void scrub_stack(void)
{
	volatile char buf[32768];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

/*
 * Scan twice, and return the kmemleak report (free it). The scrub runs first in the
 * test's own frame, over where leak_*() had theirs.
 */
#define scan_and_report() (scrub_stack(), scan_and_report_scrubbed())
static char *scan_and_report_scrubbed(void)
{
	char *buf = NULL;

	CHECK(kmm_kmemleak_scan() >= 0);
	scrub_stack();
	CHECK(kmm_kmemleak_scan() >= 0);
	CAPTURE(buf, kmm_report(out, "kmemleak"));
	return buf;
}

static bool reported(const char *report, const void *p)
{
	char header[64];

	snprintf(header, sizeof(header), "unreferenced object 0x%08lx (size ", (unsigned long)p);
	return strstr(report, header) != NULL;
}

TEST(a_leaked_kmalloc_object_is_reported_with_dump_and_backtrace)
{
	char *report, expect[160];
	void *p;

	REQUIRE(leak_kmalloc(64));
	report = scan_and_report();
	p = revealed(); /* only now: a copy of the address on the stack is a reference */
	snprintf(expect, sizeof(expect), "unreferenced object 0x%08lx (size 64):\n  comm \"",
		 (unsigned long)p);
	CHECK_STR_CONTAINS(report, expect);
	CHECK_STR_CONTAINS(report, "\", pid ");
	CHECK_STR_CONTAINS(report, ", jiffies ");
	CHECK_STR_CONTAINS(report,
			   "  hex dump (first 32 bytes):\n"
			   "    6b 6d 6d 2d 6c 65 61 6b 2d 6d 61 72 6b 65 72 2d  kmm-leak-marker-\n"
			   "    6b 6d 6d 2d 6c 65 61 6b 2d 6d 61 72 6b 65 72 2d  kmm-leak-marker-\n"
			   "  backtrace (crc ");
	CHECK_STR_CONTAINS(report, "\n    leak_kmalloc+0x");
	free(report);
	kfree(p);
	report = scan_and_report();
	CHECK(!reported(report, p)); /* freed: forgotten */
	free(report);
}

TEST(an_object_referenced_from_a_global_is_not_a_leak)
{
	void *from_global = kmalloc(100, GFP_KERNEL);
	char *report;

	REQUIRE(from_global);
	global_ref = from_global;
	if (!leak_kmalloc(96)) { /* the control: an object nothing points to */
		kfree(global_ref);
		global_ref = NULL;
		REQUIRE(revealed());
	}
	report = scan_and_report();
	CHECK(reported(report, revealed()));
	CHECK(!reported(report, from_global));
	free(report);
	kfree(revealed());
	kfree(global_ref);
	global_ref = NULL;
}

/*
 * Under ThreadSanitizer (built -O0) a dead copy of the address survives in a frame the
 * scrub cannot reach, and a conservative scan rightly counts it: the two tests that
 * need a second object to become unreferenced are left out of that build (main() says
 * so).
 */
#ifndef __SANITIZE_THREAD__
TEST(an_object_held_by_another_tracked_object_is_not_a_leak)
{
	void **holder = kmalloc(64, GFP_KERNEL);
	char *report;

	REQUIRE(holder);
	if (!leak_kmalloc(128)) {
		kfree(holder);
		REQUIRE(revealed());
	}
	holder[0] = revealed();
	global_ref = holder;
	holder = NULL;
	report = scan_and_report();
	CHECK(!reported(report, global_ref));
	CHECK(!reported(report, revealed()));
	free(report);
	/* once the holder does not scan its contents, what it holds is a leak */
	kmemleak_no_scan(global_ref);
	report = scan_and_report();
	CHECK(!reported(report, global_ref));
	CHECK(reported(report, revealed()));
	free(report);
	kfree(global_ref);
	global_ref = NULL;
	kfree(revealed());
}
#endif

struct stack_holder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stage; /* 1: allocated, 2: may free */
	unsigned long disguised;
};

static void *hold_on_stack(void *arg)
{
	struct stack_holder *h = arg;
	void *volatile on_stack = kmalloc(128, GFP_KERNEL);

	pthread_mutex_lock(&h->lock);
	h->disguised = (unsigned long)on_stack ^ DISGUISE;
	h->stage = 1;
	pthread_cond_broadcast(&h->cond);
	while (h->stage != 2)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	kfree(on_stack);
	return NULL;
}

TEST(an_object_on_a_thread_stack_is_not_a_leak)
{
	struct stack_holder h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	pthread_t thread;
	char *report;

	REQUIRE(pthread_create(&thread, NULL, hold_on_stack, &h) == 0);
	pthread_mutex_lock(&h.lock);
	while (h.stage != 1)
		pthread_cond_wait(&h.cond, &h.lock);
	pthread_mutex_unlock(&h.lock);
	report = scan_and_report();
	CHECK(!reported(report, (void *)(h.disguised ^ DISGUISE)));
	free(report);
	pthread_mutex_lock(&h.lock);
	h.stage = 2;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	pthread_join(thread, NULL);
}

TEST(not_leak_and_ignore_are_honoured)
{
	unsigned long not_leak, ignored;
	char *report;

	REQUIRE(leak_kmalloc(192));
	kmemleak_not_leak(revealed());
	not_leak = disguised;
	if (!leak_kmalloc(256)) {
		kfree((void *)(not_leak ^ DISGUISE));
		REQUIRE(revealed());
	}
	kmemleak_ignore(revealed());
	ignored = disguised;
	report = scan_and_report();
	CHECK(!reported(report, (void *)(not_leak ^ DISGUISE)));
	CHECK(!reported(report, (void *)(ignored ^ DISGUISE)));
	free(report);
	kfree((void *)(not_leak ^ DISGUISE));
	kfree((void *)(ignored ^ DISGUISE));
}

#ifndef __SANITIZE_THREAD__
TEST(a_leaked_vmalloc_area_is_reported)
{
	char *report, expect[96];
	void *p, *kept = vmalloc(2 * PAGE_SIZE);

	REQUIRE(kept);
	global_ref = kept;
	kept = NULL;
	if (!leak_vmalloc()) {
		vfree(global_ref);
		global_ref = NULL;
		REQUIRE(revealed());
	}
	report = scan_and_report();
	p = revealed();
	kept = global_ref;
	snprintf(expect, sizeof(expect), "unreferenced object 0x%08lx (size %lu):\n",
		 (unsigned long)p, 3 * PAGE_SIZE);
	CHECK_STR_CONTAINS(report, expect);
	CHECK_STR_CONTAINS(
		report, "    11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11  ................\n");
	CHECK_STR_CONTAINS(report, "\n    leak_vmalloc+0x");
	CHECK(!reported(report, kept));
	free(report);
	vfree(p);
	vfree(kept);
	global_ref = NULL;
}
#endif

TEST(a_leaked_page_block_is_reported_and_a_held_struct_page_is_a_reference)
{
	struct page *kept = alloc_pages(GFP_KERNEL, 0);
	char *report, expect[96];
	void *p;

	REQUIRE(kept);
	global_ref = kept; /* the struct page, as page users hold pages */
	kept = NULL;
	if (!leak_pages()) {
		__free_pages(global_ref, 0);
		global_ref = NULL;
		REQUIRE(revealed());
	}
	report = scan_and_report();
	p = revealed();
	kept = global_ref;
	snprintf(expect, sizeof(expect), "unreferenced object 0x%08lx (size %lu):\n",
		 (unsigned long)p, 2 * PAGE_SIZE);
	CHECK_STR_CONTAINS(report, expect);
	CHECK_STR_CONTAINS(report, "\n    leak_pages+0x");
	CHECK(!reported(report, page_address(kept)));
	free(report);
	free_pages((unsigned long)p, 1);
	__free_pages(kept, 0);
	global_ref = NULL;
}

TEST(clear_forgets_the_leaks_found_so_far)
{
	char *report;

	REQUIRE(leak_kmalloc(512));
	report = scan_and_report();
	CHECK(reported(report, revealed()));
	free(report);
	kmm_kmemleak_clear();
	report = scan_and_report();
	CHECK(!reported(report, revealed()));
	free(report);
	kfree(revealed());
}

static void bulk_round_trip(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("kmemleak-bulk", 40, 0, 0, NULL);
	void *objs[16], *a, *b;
	size_t n = 0;

	if (!s) {
		printf("cache creation failed\n");
		return;
	}
	for (int round = 0; round < 3; round++) {
		if (kmem_cache_alloc_bulk(s, GFP_KERNEL, 16, objs) != 16) {
			printf("bulk allocation failed\n");
			return;
		}
		for (int i = 0; i < 16; i++)
			kmemleak_update_trace(objs[i]); /* says so if the object is unknown */
		kmem_cache_free_bulk(s, 16, objs);
	}
	a = kmalloc(100, GFP_KERNEL);
	b = kmalloc(300, GFP_KERNEL);
	if (a)
		objs[n++] = a;
	if (b)
		objs[n++] = b;
	kfree_bulk(n, objs);
	kmem_cache_destroy(s);
	printf(n == 2 ? "bulk done\n" : "kmalloc failed\n");
}

/* Bulk allocations are tracked, and bulk frees forget them: no unknown or overlapping objects. */
TEST(bulk_allocations_and_frees_are_tracked)
{
	int status;
	char *out = kmm_run_child(bulk_round_trip, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "bulk done\n");
	CHECK(!strstr(out, "unknown object"));
	CHECK(!strstr(out, "kmemleak: Cannot insert"));
	CHECK(!strstr(out, "WARNING"));
	free(out);
}

/* kmm's own structures, made after kmemleak started, are all referenced: no report. */
TEST(kmm_itself_leaks_nothing)
{
	struct kmem_cache *s = kmem_cache_create("kmemleak-test", 72, 0, SLAB_HWCACHE_ALIGN, NULL);
	void *obj = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	void *area = vmalloc(5 * PAGE_SIZE);
	void *big = kmalloc(3 * PAGE_SIZE, GFP_KERNEL);
	char *report;

	if (!obj || !area || !big) {
		kfree(big);
		vfree(area);
		if (s)
			kmem_cache_free(s, obj);
		kmem_cache_destroy(s);
		REQUIRE(obj && area && big);
	}
	kmm_kmemleak_clear();
	report = scan_and_report();
	CHECK_EQ(strlen(report), 0);
	if (*report)
		fprintf(stderr, "%s", report);
	free(report);
	kfree(big);
	vfree(area);
	kmem_cache_free(s, obj);
	kmem_cache_destroy(s);
}

int main(void)
{
#ifdef __SANITIZE_THREAD__
	printf("not built under ThreadSanitizer: "
	       "an_object_held_by_another_tracked_object_is_not_a_leak, "
	       "a_leaked_vmalloc_area_is_reported\n");
#endif
	return kmm_test_main();
}
