/* SPDX-License-Identifier: MIT */
/*
 * glibc_thread.c - glibc's benchtests/bench-malloc-thread, written anew: each thread
 * keeps a working set of 1024 slots and, for a fixed number of iterations, frees a
 * random slot and refills it with a block of a random size (16 B to 32 KiB, small ones
 * far more likely, as the original's distribution).
 *   glibc_thread [THREADS [ITERATIONS]]
 */
#include "wl.h"

#define SLOTS 1024

static long iterations;

/* Mostly small, sometimes larger: a cube of a uniform number favours small sizes. */
static size_t random_size(uint64_t *rng)
{
	double u = (double)(wl_rand(rng) >> 11) / 9007199254740992.0;

	return 16 + (size_t)(u * u * u * (32768 - 16));
}

static void *worker(void *arg)
{
	uint64_t rng = 0x9E3779B97F4A7C15ULL * ((uintptr_t)arg + 1);
	void **slot = calloc(SLOTS, sizeof(void *));

	for (long i = 0; i < iterations; i++) {
		size_t k = wl_rand(&rng) % SLOTS, size = random_size(&rng);

		free(slot[k]);
		slot[k] = wl_malloc(size);
		memset(slot[k], (int)i, size < 64 ? size : 64);
	}
	for (int k = 0; k < SLOTS; k++)
		free(slot[k]);
	free(slot);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = (int)wl_arg(argc, argv, 1, 2);

	iterations = wl_arg(argc, argv, 2, 4000000);
	wl_run_threads(threads, worker);
	printf("glibc-thread: %d threads x %ld\n", threads, iterations);
	return 0;
}
