/* kmm-test: labels=unit env=KMM_RAM=512M,KMM_PAGE_REPORTING=1,KMM_NR_CPUS=2 timeout=60 */
/*
 * Free page reporting: free max-order blocks are given back to the host (holes punched
 * in the memfd that is kmm's RAM), on demand and by the background worker, and a
 * reported block reads as zero when it is handed out again.
 */
#include "kmm_test.h"
#include "page_reporting_test.h"

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>

enum { NR_BLOCKS = 40 }; /* more than PAGE_REPORTING_CAPACITY (32): wakes the worker */
static struct page *blocks[NR_BLOCKS];

static void touch_blocks_n(int n)
{
	for (int i = 0; i < n; i++) {
		blocks[i] = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
		REQUIRE(blocks[i] != NULL);
		memset(page_address(blocks[i]), 0xa5, MAX_ORDER_NR_PAGES * PAGE_SIZE);
	}
}

/* Those touch_blocks_n() got: its REQUIRE leaves the test going, and the rest NULL. */
static void free_blocks_n(int n)
{
	for (int i = 0; i < n; i++) {
		if (blocks[i])
			__free_pages(blocks[i], MAX_PAGE_ORDER);
		blocks[i] = NULL;
	}
}

static void touch_blocks(void)
{
	touch_blocks_n(NR_BLOCKS);
}

static void free_blocks(void)
{
	free_blocks_n(NR_BLOCKS);
}

/* Fewer than PAGE_REPORTING_CAPACITY: the worker stays asleep, the flush does it all. */
enum { NR_FLUSH_BLOCKS = 16 };

TEST(flush_gives_freed_blocks_back_to_the_host)
{
	long long before, touched, after;

	kmm_page_reporting_flush();
	before = ram_backed_bytes();
	REQUIRE(before >= 0);
	touch_blocks_n(NR_FLUSH_BLOCKS);
	touched = ram_backed_bytes();
	CHECK(touched - before >= (long long)NR_FLUSH_BLOCKS * (4 << 20));
	free_blocks_n(NR_FLUSH_BLOCKS);
	CHECK(kmm_page_reporting_flush() >= NR_FLUSH_BLOCKS * MAX_ORDER_NR_PAGES);
	after = ram_backed_bytes();
	CHECK(touched - after >= (long long)NR_FLUSH_BLOCKS * (4 << 20));
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(a_reported_block_reads_as_zero_when_reused)
{
	struct page *page;
	unsigned char *p;
	int nonzero = 0;

	touch_blocks_n(NR_FLUSH_BLOCKS);
	free_blocks_n(NR_FLUSH_BLOCKS);
	kmm_page_reporting_flush();
	page = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	REQUIRE(page != NULL);
	p = page_address(page);
	for (size_t i = 0; i < MAX_ORDER_NR_PAGES * PAGE_SIZE; i += 512)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);
	__free_pages(page, MAX_PAGE_ORDER);
}

TEST(the_worker_reports_on_its_own_after_enough_frees)
{
	long long touched, now = 0;

	kmm_page_reporting_flush();
	touch_blocks();
	touched = ram_backed_bytes();
	free_blocks();
	/* PAGE_REPORTING_DELAY is 2 s: allow for a slow machine */
	for (int i = 0; i < 100; i++) {
		usleep(100 * 1000);
		now = ram_backed_bytes();
		if (touched - now >= (long long)NR_BLOCKS * (4 << 20))
			break;
	}
	CHECK(touched - now >= (long long)NR_BLOCKS * (4 << 20));
}

/* Voluntary context switches of the thread named @comm, or -1 if there is none. */
static long thread_voluntary_switches(const char *comm)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long switches = -1;

	while (d && (e = readdir(d))) {
		char path[300], line[256];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f) || strncmp(line, comm, strlen(comm))) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &switches) == 1)
				break;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return switches;
}

/*
 * Once a report is requested, more max-order frees only add to it: the worker, waiting
 * out PAGE_REPORTING_DELAY, is not woken by each of them (a program that frees large
 * blocks in a loop would otherwise pay a wake-up and a context switch per free).
 */
TEST(frees_during_the_delay_do_not_wake_the_worker_each_time)
{
	enum { FREES = 2000 };
	long before, after;

	kmm_page_reporting_flush();
	touch_blocks();
	free_blocks(); /* requests a report: the worker starts its delay */
	usleep(100 * 1000);
	before = thread_voluntary_switches("page_reporting");
	REQUIRE(before >= 0);
	for (int i = 0; i < FREES; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);

		REQUIRE(page != NULL);
		__free_pages(page, MAX_PAGE_ORDER);
	}
	after = thread_voluntary_switches("page_reporting");
	/* a report or two may fall in the window, never one wake-up per free */
	CHECK(after - before < 20);
	kmm_page_reporting_flush();
}

int main(void)
{
	return kmm_test_main();
}
