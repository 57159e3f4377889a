/* kmm-test: labels=preload timeout=60 */
/*
 * test_shim_rss - the shim's free page reporting settings (order 3, 1 ms, see
 * shim/malloc.c): memory a program frees in blocks far smaller than the page
 * allocator's max order (4 MiB) and in amounts far below the 32 such blocks the
 * library's defaults wait for goes back to the host, so RSS falls back.
 */
#include "shim_test.h"

enum { NR_BLOCKS = 64, BLOCK = 256 << 10 }; /* 16 MiB in blocks of order 6 */

TEST(rss_falls_back_after_freeing_medium_blocks)
{
	void *block[NR_BLOCKS];
	long start, peak, end;

	start = proc_status_kb("VmRSS");
	for (int i = 0; i < NR_BLOCKS; i++) {
		block[i] = malloc(BLOCK);
		REQUIRE(block[i] != NULL);
		memset(block[i], 3, BLOCK);
	}
	peak = proc_status_kb("VmRSS");
	for (int i = 0; i < NR_BLOCKS; i++)
		free(block[i]);
	/*
	 * The 32nd free requests a report; frees made after it started wait for 32 more, so
	 * on a loaded machine up to 31 of the 64 blocks may stay: more than half must go.
	 */
	end = rss_after_frees_kb(start, peak);
	CHECK(peak - start >= (NR_BLOCKS * BLOCK >> 10) * 3 / 4);
	CHECK(end - start < (peak - start) / 2);
}

int main(int argc, char **argv)
{
	(void)argc;
	return shim_test_main(argv);
}
