/* SPDX-License-Identifier: MIT */
/*
 * larson.c - Larson and Krishnan's server benchmark (mimalloc-bench's larson), written
 * anew: each thread owns an array of slots filled with blocks of random sizes and, many
 * times over, frees a random slot and fills it again. After each round the thread hands
 * its array to a new thread and exits, so blocks allocated by one thread are freed by
 * the next, as in a server whose connections move between worker threads.
 *   larson [THREADS [ROUNDS [OPS_PER_ROUND]]]
 */
#include "wl.h"

#define SLOTS	 1000
#define MIN_SIZE 8
#define MAX_SIZE 1000

static long rounds, ops;

struct worker {
	void *slot[SLOTS];
	uint64_t rng;
	long round;
	unsigned long touched;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (long i = 0; i < ops; i++) {
		size_t k = wl_rand(&w->rng) % SLOTS, size = wl_range(&w->rng, MIN_SIZE, MAX_SIZE);

		free(w->slot[k]);
		w->slot[k] = wl_malloc(size);
		((char *)w->slot[k])[size - 1] = 1;
		w->touched += size;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = (int)wl_arg(argc, argv, 1, 2);
	struct worker *w = calloc((size_t)threads, sizeof(*w));
	pthread_t *t = calloc((size_t)threads, sizeof(*t));
	unsigned long touched = 0;

	rounds = wl_arg(argc, argv, 2, 20);
	ops = wl_arg(argc, argv, 3, 800000);
	for (int i = 0; i < threads; i++) {
		w[i].rng = 0x1234567ULL * (uint64_t)(i + 1);
		for (int k = 0; k < SLOTS; k++)
			w[i].slot[k] = wl_malloc(wl_range(&w[i].rng, MIN_SIZE, MAX_SIZE));
	}
	/* each round: new threads take over the previous round's arrays */
	for (long r = 0; r < rounds; r++) {
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, work, &w[i]);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
	}
	for (int i = 0; i < threads; i++) {
		for (int k = 0; k < SLOTS; k++)
			free(w[i].slot[k]);
		touched += w[i].touched;
	}
	printf("larson: %d threads, %ld rounds of %ld, %lu bytes\n", threads, rounds, ops, touched);
	free(w);
	free(t);
	return 0;
}
