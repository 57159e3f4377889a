/* SPDX-License-Identifier: MIT */
/*
 * mstress.c - mimalloc's test-stress (mimalloc-bench's mstress), written anew: threads
 * keep a working set of blocks, mostly small and sometimes large (up to 1 MiB), and at
 * each step allocate, free, or swap a block with a shared transfer array, so that many
 * blocks die on another thread than the one that made them. Several rounds, each with
 * fresh threads, and a share of the blocks kept from one round to the next.
 *   mstress [THREADS [ROUNDS [STEPS]]]
 */
#include "wl.h"

#define TRANSFERS 1000

static long steps;
static int threads;
static void *_Atomic transfer[TRANSFERS];
static void **retained; /* per thread: blocks kept across rounds */
static size_t *nretained;

static size_t block_size(uint64_t *rng)
{
	if (wl_rand(rng) % 100 == 0) /* one in a hundred is big */
		return wl_range(rng, 4096, 1 << 20);
	return wl_range(rng, 8, 512);
}

static void *alloc_block(uint64_t *rng)
{
	size_t size = block_size(rng);
	unsigned char *p = wl_malloc(size);

	p[0] = (unsigned char)size;
	p[size - 1] = 0xaa;
	return p;
}

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint64_t rng = 0xABCDEF12345ULL * (id + 1);
	size_t cap = 4096, n = nretained[id];
	void **data = calloc(cap, sizeof(void *));

	memcpy(data, &retained[id * cap], n * sizeof(void *));
	for (long s = 0; s < steps; s++) {
		uint64_t r = wl_rand(&rng) % 100;

		if (r < 50 && n < cap) { /* allocate */
			data[n++] = alloc_block(&rng);
		} else if (r < 80 && n) { /* free a random one */
			size_t k = wl_rand(&rng) % n;

			free(data[k]);
			data[k] = data[--n];
		} else if (n) { /* swap with the transfer array: another thread may free it */
			size_t k = wl_rand(&rng) % n, t = wl_rand(&rng) % TRANSFERS;

			data[k] = atomic_exchange(&transfer[t], data[k]);
			if (!data[k])
				data[k] = data[--n];
		}
	}
	/* keep a quarter for the next round, free the rest */
	nretained[id] = 0;
	for (size_t k = 0; k < n; k++) {
		if (k % 4 == 0)
			retained[id * cap + nretained[id]++] = data[k];
		else
			free(data[k]);
	}
	free(data);
	return NULL;
}

int main(int argc, char **argv)
{
	long rounds;

	threads = (int)wl_arg(argc, argv, 1, 2);
	rounds = wl_arg(argc, argv, 2, 10);
	steps = wl_arg(argc, argv, 3, 600000);
	retained = calloc((size_t)threads * 4096, sizeof(void *));
	nretained = calloc((size_t)threads, sizeof(size_t));
	for (long r = 0; r < rounds; r++)
		wl_run_threads(threads, worker);
	for (int i = 0; i < threads; i++)
		for (size_t k = 0; k < nretained[i]; k++)
			free(retained[(size_t)i * 4096 + k]);
	for (int t = 0; t < TRANSFERS; t++)
		free(transfer[t]);
	free(retained);
	free(nretained);
	printf("mstress: %d threads, %ld rounds of %ld steps\n", threads, rounds, steps);
	return 0;
}
