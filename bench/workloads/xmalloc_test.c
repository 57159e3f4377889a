/* SPDX-License-Identifier: MIT */
/*
 * xmalloc_test.c - Lever and Boreham's xmalloc-test (mimalloc-bench's xmalloc-testN),
 * written anew: producer threads allocate blocks and push them, in batches, to a shared
 * queue; consumer threads take the batches and free every block. All frees are remote:
 * the allocator's cost of giving memory back to the thread that owns it.
 *   xmalloc_test [PAIRS [BLOCKS_PER_PRODUCER]]
 */
#include "wl.h"

#define BATCH 256
#define QUEUE 64 /* batches in flight */

struct batch {
	void *block[BATCH];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static struct batch *queue[QUEUE];
static int head, count, producers_left;
static long blocks;
static int pairs;

static void put(struct batch *b)
{
	pthread_mutex_lock(&lock);
	while (count == QUEUE)
		pthread_cond_wait(&not_full, &lock);
	queue[(head + count++) % QUEUE] = b;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

/* The next batch, or NULL once every producer is done and the queue is empty. */
static struct batch *take(void)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&lock);
	while (!count && producers_left)
		pthread_cond_wait(&not_empty, &lock);
	if (count) {
		b = queue[head];
		head = (head + 1) % QUEUE;
		count--;
		pthread_cond_signal(&not_full);
	}
	pthread_mutex_unlock(&lock);
	return b;
}

static void *producer(uint64_t rng)
{
	for (long done = 0; done < blocks; done += BATCH) {
		struct batch *b = wl_malloc(sizeof(*b));

		for (int i = 0; i < BATCH; i++) {
			size_t size = wl_range(&rng, 16, 128);

			b->block[i] = wl_malloc(size);
			memset(b->block[i], i, size);
		}
		put(b);
	}
	pthread_mutex_lock(&lock);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void)
{
	struct batch *b;

	while ((b = take())) {
		for (int i = 0; i < BATCH; i++)
			free(b->block[i]);
		free(b);
	}
	return NULL;
}

static void *thread(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	return i < (uintptr_t)pairs ? producer(0x5DEECE66DULL * (i + 1)) : consumer();
}

int main(int argc, char **argv)
{
	pairs = (int)wl_arg(argc, argv, 1, 1);
	blocks = wl_arg(argc, argv, 2, 4000000);
	producers_left = pairs;
	wl_run_threads(2 * pairs, thread);
	printf("xmalloc-test: %d producers, %d consumers, %ld blocks each\n", pairs, pairs, blocks);
	return 0;
}
