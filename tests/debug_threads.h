/* SPDX-License-Identifier: MIT */
/*
 * debug_threads.h - the threaded workload both slab_debug suites run on a debug cache
 * (SLUB's in test_slab_debug.c, SLAB's in test_debug_slab.c): THREADS threads allocate,
 * fill, check and free 48-byte objects, and every eighth batch is freed by the next
 * thread. debug_threads_run() returns the number of bad objects seen.
 */
#ifndef KMM_TEST_DEBUG_THREADS_H
#define KMM_TEST_DEBUG_THREADS_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include <linux/slab.h>

#define THREADS	 4
#define ROUNDS	 2000
#define PER_STEP 16

struct thread_ctx {
	struct kmem_cache *s;
	void *handoff[ROUNDS / 8][PER_STEP]; /* objects this thread leaves to the next one */
	_Atomic int ready;
	struct thread_ctx *next;
	int bad;
};

/* Allocate, check, free; every eighth batch is freed by the next thread instead. */
static void *debug_thread(void *arg)
{
	struct thread_ctx *ctx = arg;
	void *objs[PER_STEP];

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER_STEP; i++) {
			objs[i] = kmem_cache_alloc(ctx->s, GFP_KERNEL);
			if (!objs[i]) {
				ctx->bad++;
				continue;
			}
			memset(objs[i], r & 0xff, 48);
		}
		if (r % 8 == 0) {
			memcpy(ctx->handoff[r / 8], objs, sizeof(objs));
			continue;
		}
		for (int i = 0; i < PER_STEP; i++) {
			if (objs[i] && ((unsigned char *)objs[i])[47] != (r & 0xff))
				ctx->bad++;
			kmem_cache_free(ctx->s, objs[i]);
		}
	}
	atomic_store(&ctx->ready, 1);
	while (!atomic_load(&ctx->next->ready))
		sched_yield();
	for (int b = 0; b < ROUNDS / 8; b++)
		for (int i = 0; i < PER_STEP; i++)
			kmem_cache_free(ctx->s, ctx->next->handoff[b][i]);
	return NULL;
}

static int debug_threads_run(struct kmem_cache *s)
{
	static struct thread_ctx ctx[THREADS];
	pthread_t tid[THREADS];
	int bad = 0;

	for (int i = 0; i < THREADS; i++) {
		ctx[i].s = s;
		ctx[i].next = &ctx[(i + 1) % THREADS];
	}
	for (int i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, debug_thread, &ctx[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		bad += ctx[i].bad;
	}
	return bad;
}

#endif /* KMM_TEST_DEBUG_THREADS_H */
