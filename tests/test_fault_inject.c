/* kmm-test: labels=unit;debug env=KMM_RAM=256M,KMM_NR_CPUS=2 timeout=120 backends=all */
/*
 * test_fault_inject - failslab and fail_page_alloc as lib/fault-inject.c decides: the
 * boot options from the environment, the debugfs attributes and their defaults,
 * probability, times, interval, space, the task filter and make-it-fail, ignore-gfp-wait,
 * ignore-gfp-highmem, min-order, cache-filter, fail-nth per thread, __GFP_NOFAIL never
 * failing, the verbose report, and that the hooks are off (fast paths back) when nothing
 * can fail.
 */
#include <pthread.h>
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "fault-inject.h"
#include "kmm_test.h"

static void attr_set(const char *cap, const char *attr, const char *value)
{
	int err = kmm_fault_attr_set(cap, attr, value);

	if (err)
		fprintf(stderr, "kmm_fault_attr_set(%s, %s, %s) = %d\n", cap, attr, value, err);
	CHECK_EQ(err, 0);
}

static const char *attr_get(const char *cap, const char *attr)
{
	static char buf[64];

	if (kmm_fault_attr_get(cap, attr, buf, sizeof(buf)) < 0)
		return "(none)";
	return buf;
}

/* Both capabilities back to the kernel's defaults, but quiet. */
static void fault_reset(void)
{
	static const char *const caps[] = { "failslab", "fail_page_alloc" };

	kmm_fail_nth_set(0);
	kmm_make_it_fail_set(0);
	for (int i = 0; i < 2; i++) {
		attr_set(caps[i], "probability", "0");
		attr_set(caps[i], "interval", "1");
		attr_set(caps[i], "times", "1");
		attr_set(caps[i], "space", "0");
		attr_set(caps[i], "verbose", "0");
		attr_set(caps[i], "task-filter", "N");
		attr_set(caps[i], "ignore-gfp-wait", "Y");
	}
	attr_set("failslab", "cache-filter", "N");
	attr_set("fail_page_alloc", "ignore-gfp-highmem", "Y");
	attr_set("fail_page_alloc", "min-order", "1");
	CHECK_EQ(atomic_load(&fault_inject_active), 0);
}

/* One GFP_ATOMIC kmalloc: true if it failed. */
static bool kmalloc_fails(gfp_t gfp)
{
	void *p = kmalloc(64, gfp);

	kfree(p);
	return !p;
}

static bool pages_fail(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	if (page)
		__free_pages(page, order);
	return !page;
}

/* ---- the boot options, before kmm starts (first: the parent has not started kmm) ---- */

static void boot_option_child(void *arg)
{
	setenv("KMM_FAILSLAB", "1,100,0,2", 1);
	setenv("KMM_FAIL_PAGE_ALLOC", (const char *)arg, 1);
	for (int i = 0; i < 3; i++)
		printf("kmalloc %d: %s\n", i, kmalloc_fails(GFP_ATOMIC) ? "NULL" : "ok");
	printf("probability %s", attr_get("failslab", "probability"));
	printf("times %s", attr_get("failslab", "times"));
	printf("page %s", attr_get("fail_page_alloc", "probability"));
}

TEST(boot_options_from_the_environment)
{
	int status;
	char *out = kmm_run_child(boot_option_child, "2,50,0,-1", &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "kmalloc 0: NULL\nkmalloc 1: NULL\nkmalloc 2: ok\n");
	CHECK_STR_CONTAINS(out, "probability 100\ntimes 0\npage 50\n");
	free(out);

	out = kmm_run_child(boot_option_child, "2,50", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: failed to parse arguments\n");
	CHECK_STR_CONTAINS(out, "page 0\n");
	free(out);
}

/* ---- the attributes -------------------------------------------------------------------- */

TEST(attributes_have_the_kernel_defaults)
{
	CHECK_STR_CONTAINS(attr_get("failslab", "probability"), "0\n");
	CHECK(!strcmp(attr_get("failslab", "interval"), "1\n"));
	CHECK(!strcmp(attr_get("failslab", "times"), "1\n"));
	CHECK(!strcmp(attr_get("failslab", "space"), "0\n"));
	CHECK(!strcmp(attr_get("failslab", "verbose"), "2\n"));
	CHECK(!strcmp(attr_get("failslab", "task-filter"), "N\n"));
	CHECK(!strcmp(attr_get("failslab", "ignore-gfp-wait"), "Y\n"));
	CHECK(!strcmp(attr_get("failslab", "cache-filter"), "N\n"));
	CHECK(!strcmp(attr_get("failslab", "verbose_ratelimit_interval_ms"), "0\n"));
	CHECK(!strcmp(attr_get("failslab", "verbose_ratelimit_burst"), "10\n"));
	CHECK(!strcmp(attr_get("fail_page_alloc", "ignore-gfp-wait"), "Y\n"));
	CHECK(!strcmp(attr_get("fail_page_alloc", "ignore-gfp-highmem"), "Y\n"));
	CHECK(!strcmp(attr_get("fail_page_alloc", "min-order"), "1\n"));
	/* nothing can fail: the hooks are off */
	CHECK_EQ(atomic_load(&fault_inject_active), 0);
	CHECK_EQ(kmm_fault_attr_get("fail_page_alloc", "cache-filter", NULL, 0), -2);
	CHECK_EQ(kmm_fault_attr_get("fail_futex", "probability", NULL, 0), -2);
	CHECK_EQ(kmm_fault_attr_set("failslab", "nonsense", "1"), -2);
	CHECK_EQ(kmm_fault_attr_set("failslab", "probability", "ten"), -22);
	CHECK_EQ(kmm_fault_attr_set("failslab", "task-filter", "maybe"), -22);
	CHECK_EQ(kmm_fault_setup("failslab", "1,2,3"), -22);
	CHECK_EQ(kmm_make_it_fail_set(2), -22);
	/* debugfs number syntax: base prefixes and a trailing newline */
	attr_set("failslab", "space", "0x10\n");
	CHECK(!strcmp(attr_get("failslab", "space"), "16\n"));
	attr_set("failslab", "times", "-1");
	CHECK(!strcmp(attr_get("failslab", "times"), "-1\n"));
	fault_reset();
}

/* ---- should_fail_ex() ------------------------------------------------------------------- */

TEST(times_limits_the_failures)
{
	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,3"), 0);
	CHECK(atomic_load(&fault_inject_active) > 0);
	for (int i = 0; i < 3; i++)
		CHECK(kmalloc_fails(GFP_ATOMIC));
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	CHECK(!strcmp(attr_get("failslab", "times"), "0\n"));
	fault_reset();
	CHECK(!kmalloc_fails(GFP_ATOMIC));
}

TEST(interval_fails_every_nth_eligible_call)
{
	char pattern[13] = { 0 };

	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "4,100,0,-1"), 0);
	for (int i = 0; i < 12; i++)
		pattern[i] = kmalloc_fails(GFP_ATOMIC) ? 'F' : '.';
	CHECK(!strcmp(pattern, "...F...F...F"));
	/* calls the filters turn away do not count */
	CHECK(!kmalloc_fails(GFP_KERNEL));
	fault_reset();
}

TEST(space_is_spent_before_any_failure)
{
	fault_reset();
	/* kmalloc-64's object size is 64: 100 > 64 spends 64, then 36 is not > 64 */
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,100,-1"), 0);
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	CHECK(!strcmp(attr_get("failslab", "space"), "36\n"));
	CHECK(kmalloc_fails(GFP_ATOMIC));
	/* fail_page_alloc counts pages: 5 > 4 (order 2) spends them, 1 > 2 does not */
	attr_set("fail_page_alloc", "min-order", "0");
	CHECK_EQ(kmm_fault_setup("fail_page_alloc", "1,100,5,-1"), 0);
	CHECK(!pages_fail(GFP_ATOMIC, 2));
	CHECK(pages_fail(GFP_ATOMIC, 1));
	fault_reset();
}

TEST(probability_is_in_percent)
{
	int failed = 0;

	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,50,0,-1"), 0);
	for (int i = 0; i < 1000; i++)
		failed += kmalloc_fails(GFP_ATOMIC);
	/* binomial(1000, 0.5): 6 standard deviations either side */
	CHECK(failed > 405 && failed < 595);
	attr_set("failslab", "probability", "1000"); /* above 100: always */
	for (int i = 0; i < 20; i++)
		CHECK(kmalloc_fails(GFP_ATOMIC));
	attr_set("failslab", "probability", "0");
	for (int i = 0; i < 20; i++)
		CHECK(!kmalloc_fails(GFP_ATOMIC));
	fault_reset();
}

/* ---- the filters ------------------------------------------------------------------------ */

TEST(ignore_gfp_wait_spares_allocations_that_may_sleep)
{
	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,-1"), 0);
	CHECK_EQ(kmm_fault_setup("fail_page_alloc", "1,100,0,-1"), 0);
	CHECK(!kmalloc_fails(GFP_KERNEL));
	CHECK(!pages_fail(GFP_KERNEL, 1));
	CHECK(kmalloc_fails(GFP_NOWAIT));
	CHECK(pages_fail(GFP_NOWAIT, 1));
	attr_set("failslab", "ignore-gfp-wait", "N");
	attr_set("fail_page_alloc", "ignore-gfp-wait", "N");
	CHECK(kmalloc_fails(GFP_KERNEL));
	CHECK(pages_fail(GFP_KERNEL, 1));
	fault_reset();
}

TEST(nofail_never_fails)
{
	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,-1"), 0);
	CHECK_EQ(kmm_fault_setup("fail_page_alloc", "1,100,0,-1"), 0);
	attr_set("failslab", "ignore-gfp-wait", "N");
	attr_set("fail_page_alloc", "ignore-gfp-wait", "N");
	attr_set("fail_page_alloc", "min-order", "0");
	for (int i = 0; i < 50; i++) {
		CHECK(!kmalloc_fails(GFP_KERNEL | __GFP_NOFAIL));
		CHECK(!pages_fail(GFP_KERNEL | __GFP_NOFAIL, (unsigned int)i % 4));
	}
	kmm_fail_nth_set(1);
	CHECK(!kmalloc_fails(GFP_KERNEL | __GFP_NOFAIL));
	CHECK_EQ(kmm_fail_nth_get(), 1); /* not even counted */
	fault_reset();
}

TEST(fail_page_alloc_min_order_and_highmem)
{
	fault_reset();
	CHECK_EQ(kmm_fault_setup("fail_page_alloc", "1,100,0,-1"), 0);
	CHECK(!pages_fail(GFP_ATOMIC, 0)); /* min-order 1 spares single pages */
	CHECK(pages_fail(GFP_ATOMIC, 1));
	CHECK(pages_fail(GFP_ATOMIC, 3));
	CHECK(!pages_fail(GFP_ATOMIC | __GFP_HIGHMEM, 1));
	attr_set("fail_page_alloc", "ignore-gfp-highmem", "N");
	CHECK(pages_fail(GFP_ATOMIC | __GFP_HIGHMEM, 1));
	attr_set("fail_page_alloc", "min-order", "0");
	CHECK(pages_fail(GFP_ATOMIC, 0));
	/* a large kmalloc is pages: fail_page_alloc's, not failslab's */
	CHECK(kmalloc_fails(GFP_ATOMIC) == false);
	{
		void *big = kmalloc(64 << 10, GFP_ATOMIC);

		CHECK(big == NULL);
		kfree(big);
	}
	fault_reset();
}

TEST(cache_filter_fails_only_marked_caches)
{
	struct kmem_cache *marked = kmem_cache_create("fi_marked", 100, 0, SLAB_FAILSLAB, NULL);
	struct kmem_cache *plain = kmem_cache_create("fi_plain", 100, 0, 0, NULL);
	void *p;

	REQUIRE(marked && plain);
	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,-1"), 0);
	attr_set("failslab", "cache-filter", "Y");
	CHECK(kmem_cache_alloc(marked, GFP_ATOMIC) == NULL);
	p = kmem_cache_alloc(plain, GFP_ATOMIC);
	CHECK(p != NULL);
	kmem_cache_free(plain, p);
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	attr_set("failslab", "cache-filter", "N");
	CHECK(kmem_cache_alloc(plain, GFP_ATOMIC) == NULL);
	fault_reset();
	kmem_cache_destroy(marked);
	kmem_cache_destroy(plain);
}

TEST(bulk_allocation_fails_whole)
{
	struct kmem_cache *c = kmem_cache_create("fi_bulk", 48, 0, 0, NULL);
	void *objs[16];

	REQUIRE(c);
	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,1"), 0);
	CHECK_EQ(kmem_cache_alloc_bulk(c, GFP_ATOMIC, 16, objs), 0);
	CHECK_EQ(kmem_cache_alloc_bulk(c, GFP_ATOMIC, 16, objs), 16);
	kmem_cache_free_bulk(c, 16, objs);
	fault_reset();
	kmem_cache_destroy(c);
}

static void kmalloc_in_interrupt(void *arg)
{
	*(bool *)arg = kmalloc_fails(GFP_ATOMIC);
}

TEST(task_filter_needs_make_it_fail)
{
	bool failed = true;

	fault_reset();
	CHECK_EQ(kmm_fault_setup("failslab", "1,100,0,-1"), 0);
	attr_set("failslab", "task-filter", "Y");
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	CHECK_EQ(kmm_make_it_fail_set(1), 0);
	CHECK_EQ(kmm_make_it_fail_get(), 1);
	CHECK(kmalloc_fails(GFP_ATOMIC));
	/* fail_task() wants task context: not in an interrupt */
	kmm_run_in_interrupt(kmalloc_in_interrupt, &failed);
	CHECK(!failed);
	CHECK_EQ(kmm_make_it_fail_set(0), 0);
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	fault_reset();
}

/* ---- fail-nth ---------------------------------------------------------------------------- */

static void *other_thread(void *arg)
{
	int *fails = arg;

	for (int i = 0; i < 10; i++)
		*fails += kmalloc_fails(GFP_ATOMIC);
	return NULL;
}

TEST(fail_nth_fails_the_nth_call_of_this_thread)
{
	pthread_t t;
	int other_fails = 0;

	fault_reset();
	kmm_fail_nth_set(3);
	CHECK(atomic_load(&fault_inject_active) > 0);
	/* another thread is not affected */
	pthread_create(&t, NULL, other_thread, &other_fails);
	pthread_join(t, NULL);
	CHECK_EQ(other_fails, 0);
	CHECK_EQ(kmm_fail_nth_get(), 3);
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	CHECK_EQ(kmm_fail_nth_get(), 2);
	CHECK(!kmalloc_fails(GFP_KERNEL)); /* ignored (ignore-gfp-wait): not counted */
	CHECK_EQ(kmm_fail_nth_get(), 2);
	CHECK(!kmalloc_fails(GFP_ATOMIC));
	CHECK(kmalloc_fails(GFP_ATOMIC));
	CHECK_EQ(kmm_fail_nth_get(), 0);
	/* reading back 0 ends it: the fast paths are back */
	CHECK_EQ(atomic_load(&fault_inject_active), 0);
	CHECK(!kmalloc_fails(GFP_ATOMIC));

	/* fail-nth counts page allocations too, and outranks probability 0 */
	kmm_fail_nth_set(1);
	CHECK(pages_fail(GFP_ATOMIC, 1));
	CHECK_EQ(kmm_fail_nth_get(), 0);
	/* disarmed by hand */
	kmm_fail_nth_set(5);
	kmm_fail_nth_set(0);
	CHECK_EQ(atomic_load(&fault_inject_active), 0);
	fault_reset();
}

/* ---- the verbose report ---------------------------------------------------------------- */

static void verbose_child(void *arg)
{
	attr_set("failslab", "verbose", (const char *)arg);
	CHECK_EQ(kmm_fault_setup("failslab", "1,10,0,-1"), 0);
	while (!kmalloc_fails(GFP_ATOMIC))
		;
	/* __GFP_NOWARN: no message at all */
	attr_set("failslab", "probability", "100");
	fprintf(stderr, "-- nowarn --\n");
	CHECK(kmalloc_fails(GFP_ATOMIC | __GFP_NOWARN));
	fprintf(stderr, "-- end --\n");
	fflush(stderr);
}

TEST(verbose_report_as_the_kernel_prints_it)
{
	int status;
	char *out;

	fault_reset();
	out = kmm_run_child(verbose_child, "2", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: forcing a failure.\n"
				"name failslab, interval 1, probability 10, space 0, times -1\n"
				"CPU: ");
	CHECK_STR_CONTAINS(out, "Call Trace:\n");
	CHECK_STR_CONTAINS(out, "should_fail_ex");
	CHECK_STR_CONTAINS(out, "-- nowarn --\n-- end --\n");
	free(out);

	out = kmm_run_child(verbose_child, "1", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: forcing a failure.\n"
				"name failslab, interval 1, probability 10, space 0, times -1\n");
	CHECK(!strstr(out, "Call Trace:"));
	free(out);

	out = kmm_run_child(verbose_child, "0", &status);
	CHECK(!strstr(out, "FAULT_INJECTION"));
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
