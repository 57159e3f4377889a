/* SPDX-License-Identifier: MIT */
/*
 * cache_scratch.c - Hoard's cache-scratch (mimalloc-bench's cache-scratch), written
 * anew: passive false sharing. The main thread allocates one small object per thread
 * and hands them out; each thread frees the one it got, then many times allocates an
 * object of the same size, writes to it over and over, and frees it. An allocator that
 * gives a thread memory from a cache line another thread writes to makes them fight
 * over that line; one that keeps threads apart does not.
 *   cache_scratch [THREADS [ITERATIONS [OBJECT_SIZE [WRITES]]]]
 */
#include "wl.h"

static long iterations, writes;
static size_t object_size;
static char **handed; /* one object per thread, allocated by main */

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;

	free(handed[id]);
	for (long i = 0; i < iterations; i++) {
		volatile char *p = wl_malloc(object_size);

		for (long w = 0; w < writes; w++)
			for (size_t b = 0; b < object_size; b++)
				p[b] = (char)(p[b] + 1);
		free((void *)p);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = (int)wl_arg(argc, argv, 1, 2);

	iterations = wl_arg(argc, argv, 2, 600000);
	object_size = (size_t)wl_arg(argc, argv, 3, 8);
	writes = wl_arg(argc, argv, 4, 200);
	handed = wl_malloc(sizeof(char *) * (size_t)threads);
	for (int i = 0; i < threads; i++)
		handed[i] = wl_malloc(object_size);
	wl_run_threads(threads, worker);
	free(handed);
	printf("cache-scratch: %d threads, %ld iterations\n", threads, iterations);
	return 0;
}
