/* kmm-test: labels=unit env=KMM_KASAN=off,KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_kvmalloc - the kvmalloc family's rules (mm/util.c): which allocator answers each
 * request (is_vmalloc_addr of the result), and the flags kmalloc is tried with, seen
 * through their effects in a RAM with no free block above order 0 (built in a child
 * process): no warning (__GFP_NOWARN), no OOM notifier call (__GFP_NORETRY),
 * no endless retry (__GFP_NOFAIL dropped).
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kmm_test.h"

TEST(small_requests_use_kmalloc)
{
	void *a = kvmalloc(100, GFP_KERNEL), *b = kvmalloc(PAGE_SIZE, GFP_KERNEL);
	void *c = kvmalloc(64 << 10, GFP_KERNEL); /* above a page, but kmalloc can */

	REQUIRE(a && b && c);
	CHECK(!is_vmalloc_addr(a));
	CHECK(!is_vmalloc_addr(b));
	CHECK(!is_vmalloc_addr(c));
	kvfree(a);
	kvfree(b);
	kvfree(c);
	kvfree(NULL);
}

TEST(beyond_kmalloc_falls_back_to_vmalloc)
{
	unsigned long before = meminfo_kb("VmallocUsed");
	char *p = kvzalloc(8 << 20, GFP_KERNEL); /* KMALLOC_MAX_SIZE is 4 MiB */
	char *q = kvmalloc_node(6 << 20, GFP_KERNEL, NUMA_NO_NODE);

	REQUIRE(p && q);
	CHECK(is_vmalloc_addr(p));
	CHECK(is_vmalloc_addr(q));
	CHECK(find_vm_area(p)->flags & VM_ALLOW_HUGE_VMAP);
	for (unsigned long i = 0; i < (8 << 20); i += 997)
		CHECK_EQ(p[i], 0);
	CHECK(meminfo_kb("VmallocUsed") >= before + 14 * 1024);
	kvfree(p);
	kvfree(q);
}

TEST(array_overflow_is_null)
{
	volatile size_t huge = SIZE_MAX / 2;
	unsigned int *z = kvcalloc(5000, sizeof(*z), GFP_KERNEL);

	REQUIRE(z);
	for (int i = 0; i < 5000; i++)
		CHECK_EQ(z[i], 0);
	kvfree(z);
	CHECK(kvmalloc_array(huge, 4, GFP_KERNEL) == NULL);
	CHECK(kvcalloc(huge, 3, GFP_KERNEL) == NULL);
	z = kvmalloc_array(3 << 20, 4, GFP_KERNEL);
	REQUIRE(z);
	CHECK(is_vmalloc_addr(z));
	kvfree(z);
}

TEST(kvrealloc_moves_between_kinds)
{
	char *p = kvmalloc(1000, GFP_KERNEL), *q;

	REQUIRE(p);
	memset(p, 'k', 1000);
	q = kvrealloc(p, 6 << 20, GFP_KERNEL); /* beyond kmalloc: now vmalloc'd */
	REQUIRE(q);
	CHECK(is_vmalloc_addr(q));
	CHECK_EQ(q[999], 'k');
	p = kvrealloc(q, (6 << 20) - 100, GFP_KERNEL); /* vrealloc: in place */
	CHECK(p == q);
	kvfree(p);
}

TEST(kvfree_sensitive_zeroes)
{
	char *p = kvmalloc(6 << 20, GFP_KERNEL), *direct;

	REQUIRE(p);
	memset(p, 0x77, 6 << 20);
	REQUIRE(is_vmalloc_addr(p));
	direct = page_address(vmalloc_to_page(p + 5 * PAGE_SIZE));
	kvfree_sensitive(p, 6 << 20);
	CHECK_EQ(direct[10], 0); /* seen through the direct map after the free */
	kvfree_sensitive(NULL, 10);
}

static void *crazy_size(void *arg)
{
	return kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL | (arg ? __GFP_NOWARN : 0));
}

static void kvmalloc_crazy(void *arg)
{
	/* kmalloc is tried first (quietly), then the INT_MAX rule: NULL. */
	fprintf(stderr, "nowarn: %p\n", crazy_size((void *)1));
	fprintf(stderr, "---\n");
	fprintf(stderr, "warn: %p\n", crazy_size(NULL));
}

TEST(above_int_max_is_null_with_a_warning)
{
	int status;
	char *out = kmm_run_child(kvmalloc_crazy, NULL, &status), *mid;

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "nowarn: (nil)\n---\n");
	mid = strstr(out, "---\n");
	REQUIRE(mid);
	CHECK(!strstr(out, "WARNING") || strstr(out, "WARNING") > mid);
	CHECK_STR_CONTAINS(mid, "WARNING: CPU:");
	CHECK_STR_CONTAINS(mid, "warn: (nil)");
	CHECK(!strstr(out, "page allocation failure"));
	free(out);
}

/* ---- a RAM without free blocks above order 0 ------------------------------------------ */

static struct page *all_pages[1 << 18];
static int oom_calls;
static int shrink_calls;

static int count_oom(struct notifier_block *nb, unsigned long action, void *data)
{
	oom_calls++;
	return NOTIFY_OK;
}

static struct notifier_block oom_nb = { .notifier_call = count_oom };

static unsigned long shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	return 1;
}

static unsigned long shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	shrink_calls++;
	return SHRINK_STOP;
}

/* Take every free page, then give back those of even frame number. */
static void fragment_ram(void)
{
	unsigned long n = 0;
	struct page *page;

	while (n < ARRAY_SIZE(all_pages) &&
	       (page = alloc_page(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NORETRY | __GFP_NOWARN)))
		all_pages[n++] = page;
	for (unsigned long i = 0; i < n; i++)
		if (page_to_pfn(all_pages[i]) % 2 == 0)
			__free_page(all_pages[i]);
	fprintf(stderr, "taken %lu pages\n", n);
}

static const char *kind(void *p)
{
	return !p ? "null" : is_vmalloc_addr(p) ? "vmalloc" : "kmalloc";
}

static void fragmented(void *arg)
{
	struct shrinker *s = shrinker_alloc(0, "kvmalloc-test");
	void *p;

	alarm(60); /* a retry without end would hang the child: die instead */
	CHILD_REQUIRE(s);
	s->count_objects = shrink_count;
	s->scan_objects = shrink_scan;
	shrinker_register(s);
	register_oom_notifier(&oom_nb);
	fragment_ram();
	if (alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 1))
		fprintf(stderr, "an order-1 block is still free\n");

	p = kvmalloc(PAGE_SIZE, GFP_KERNEL);
	fprintf(stderr, "page: %s\n", kind(p));
	oom_calls = shrink_calls = 0;
	p = kvmalloc(16 << 10, GFP_KERNEL);
	fprintf(stderr, "16k: %s oom=%d\n", kind(p), oom_calls);
	p = kvmalloc(8 << 10, GFP_KERNEL);
	fprintf(stderr, "8k: %s\n", kind(p));
	p = kvmalloc(64 << 10, GFP_NOWAIT);
	fprintf(stderr, "nowait: %s\n", kind(p));
	p = kvmalloc(64 << 10, GFP_ATOMIC);
	fprintf(stderr, "atomic: %s\n", kind(p));
	p = kvmalloc(64 << 10, GFP_KERNEL | __GFP_NOFAIL);
	fprintf(stderr, "nofail: %s\n", kind(p));
	shrink_calls = 0;
	p = kvmalloc(16 << 10, GFP_KERNEL);
	fprintf(stderr, "noretry: %s shrink=%d\n", kind(p), shrink_calls);
	{
		int noretry = shrink_calls;

		shrink_calls = 0;
		p = kvmalloc(16 << 10, GFP_KERNEL | __GFP_RETRY_MAYFAIL);
		fprintf(stderr, "mayfail: %s more_reclaim=%d (%d)\n", kind(p),
			shrink_calls > noretry, shrink_calls);
	}
	fprintf(stderr, "done\n");
}

TEST(kmalloc_flags_and_fallback_in_fragmented_ram)
{
	int status;
	char *out = kmm_run_child(fragmented, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strstr(out, "an order-1 block is still free"));
	CHECK_STR_CONTAINS(out, "page: kmalloc\n");	 /* a page: kmalloc's answer stands */
	CHECK_STR_CONTAINS(out, "16k: vmalloc oom=0\n"); /* __GFP_NORETRY: no OOM */
	CHECK_STR_CONTAINS(out, "8k: vmalloc\n");
	CHECK_STR_CONTAINS(out, "nowait: null\n"); /* non-blocking: no vmalloc */
	CHECK_STR_CONTAINS(out, "atomic: null\n");
	CHECK_STR_CONTAINS(out, "nofail: vmalloc\n"); /* kmalloc without __GFP_NOFAIL */
	CHECK_STR_CONTAINS(out, "noretry: vmalloc");
	/*
	 * __GFP_RETRY_MAYFAIL keeps kmalloc from __GFP_NORETRY; kmm's page allocator does not
	 * yet retry reclaim more for it here, so only the fallback is checked.
	 */
	CHECK_STR_CONTAINS(out, "mayfail: vmalloc");
	CHECK_STR_CONTAINS(out, "done\n");
	CHECK(!strstr(out, "page allocation failure")); /* __GFP_NOWARN on kmalloc */
	printf("# %s", out);
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
