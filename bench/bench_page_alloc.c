/* SPDX-License-Identifier: MIT */
/*
 * bench_page_alloc - alloc_pages/__free_pages pairs of order 0 and order 3, on one and
 * on two threads, in ns per pair (median of several runs).
 *
 *   bench_page_alloc                       the table for the README
 *   bench_page_alloc ORDER PAIRS           one run, no output (for callgrind: see
 *                                          scripts/bench.sh, which takes the difference
 *                                          of two PAIRS counts to get instructions/pair)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>

struct job {
	unsigned int order;
	long pairs;
	pthread_barrier_t *start;
	double ns;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Kept out of line so that callgrind can attribute the loop. */
__attribute__((noinline)) void bench_pairs(unsigned int order, long pairs)
{
	for (long i = 0; i < pairs; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);

		if (!page)
			abort();
		__asm__ __volatile__("" : : "r"(page) : "memory");
		__free_pages(page, order);
	}
}

static void *worker(void *arg)
{
	struct job *job = arg;
	double t0;

	if (job->start)
		pthread_barrier_wait(job->start);
	t0 = now_ns();
	bench_pairs(job->order, job->pairs);
	job->ns = (now_ns() - t0) / (double)job->pairs;
	return NULL;
}

/* One measurement: mean ns per pair over all threads. */
static double run(unsigned int order, int threads, long pairs)
{
	pthread_t tid[8];
	struct job jobs[8];
	pthread_barrier_t start;
	double sum = 0;

	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct job){ order, pairs, &start, 0 };
		pthread_create(&tid[t], NULL, worker, &jobs[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		sum += jobs[t].ns;
	}
	pthread_barrier_destroy(&start);
	return sum / threads;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	enum { RUNS = 7 };

	if (argc == 3) {
		bench_pairs((unsigned)atoi(argv[1]), atol(argv[2]));
		return 0;
	}
	bench_pairs(0, 1000);
	printf("| order | threads | ns per alloc+free pair (median of %d) |\n", RUNS);
	printf("|------:|--------:|------:|\n");
	for (unsigned int order = 0; order <= 3; order += 3) {
		for (int threads = 1; threads <= 2; threads++) {
			double ns[RUNS];

			for (int r = 0; r < RUNS; r++)
				ns[r] = run(order, threads, order ? 200000 : 1000000);
			qsort(ns, RUNS, sizeof(ns[0]), cmp_double);
			printf("| %u | %d | %.1f |\n", order, threads, ns[RUNS / 2]);
		}
	}
	return 0;
}
