/* kmm-test: labels=reliability timeout=300 env=KMM_RAM=1G backends=all */
/*
 * test_xthread_stress - mimalloc's test-stress on kmm: 32 threads allocate and free at
 * random, keep some objects for the whole round, and swap objects through a shared
 * array of 1000 slots, so that most frees happen on another thread than the
 * allocation. Threads are torn down and created again every round; the transfer slots
 * live on across rounds. Every object carries a pattern derived from its size and a
 * cookie, checked when it is freed. Objects come from kmalloc (small and large),
 * a kmem_cache, vmalloc and the page allocator.
 *
 * The fast set runs STRESS_ROUNDS rounds at STRESS_SCALE; test_xthread_stress_full
 * (label stress) runs mimalloc's full 50 rounds. SLOB runs at a smaller scale: one lock
 * for the whole heap and first-fit scans make 32 threads crawl (scale 4: 2 s, scale 10:
 * over 2 minutes on 2 cores, nearly all of it threads queued on slob_lock).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kmm_test.h"

#ifndef STRESS_ROUNDS
#define STRESS_ROUNDS	  10
#define STRESS_SCALE	  10
#define STRESS_SCALE_SLOB 3
#endif
#define STRESS_THREADS 32
#define TRANSFERS      1000
#define COOKIE	       0xbf58476d1ce4e5b9ULL

enum kind { K_KMALLOC, K_CACHE, K_VMALLOC, K_PAGES, NR_KINDS };

static _Atomic(uintptr_t *) transfer[TRANSFERS];
static struct kmem_cache *stress_cache;
static atomic_long stress_bad;
#define CACHE_WORDS 24 /* stress_cache objects: 192 bytes */

static uint64_t pick(uint64_t *r)
{
	uint64_t x = *r;

	/* splitmix64, as mimalloc's test */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	*r = x;
	return x;
}

static size_t stress_scale(void)
{
	const char *slab = getenv("KMM_SLAB");

	return slab && !strcmp(slab, "slob") ? STRESS_SCALE_SLOB : STRESS_SCALE;
}

static bool chance(unsigned int percent, uint64_t *r)
{
	return pick(r) % 100 < percent;
}

/* Word 0: the word count and kind; word i: (items - i), all xor the cookie. */
static uintptr_t *alloc_items(size_t items, uint64_t *r)
{
	enum kind kind = K_KMALLOC;
	uintptr_t *p;

	if (chance(1, r))
		items *= 10; /* 1% larger */
	if (chance(1, r) && chance(10, r))
		items *= 100; /* 0.1% huge: kmalloc from the page allocator */
	if (chance(10, r)) {
		kind = K_CACHE;
		items = CACHE_WORDS;
	} else if (chance(1, r)) {
		kind = pick(r) & 1 ? K_VMALLOC : K_PAGES;
		items = (PAGE_SIZE << (pick(r) % 3)) / sizeof(uintptr_t);
	}
	if (items < 2)
		items = 2;
	switch (kind) {
	case K_CACHE:
		p = kmem_cache_alloc(stress_cache, GFP_KERNEL);
		break;
	case K_VMALLOC:
		p = vmalloc(items * sizeof(uintptr_t));
		break;
	case K_PAGES:
		p = (uintptr_t *)__get_free_pages(
			GFP_KERNEL, (unsigned int)get_order(items * sizeof(uintptr_t)));
		break;
	default:
		p = kmalloc(items * sizeof(uintptr_t), GFP_KERNEL);
	}
	if (!p) {
		fprintf(stderr, "allocation of %zu words (kind %d) failed\n", items, kind);
		atomic_fetch_add(&stress_bad, 1);
		return NULL;
	}
	p[0] = (items << 2 | kind) ^ COOKIE;
	for (size_t i = 1; i < items; i++)
		p[i] = (items - i) ^ COOKIE;
	return p;
}

static void free_items(uintptr_t *p)
{
	size_t items;
	enum kind kind;

	if (!p)
		return;
	items = (p[0] ^ COOKIE) >> 2;
	kind = (enum kind)((p[0] ^ COOKIE) & 3);
	for (size_t i = 1; i < items; i++)
		if (p[i] != ((items - i) ^ COOKIE)) {
			fprintf(stderr, "object %p (%zu words, kind %d): word %zu is %#lx\n",
				(void *)p, items, kind, i, (unsigned long)p[i]);
			atomic_fetch_add(&stress_bad, 1);
			break;
		}
	switch (kind) {
	case K_CACHE:
		kmem_cache_free(stress_cache, p);
		break;
	case K_VMALLOC:
		vfree(p);
		break;
	case K_PAGES:
		free_pages((unsigned long)p, (unsigned int)get_order(items * sizeof(uintptr_t)));
		break;
	default:
		kfree(p);
	}
}

/* One thread of one round: mimalloc's stress() with kmm underneath. */
static void *stress(void *arg)
{
	uintptr_t tid = (uintptr_t)arg;
	uint64_t r = (tid + 1) * 43 + (uint64_t)atomic_load(&stress_bad);
	const size_t max_item_shift = 5, max_item_retained_shift = max_item_shift + 2;
	size_t allocs = 100 * stress_scale() * (tid % 8 + 1), retain = allocs / 2;
	size_t data_size = allocs, data_top = 0, retain_top = 0;
	uintptr_t **data = calloc(data_size, sizeof(*data));
	uintptr_t **retained = calloc(retain, sizeof(*retained));

	while (allocs > 0 || retain > 0) {
		if (retain == 0 || (chance(50, &r) && allocs > 0)) {
			allocs--;
			data[data_top++] =
				alloc_items((size_t)1 << (pick(&r) % max_item_shift), &r);
		} else {
			retained[retain_top++] =
				alloc_items((size_t)1 << (pick(&r) % max_item_retained_shift), &r);
			retain--;
		}
		if (chance(66, &r) && data_top > 0) {
			size_t idx = pick(&r) % data_top;

			free_items(data[idx]);
			data[idx] = NULL;
		}
		if (chance(25, &r) && data_top > 0) {
			size_t data_idx = pick(&r) % data_top, transfer_idx = pick(&r) % TRANSFERS;

			data[data_idx] = atomic_exchange(&transfer[transfer_idx], data[data_idx]);
		}
	}
	for (size_t i = 0; i < retain_top; i++)
		free_items(retained[i]);
	for (size_t i = 0; i < data_top; i++)
		free_items(data[i]);
	free(retained);
	free(data);
	return NULL;
}

static void run_rounds(unsigned int rounds)
{
	pthread_t threads[STRESS_THREADS];

	stress_cache =
		kmem_cache_create("xthread_stress", CACHE_WORDS * sizeof(uintptr_t), 0, 0, NULL);
	REQUIRE(stress_cache);
	for (unsigned int round = 0; round < rounds; round++) {
		for (uintptr_t i = 0; i < STRESS_THREADS; i++)
			REQUIRE(!pthread_create(&threads[i], NULL, stress,
						(void *)(i + round * STRESS_THREADS)));
		for (unsigned int i = 0; i < STRESS_THREADS; i++)
			pthread_join(threads[i], NULL);
	}
	for (unsigned int i = 0; i < TRANSFERS; i++)
		free_items(atomic_exchange(&transfer[i], NULL));
	CHECK_EQ(atomic_load(&stress_bad), 0);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
	kmem_cache_destroy(stress_cache);
}

TEST(cross_thread_stress)
{
	run_rounds(STRESS_ROUNDS);
}

int main(void)
{
	return kmm_test_main();
}
