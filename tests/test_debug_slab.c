/* kmm-test: labels=unit;debug;slab env=KMM_RAM=1G,KMM_NR_CPUS=2,KMM_SLAB=slab */
/*
 * test_debug_slab.c - CONFIG_DEBUG_SLAB on the SLAB back-end (src/slab.c, 6.7's mm/slab.c):
 * the debug words in the layout, the red zone and poison patterns, and each misuse
 * reported in the kernel's words (slab_error, check_poison_obj) while the program goes
 * on; validate() finds damage once and repairs it. And what SLOB did with the same
 * flags: nothing (6.3 dropped them).
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "debug_threads.h"
#include "kmm_test.h"
#include "slab.h"

#define RED_INACTIVE 0x09F911029D74E35BULL
#define RED_ACTIVE   0xD84156C5635688C0ULL
#define ZPU	     (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

static long attr_num(const char *cache, const char *attr)
{
	char buf[256];

	if (kmm_slab_attr(cache, attr, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static struct kmem_cache *test_cache(const char *name, unsigned int size, slab_flags_t flags)
{
	return kmem_cache_create(name, size, 0, flags | SLAB_NO_USER_FLAGS, NULL);
}

static char *run_child(void (*fn)(void *), void *arg)
{
	int status;
	char *out = kmm_run_child(fn, arg, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
}

static unsigned long long word_at(const void *p)
{
	unsigned long long v;

	memcpy(&v, p, sizeof(v));
	return v;
}

TEST(debug_words_in_the_layout)
{
	/* red zone words before and after the object, the user word after them */
	struct kmem_cache *zpu = test_cache("t_dl_zpu", 64, ZPU);
	struct kmem_cache *z = test_cache("t_dl_z", 64, SLAB_RED_ZONE);
	struct kmem_cache *u = test_cache("t_dl_u", 64, SLAB_STORE_USER);
	struct kmem_cache *p = test_cache("t_dl_p", 64, SLAB_POISON);
	/* SLAB had no consistency checks nor tracing: those flags are dropped */
	struct kmem_cache *ft = test_cache("t_dl_ft", 64, SLAB_CONSISTENCY_CHECKS | SLAB_TRACE);

	REQUIRE(zpu && z && u && p && ft);
	CHECK_EQ(attr_num("t_dl_zpu", "slab_size"), 64 + 8 + 8 + 8);
	CHECK_EQ(attr_num("t_dl_z", "slab_size"), 64 + 8 + 8);
	CHECK_EQ(attr_num("t_dl_u", "slab_size"), 64 + 8);
	CHECK_EQ(attr_num("t_dl_p", "slab_size"), 64);
	CHECK_EQ(attr_num("t_dl_zpu", "red_zone"), 1);
	CHECK_EQ(attr_num("t_dl_zpu", "poison"), 1);
	CHECK_EQ(attr_num("t_dl_zpu", "store_user"), 1);
	CHECK_EQ(attr_num("t_dl_ft", "sanity_checks"), 0);
	CHECK_EQ(attr_num("t_dl_ft", "trace"), 0);
	CHECK_EQ(attr_num("t_dl_ft", "slab_size"), 64);
	kmem_cache_destroy(zpu);
	kmem_cache_destroy(z);
	kmem_cache_destroy(u);
	kmem_cache_destroy(p);
	kmem_cache_destroy(ft);
}

TEST(patterns_of_allocated_and_free_objects)
{
	struct kmem_cache *s = test_cache("t_pat", 40, ZPU);
	unsigned char *p;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(((uintptr_t)p) % 8, 0);
	/* handed out: POISON_INUSE, the red zones active */
	CHECK_EQ(p[0], 0x5a);
	CHECK_EQ(p[38], 0x5a);
	CHECK_EQ(p[39], 0xa5);
	CHECK(word_at(p - 8) == RED_ACTIVE);
	CHECK(word_at(p + 40) == RED_ACTIVE);
	memset(p, 0x11, 40);
	kmem_cache_free(s, p);
	/* free: POISON_FREE, inactive */
	CHECK_EQ(p[0], 0x6b);
	CHECK_EQ(p[39], 0xa5);
	CHECK(word_at(p - 8) == RED_INACTIVE);
	CHECK(word_at(p + 40) == RED_INACTIVE);
	CHECK_EQ(ksize(p = kmem_cache_alloc(s, GFP_KERNEL)), 40);
	kmem_cache_free(s, p);
	CHECK_EQ(kmm_slab_validate("t_pat"), 0);
	kmem_cache_destroy(s);
}

static _Atomic int ctor_calls;

void debug_slab_ctor(void *obj);
void debug_slab_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0x33, 32);
}

TEST(poisoned_objects_get_their_constructor_when_handed_out)
{
	struct kmem_cache *s = kmem_cache_create("t_ctor", 32, 0, SLAB_POISON | SLAB_NO_USER_FLAGS,
						 debug_slab_ctor);
	unsigned char *p;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(ctor_calls, 1);
	CHECK_EQ(p[0], 0x33);
	CHECK_EQ(p[31], 0x33);
	kmem_cache_free(s, p);
	CHECK_EQ(kmm_slab_validate("t_ctor"), 0);
	kmem_cache_destroy(s);
}

void debug_slab_double_free_child(void *arg);
void debug_slab_double_free_child(void *arg)
{
	struct kmem_cache *s = test_cache("t_sdf", 64, ZPU);
	void *p, *q, *r, *t;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p && q);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	/* ignored: p comes back once only */
	r = kmem_cache_alloc(s, GFP_KERNEL);
	t = kmem_cache_alloc(s, GFP_KERNEL);
	printf("once=%d\n", (r == p) + (t == p) == 1);
	kmem_cache_free(s, q);
	kmem_cache_free(s, r);
	kmem_cache_free(s, t);
	printf("objects=%ld validate=%d\n", attr_num("t_sdf", "objects"),
	       kmm_slab_validate("t_sdf"));
	kmem_cache_destroy(s);
}

TEST(double_free_detected_by_the_red_zones_and_ignored)
{
	char *out = run_child(debug_slab_double_free_child, NULL);

	CHECK_STR_CONTAINS(out, "slab error in verify_redzone_free(): cache `t_sdf': double free "
				"detected\n");
	CHECK_STR_CONTAINS(out, ": redzone 1:0x9f911029d74e35b, redzone 2:0x9f911029d74e35b\n");
	CHECK_STR_CONTAINS(out, "Call Trace:");
	CHECK_STR_CONTAINS(out, "once=1\nobjects=0 validate=0\n");
	free(out);
}

static void poison_only_double_free(void *arg)
{
	struct kmem_cache *s = test_cache("t_pdf", 64, SLAB_POISON);
	void *p, *q;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p && q);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	kmem_cache_free(s, q);
	printf("objects=%ld validate=%d\n", attr_num("t_pdf", "objects"),
	       kmm_slab_validate("t_pdf"));
	kmem_cache_destroy(s);
}

TEST(double_free_without_red_zones_found_in_the_slab)
{
	char *out = run_child(poison_only_double_free, NULL);

	CHECK_STR_CONTAINS(out, "slab: double free detected in cache 't_pdf', objp 0x");
	CHECK_STR_CONTAINS(out, "objects=0 validate=0\n");
	free(out);
}

static void overrun_then_free(void *arg)
{
	struct kmem_cache *s = test_cache("t_sov", 64, ZPU);
	unsigned char *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	p[64] = 0x01;
	kmem_cache_free(s, p);
	printf("objects=%ld validate=%d\n", attr_num("t_sov", "objects"),
	       kmm_slab_validate("t_sov"));
	kmem_cache_destroy(s);
}

TEST(write_past_the_object_reported_at_free)
{
	char *out = run_child(overrun_then_free, NULL);

	CHECK_STR_CONTAINS(out, "slab error in verify_redzone_free(): cache `t_sov': memory "
				"outside object was overwritten\n");
	CHECK_STR_CONTAINS(out, ": redzone 1:0xd84156c5635688c0, redzone 2:0xd84156c563568801\n");
	/* freed all the same, as the kernel did: its slab's management is not in it */
	CHECK_STR_CONTAINS(out, "objects=0 validate=0\n");
	free(out);
}

void debug_slab_uaf_child(void *arg);
void debug_slab_uaf_child(void *arg)
{
	struct kmem_cache *s = test_cache("t_suaf", 64, ZPU);
	unsigned char *p, *q;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	p[20] ^= 0x10; /* one bit */
	p[40] = 0;
	printf("validate=%d\n", kmm_slab_validate("t_suaf"));
	printf("validate=%d\n", kmm_slab_validate("t_suaf"));
	p[3] = 0x77;
	q = kmem_cache_alloc(s, GFP_KERNEL); /* the same object: LIFO */
	printf("same=%d\n", q == p);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

TEST(write_after_free_found_by_validate_and_at_the_next_allocation)
{
	char *out = run_child(debug_slab_uaf_child, NULL);

	CHECK_STR_CONTAINS(out, "Slab corruption (");
	CHECK_STR_CONTAINS(out, "): t_suaf start=");
	CHECK_STR_CONTAINS(out, ", len=64\n");
	CHECK_STR_CONTAINS(out, "Redzone: 0x9f911029d74e35b/0x9f911029d74e35b\n");
	CHECK_STR_CONTAINS(out, "Last user: (debug_slab_uaf_child+0x");
	CHECK_STR_CONTAINS(
		out, "010: 6b 6b 6b 6b 7b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkk{kkkkkkkkkkk\n");
	CHECK_STR_CONTAINS(
		out, "020: 6b 6b 6b 6b 6b 6b 6b 6b 00 6b 6b 6b 6b 6b 6b 6b  kkkkkkkk.kkkkkkk\n");
	CHECK_STR_CONTAINS(out, "Single bit error detected. Probably bad RAM.\n");
	CHECK_STR_CONTAINS(out, "000: 6b 6b 6b 77 6b");
	CHECK_STR_CONTAINS(out, "validate=1\nvalidate=0\nsame=1\n");
	free(out);
}

static void interior_free(void *arg)
{
	struct kmem_cache *s = test_cache("t_sint", 64, ZPU);
	char *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p + 8);
	kmem_cache_free(s, p);
	printf("objects=%ld validate=%d\n", attr_num("t_sint", "objects"),
	       kmm_slab_validate("t_sint"));
	kmem_cache_destroy(s);
}

TEST(free_not_at_an_object_start_reported_and_ignored)
{
	char *out = run_child(interior_free, NULL);

	CHECK_STR_CONTAINS(out, "slab: invalid free in cache 't_sint', objp 0x");
	CHECK_STR_CONTAINS(out, "objects=0 validate=0\n");
	free(out);
}

/* ---- KMM_DEBUG on SLAB, and on SLOB ------------------------------------------------------- */

/* Run only as the re-executed child of the tests below. */
TEST(debug_slab_env_child)
{
	struct kmem_cache *s;

	if (!getenv("KMM_TEST_DEBUG_SLAB_CHILD"))
		return;
	s = kmem_cache_create("t_env_s", 64, 0, 0, NULL);
	printf("%s F=%ld Z=%ld P=%ld U=%ld T=%ld size=%ld\n", kmm_slab_allocator(),
	       attr_num("t_env_s", "sanity_checks"), attr_num("t_env_s", "red_zone"),
	       attr_num("t_env_s", "poison"), attr_num("t_env_s", "store_user"),
	       attr_num("t_env_s", "trace"), attr_num("t_env_s", "slab_size"));
	kmem_cache_destroy(s);
}

static void reexec(void *backend)
{
	setenv("KMM_SLAB", backend, 1);
	setenv("KMM_DEBUG", "FZPUT,t_env*", 1);
	setenv("KMM_TEST_DEBUG_SLAB_CHILD", "1", 1);
	setenv("KMM_TEST_ONLY", "debug_slab_env_child", 1);
	execl("/proc/self/exe", "test_debug_slab", (char *)NULL);
	_exit(127);
}

TEST(kmm_debug_on_slab_and_slob)
{
	char *out = run_child(reexec, "slab");

	CHECK_STR_CONTAINS(out, "slab F=0 Z=1 P=1 U=1 T=0 size=88\n");
	free(out);
	/* SLOB had no debugging at all */
	out = run_child(reexec, "slob");
	CHECK_STR_CONTAINS(out, "slob F=0 Z=0 P=0 U=0 T=0 size=");
	free(out);
}

/*
 * In this process, not a child: ThreadSanitizer cannot follow threads created after a
 * fork. Nothing here is expected to report.
 */
TEST(threads_share_a_debug_cache_without_a_report)
{
	struct kmem_cache *s = test_cache("t_sthreads", 48, ZPU);

	REQUIRE(s);
	CHECK_EQ(debug_threads_run(s), 0);
	CHECK_EQ(attr_num("t_sthreads", "objects"), 0);
	CHECK_EQ(kmm_slab_validate("t_sthreads"), 0);
	kmem_cache_destroy(s);
}

int main(void)
{
	return kmm_test_main();
}
