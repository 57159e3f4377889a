/* kmm-test: labels=reliability timeout=300 env=KMM_RAM=64M,KMM_NR_CPUS=4 backends=all */
/*
 * test_oom_threads - running out of memory on every entry point at once: 8 threads
 * allocate until the allocator says no (kmalloc of every size class and large sizes,
 * every page order, vmalloc, kvmalloc, kmem_cache), while a ninth checks the
 * allocator's invariants all along. Every failure must be a clean NULL; every success
 * aligned as promised, zeroed when asked, and still holding its pattern when freed;
 * and after the frees, everything must be usable again: the same amount can be had.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "kmm_test.h"

#define NR_WORKERS 8
#define MAX_HELD   (1 << 16)
#define GIVE_UP	   8 /* consecutive failures that mean "out of memory" for a worker */
#define NR_CACHES  4

/* A GFP that fails rather than waits: OOM is the point, not the OOM killer. */
#define OOM_GFP (GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN)

enum entry { E_KMALLOC, E_KMALLOC_LARGE, E_PAGES, E_VMALLOC, E_KVMALLOC, E_CACHE, NR_ENTRIES };
static const char *const entry_names[] = { "kmalloc", "kmalloc-large", "pages",
					   "vmalloc", "kvmalloc",      "kmem_cache" };

struct held {
	void *p;
	size_t size;
	unsigned int order; /* pages */
	unsigned char fill;
	struct kmem_cache *cache;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	enum entry entry;
	struct held *held;
	unsigned long nr_held, allocated_bytes, bad;
};

static struct kmem_cache *caches[NR_CACHES];
static const unsigned int cache_sizes[NR_CACHES] = { 24, 200, 1000, 4096 };
static atomic_int workers_running;
static pthread_barrier_t all_out_of_memory; /* nobody frees before everyone has failed */
static atomic_long checker_problems, checker_rounds;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool all_zero(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}

static bool all_fill(const unsigned char *p, size_t size, unsigned char fill)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* One allocation from @w's entry point; fills @h. NULL is a clean failure. */
static void *allocate(struct worker *w, struct held *h, gfp_t gfp)
{
	uint64_t r = next_rand(&w->rng);
	struct page *page;

	memset(h, 0, sizeof(*h));
	switch (w->entry) {
	case E_KMALLOC:
		h->size = r % 8192 + 1;
		return h->p = kmalloc(h->size, gfp);
	case E_KMALLOC_LARGE:
		h->size = (size_t)PAGE_SIZE << (r % 8);
		return h->p = kmalloc(h->size, gfp);
	case E_PAGES:
		h->order = (unsigned int)(r % (MAX_PAGE_ORDER + 1));
		h->size = (size_t)PAGE_SIZE << h->order;
		page = alloc_pages(gfp, h->order);
		return h->p = page ? page_address(page) : NULL;
	case E_VMALLOC:
		h->size = r % (1 << 20) + 1;
		return h->p = __vmalloc(h->size, gfp);
	case E_KVMALLOC:
		h->size = r % (1 << 19) + 1;
		return h->p = kvmalloc(h->size, gfp);
	case E_CACHE:
		h->cache = caches[r % NR_CACHES];
		h->size = kmem_cache_size(h->cache);
		return h->p = kmem_cache_alloc(h->cache, gfp);
	default:
		return NULL;
	}
}

static void release(struct worker *w, struct held *h)
{
	switch (w->entry) {
	case E_PAGES:
		__free_pages(virt_to_page(h->p), h->order);
		break;
	case E_VMALLOC:
		vfree(h->p);
		break;
	case E_KVMALLOC:
		kvfree(h->p);
		break;
	case E_CACHE:
		kmem_cache_free(h->cache, h->p);
		break;
	default:
		kfree(h->p);
	}
}

/* The alignment each entry point promises. */
static uintptr_t promised_align(const struct worker *w, const struct held *h)
{
	switch (w->entry) {
	case E_KMALLOC:
		/* kmalloc of a power of two is aligned to it (up to a page) */
		if (!(h->size & (h->size - 1)))
			return h->size < PAGE_SIZE ? h->size : PAGE_SIZE;
		return ARCH_KMALLOC_MINALIGN;
	case E_PAGES:
	case E_KMALLOC_LARGE:
	case E_VMALLOC:
		return PAGE_SIZE;
	case E_CACHE:
		return sizeof(void *);
	default:
		return ARCH_KMALLOC_MINALIGN;
	}
}

static void worker_fail(struct worker *w, const char *what, const struct held *h)
{
	fprintf(stderr, "worker %u %s: %s at %p (%zu bytes)\n", w->id, entry_names[w->entry], what,
		h->p, h->size);
	w->bad++;
}

/* Allocate until GIVE_UP failures in a row, checking and filling each success. */
static void fill_until_oom(struct worker *w)
{
	unsigned int failures = 0;

	while (failures < GIVE_UP && w->nr_held < MAX_HELD) {
		struct held *h = &w->held[w->nr_held];
		bool zero = next_rand(&w->rng) & 1;

		if (!allocate(w, h, OOM_GFP | (zero ? __GFP_ZERO : 0))) {
			failures++;
			continue;
		}
		failures = 0;
		if ((uintptr_t)h->p % promised_align(w, h))
			worker_fail(w, "misaligned", h);
		if (zero && !all_zero(h->p, h->size))
			worker_fail(w, "not zeroed", h);
		h->fill = (unsigned char)(w->id * 16 + w->nr_held % 16 + 1);
		memset(h->p, h->fill, h->size);
		w->allocated_bytes += h->size;
		w->nr_held++;
	}
}

static void free_all(struct worker *w)
{
	for (unsigned long i = 0; i < w->nr_held; i++) {
		struct held *h = &w->held[i];

		if (!all_fill(h->p, h->size, h->fill))
			worker_fail(w, "pattern changed", h);
		release(w, h);
	}
	w->nr_held = 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	fill_until_oom(w);
	pthread_barrier_wait(&all_out_of_memory);
	free_all(w);
	atomic_fetch_sub(&workers_running, 1);
	return NULL;
}

/*
 * The ninth thread: the buddy allocator's invariant checker, while the workers run.
 * (vmap_tree_check() holds only between operations: an area moving from the free tree
 * to the busy tree is in neither for a moment, as in the kernel. It runs after.)
 */
static void *checker_main(void *arg)
{
	do {
		int problems = kmm_check_page_alloc();

		atomic_fetch_add(&checker_problems, problems);
		atomic_fetch_add(&checker_rounds, 1);
		usleep(1000); /* leave the zone locks to the workers most of the time */
	} while (atomic_load(&workers_running));
	return NULL;
}

/* All 8 workers on one entry point until out of memory; returns bytes allocated. */
static unsigned long run_entry(enum entry entry, unsigned long *bad)
{
	static struct worker workers[NR_WORKERS];
	pthread_t checker;
	unsigned long bytes = 0;

	atomic_store(&workers_running, NR_WORKERS);
	pthread_barrier_init(&all_out_of_memory, NULL, NR_WORKERS);
	for (unsigned int i = 0; i < NR_WORKERS; i++) {
		struct worker *w = &workers[i];

		if (!w->held)
			w->held = calloc(MAX_HELD, sizeof(*w->held));
		w->id = i;
		w->rng = 0x9e3779b97f4a7c15ULL * (i + 1) + entry;
		w->entry = entry;
		w->nr_held = w->allocated_bytes = w->bad = 0;
		pthread_create(&w->thread, NULL, worker_main, w);
	}
	pthread_create(&checker, NULL, checker_main, NULL);
	for (unsigned int i = 0; i < NR_WORKERS; i++) {
		pthread_join(workers[i].thread, NULL);
		bytes += workers[i].allocated_bytes;
		*bad += workers[i].bad;
	}
	pthread_join(checker, NULL);
	pthread_barrier_destroy(&all_out_of_memory);
	if (vmap_tree_check(NULL))
		++*bad;
	return bytes;
}

TEST(out_of_memory_on_every_entry_point)
{
	struct kmm_page_stats before, after;

	for (int i = 0; i < NR_CACHES; i++) {
		caches[i] = kmem_cache_create("test_oom", cache_sizes[i], 0, 0, NULL);
		REQUIRE(caches[i]);
	}
	kmm_page_stats(&before);
	for (enum entry e = 0; e < NR_ENTRIES; e++) {
		unsigned long bad = 0, first, second;

		first = run_entry(e, &bad);
		/* everything usable again: a second run gets about as much */
		second = run_entry(e, &bad);
		printf("%-14s %lu KiB, then %lu KiB\n", entry_names[e], first >> 10, second >> 10);
		CHECK_EQ(bad, 0);
		/* most of the 64 MiB of RAM, and never more than there is */
		CHECK(first > (16UL << 20));
		CHECK(first < (64UL << 20));
		CHECK(second >= first / 2);
	}
	CHECK_EQ(atomic_load(&checker_problems), 0);
	CHECK(atomic_load(&checker_rounds) > 0);
	for (int i = 0; i < NR_CACHES; i++) {
		CHECK_EQ(kmm_slab_validate(kmem_cache_name(caches[i])), 0);
		kmem_cache_destroy(caches[i]);
	}
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	kmm_page_stats(&after);
	/* per-CPU lists and slab caches may keep some, but the bulk is back */
	CHECK(after.free + after.pcp + (2UL << 20) / PAGE_SIZE >= before.free + before.pcp);
	if (kmm_failures)
		kmm_report(stderr, "buddyinfo");
}

int main(void)
{
	/* the figures above assume this RAM; never fill a host's worth */
	setenv("KMM_RAM", "64M", 1);
	return kmm_test_main();
}
