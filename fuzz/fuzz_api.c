/*
 * fuzz_api - a libFuzzer harness for the whole allocation API against a model. Each
 * input is a program: every few bytes are one operation on one of 64 slots - kmalloc
 * (any size, any GFP flags of the set below), kmem_cache_alloc from caches of every
 * kind, alloc_pages of every order, vmalloc, kvmalloc, krealloc, and frees in any
 * order. The model knows what each slot holds and the byte it was filled with; after
 * every step the touched object's contents are checked and the allocator's own
 * checkers run (kmm_slab_validate, vmap_tree_check, kmm_check_page_alloc). At the end
 * of the input everything is freed and the page count must be back where it began,
 * apart from what the slab caches keep.
 *
 * The back-end comes from KMM_SLAB as usual. Built only with clang (make fuzz):
 * kmm itself with -fsanitize=fuzzer-no-link,address,undefined, this file with
 * -fsanitize=fuzzer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define NR_SLOTS   64
#define MAX_STEPS  512
#define LIVE_LIMIT (48UL << 20) /* of 256 MiB RAM: GFP_KERNEL never has to wait */
#define NR_CACHES  6

enum kind { EMPTY, KMALLOC, CACHE, PAGES, VMALLOC, KVMALLOC };

struct slot {
	enum kind kind;
	void *p;
	size_t size;
	unsigned int order; /* PAGES */
	unsigned int cache; /* CACHE */
	unsigned char fill;
};

static struct slot slots[NR_SLOTS];
static unsigned long live_bytes;
static struct kmem_cache *caches[NR_CACHES];
static const struct {
	const char *name;
	unsigned int size, align;
	slab_flags_t flags;
	bool ctor;
} cache_specs[NR_CACHES] = {
	{ "fuzz_8", 8, 0, 0, false },
	{ "fuzz_100", 100, 0, SLAB_HWCACHE_ALIGN, false },
	{ "fuzz_ctor_200", 200, 0, 0, true },
	{ "fuzz_rcu_512", 512, 0, SLAB_TYPESAFE_BY_RCU, false },
	{ "fuzz_dma_1000", 1000, 64, SLAB_CACHE_DMA, false },
	{ "fuzz_4096", 4096, 0, SLAB_RECLAIM_ACCOUNT, false },
};

/* The GFP flags a kernel caller might pass (no __GFP_NOFAIL: the model may be full). */
static const gfp_t gfp_set[] = {
	GFP_KERNEL,
	GFP_ATOMIC,
	GFP_NOWAIT,
	GFP_KERNEL | __GFP_ZERO,
	GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
	GFP_KERNEL | GFP_DMA,
	GFP_KERNEL | GFP_DMA32,
	GFP_KERNEL_ACCOUNT,
	GFP_KERNEL | __GFP_RECLAIMABLE,
	GFP_ATOMIC | __GFP_ZERO,
	GFP_NOWAIT | __GFP_ZERO | GFP_DMA32,
	GFP_KERNEL | __GFP_HIGH,
};

static void ctor_fill(void *object)
{
	memset(object, 0xc7, 200);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kmm_config cfg = { .ram = 256ULL << 20, .nr_cpus = 2 };

	if (kmm_init(&cfg))
		abort();
	for (int i = 0; i < NR_CACHES; i++) {
		caches[i] = kmem_cache_create(cache_specs[i].name, cache_specs[i].size,
					      cache_specs[i].align, cache_specs[i].flags,
					      cache_specs[i].ctor ? ctor_fill : NULL);
		if (!caches[i])
			abort();
	}
	return 0;
}

/* ---- reading the program ------------------------------------------------------------ */

struct reader {
	const uint8_t *p, *end;
};

static unsigned int next_byte(struct reader *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static unsigned int next_u16(struct reader *r)
{
	return next_byte(r) | next_byte(r) << 8;
}

/* ---- the model ---------------------------------------------------------------------- */

static void fail(const char *what, const struct slot *s)
{
	fprintf(stderr, "fuzz_api: %s (kind %d, %p, %zu bytes)\n", what, s->kind, s->p, s->size);
	abort();
}

/*
 * The first byte of [p, p + n) that is not @byte, or NULL. Not instrumented for coverage:
 * megabytes of comparisons would otherwise be most of every run, and teach nothing.
 */
__attribute__((no_sanitize("coverage"))) static const unsigned char *
first_other(const unsigned char *p, size_t n, unsigned char byte)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != byte)
			return p + i;
	return NULL;
}

static void check_contents(const struct slot *s)
{
	if (first_other(s->p, s->size, s->fill))
		fail("contents changed", s);
}

static void check_zero(const struct slot *s)
{
	if (first_other(s->p, s->size, 0))
		fail("__GFP_ZERO memory not zero", s);
}

static void release(struct slot *s)
{
	if (s->kind == EMPTY)
		return;
	check_contents(s);
	switch (s->kind) {
	case KMALLOC:
		kfree(s->p);
		break;
	case CACHE:
		kmem_cache_free(caches[s->cache], s->p);
		break;
	case PAGES:
		__free_pages(virt_to_page(s->p), s->order);
		break;
	case VMALLOC:
		vfree(s->p);
		break;
	case KVMALLOC:
		kvfree(s->p);
		break;
	default:
		break;
	}
	live_bytes -= s->size;
	s->kind = EMPTY;
}

/* A new object in @s: check what the flags promise, then fill it. */
static void filled(struct slot *s, enum kind kind, void *p, size_t size, gfp_t gfp,
		   unsigned int fill)
{
	if (!p)
		return; /* a clean failure is always allowed */
	s->kind = kind;
	s->p = p;
	s->size = size;
	if ((gfp & __GFP_ZERO) && !(kind == CACHE && cache_specs[s->cache].ctor))
		check_zero(s);
	if ((uintptr_t)p % (kind == PAGES || kind == VMALLOC ? PAGE_SIZE : sizeof(void *)))
		fail("misaligned", s);
	s->fill = (unsigned char)fill;
	memset(p, s->fill, size);
	live_bytes += size;
}

static void do_step(struct reader *r)
{
	unsigned int op = next_byte(r), which = next_byte(r);
	struct slot *s = &slots[which % NR_SLOTS];
	gfp_t gfp = gfp_set[next_byte(r) % ARRAY_SIZE(gfp_set)];
	unsigned int fill = next_byte(r) | 1;
	size_t size;
	void *p;

	if (op % 8 != 2)
		gfp &= ~__GFP_DMA32; /* slab memory: the kernel warns and drops it (tested elsewhere) */
	switch (op % 8) {
	case 0: /* kmalloc: mostly small, sometimes large */
		release(s);
		size = next_u16(r);
		if (next_byte(r) < 16)
			size <<= 5; /* up to 2 MiB: the page allocator's */
		if (live_bytes + size > LIVE_LIMIT)
			return;
		filled(s, KMALLOC, kmalloc(size, gfp), size, gfp, fill);
		if (s->kind == EMPTY || size)
			break;
		s->kind = EMPTY; /* kmalloc(0): ZERO_SIZE_PTR, freed by kfree() */
		kfree(s->p);
		break;
	case 1: /* kmem_cache_alloc */
		release(s);
		s->cache = next_byte(r) % NR_CACHES;
		if (cache_specs[s->cache].ctor)
			gfp &= ~__GFP_ZERO;
		filled(s, CACHE, kmem_cache_alloc(caches[s->cache], gfp),
		       cache_specs[s->cache].size, gfp, fill);
		break;
	case 2: /* alloc_pages */
		release(s);
		s->order = next_byte(r) % (MAX_PAGE_ORDER + 1);
		size = PAGE_SIZE << s->order;
		if (live_bytes + size > LIVE_LIMIT)
			return;
		p = NULL;
		{
			struct page *page = alloc_pages(gfp, s->order);

			if (page)
				p = page_address(page);
		}
		filled(s, PAGES, p, size, gfp, fill);
		break;
	case 3: /* vmalloc */
		release(s);
		size = (size_t)next_u16(r) * 16 + 1;
		if (live_bytes + size > LIVE_LIMIT)
			return;
		gfp = (gfp & __GFP_ZERO) | GFP_KERNEL;
		filled(s, VMALLOC, __vmalloc(size, gfp), size, gfp, fill);
		break;
	case 4: /* kvmalloc */
		release(s);
		size = (size_t)next_u16(r) * 8 + 1;
		if (live_bytes + size > LIVE_LIMIT)
			return;
		gfp = (gfp & __GFP_ZERO) | GFP_KERNEL;
		filled(s, KVMALLOC, kvmalloc(size, gfp), size, gfp, fill);
		break;
	case 5: /* krealloc: contents kept up to the smaller size */
		if (s->kind != KMALLOC)
			return;
		size = next_u16(r) + 1;
		check_contents(s);
		p = krealloc(s->p, size, gfp & ~__GFP_ZERO);
		if (!p)
			return; /* the old object stays */
		live_bytes -= s->size;
		if (size > s->size)
			memset((char *)p + s->size, s->fill, size - s->size);
		s->p = p;
		s->size = size;
		live_bytes += size;
		check_contents(s);
		break;
	default: /* free, in whatever order the input says */
		release(s);
		break;
	}
}

static void check_invariants(void)
{
	if (kmm_slab_validate(NULL) || vmap_tree_check(NULL) || kmm_check_page_alloc()) {
		fprintf(stderr, "fuzz_api: an allocator checker failed\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, data + size };
	struct kmm_page_stats before, after;

	kmm_page_stats(&before);
	for (int step = 0; step < MAX_STEPS && r.p < r.end; step++) {
		do_step(&r);
		check_invariants();
	}
	for (int i = 0; i < NR_SLOTS; i++)
		release(&slots[i]);
	check_invariants();
	for (int i = 0; i < NR_CACHES; i++)
		kmem_cache_shrink(caches[i]);
	kmm_page_stats(&after);
	/* the kmalloc caches and per-CPU lists may keep what they took: 8 MiB at most */
	if (after.allocated > before.allocated + (8UL << 20) / PAGE_SIZE) {
		fprintf(stderr, "fuzz_api: %lu pages allocated before, %lu after\n",
			before.allocated, after.allocated);
		abort();
	}
	return 0;
}
