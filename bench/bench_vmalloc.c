/* SPDX-License-Identifier: MIT */
/*
 * bench_vmalloc - vmalloc/vfree and kvmalloc/kvfree against mmap/munmap of the same
 * sizes (4 KiB, 64 KiB, 1 MiB, 16 MiB), in ns per allocate+free pair.
 *
 * Each figure is the median of 7 timed runs of PAIRS(size) pairs, after one untimed
 * warm-up run. The memory is not touched: what is timed is the allocator's own work
 * (finding address space, taking page frames, making and removing the mappings), as
 * bench_kmalloc times objects it never writes. vfree's lazy purge falls inside the runs
 * (every lazy_max_pages() of freed address space), as it would in use.
 *
 * Output: one line per size, "SIZE vmalloc kvmalloc mmap" in ns; scripts/bench.sh turns
 * it into a Markdown table. Run with KMM_RAM=1G (the script sets it).
 * `bench_vmalloc malloc` times the process's malloc/free instead, one line per size,
 * "SIZE ns": the script runs it once per peer (glibc, and the others by LD_PRELOAD).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <kmm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define RUNS 7

static const unsigned long sizes[] = { 4UL << 10, 64UL << 10, 1UL << 20, 16UL << 20 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Enough pairs for a run of a few milliseconds at any size. */
static unsigned long pairs_for(unsigned long size)
{
	return size >= (16UL << 20) ? 200 : size >= (1UL << 20) ? 2000 : 20000;
}

static void *volatile sink;

static double run(int op, unsigned long size)
{
	unsigned long n = pairs_for(size);
	double t0 = now_ns();

	for (unsigned long i = 0; i < n; i++) {
		void *p;

		switch (op) {
		case 0:
			p = vmalloc(size);
			sink = p;
			vfree(p);
			break;
		case 1:
			p = kvmalloc(size, GFP_KERNEL);
			sink = p;
			kvfree(p);
			break;
		case 2:
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
			sink = p;
			munmap(p, size);
			break;
		default:
			p = malloc(size);
			sink = p;
			free(p);
			break;
		}
		if (!p) {
			fprintf(stderr, "bench_vmalloc: allocation of %lu failed\n", size);
			exit(1);
		}
	}
	return (now_ns() - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(int op, unsigned long size)
{
	double t[RUNS];

	run(op, size); /* warm-up */
	for (int r = 0; r < RUNS; r++)
		t[r] = run(op, size);
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "malloc")) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			printf("%lu %.0f\n", sizes[i], median(3, sizes[i]));
		return 0;
	}
	kmm_init(NULL);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double v = median(0, sizes[i]), kv = median(1, sizes[i]), m = median(2, sizes[i]);

		printf("%lu %.0f %.0f %.0f\n", sizes[i], v, kv, m);
	}
	return 0;
}
