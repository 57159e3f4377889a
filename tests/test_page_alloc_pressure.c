/* kmm-test: labels=unit env=KMM_RAM=64M,KMM_PAGE_REPORTING=0,KMM_NR_CPUS=2 timeout=120 */
/*
 * The page allocator under memory pressure, with 64M of RAM (zones DMA and DMA32):
 * how deep GFP_NOWAIT, GFP_ATOMIC and GFP_KERNEL may go into the reserves, __GFP_NOFAIL
 * waiting for a concurrent free, direct reclaim and kswapd running shrinkers,
 * __GFP_NORETRY against __GFP_RETRY_MAYFAIL, the OOM notifier chain, the allocation
 * failure report, and the report for a blocking allocation in atomic context.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <time.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>

#include "internal.h"

#define NOWARN __GFP_NOWARN
/* Allocation flags that neither wake kswapd nor reclaim: fill memory quietly. */
#define GFP_QUIET	(__GFP_NOWARN)
#define GFP_DIRECT_ONLY (__GFP_DIRECT_RECLAIM | __GFP_IO | __GFP_FS)

static struct zone *dma32(void)
{
	kmm_ensure_init();
	return &NODE_DATA(0)->node_zones[ZONE_DMA32];
}

static long free_of(struct zone *z)
{
	return zone_page_state(z, NR_FREE_PAGES);
}

/* A stack of held pages, linked through their own memory. */
struct held {
	pthread_mutex_t lock;
	void *top;
	long count;
	bool account_reclaimable;
};

static struct held held = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, false };

static void hold(struct page *page)
{
	void *p = page_address(page);

	pthread_mutex_lock(&held.lock);
	*(void **)p = held.top;
	held.top = p;
	held.count++;
	if (held.account_reclaimable)
		mod_node_page_state(NODE_DATA(0), NR_SLAB_RECLAIMABLE_B, PAGE_SIZE);
	pthread_mutex_unlock(&held.lock);
}

static bool release_one(void)
{
	void *p;

	pthread_mutex_lock(&held.lock);
	p = held.top;
	if (p) {
		held.top = *(void **)p;
		held.count--;
		if (held.account_reclaimable)
			mod_node_page_state(NODE_DATA(0), NR_SLAB_RECLAIMABLE_B, -(long)PAGE_SIZE);
	}
	pthread_mutex_unlock(&held.lock);
	if (p)
		free_page((unsigned long)p);
	return p != NULL;
}

static void release_all(void)
{
	while (release_one())
		;
	drain_all_pages(NULL);
}

static long fill(gfp_t gfp, long limit)
{
	long n = 0;
	struct page *page;

	while (n < limit && (page = alloc_pages(gfp, 0))) {
		hold(page);
		n++;
	}
	return n;
}

/* Bring DMA32 to @below pages under its min watermark (counted with empty pcp lists). */
static void position_below_min(long below)
{
	struct zone *z = dma32();

	fill(GFP_QUIET, 1L << 30);
	for (int tries = 0; tries < 100; tries++) {
		drain_all_pages(NULL);
		long want = (long)min_wmark_pages(z) - below;

		if (free_of(z) <= want)
			return;
		fill(__GFP_MEMALLOC | NOWARN, free_of(z) - want);
	}
}

TEST(nowait_stops_at_min_atomic_goes_deeper_kernel_does_not)
{
	struct zone *z = dma32();
	long min = (long)min_wmark_pages(z);
	long n_nowait, n_atomic;

	n_nowait = fill(GFP_NOWAIT, 1L << 30);
	CHECK(n_nowait > 10000);
	drain_all_pages(NULL);
	/* GFP_NOWAIT may not use any of the reserve below min */
	CHECK(free_of(z) >= min - 8);
	n_atomic = fill(GFP_ATOMIC | NOWARN, 1L << 30);
	drain_all_pages(NULL);
	/* GFP_ATOMIC: half of min, then a quarter of that for not blocking: 3/8 of min left */
	CHECK(n_atomic > min / 2);
	CHECK(free_of(z) <= min - min / 2 - (min - min / 2) / 4 + 8);
	CHECK(free_of(z) >= min / 4);
	/* GFP_KERNEL may reclaim but never use the reserve: it fails here */
	CHECK(alloc_pages(GFP_KERNEL | NOWARN, 0) == NULL);
	CHECK(alloc_pages(GFP_NOWAIT, 0) == NULL);
	/* __GFP_MEMALLOC ignores watermarks */
	struct page *page = alloc_pages(__GFP_MEMALLOC | NOWARN, 0);
	CHECK(page != NULL);
	if (page)
		hold(page);
	release_all();
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

static void fail_kernel_alloc(void *arg)
{
	fill(GFP_QUIET, 1L << 30);
	fill(GFP_ATOMIC | NOWARN, 1L << 30);
	printf("result=%p\n", (void *)alloc_pages(GFP_KERNEL, 0));
}

TEST(allocation_failure_is_reported_as_the_kernel_does)
{
	int status;
	char *out = kmm_run_child(fail_kernel_alloc, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), "
				"nodemask=(null)");
	CHECK_STR_CONTAINS(out, "Call Trace:");
	CHECK_STR_CONTAINS(out, "Mem-Info:");
	CHECK_STR_CONTAINS(out, "result=(nil)");
	free(out);
}

struct nofail_arg {
	struct page *page;
	_Atomic bool done;
};

static void *nofail_thread(void *p)
{
	struct nofail_arg *a = p;

	a->page = alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 0);
	atomic_store(&a->done, true);
	return NULL;
}

TEST(nofail_waits_for_a_concurrent_free)
{
	struct nofail_arg arg = { NULL, false };
	pthread_t t;

	fill(GFP_QUIET, 1L << 30);
	fill(__GFP_MEMALLOC | NOWARN, 1L << 30); /* every last page */
	drain_all_pages(NULL);
	fill(__GFP_MEMALLOC | NOWARN, 1L << 30);
	CHECK(alloc_pages(__GFP_MEMALLOC | NOWARN, 0) == NULL);
	pthread_create(&t, NULL, nofail_thread, &arg);
	usleep(300 * 1000);
	CHECK(!atomic_load(&arg.done)); /* still waiting: nothing is free */
	release_one();
	pthread_join(t, NULL);
	CHECK(arg.page != NULL);
	if (arg.page)
		__free_pages(arg.page, 0);
	release_all();
}

/* A test cache whose shrinker frees one held page per object scanned. */
static _Atomic int scans, kswapd_scans;
static pthread_t scanner_expected;
static _Atomic int scans_in_caller;

static unsigned long test_count(struct shrinker *s, struct shrink_control *sc)
{
	pthread_mutex_lock(&held.lock);
	long n = held.count;
	pthread_mutex_unlock(&held.lock);
	return (unsigned long)n;
}

static unsigned long test_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long freed = 0;

	atomic_fetch_add(&scans, 1);
	if (current_task()->flags & PF_KSWAPD)
		atomic_fetch_add(&kswapd_scans, 1);
	if (pthread_equal(pthread_self(), scanner_expected))
		atomic_fetch_add(&scans_in_caller, 1);
	while (freed < sc->nr_to_scan && release_one())
		freed++;
	return freed;
}

/* One object visible at a time, batch 1: each reclaim round frees exactly two pages. */
static unsigned long trickle_count(struct shrinker *s, struct shrink_control *sc)
{
	pthread_mutex_lock(&held.lock);
	long n = held.count;
	pthread_mutex_unlock(&held.lock);
	return n ? 1 : 0;
}

static unsigned long trickle_scan(struct shrinker *s, struct shrink_control *sc)
{
	atomic_fetch_add(&scans, 1);
	return release_one() ? 1 : 0;
}

TEST(direct_reclaim_runs_shrinkers_in_the_caller)
{
	struct shrinker *s = shrinker_alloc(0, "test-direct");

	REQUIRE(s != NULL);
	s->count_objects = test_count;
	s->scan_objects = test_scan;
	shrinker_register(s);
	position_below_min(10);
	scanner_expected = pthread_self();
	atomic_store(&scans_in_caller, 0);
	unsigned long stalls = vm_event_sum(ALLOCSTALL);
	struct page *page = alloc_pages(GFP_DIRECT_ONLY, 0);
	CHECK(page != NULL);
	CHECK(atomic_load(&scans_in_caller) > 0);
	CHECK_EQ(vm_event_sum(ALLOCSTALL) - stalls, 1);
	if (page)
		__free_pages(page, 0);
	shrinker_free(s);
	release_all();
}

TEST(noretry_gives_up_after_one_reclaim_retry_mayfail_retries)
{
	struct shrinker *s = shrinker_alloc(0, "test-trickle");

	REQUIRE(s != NULL);
	s->count_objects = trickle_count;
	s->scan_objects = trickle_scan;
	s->batch = 1;
	shrinker_register(s);
	held.account_reclaimable = true;
	position_below_min(4);
	unsigned long stalls = vm_event_sum(ALLOCSTALL);
	CHECK(alloc_pages(GFP_DIRECT_ONLY | __GFP_NORETRY | NOWARN, 0) == NULL);
	CHECK_EQ(vm_event_sum(ALLOCSTALL) - stalls, 1);

	position_below_min(6);
	stalls = vm_event_sum(ALLOCSTALL);
	struct page *page = alloc_pages(GFP_DIRECT_ONLY | __GFP_RETRY_MAYFAIL | NOWARN, 0);
	CHECK(page != NULL);
	CHECK(vm_event_sum(ALLOCSTALL) - stalls >= 2);
	if (page)
		__free_pages(page, 0);
	/* costly orders do not retry unless asked: one reclaim round, then failure */
	position_below_min(6);
	stalls = vm_event_sum(ALLOCSTALL);
	CHECK(alloc_pages(GFP_DIRECT_ONLY | NOWARN, PAGE_ALLOC_COSTLY_ORDER + 1) == NULL);
	CHECK_EQ(vm_event_sum(ALLOCSTALL) - stalls, 1);
	shrinker_free(s);
	release_all();
	held.account_reclaimable = false;
}

static _Atomic int oom_calls;

static int test_oom_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	unsigned long *freed = data;

	atomic_fetch_add(&oom_calls, 1);
	for (int i = 0; i < 16 && release_one(); i++)
		(*freed)++;
	return NOTIFY_OK;
}

TEST(oom_notifiers_run_before_an_allocation_gives_up)
{
	struct notifier_block nb = { .notifier_call = test_oom_notify };

	register_oom_notifier(&nb);
	position_below_min(10);
	struct page *page = alloc_pages(GFP_DIRECT_ONLY, 0);
	CHECK(page != NULL);
	CHECK(atomic_load(&oom_calls) > 0);
	/* __GFP_RETRY_MAYFAIL never reaches the OOM step */
	position_below_min(10);
	int before = atomic_load(&oom_calls);
	CHECK(alloc_pages(GFP_DIRECT_ONLY | __GFP_RETRY_MAYFAIL | NOWARN, 0) == NULL);
	CHECK_EQ(atomic_load(&oom_calls), before);
	unregister_oom_notifier(&nb);
	if (page)
		__free_pages(page, 0);
	release_all();
}

static noinline void alloc_from_another_site(void)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);

	printf("other site: %s\n", p ? "ok" : "failed");
	if (p)
		__free_pages(p, 0);
}

static void alloc_in_atomic(void *arg)
{
	struct page *p1, *p2;

	preempt_disable();
	for (int i = 0; i < 2; i++) {
		p1 = alloc_pages(GFP_KERNEL, 0); /* one call site, reported once */
		printf("alloc %d: %s\n", i, p1 ? "ok" : "failed");
		if (p1)
			__free_pages(p1, 0);
	}
	alloc_from_another_site(); /* a second site: a second report */
	alloc_from_another_site();
	preempt_enable();
	p2 = alloc_pages(GFP_ATOMIC, 0);
	printf("atomic: %s\n", p2 ? "ok" : "failed");
}

TEST(blocking_allocation_in_atomic_context_is_reported_once_per_caller)
{
	int status;
	char *out = kmm_run_child(alloc_in_atomic, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: sleeping function called from invalid context at ");
	CHECK_STR_CONTAINS(out, "in_atomic(): 1, irqs_disabled(): 0");
	CHECK_STR_CONTAINS(out, "alloc 0: ok");
	CHECK_STR_CONTAINS(out, "alloc 1: ok");
	CHECK_STR_CONTAINS(out, "atomic: ok");
	CHECK_STR_CONTAINS(out, "other site: ok");
	int reports = 0;
	for (char *p = strstr(out, "BUG: sleeping function"); p;
	     p = strstr(p + 1, "BUG: sleeping function"))
		reports++;
	CHECK_EQ(reports, 2);
	free(out);
}

/* kswapd's goal, as the kernel's pgdat_balanced(): any eligible zone above high. */
static bool node_balanced(void)
{
	for (int i = 0; i <= ZONE_NORMAL; i++) {
		struct zone *z = &NODE_DATA(0)->node_zones[i];

		if (managed_zone(z) && zone_watermark_ok(z, 0, high_wmark_pages(z), ZONE_NORMAL, 0))
			return true;
	}
	return false;
}

TEST(kswapd_reclaims_through_a_shrinker_to_the_high_watermark)
{
	struct shrinker *s = shrinker_alloc(0, "test-kswapd");

	REQUIRE(s != NULL);
	s->count_objects = test_count;
	s->scan_objects = test_scan;
	shrinker_register(s);
	atomic_store(&kswapd_scans, 0);
	/* fill quietly to the min watermark, then one GFP_NOWAIT allocation wakes kswapd */
	position_below_min(0);
	struct page *page = alloc_pages(GFP_NOWAIT, 0);
	if (page)
		hold(page);
	bool balanced = false;
	for (int i = 0; i < 500 && !balanced; i++) {
		usleep(10 * 1000);
		balanced = node_balanced();
	}
	CHECK(balanced);
	CHECK(atomic_load(&kswapd_scans) > 0);
	CHECK(vm_event_sum(PGSTEAL_KSWAPD) > 0);
	shrinker_free(s);
	release_all();
}

int main(void)
{
	return kmm_test_main();
}
