/* kmm-test: labels=unit,debug env=KMM_RAM=256M,KMM_NR_CPUS=2,KMM_KFENCE_SAMPLE_INTERVAL=1,KMM_KFENCE_NUM_OBJECTS=63 timeout=120 backends=all */
/*
 * test_kfence.c - KFENCE (src/kfence.c) as the kernel's mm/kfence/kfence_test.c checks
 * it: out-of-bounds on both sides, use-after-free, double and invalid frees, corruption
 * of the canaries found at free time, each matched against the report text, plus the
 * pool's place in ksize(), kfree() and the statistics.
 *
 * As kfence_test does, allocations are repeated until one is sampled (the sample
 * interval is 1 ms here). The faulting accesses run in a child, whose stderr is the
 * report; the access itself completes after the report, as in the kernel, so the child
 * goes on and says so. The functions that misbehave are global, so that the report can
 * name them.
 */
#include <linux/kfence.h>
#include <linux/slab.h>

#include "kmm_test.h"

enum allocation_policy { ALLOCATE_ANY, ALLOCATE_LEFT, ALLOCATE_RIGHT };

/* test_alloc(): a KFENCE object of @size from @s (NULL: kmalloc) at the wanted end. */
__attribute__((noinline)) void *test_alloc(struct kmem_cache *s, size_t size,
					   enum allocation_policy policy)
{
	for (int tries = 0; tries < 200000; tries++) {
		void *p = s ? kmem_cache_alloc(s, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
		unsigned long offset = (unsigned long)p & 4095;

		if (is_kfence_address(p) &&
		    (policy == ALLOCATE_ANY || (policy == ALLOCATE_LEFT && offset == 0) ||
		     (policy == ALLOCATE_RIGHT && offset != 0)))
			return p;
		if (s)
			kmem_cache_free(s, p);
		else
			kfree(p);
		if (tries % 64 == 63)
			usleep(200); /* let the sample timer open the gate */
	}
	return NULL;
}

static volatile char sink;
static char *victim;
static size_t victim_size;

__attribute__((noinline)) void oob_left_read(void *arg)
{
	sink = victim[-1];
	printf("the access went on\n");
}

__attribute__((noinline)) void oob_right_write(void *arg)
{
	victim[victim_size] = 1;
	printf("the access went on\n");
}

__attribute__((noinline)) void uaf_read(void *arg)
{
	kfree(victim);
	sink = victim[0];
	printf("the access went on\n");
}

__attribute__((noinline)) void double_free(void *arg)
{
	kfree(victim);
	kfree(victim);
	printf("the free returned\n"); /* and keeps this frame on the stack: no tail call */
}

__attribute__((noinline)) void invalid_addr_free(void *arg)
{
	kfree(victim + 1);
	printf("the free returned\n");
}

__attribute__((noinline)) void corrupt_then_free(void *arg)
{
	victim[victim_size + 3] = 0x42; /* in the canary after the object, on its page */
	kfree(victim);
	printf("the free returned\n");
}

static char *run(void (*fn)(void *), int *status)
{
	return kmm_run_child(fn, NULL, status);
}

TEST(out_of_bounds_read_left_faults_and_is_reported)
{
	char *out, expect[128];
	int status;

	victim = test_alloc(NULL, 32, ALLOCATE_LEFT);
	REQUIRE(victim);
	out = run(oob_left_read, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out,
			   "==================================================================\n"
			   "BUG: KFENCE: out-of-bounds read in oob_left_read+0x");
	snprintf(expect, sizeof(expect), "Out-of-bounds read at 0x%016lx (1B left of kfence-#",
		 (unsigned long)(victim - 1));
	CHECK_STR_CONTAINS(out, expect);
	snprintf(expect, sizeof(expect), ": 0x%016lx-0x%016lx, size=32, cache=kmalloc-32\n\n",
		 (unsigned long)victim, (unsigned long)victim + 31);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "allocated by task ");
	CHECK_STR_CONTAINS(out, "\n test_alloc+0x");
	CHECK_STR_CONTAINS(out, "CPU: ");
	CHECK_STR_CONTAINS(out, "the access went on\n");
	free(out);
	kfree(victim);
}

TEST(out_of_bounds_write_right_faults_and_is_reported)
{
	char *out, expect[128];
	int status;

	victim_size = 32;
	victim = test_alloc(NULL, victim_size, ALLOCATE_RIGHT);
	REQUIRE(victim);
	CHECK_EQ(((unsigned long)victim + 32) & 4095, 0); /* kmalloc-32: 8-aligned, at the end */
	out = run(oob_right_write, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: KFENCE: out-of-bounds write in oob_right_write+0x");
	snprintf(expect, sizeof(expect), "Out-of-bounds write at 0x%016lx (32B right of kfence-#",
		 (unsigned long)(victim + 32));
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "the access went on\n");
	free(out);
	kfree(victim);
}

TEST(use_after_free_read_is_reported_with_both_stacks)
{
	char *out, expect[128];
	int status;

	victim = test_alloc(NULL, 64, ALLOCATE_ANY);
	REQUIRE(victim);
	out = run(uaf_read, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: KFENCE: use-after-free read in uaf_read+0x");
	snprintf(expect, sizeof(expect), "Use-after-free read at 0x%016lx (in kfence-#",
		 (unsigned long)victim);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "size=64, cache=kmalloc-64");
	CHECK_STR_CONTAINS(out, "allocated by task ");
	CHECK_STR_CONTAINS(out, "\nfreed by task ");
	CHECK_STR_CONTAINS(out, "ago):\n uaf_read+0x");
	CHECK_STR_CONTAINS(out, "the access went on\n");
	free(out);
	kfree(victim);
}

TEST(double_free_is_an_invalid_free)
{
	char *out, expect[128];
	int status;

	victim = test_alloc(NULL, 32, ALLOCATE_ANY);
	REQUIRE(victim);
	out = run(double_free, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: KFENCE: invalid free in double_free+0x");
	snprintf(expect, sizeof(expect), "Invalid free of 0x%016lx (in kfence-#",
		 (unsigned long)victim);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "\nfreed by task ");
	free(out);
	kfree(victim);
}

TEST(free_of_an_inner_pointer_is_an_invalid_free)
{
	char *out, expect[128];
	int status;

	victim = test_alloc(NULL, 32, ALLOCATE_ANY);
	REQUIRE(victim);
	out = run(invalid_addr_free, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: KFENCE: invalid free in invalid_addr_free+0x");
	snprintf(expect, sizeof(expect), "Invalid free of 0x%016lx (in kfence-#",
		 (unsigned long)victim + 1);
	CHECK_STR_CONTAINS(out, expect);
	free(out);
	kfree(victim);
}

TEST(corrupted_canary_is_reported_at_free)
{
	char *out, expect[160];
	int status;

	victim_size = 73; /* kmalloc-96, 8-aligned: left-allocated, the canary follows at once */
	victim = test_alloc(NULL, victim_size, ALLOCATE_LEFT);
	REQUIRE(victim);
	out = run(corrupt_then_free, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG: KFENCE: memory corruption in corrupt_then_free+0x");
	snprintf(expect, sizeof(expect),
		 "Corrupted memory at 0x%016lx [ 0x42 . . . . . . . . . . . . . . . ] (in kfence-#",
		 (unsigned long)victim + 76);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "size=73, cache=kmalloc-96");
	free(out);
	kfree(victim);
}

TEST(kfence_objects_answer_ksize_and_come_back_through_kfree)
{
	struct kmem_cache *s = kmem_cache_create("kfence-test", 100, 0, 0, NULL);
	char *p, *buf = NULL;

	REQUIRE(s);
	p = test_alloc(s, 0, ALLOCATE_ANY);
	REQUIRE(p);
	memset(p, 0xab, 100);
	CHECK_EQ(ksize(p), 100);
	CHECK(kmem_valid_obj(p));
	kmem_cache_free(s, p);
	p = test_alloc(NULL, 200, ALLOCATE_ANY);
	REQUIRE(p);
	CHECK_EQ(ksize(p), 200);
	p = krealloc(p, 5000, GFP_KERNEL); /* out of the pool: copied, and freed by KFENCE */
	REQUIRE(p);
	CHECK(!is_kfence_address(p));
	kfree(p);
	p = test_alloc(s, 0, ALLOCATE_ANY);
	REQUIRE(p);
	kmem_cache_free_bulk(s, 1, (void **)&p); /* the back-end never sees it */
	CHECK_EQ(ksize(p), 0);			 /* freed: KFENCE no longer sizes it */
	CAPTURE(buf, kmm_report(out, "kfence"));
	CHECK_STR_CONTAINS(buf, "enabled: 1\ncurrently allocated: ");
	CHECK_STR_CONTAINS(buf, "total bugs: 0\n");
	CHECK_STR_CONTAINS(buf, "skipped allocations (capacity): ");
	free(buf);
	kmem_cache_destroy(s);
}

static void dump_victim(void *arg)
{
	printf("dumped: %d\n", kmem_dump_obj(victim + 5));
}

TEST(kmem_dump_obj_knows_kfence_objects)
{
	char *out, expect[96];
	int status;

	victim = test_alloc(NULL, 40, ALLOCATE_ANY);
	REQUIRE(victim);
	out = run(dump_victim, &status);
	snprintf(expect, sizeof(expect), " slab kmalloc-64 start %p pointer offset 5 size 64\n",
		 (void *)victim);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "dumped: 1\n");
	free(out);
	kfree(victim);
}

/* The kernel's KFENCE depends on SLAB || SLUB: with SLOB it stays off, and says so. */
TEST(slob_has_no_kfence)
{
	char *buf = NULL;
	void *p;

	if (strcmp(kmm_slab_allocator(), "slob"))
		return; /* the other tests are for the other back-ends */
	for (int i = 0; i < 2000; i++) {
		p = kmalloc(32, GFP_KERNEL);
		CHECK(!is_kfence_address(p));
		kfree(p);
		usleep(i % 100 ? 0 : 1000);
	}
	CAPTURE(buf, kmm_report(out, "kfence"));
	CHECK_STR_CONTAINS(buf, "enabled: 0\n");
	free(buf);
}

int main(void)
{
	/* under SLOB only the test above applies */
	if (!strcmp(kmm_slab_allocator(), "slob"))
		setenv("KMM_TEST_ONLY", "slob_has_no_kfence", 1);
	return kmm_test_main();
}
