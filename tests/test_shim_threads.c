/* kmm-test: labels=preload timeout=240 backends=all */
/*
 * test_shim_threads - threads under the malloc shim: many short-lived threads that
 * allocate, exit, and must hand their slab caches back (RSS stays bounded); threads that
 * never allocate cost nothing; memory allocated by one thread and freed by another; and
 * memory going back to the host after a burst of frees.
 *
 * SHIM_THREADS sets how many short-lived threads run (default 10,000; the stress
 * variant, test_shim_threads_stress, runs 100,000).
 */
#include <malloc.h>
#include <pthread.h>
#include <sys/wait.h>

#include "shim_test.h"

#define BATCH 32 /* threads alive at once */

/*
 * SLOB walks its page list on every allocation (its batches slow down as they grow, as
 * the kernel's did): tests that keep many objects alive give it a tenth of them.
 */
static long objects(long n)
{
	const char *slab = getenv("KMM_SLAB");

	return slab && !strcmp(slab, "slob") ? n / 10 : n;
}

static long nr_threads(void)
{
	const char *v = getenv("SHIM_THREADS");

	return v ? strtol(v, NULL, 10) : 10000;
}

/* mallocs that returned NULL (fault injection), in threads that cannot CHECK */
static _Atomic long failed_mallocs;

static void *allocating_thread(void *arg)
{
	void *p[16];

	for (int i = 0; i < 16; i++) {
		p[i] = malloc((size_t)(8 << (i % 11)));
		if (p[i])
			memset(p[i], i, 8);
		else
			failed_mallocs++;
	}
	for (int i = 0; i < 16; i++)
		free(p[i]);
	return arg;
}

static void *idle_thread(void *arg)
{
	return arg;
}

/* @n threads running @fn, BATCH at a time. Returns how many could not be started. */
static long run_threads(long n, void *(*fn)(void *))
{
	pthread_t t[BATCH];
	long failed = 0;

	for (long done = 0; done < n; done += BATCH) {
		int batch = (int)(n - done < BATCH ? n - done : BATCH);

		for (int i = 0; i < batch; i++)
			if (pthread_create(&t[i], NULL, fn, NULL)) {
				failed++;
				t[i] = 0;
			}
		for (int i = 0; i < batch; i++)
			if (t[i])
				pthread_join(t[i], NULL);
	}
	return failed;
}

/*
 * Every thread's slab state is released when it exits: after a warm-up round, the rest
 * may not grow the process by more than a few MiB, whatever their number.
 */
TEST(short_lived_threads_keep_rss_bounded)
{
	long n = nr_threads(), before, after;

	CHECK_EQ(run_threads(1000, allocating_thread), 0);
	before = proc_status_kb("VmRSS");
	CHECK_EQ(run_threads(n, allocating_thread), 0);
	after = proc_status_kb("VmRSS");
	printf("%ld allocating threads: VmRSS %ld kB -> %ld kB\n", n, before, after);
	CHECK(after - before < 16 * 1024);
	CHECK_EQ(failed_mallocs, 0);
}

TEST(threads_that_never_allocate_cost_nothing)
{
	long n = nr_threads(), before, after;

	CHECK_EQ(run_threads(1000, idle_thread), 0);
	before = proc_status_kb("VmRSS");
	CHECK_EQ(run_threads(n, idle_thread), 0);
	after = proc_status_kb("VmRSS");
	printf("%ld idle threads: VmRSS %ld kB -> %ld kB\n", n, before, after);
	CHECK(after - before < 4 * 1024);
}

/*
 * A thread whose pthread key destructor allocates and frees after the shim's own one
 * has run (the program's key was created later, so its destructor runs later): the
 * C library calls the destructors again while any key is set again, so the slab state
 * the late allocation brought back is released too.
 */
static pthread_key_t late_key;

static void late_destructor(void *arg)
{
	void *p = malloc(200);

	if (p)
		memset(p, 1, 200);
	else
		failed_mallocs++;
	free(p);
	free(arg);
}

static void *thread_with_late_destructor(void *arg)
{
	void *p = malloc(64);

	failed_mallocs += !p;
	pthread_setspecific(late_key, p);
	return allocating_thread(arg);
}

TEST(allocation_in_a_late_key_destructor)
{
	long n = nr_threads() / 2, before, after;

	failed_mallocs = 0;
	free(malloc(1)); /* the shim's key exists before the program's */
	REQUIRE(pthread_key_create(&late_key, late_destructor) == 0);
	CHECK_EQ(run_threads(1000, thread_with_late_destructor), 0);
	before = proc_status_kb("VmRSS");
	CHECK_EQ(run_threads(n, thread_with_late_destructor), 0);
	after = proc_status_kb("VmRSS");
	printf("%ld threads allocating in a late destructor: VmRSS %ld kB -> %ld kB\n", n, before,
	       after);
	CHECK(after - before < 16 * 1024);
	CHECK_EQ(failed_mallocs, 0);
}

/* ---- one thread allocates, another frees ---------------------------------------------- */

static long nr_handoff;

static void *free_all(void *arg)
{
	void **v = arg;

	for (long i = 0; i < nr_handoff; i++) {
		if (!v[i])
			continue; /* a malloc that failed, counted by the test */
		if (((unsigned char *)v[i])[0] != (unsigned char)i)
			return v; /* wrong contents */
		free(v[i]);
	}
	return NULL;
}

TEST(memory_freed_by_another_thread)
{
	void **v;
	pthread_t t;
	void *ret;
	long failed = 0;

	nr_handoff = objects(200000);
	v = malloc((size_t)nr_handoff * sizeof(*v));
	ret = v;
	REQUIRE(v);
	for (int round = 0; round < 3; round++) {
		for (long i = 0; i < nr_handoff; i++) {
			v[i] = malloc((size_t)(16 + (i % 64) * 8));
			if (v[i])
				((unsigned char *)v[i])[0] = (unsigned char)i;
			else
				failed++;
		}
		ret = v;
		if (!pthread_create(&t, NULL, free_all, v))
			pthread_join(t, &ret);
		CHECK(ret == NULL);
		if (ret) /* not freed by the thread: free them here */
			for (long i = 0; i < nr_handoff; i++)
				free(v[i]);
	}
	CHECK_EQ(failed, 0);
	free(v);
}

/* ---- memory goes back to the host --------------------------------------------------- */

/*
 * After a burst of small objects and large blocks is freed, the process's resident
 * memory falls back near where it started, without malloc_trim() (it is called once
 * before, for a clean start, after the earlier tests' frees): the freed slabs return
 * to the page allocator, whose free page reporting gives whole blocks back once 32 of
 * them (128 MiB) are free, as the kernel's does: the burst is larger than that. SLOB
 * gets a tenth of the small objects (see objects()) and more large blocks instead.
 */
TEST(rss_falls_back_after_a_burst_of_frees)
{
	long nr_small = objects(200000);
	int nr_large = nr_small < 200000 ? 40 : 24;
	void **small = malloc((size_t)nr_small * sizeof(*small)), *large[40];
	long start, peak, end, failed = 0;

	REQUIRE(small);
	malloc_trim(0); /* what earlier tests freed goes back now: a clean start */
	start = proc_status_kb("VmRSS");
	for (long i = 0; i < nr_small; i++) {
		small[i] = malloc(640 + (size_t)(i % 5) * 64); /* 150 MiB, or 15 */
		if (small[i])
			memset(small[i], 1, 640);
		else
			failed++;
	}
	for (int i = 0; i < nr_large; i++) {
		large[i] = malloc((size_t)(i + 1) << 18); /* 256 KiB .. 6 or 10 MiB */
		if (large[i])
			memset(large[i], 2, (size_t)(i + 1) << 18);
		else
			failed++;
	}
	peak = proc_status_kb("VmRSS");
	for (long i = 0; i < nr_small; i++)
		free(small[i]);
	for (int i = 0; i < nr_large; i++)
		free(large[i]);
	free(small);
	end = rss_after_frees_kb(start, peak);
	CHECK_EQ(failed, 0);
	CHECK(peak - start > 150 * 1024);
	CHECK(end - start < (peak - start) / 4);
}

int main(int argc, char **argv)
{
	(void)argc;
	return shim_test_main(argv);
}
