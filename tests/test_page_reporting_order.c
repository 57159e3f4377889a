/* kmm-test: labels=unit env=KMM_RAM=512M,KMM_PAGE_REPORTING_ORDER=3,KMM_PAGE_REPORTING_DELAY=1,KMM_NR_CPUS=2 timeout=60 */
/*
 * Free page reporting below max order (page_reporting.page_reporting_order=3, a 1 ms
 * delay, as the malloc shim sets them): freed blocks above order 3 but below max order
 * are given back to the host by the worker on its own. (Order 4: the per-CPU lists keep
 * orders up to 3 out of the buddy lists until they drain, as the kernel's.)
 */
#include "kmm_test.h"
#include "page_reporting_test.h"

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>

/* Order-4 blocks, every other one kept so that the freed ones cannot merge far. */
enum { NR_PAIRS = 48, ORDER = 4 };
static struct page *kept[NR_PAIRS], *freed[NR_PAIRS];
#define REPORTED_AT_LEAST (32LL * (long long)(PAGE_SIZE << ORDER))

static void touch(struct page *page, unsigned int order)
{
	memset(page_address(page), 0x5a, PAGE_SIZE << order);
}

TEST(the_settings_are_in_force)
{
	const struct kmm_config *c = kmm_config_get();

	CHECK_EQ(c->page_reporting_order, 3);
	CHECK_EQ(c->page_reporting_delay_ms, 1);
}

TEST(the_worker_reports_freed_order_4_blocks_on_its_own)
{
	long long touched, now = 0;

	kmm_page_reporting_flush();
	for (int i = 0; i < NR_PAIRS; i++) {
		kept[i] = alloc_pages(GFP_KERNEL, ORDER);
		freed[i] = alloc_pages(GFP_KERNEL, ORDER);
		REQUIRE(kept[i] != NULL && freed[i] != NULL);
		touch(kept[i], ORDER);
		touch(freed[i], ORDER);
	}
	touched = ram_backed_bytes();
	REQUIRE(touched >= 2LL * NR_PAIRS * (long long)(PAGE_SIZE << ORDER));
	for (int i = 0; i < NR_PAIRS; i++)
		free_pages((unsigned long)page_address(freed[i]), ORDER);
	/*
	 * The 32nd free (PAGE_REPORTING_CAPACITY pending) requests a report, which runs
	 * after 1 ms: at least those 32 blocks go, the rest too unless the report started
	 * before they were freed (then they wait for 32 more). Give a loaded machine up to
	 * 10 s; with max order, nothing here would ever be reported.
	 */
	for (int i = 0; i < 1000; i++) {
		now = ram_backed_bytes();
		if (touched - now >= REPORTED_AT_LEAST)
			break;
		usleep(10 * 1000);
	}
	CHECK(touched - now >= REPORTED_AT_LEAST);
	for (int i = 0; i < NR_PAIRS; i++)
		free_pages((unsigned long)page_address(kept[i]), ORDER);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

int main(void)
{
	return kmm_test_main();
}
