/* kmm-test: labels=stress timeout=600 env=KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_slub_stress.c - the SLUB stress of test_slub.c at full length: 4 threads,
 * 10^7 allocations and frees in all, a quarter of the objects freed by another thread
 * than the one that allocated them, every object's content checked before it is freed,
 * and the cache validated and empty at the end.
 */
#define SLUB_STRESS_MAIN
#include "test_slub.c"

TEST(ten_million_operations_on_four_threads)
{
	slub_stress_run(10000000 / STRESS_THREADS);
	CHECK_EQ(stress_bad, 0);
}

int main(void)
{
	/* test_slub.c's unit tests are compiled in too; only this one runs here */
	setenv("KMM_TEST_ONLY", "ten_million_operations_on_four_threads", 0);
	return kmm_test_main();
}
