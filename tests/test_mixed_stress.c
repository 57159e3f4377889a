/* kmm-test: labels=reliability timeout=300 env=KMM_RAM=128M,KMM_NR_CPUS=4 backends=all */
/*
 * test_mixed_stress - 8 threads, operations mixed across kmem_caches, kmalloc sizes,
 * pages and vmalloc, with a quarter of the frees done by another thread (objects
 * travel through a shared array of slots), while the live set keeps free memory near
 * the watermarks so that kswapd and direct reclaim run, with a shrinker that gives back
 * reclaimable objects. Every object's contents are checked when it is freed. At the
 * end the allocator's checkers must find nothing and the pages must be back.
 *
 * STRESS_OPS operations in all: 2 * 10^5 here (also under TSan); 10^8 in
 * test_mixed_stress_full (label stress).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kmm_test.h"

#ifndef STRESS_OPS
#define STRESS_OPS 200000UL
#endif
#define NR_THREADS    8
#define NR_LIVE	      4096	   /* slots per thread */
#define THREAD_BUDGET (14UL << 20) /* live bytes per thread: 112 of 128 MiB in all */
#define NR_TRANSFER   512
#define STASH_MAX     8192 /* reclaimable objects the shrinker may take */
#define STRESS_GFP    (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

enum kind { K_KMALLOC, K_CACHE, K_PAGES, K_VMALLOC, NR_KINDS };

/* At the start of every object: what it is, and the seed of its pattern. */
struct header {
	uint32_t kind, cache;
	size_t size;
	uint64_t seed;
};

static struct kmem_cache *caches[3];
static const unsigned int cache_sizes[3] = { 40, 320, 2048 };
static struct kmem_cache *reclaim_cache; /* the shrinker's objects */
static _Atomic(struct header *) transfer[NR_TRANSFER];
static atomic_long bad, failures, shrunk;

static struct {
	spinlock_t lock;
	void *objects[STASH_MAX];
	unsigned int nr;
} stash = { .lock = SPIN_LOCK_UNLOCKED };

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill(struct header *h)
{
	uint64_t *w = (uint64_t *)(h + 1), x = h->seed;

	for (size_t i = 0; i < (h->size - sizeof(*h)) / 8; i++)
		w[i] = x = x * 6364136223846793005ULL + 1442695040888963407ULL;
}

static bool intact(const struct header *h)
{
	const uint64_t *w = (const uint64_t *)(h + 1);
	uint64_t x = h->seed;

	for (size_t i = 0; i < (h->size - sizeof(*h)) / 8; i++)
		if (w[i] != (x = x * 6364136223846793005ULL + 1442695040888963407ULL))
			return false;
	return true;
}

static struct header *alloc_object(uint64_t *r)
{
	uint64_t x = next_rand(r);
	unsigned int kind = x % 100 < 60 ? K_KMALLOC :
			    x % 100 < 90 ? K_CACHE :
			    x % 100 < 97 ? K_PAGES :
					   K_VMALLOC;
	unsigned int cache = 0;
	size_t size;
	struct header *h;

	x = next_rand(r);
	switch (kind) {
	case K_KMALLOC:
		size = sizeof(struct header) + (x % 8 ? x % 1024 : x % 16384);
		h = kmalloc(size, STRESS_GFP);
		break;
	case K_CACHE:
		cache = x % 3;
		size = cache_sizes[cache];
		h = kmem_cache_alloc(caches[cache], STRESS_GFP);
		break;
	case K_PAGES:
		size = PAGE_SIZE << (x % 5);
		h = (struct header *)__get_free_pages(STRESS_GFP, (unsigned int)(x % 5));
		break;
	default:
		size = PAGE_SIZE * (1 + x % 64);
		h = __vmalloc(size, STRESS_GFP);
	}
	if (!h) {
		atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
		return NULL;
	}
	size &= ~7UL;
	*h = (struct header){ kind, cache, size, next_rand(r) };
	fill(h);
	return h;
}

static size_t free_object(struct header *h)
{
	size_t size;

	if (!h)
		return 0;
	size = h->size;
	if (!intact(h)) {
		fprintf(stderr, "object %p (kind %u, %zu bytes) was overwritten\n", (void *)h,
			h->kind, size);
		atomic_fetch_add(&bad, 1);
	}
	switch (h->kind) {
	case K_KMALLOC:
		kfree(h);
		break;
	case K_CACHE:
		kmem_cache_free(caches[h->cache], h);
		break;
	case K_PAGES:
		free_pages((unsigned long)h, (unsigned int)get_order(size));
		break;
	default:
		vfree(h);
	}
	return size;
}

/* ---- reclaim: a shrinker over a stash of reclaimable objects ------------------------ */

static void stash_add(void *object)
{
	bool added = false;

	spin_lock(&stash.lock);
	if (stash.nr < STASH_MAX) {
		stash.objects[stash.nr++] = object;
		added = true;
	}
	spin_unlock(&stash.lock);
	if (!added)
		kmem_cache_free(reclaim_cache, object);
}

/* Under the lock: threads add to the stash while reclaim counts it. */
static unsigned long stash_count(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long nr;

	spin_lock(&stash.lock);
	nr = stash.nr;
	spin_unlock(&stash.lock);
	return nr;
}

static unsigned long stash_scan(struct shrinker *sh, struct shrink_control *sc)
{
	void *batch[64];
	unsigned long n = 0;

	spin_lock(&stash.lock);
	while (n < sc->nr_to_scan && n < ARRAY_SIZE(batch) && stash.nr)
		batch[n++] = stash.objects[--stash.nr];
	spin_unlock(&stash.lock);
	for (unsigned long i = 0; i < n; i++)
		kmem_cache_free(reclaim_cache, batch[i]);
	atomic_fetch_add(&shrunk, (long)n);
	return n ? n : SHRINK_STOP;
}

/* ---- the threads -------------------------------------------------------------------------- */

static pthread_barrier_t all_done;

static void *stress_thread(void *arg)
{
	uint64_t r = 0x2545f4914f6cdd1dULL * ((uintptr_t)arg + 1);
	struct header **live = calloc(NR_LIVE, sizeof(*live));
	size_t live_bytes = 0;

	for (unsigned long op = 0; op < STRESS_OPS / NR_THREADS; op++) {
		unsigned int slot = (unsigned int)(next_rand(&r) % NR_LIVE);
		uint64_t x = next_rand(&r);

		if (x % 4 == 0) {
			/* cross-thread: swap with the shared slots, free what came back */
			live_bytes -= live[slot] ? live[slot]->size : 0;
			live[slot] = atomic_exchange(&transfer[x / 4 % NR_TRANSFER], live[slot]);
			free_object(live[slot]);
			live[slot] = NULL;
		} else if (x % 16 == 1) {
			void *o = kmem_cache_alloc(reclaim_cache, STRESS_GFP | __GFP_RECLAIMABLE);

			if (o)
				stash_add(o);
		} else {
			live_bytes -= free_object(live[slot]);
			live[slot] = NULL;
			if (live_bytes < THREAD_BUDGET) {
				live[slot] = alloc_object(&r);
				live_bytes += live[slot] ? live[slot]->size : 0;
			}
		}
	}
	/*
	 * Keep the live set until every thread is done: on a loaded machine the threads may
	 * run one after another, and memory runs short only while all budgets are held.
	 */
	pthread_barrier_wait(&all_done);
	for (unsigned int i = 0; i < NR_LIVE; i++)
		free_object(live[i]);
	free(live);
	return NULL;
}

TEST(mixed_operations_under_memory_pressure)
{
	pthread_t threads[NR_THREADS];
	struct shrinker *shrinker = shrinker_alloc(0, "test_mixed_stress");
	struct kmm_page_stats before, after;

	REQUIRE(shrinker);
	shrinker->count_objects = stash_count;
	shrinker->scan_objects = stash_scan;
	shrinker_register(shrinker);
	for (int i = 0; i < 3; i++)
		caches[i] = kmem_cache_create("mixed_stress", cache_sizes[i], 0, 0, NULL);
	reclaim_cache = kmem_cache_create("mixed_reclaim", 512, 0, SLAB_RECLAIM_ACCOUNT, NULL);
	REQUIRE(caches[0] && caches[1] && caches[2] && reclaim_cache);
	kmm_page_stats(&before);

	pthread_barrier_init(&all_done, NULL, NR_THREADS);
	for (uintptr_t i = 0; i < NR_THREADS; i++)
		REQUIRE(!pthread_create(&threads[i], NULL, stress_thread, (void *)i));
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < NR_TRANSFER; i++)
		free_object(atomic_exchange(&transfer[i], NULL));
	/* kswapd may still be counting the stash: unregister first, then empty it */
	shrinker_free(shrinker);
	while (stash.nr)
		kmem_cache_free(reclaim_cache, stash.objects[--stash.nr]);

	printf("allocation failures %ld, shrinker freed %ld\n", atomic_load(&failures),
	       atomic_load(&shrunk));
	CHECK_EQ(atomic_load(&bad), 0);
	CHECK(atomic_load(&shrunk) > 0); /* memory did run short: reclaim called the shrinker */
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	CHECK_EQ(vmap_tree_check(NULL), 0);
	for (int i = 0; i < 3; i++)
		kmem_cache_destroy(caches[i]);
	kmem_cache_destroy(reclaim_cache);
	kmm_page_stats(&after);
	/* per-CPU lists and the kmalloc caches may keep some: 8 MiB */
	CHECK(after.allocated <= before.allocated + (8UL << 20) / PAGE_SIZE);
}

int main(void)
{
	setenv("KMM_RAM", "128M", 1); /* the budget above assumes it */
	return kmm_test_main();
}
