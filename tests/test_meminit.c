/* kmm-test: labels=reliability timeout=300 backends=all */
/*
 * test_meminit - init_on_alloc / init_on_free, as the kernel's lib/test_meminit.c: fill
 * memory, free it, allocate again and require zeros, for every page order, kmalloc and
 * vmalloc sizes 2^0..2^19, and caches of 8..4096 bytes with and without a constructor,
 * SLAB_TYPESAFE_BY_RCU and __GFP_ZERO. Each configuration runs in a child process that
 * initialises kmm with it; the control run (both off) shows that the checks do see
 * the old contents when nothing clears them.
 */
#include <stdbool.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kmm_test.h"

#define ITERATIONS 10
#define GARBAGE	   0xa5

struct meminit_run {
	int init_on_alloc, init_on_free; /* kmm_config values: 1 on, -1 off */
	int garbage_seen;		 /* control: allocations that showed old contents */
};

static bool want_zero(const struct meminit_run *run)
{
	return run->init_on_alloc > 0 || run->init_on_free > 0;
}

/* Zero as required, or (control run) count whether old contents came back. */
static void check_contents(struct meminit_run *run, const void *p, size_t size, const char *what,
			   size_t arg)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < size && !c[i]; i++)
		;
	if (i == size)
		return;
	if (!want_zero(run)) {
		run->garbage_seen++;
		return;
	}
	fprintf(stderr, "%s %zu: byte %zu of %zu is %#x, expected 0\n", what, arg, i, size, c[i]);
	kmm_failures++;
}

/* ---- pages ------------------------------------------------------------------------- */

static void test_pages(struct meminit_run *run)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		size_t size = PAGE_SIZE << order;

		for (int i = 0; i < ITERATIONS; i++) {
			struct page *page = alloc_pages(GFP_KERNEL, order);

			REQUIRE(page);
			memset(page_address(page), GARBAGE, size);
			__free_pages(page, order);
			page = alloc_pages(GFP_KERNEL, order);
			REQUIRE(page);
			check_contents(run, page_address(page), size, "page order", order);
			__free_pages(page, order);
		}
	}
}

/* ---- kmalloc, vmalloc -------------------------------------------------------------- */

static void test_kmalloc(struct meminit_run *run)
{
	for (unsigned int shift = 0; shift <= 19; shift++) {
		size_t size = (size_t)1 << shift;

		for (int i = 0; i < ITERATIONS; i++) {
			char *p = kmalloc(size, GFP_KERNEL);

			REQUIRE(p);
			memset(p, GARBAGE, size);
			kfree(p);
			p = kmalloc(size, GFP_KERNEL);
			REQUIRE(p);
			check_contents(run, p, size, "kmalloc", size);
			kfree(p);
		}
	}
}

static void test_vmalloc(struct meminit_run *run)
{
	for (unsigned int shift = 0; shift <= 19; shift++) {
		size_t size = (size_t)1 << shift;

		for (int i = 0; i < ITERATIONS; i++) {
			char *p = vmalloc(size);

			REQUIRE(p);
			memset(p, GARBAGE, size);
			vfree(p);
			p = vmalloc(size);
			REQUIRE(p);
			check_contents(run, p, size, "vmalloc", size);
			vfree(p);
		}
	}
}

/* ---- caches -------------------------------------------------------------------------- */

#define CTOR_BYTE 0x3c
static unsigned int ctor_size;

static void test_ctor(void *object)
{
	memset(object, CTOR_BYTE, ctor_size);
}

/* Constructed objects keep the constructor's contents: init_on_* leaves them alone. */
static void check_ctor_contents(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != CTOR_BYTE) {
			fprintf(stderr, "ctor cache %zu: byte %zu is %#x, expected %#x\n", size, i,
				p[i], CTOR_BYTE);
			kmm_failures++;
			return;
		}
}

/*
 * One cache of @size bytes: plain (zero required), __GFP_ZERO (always zero), RCU
 * (zero only with __GFP_ZERO: readers may still look at a freed object), ctor (the
 * object is fill-free: its contents stay the constructor's, which the user restores).
 */
static void test_cache(struct meminit_run *run, unsigned int size, bool ctor, bool rcu, bool zero)
{
	slab_flags_t flags = rcu ? SLAB_TYPESAFE_BY_RCU : 0;
	gfp_t gfp = GFP_KERNEL | (zero ? __GFP_ZERO : 0);
	struct kmem_cache *s;

	ctor_size = size;
	s = kmem_cache_create("test_meminit", size, 0, flags, ctor ? test_ctor : NULL);
	REQUIRE(s);
	for (int i = 0; i < ITERATIONS; i++) {
		unsigned char *p = kmem_cache_alloc(s, gfp);

		REQUIRE(p);
		if (ctor) {
			check_ctor_contents(p, size);
			kmem_cache_free(s, p);
			continue;
		}
		memset(p, GARBAGE, size);
		kmem_cache_free(s, p);
		p = kmem_cache_alloc(s, gfp);
		REQUIRE(p);
		if (zero) {
			struct meminit_run must_zero = { 1, 1, 0 };

			check_contents(&must_zero, p, size, "__GFP_ZERO cache", size);
		} else if (!rcu || !run->init_on_alloc) {
			check_contents(rcu ? &(struct meminit_run){ -1, -1, 0 } : run, p, size,
				       "cache", size);
		}
		kmem_cache_free(s, p);
	}
	kmem_cache_destroy(s);
}

static void test_caches(struct meminit_run *run)
{
	for (unsigned int size = 8; size <= 4096; size *= 2)
		for (int ctor = 0; ctor < 2; ctor++)
			for (int rcu = 0; rcu < 2; rcu++)
				for (int zero = 0; zero < 2 - ctor; zero++)
					test_cache(run, size, ctor, rcu, zero);
}

/* ---- the configurations ------------------------------------------------------------------ */

static void meminit_child(void *arg)
{
	struct meminit_run *run = arg;
	struct kmm_config cfg = { .ram = 256ULL << 20,
				  .init_on_alloc = run->init_on_alloc,
				  .init_on_free = run->init_on_free };

	if (kmm_init(&cfg)) {
		fprintf(stderr, "kmm_init failed\n");
		_exit(2);
	}
	test_pages(run);
	test_kmalloc(run);
	test_vmalloc(run);
	test_caches(run);
	if (!want_zero(run) && !run->garbage_seen) {
		fprintf(stderr, "control: no allocation showed old contents\n");
		kmm_failures++;
	}
	fflush(NULL);
	_exit(kmm_failures ? 1 : 0);
}

static void run_config(int on_alloc, int on_free)
{
	struct meminit_run run = { on_alloc, on_free, 0 };
	int status;
	char *out = kmm_run_child(meminit_child, &run, &status);

	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "init_on_alloc=%d init_on_free=%d:\n%s", on_alloc, on_free, out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);
}

TEST(control_sees_old_contents)
{
	run_config(-1, -1);
}

TEST(init_on_alloc)
{
	run_config(1, -1);
}

TEST(init_on_free)
{
	run_config(-1, 1);
}

TEST(init_on_alloc_and_free)
{
	run_config(1, 1);
}

int main(void)
{
	return kmm_test_main();
}
