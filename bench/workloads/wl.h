/* SPDX-License-Identifier: MIT */
/*
 * wl.h - what the mimalloc-bench style workloads share: a fast random number generator
 * (per thread, seeded, so every allocator sees the same sequence), threads, and a size
 * argument. The workloads are plain malloc/free programs, linked with nothing of kmm:
 * scripts/bench-workloads.sh runs each under glibc and, by LD_PRELOAD, under kmm's
 * malloc shim, jemalloc, mimalloc and tcmalloc, and measures time and peak RSS.
 */
#ifndef KMM_BENCH_WL_H
#define KMM_BENCH_WL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: quick, and the same numbers for every allocator. */
static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A number in [lo, hi]. */
static inline size_t wl_range(uint64_t *state, size_t lo, size_t hi)
{
	return lo + (size_t)(wl_rand(state) % (hi - lo + 1));
}

/* argv[i] as a number, or @def when absent. */
static inline long wl_arg(int argc, char **argv, int i, long def)
{
	return argc > i ? atol(argv[i]) : def;
}

static inline void *wl_malloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		fprintf(stderr, "out of memory (%zu bytes)\n", size);
		exit(3);
	}
	return p;
}

/* Run fn(i) on @n threads and wait for them. */
static inline void wl_run_threads(int n, void *(*fn)(void *))
{
	pthread_t *t = wl_malloc(sizeof(*t) * (size_t)n);

	for (intptr_t i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)i)) {
			perror("pthread_create");
			exit(3);
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

#endif /* KMM_BENCH_WL_H */
