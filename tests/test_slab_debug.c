/* kmm-test: labels=unit;debug env=KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_slab_debug.c - slab_debug on SLUB: the KMM_DEBUG parser (the kernel's slab_debug=
 * syntax), the debug layout, the detectors as the kernel's mm/slub_kunit.c has them
 * (validate() counts each report and each repair, repairs, and a second run finds
 * nothing), and every misuse as a report with the kernel's text after which the
 * program goes on safely.
 *
 * The caches carry their debug flags themselves, with SLAB_NO_USER_FLAGS as slub_kunit
 * does, so that KMM_DEBUG cannot change them; the KMM_DEBUG tests re-execute this
 * program with the variable set.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "debug_threads.h"
#include "kmm_test.h"
#include "slab.h"

#define FZPU (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

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

/* Run @fn in a child; its output, with the child's exit checked. */
static char *run_child(void (*fn)(void *), void *arg)
{
	int status;
	char *out = kmm_run_child(fn, arg, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
}

/* ---- the parser: slab_debug= as mm/slub.c reads it ---------------------------------------- */

TEST(parser_no_option_no_flags_and_bare_option_full_debugging)
{
	setup_slub_debug(NULL);
	CHECK_EQ(kmem_cache_flags(SLAB_HWCACHE_ALIGN, "dentry"), SLAB_HWCACHE_ALIGN);
	/* "slab_debug" without a value: F, Z, P and U everywhere */
	setup_slub_debug("");
	CHECK_EQ(kmem_cache_flags(0, "dentry"), FZPU);
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-64"), FZPU);
	setup_slub_debug(NULL);
}

TEST(parser_flag_letters_case_insensitive_and_dash_clears)
{
	setup_slub_debug("fZpUtA");
	CHECK_EQ(kmem_cache_flags(0, "x"), FZPU | SLAB_TRACE | SLAB_FAILSLAB);
	setup_slub_debug("FZ-P");
	CHECK_EQ(kmem_cache_flags(0, "x"), SLAB_POISON);
	setup_slub_debug("-");
	CHECK_EQ(kmem_cache_flags(0, "x"), 0);
	setup_slub_debug(NULL);
}

TEST(parser_cache_lists_globs_and_blocks)
{
	/* flags for the listed caches only; the others stay as they were (no debugging) */
	setup_slub_debug("P,kmalloc-64,dentry");
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-64"), SLAB_POISON);
	CHECK_EQ(kmem_cache_flags(0, "dentry"), SLAB_POISON);
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-6"), 0);
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-640"), 0);
	CHECK_EQ(kmem_cache_flags(0, "inode"), 0);

	/* a list without flags: full debugging for it; '*' ends a prefix */
	setup_slub_debug(",kmalloc-*");
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-192"), FZPU);
	CHECK_EQ(kmem_cache_flags(0, "dma-kmalloc-192"), 0);

	/* the first block naming a cache decides; a block without a list is the default */
	setup_slub_debug("FZ;-,kmalloc-*;U,dentry,inode_cache");
	CHECK_EQ(kmem_cache_flags(0, "kmalloc-8"), 0);
	CHECK_EQ(kmem_cache_flags(0, "dentry"), SLAB_STORE_USER);
	CHECK_EQ(kmem_cache_flags(0, "inode_cache"), SLAB_STORE_USER);
	CHECK_EQ(kmem_cache_flags(0, "task_struct"), SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	/* empty blocks are skipped */
	setup_slub_debug(";;Z;;");
	CHECK_EQ(kmem_cache_flags(0, "x"), SLAB_RED_ZONE);
	setup_slub_debug(NULL);
}

TEST(parser_no_user_flags_and_noleaktrace)
{
	setup_slub_debug("FZPU");
	CHECK_EQ(kmem_cache_flags(SLAB_NO_USER_FLAGS, "x"), SLAB_NO_USER_FLAGS);
	/* kmemleak's caches record no users by default... */
	CHECK_EQ(kmem_cache_flags(SLAB_NOLEAKTRACE, "kmemleak_object"),
		 SLAB_NOLEAKTRACE | SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON);
	/* ...unless a block names them */
	setup_slub_debug("U,kmemleak_*");
	CHECK_EQ(kmem_cache_flags(SLAB_NOLEAKTRACE, "kmemleak_object"),
		 SLAB_NOLEAKTRACE | SLAB_STORE_USER);
	setup_slub_debug(NULL);
}

static void parse_unknown_letter(void *arg)
{
	setup_slub_debug("FXZ");
	printf("flags=%#x\n", kmem_cache_flags(0, "x"));
	setup_slub_debug("FZO");
	printf("O=%d\n", slub_debug_disable_higher_order);
	setup_slub_debug(NULL);
	printf("O=%d\n", slub_debug_disable_higher_order);
}

TEST(parser_unknown_letter_reported_and_skipped_o_recorded)
{
	char *out = run_child(parse_unknown_letter, NULL);
	char want[64];

	CHECK_STR_CONTAINS(out, "slab_debug option 'X' unknown. skipped\n");
	snprintf(want, sizeof(want), "flags=%#x\n", SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	CHECK_STR_CONTAINS(out, want);
	CHECK_STR_CONTAINS(out, "O=1\nO=0\n");
	free(out);
}

/* ---- the layout of debug caches (mm/slub.c calculate_sizes) -------------------------------- */

TEST(debug_layout_as_the_kernel_computes_it)
{
	/*
	 * 64 bytes, word aligned. Z: a red zone word after the object (inuse 72), the free
	 * pointer stays mid-object, a padding word and an 8-byte left red zone: 88.
	 */
	struct kmem_cache *z = test_cache("t_lay_z", 64, SLAB_RED_ZONE);
	/* P: the free pointer moves after the object: 72 */
	struct kmem_cache *p = test_cache("t_lay_p", 64, SLAB_POISON);
	/* U: two 32-byte tracks after the object: 128 */
	struct kmem_cache *u = test_cache("t_lay_u", 64, SLAB_STORE_USER);
	/* FZPU: 72 + 8 (free pointer) + 64 (tracks) + 8 (padding word) + 8 (left) = 160 */
	struct kmem_cache *all = test_cache("t_lay_all", 64, FZPU);
	/* kmalloc-style FZPU: the request size after the tracks as well, 168 */
	struct kmem_cache *km = test_cache("t_lay_km", 64, FZPU | SLAB_KMALLOC);

	REQUIRE(z && p && u && all && km);
	CHECK_EQ(z->size, 88);
	CHECK_EQ(z->inuse, 72);
	CHECK_EQ(z->offset, 32);
	CHECK_EQ(z->red_left_pad, 8);
	CHECK_EQ(p->size, 72);
	CHECK_EQ(p->offset, 64);
	CHECK_EQ(u->size, 128);
	CHECK_EQ(all->size, 160);
	CHECK_EQ(all->offset, 72);
	CHECK_EQ(km->size, 168);
	/* 12 objects wanted for 2 CPUs: order 0 holds 25 of 160 bytes, wasting 96 < 4096/16 */
	CHECK_EQ(attr_num("t_lay_all", "slab_size"), 160);
	CHECK_EQ(attr_num("t_lay_all", "objs_per_slab"), 25);
	CHECK_EQ(attr_num("t_lay_all", "order"), 0);
	/* debug caches keep no per-CPU partial slabs */
	CHECK_EQ(attr_num("t_lay_all", "cpu_partial"), 0);
	CHECK_EQ(attr_num("t_lay_all", "red_zone"), 1);
	CHECK_EQ(attr_num("t_lay_all", "poison"), 1);
	CHECK_EQ(attr_num("t_lay_all", "store_user"), 1);
	CHECK_EQ(attr_num("t_lay_all", "sanity_checks"), 1);
	/* ksize: the object alone, the red zone is not the caller's */
	void *obj = kmem_cache_alloc(all, GFP_KERNEL);
	REQUIRE(obj);
	CHECK_EQ(ksize(obj), 64);
	kmem_cache_free(all, obj);
	kmem_cache_destroy(z);
	kmem_cache_destroy(p);
	kmem_cache_destroy(u);
	kmem_cache_destroy(all);
	kmem_cache_destroy(km);
}

TEST(debug_object_patterns_free_and_allocated)
{
	struct kmem_cache *s = test_cache("t_patterns", 40, SLAB_RED_ZONE | SLAB_POISON);
	unsigned char *p;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	/* allocated: poison inside (the kernel leaves it for the user), red zones 0xcc */
	CHECK_EQ(p[0], 0x6b);
	CHECK_EQ(p[38], 0x6b);
	CHECK_EQ(p[39], 0xa5);
	CHECK_EQ(p[40], 0xcc);
	CHECK_EQ(p[-1], 0xcc);
	CHECK_EQ(p[-(int)s->red_left_pad], 0xcc);
	memset(p, 0x11, 40);
	kmem_cache_free(s, p);
	/* free: poisoned again, red zones 0xbb */
	CHECK_EQ(p[0], 0x6b);
	CHECK_EQ(p[39], 0xa5);
	CHECK_EQ(p[40], 0xbb);
	CHECK_EQ(p[-1], 0xbb);
	CHECK_EQ(kmm_slab_validate("t_patterns"), 0);
	kmem_cache_destroy(s);
}

/* ---- the detectors of mm/slub_kunit.c: validate counts, repairs, then finds nothing ---------- */

struct kunit_result {
	int first, second, third;
};

static void clobber_zone(void *arg)
{
	struct kmem_cache *s = test_cache("TestSlub_RZ_alloc", 64, SLAB_RED_ZONE);
	u8 *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	p[64] = 0x12;
	printf("first=%d\n", kmm_slab_validate("TestSlub_RZ_alloc"));
	printf("second=%d\n", kmm_slab_validate("TestSlub_RZ_alloc"));
	kmem_cache_free(s, p);
	printf("after_free=%d\n", kmm_slab_validate("TestSlub_RZ_alloc"));
	kmem_cache_destroy(s);
}

TEST(kunit_clobber_zone)
{
	char *out = run_child(clobber_zone, NULL);

	CHECK_STR_CONTAINS(out, "[Right Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, ". First byte 0x12 instead of 0xcc\n");
	CHECK_STR_CONTAINS(out, "BUG TestSlub_RZ_alloc (");
	CHECK_STR_CONTAINS(out, "): Object corrupt\n");
	CHECK_STR_CONTAINS(out, "Redzone  ");
	CHECK_STR_CONTAINS(out, "Object   ");
	CHECK_STR_CONTAINS(out, "FIX TestSlub_RZ_alloc: Restoring Right Redzone 0x");
	CHECK_STR_CONTAINS(out, "first=2\nsecond=0\nafter_free=0\n");
	free(out);
}

static void next_pointer(void *arg)
{
	struct kmem_cache *s = test_cache("TestSlub_next_ptr_free", 64, SLAB_POISON);
	u8 *p;
	unsigned long tmp, *ptr_addr;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	ptr_addr = (unsigned long *)(p + s->offset);
	tmp = *ptr_addr;
	/*
	 * The kernel flips the whole low byte; flipping bit 0 alone makes the decoded
	 * pointer odd, never an object: the same corruption without a chance of a valid one.
	 */
	p[s->offset] ^= 1;
	/* the corrupted freechain, the count of objects in use, its repair */
	printf("first=%d\n", kmm_slab_validate("TestSlub_next_ptr_free"));
	/* the pointer put back: the count is wrong the other way now, and repaired */
	*ptr_addr = tmp;
	printf("second=%d\n", kmm_slab_validate("TestSlub_next_ptr_free"));
	printf("third=%d\n", kmm_slab_validate("TestSlub_next_ptr_free"));
	kmem_cache_destroy(s);
}

TEST(kunit_next_pointer)
{
	char *out = run_child(next_pointer, NULL);

	CHECK_STR_CONTAINS(out, "BUG TestSlub_next_ptr_free (");
	CHECK_STR_CONTAINS(out, "): Freechain corrupt\n");
	CHECK_STR_CONTAINS(out, "): Wrong object count. Counter is 0 but counted were ");
	CHECK_STR_CONTAINS(out, "FIX TestSlub_next_ptr_free: Object count adjusted\n");
	CHECK_STR_CONTAINS(out, "first=3\nsecond=2\nthird=0\n");
	free(out);
}

static void poison_clobber(void *arg)
{
	int offset = (int)(intptr_t)arg;
	const char *name = offset ? "TestSlub_50th_word_free" : "TestSlub_1th_word_free";
	struct kmem_cache *s = test_cache(name, 64, SLAB_POISON);
	u8 *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	p[offset] = offset ? 0x9a : 0x78;
	printf("first=%d\n", kmm_slab_validate(name));
	printf("second=%d\n", kmm_slab_validate(name));
	kmem_cache_destroy(s);
}

TEST(kunit_first_word)
{
	char *out = run_child(poison_clobber, (void *)(intptr_t)0);

	CHECK_STR_CONTAINS(out, "[Poison overwritten] 0x");
	CHECK_STR_CONTAINS(out, ". First byte 0x78 instead of 0x6b\n");
	CHECK_STR_CONTAINS(out, "BUG TestSlub_1th_word_free (");
	CHECK_STR_CONTAINS(out, "FIX TestSlub_1th_word_free: Restoring Poison 0x");
	CHECK_STR_CONTAINS(out, "=0x6b\n");
	CHECK_STR_CONTAINS(out, "first=2\nsecond=0\n");
	free(out);
}

TEST(kunit_clobber_50th_byte)
{
	char *out = run_child(poison_clobber, (void *)(intptr_t)50);

	CHECK_STR_CONTAINS(out, "[Poison overwritten] 0x");
	CHECK_STR_CONTAINS(out, ". First byte 0x9a instead of 0x6b\n");
	CHECK_STR_CONTAINS(out, "BUG TestSlub_50th_word_free (");
	CHECK_STR_CONTAINS(out, "first=2\nsecond=0\n");
	free(out);
}

static void clobber_redzone_free(void *arg)
{
	struct kmem_cache *s = test_cache("TestSlub_RZ_free", 64, SLAB_RED_ZONE);
	u8 *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	p[64] = 0xab;
	printf("first=%d\n", kmm_slab_validate("TestSlub_RZ_free"));
	printf("second=%d\n", kmm_slab_validate("TestSlub_RZ_free"));
	kmem_cache_destroy(s);
}

TEST(kunit_clobber_redzone_free)
{
	char *out = run_child(clobber_redzone_free, NULL);

	CHECK_STR_CONTAINS(out, "[Right Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, ". First byte 0xab instead of 0xbb\n");
	CHECK_STR_CONTAINS(out, "first=2\nsecond=0\n");
	free(out);
}

/* Not static: the track names it. */
void slab_debug_kmalloc_redzone_child(void *arg);
void slab_debug_kmalloc_redzone_child(void *arg)
{
	struct kmem_cache *s = test_cache("TestSlub_RZ_kmalloc", 32,
					  SLAB_KMALLOC | SLAB_STORE_USER | SLAB_RED_ZONE);
	/* __kmalloc_cache_noprof(s, GFP_KERNEL, 18): 18 bytes asked of a 32-byte object */
	unsigned long here = ({
		__label__ at;
at:
		(unsigned long)&&at;
	});
	u8 *p;

	CHILD_REQUIRE(s);
	p = slab_ops->alloc(s, GFP_KERNEL, NUMA_NO_NODE, here, 18);
	CHILD_REQUIRE(p);
	p[18] = 0xab;
	p[19] = 0xab;
	printf("first=%d\n", kmm_slab_validate("TestSlub_RZ_kmalloc"));
	printf("second=%d\n", kmm_slab_validate("TestSlub_RZ_kmalloc"));
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

TEST(kunit_kmalloc_redzone_access)
{
	char *out = run_child(slab_debug_kmalloc_redzone_child, NULL);

	CHECK_STR_CONTAINS(out, "[kmalloc Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, "@offset=");
	CHECK_STR_CONTAINS(out, ". First byte 0xab instead of 0xcc\n");
	/* store-user: the allocation's owner, its age, CPU, thread, and stack */
	CHECK_STR_CONTAINS(out, "Allocated in slab_debug_kmalloc_redzone_child+0x");
	CHECK_STR_CONTAINS(out, " age=");
	CHECK_STR_CONTAINS(out, " cpu=");
	CHECK_STR_CONTAINS(out, " pid=");
	CHECK_STR_CONTAINS(out, "first=2\nsecond=0\n");
	free(out);
}

/* ---- misuse: reported in the kernel's words, then the program goes on ------------------------ */

void slab_debug_double_free_child(void *arg);
void slab_debug_double_free_child(void *arg)
{
	struct kmem_cache *s = test_cache("t_df", 64, FZPU);
	void *p, *q, *r;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p && q);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	/* the cache is intact: p comes back once, q frees, nothing to repair */
	r = kmem_cache_alloc(s, GFP_KERNEL);
	printf("again=%d\n", r == p);
	kmem_cache_free(s, q);
	kmem_cache_free(s, r);
	printf("validate=%d\n", kmm_slab_validate("t_df"));
	kmem_cache_destroy(s);
}

TEST(double_free_reported_with_both_tracks_and_ignored)
{
	char *out = run_child(slab_debug_double_free_child, NULL);

	CHECK_STR_CONTAINS(
		out,
		"=============================================================================\n"
		"BUG t_df (");
	CHECK_STR_CONTAINS(
		out,
		"): Object already free\n"
		"-----------------------------------------------------------------------------\n");
	CHECK_STR_CONTAINS(out, "Allocated in slab_debug_double_free_child+0x");
	CHECK_STR_CONTAINS(out, "Freed in slab_debug_double_free_child+0x");
	CHECK_STR_CONTAINS(out, "Slab 0x");
	CHECK_STR_CONTAINS(out, " @offset=");
	CHECK_STR_CONTAINS(out, "Redzone  ");
	CHECK_STR_CONTAINS(out, "Object   ");
	CHECK_STR_CONTAINS(out,
			   "6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk\n");
	CHECK_STR_CONTAINS(out, "bb bb bb bb bb bb bb bb");
	CHECK_STR_CONTAINS(out, "Padding  ");
	CHECK_STR_CONTAINS(out, "FIX t_df: Object at 0x");
	CHECK_STR_CONTAINS(out, " not freed\n");
	CHECK_STR_CONTAINS(out, "again=1\nvalidate=0\n");
	free(out);
}

static void interior_free(void *arg)
{
	struct kmem_cache *s = test_cache("t_interior", 64, FZPU);
	char *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p + 8);
	printf("validate=%d\n", kmm_slab_validate("t_interior"));
	kmem_cache_free(s, p);
	printf("validate=%d\n", kmm_slab_validate("t_interior"));
	kmem_cache_destroy(s);
}

TEST(free_not_at_an_object_start_reported_and_ignored)
{
	char *out = run_child(interior_free, NULL);

	CHECK_STR_CONTAINS(out, "BUG t_interior (");
	CHECK_STR_CONTAINS(out, "): Invalid object pointer 0x");
	CHECK_STR_CONTAINS(out, "FIX t_interior: Object at 0x");
	CHECK_STR_CONTAINS(out, "validate=0\nvalidate=0\n");
	free(out);
}

void slab_debug_wrong_cache_child(void *arg);
void slab_debug_wrong_cache_child(void *arg)
{
	struct kmem_cache *a = test_cache("t_wrong_a", 64, FZPU);
	struct kmem_cache *b = test_cache("t_wrong_b", 64, FZPU);
	void *p;

	CHILD_REQUIRE(a && b);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(b, p);
	/* freed to the cache it came from: both caches are empty and sound */
	printf("objects=%ld\n", attr_num("t_wrong_a", "objects"));
	printf("validate=%d\n", kmm_slab_validate(NULL));
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
}

TEST(free_to_the_wrong_cache_reported_with_the_owner)
{
	char *out = run_child(slab_debug_wrong_cache_child, NULL);

	CHECK_STR_CONTAINS(out, "cache_from_obj: Wrong slab cache. t_wrong_b but object is from "
				"t_wrong_a\n");
	CHECK_STR_CONTAINS(out, "Allocated in slab_debug_wrong_cache_child+0x");
	CHECK_STR_CONTAINS(out, "objects=0\nvalidate=0\n");
	free(out);
}

static void redzone_write_then_free(void *arg)
{
	struct kmem_cache *s = test_cache("t_rz", 64, FZPU);
	u8 *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	p[64] = 0x41;
	kmem_cache_free(s, p);
	/* not freed: the red zone was repaired, the object stays allocated (leaked) */
	printf("objects=%ld validate=%d\n", attr_num("t_rz", "objects"), kmm_slab_validate("t_rz"));
}

TEST(write_past_the_object_reported_at_free)
{
	char *out = run_child(redzone_write_then_free, NULL);

	CHECK_STR_CONTAINS(out, "[Right Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, "First byte 0x41 instead of 0xcc\n");
	CHECK_STR_CONTAINS(out, "BUG t_rz (");
	CHECK_STR_CONTAINS(out, "): Object corrupt\n");
	CHECK_STR_CONTAINS(out, "FIX t_rz: Restoring Right Redzone 0x");
	CHECK_STR_CONTAINS(out, "=0xcc\n");
	CHECK_STR_CONTAINS(out, "FIX t_rz: Object at 0x");
	CHECK_STR_CONTAINS(out, "objects=1 validate=0\n");
	free(out);
}

static void use_after_free_then_alloc(void *arg)
{
	struct kmem_cache *s = test_cache("t_uaf", 64, FZPU);
	u8 *p, *q;
	void *more[64];

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	p[10] = 0;
	/* the damaged slab is given up; the next object comes from a new one */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	printf("q_ok=%d\n", q && q != p);
	for (int i = 0; i < 64; i++)
		more[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 0; i < 64; i++)
		kmem_cache_free(s, more[i]);
	kmem_cache_free(s, q);
	printf("done\n");
}

TEST(write_after_free_reported_at_the_next_allocation)
{
	char *out = run_child(use_after_free_then_alloc, NULL);

	CHECK_STR_CONTAINS(out, "[Poison overwritten] 0x");
	CHECK_STR_CONTAINS(out, "@offset=");
	CHECK_STR_CONTAINS(out, "First byte 0x0 instead of 0x6b\n");
	CHECK_STR_CONTAINS(out, "BUG t_uaf (");
	CHECK_STR_CONTAINS(out, "FIX t_uaf: Restoring Poison 0x");
	CHECK_STR_CONTAINS(out, "FIX t_uaf: Marking all objects used\n");
	CHECK_STR_CONTAINS(out, "q_ok=1\ndone\n");
	free(out);
}

static void corrupt_freepointer_then_alloc(void *arg)
{
	struct kmem_cache *s = test_cache("t_fp", 64, FZPU);
	u8 *p, *q;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	p[s->offset] ^= 1; /* the free pointer outside the object */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	printf("q_ok=%d\n", q && q != p);
	kmem_cache_free(s, q);
	printf("done\n");
}

TEST(corrupted_free_pointer_reported_not_followed)
{
	char *out = run_child(corrupt_freepointer_then_alloc, NULL);

	CHECK_STR_CONTAINS(out, "BUG t_fp (");
	CHECK_STR_CONTAINS(out, "): Freepointer corrupt\n");
	CHECK_STR_CONTAINS(out, "FIX t_fp: Marking all objects used\n");
	CHECK_STR_CONTAINS(out, "q_ok=1\ndone\n");
	free(out);
}

static void kfree_foreign(void *arg)
{
	static char not_from_kmm[32];

	kfree(not_from_kmm);
	printf("survived\n");
}

TEST(kfree_of_a_pointer_kmm_never_handed_out)
{
	char *out = run_child(kfree_foreign, NULL);

	CHECK_STR_CONTAINS(out, "is not an address kmm handed out\n");
	CHECK_STR_CONTAINS(out, "survived\n");
	free(out);
}

static void trace_child(void *arg)
{
	struct kmem_cache *s = test_cache("t_trace", 32, SLAB_TRACE);
	void *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

TEST(trace_prints_every_allocation_and_free)
{
	char *out = run_child(trace_child, NULL);

	CHECK_STR_CONTAINS(out, "TRACE t_trace alloc 0x");
	CHECK_STR_CONTAINS(out, "TRACE t_trace free 0x");
	CHECK_STR_CONTAINS(out, " inuse=1 fp=0x");
	CHECK_STR_CONTAINS(out, "Call Trace:");
	free(out);
}

static void bulk_debug(void *arg)
{
	struct kmem_cache *s = test_cache("t_bulk_dbg", 48, FZPU);
	void *p[40];
	int n;

	CHILD_REQUIRE(s);
	n = kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO, 40, p);
	printf("alloc=%d\n", n);
	CHILD_REQUIRE(n == 40);
	printf("zero=%d\n", ((unsigned char *)p[7])[47] == 0);
	kmem_cache_free_bulk(s, 40, p);
	printf("objects=%ld validate=%d\n", attr_num("t_bulk_dbg", "objects"),
	       kmm_slab_validate("t_bulk_dbg"));
	kmem_cache_destroy(s);
}

TEST(bulk_calls_on_a_debug_cache)
{
	char *out = run_child(bulk_debug, NULL);

	CHECK_STR_CONTAINS(out, "alloc=40\nzero=1\nobjects=0 validate=0\n");
	CHECK(!strstr(out, "BUG"));
	free(out);
}

/* ---- KMM_DEBUG from the environment --------------------------------------------------------- */

/* Run only as the re-executed child of kmm_debug_env_*. */
TEST(kmm_debug_env_child)
{
	struct kmem_cache *a, *b;
	unsigned char *p;

	if (!getenv("KMM_TEST_SLAB_DEBUG_CHILD"))
		return;
	printf("kmalloc-64 F=%ld Z=%ld P=%ld U=%ld size=%ld objs=%ld\n",
	       attr_num("kmalloc-64", "sanity_checks"), attr_num("kmalloc-64", "red_zone"),
	       attr_num("kmalloc-64", "poison"), attr_num("kmalloc-64", "store_user"),
	       attr_num("kmalloc-64", "slab_size"), attr_num("kmalloc-64", "objs_per_slab"));
	printf("kmalloc-32 Z=%ld size=%ld\n", attr_num("kmalloc-32", "red_zone"),
	       attr_num("kmalloc-32", "slab_size"));
	a = kmem_cache_create("t_env_a", 64, 0, 0, NULL);
	b = kmem_cache_create("t_other", 64, 0, SLAB_NO_MERGE, NULL);
	printf("t_env_a U=%ld size=%ld\n", attr_num("t_env_a", "store_user"),
	       attr_num("t_env_a", "slab_size"));
	printf("t_other U=%ld\n", attr_num("t_other", "store_user"));
	/* kzalloc clears what was asked for; the rest of the object is red zone */
	p = kzalloc(40, GFP_KERNEL);
	CHILD_REQUIRE(a && b && p);
	__asm__("" : "+r"(p)); /* the compiler must not know the size: we look past it */
	printf("zeroed=%d rz=%#x validate=%d\n", p[39] == 0, p[40],
	       kmm_slab_validate("kmalloc-64"));
	p[40] = 1; /* past the request: kmalloc's red zone */
	kfree(p);
	/* krealloc within the object: ksize() hands over the whole object */
	p = kmalloc(40, GFP_KERNEL);
	CHILD_REQUIRE(p);
	p = krealloc(p, 60, GFP_KERNEL);
	CHILD_REQUIRE(p);
	memset(p, 1, 60);
	kfree(p);
	printf("end validate=%d\n", kmm_slab_validate("kmalloc-64"));
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
}

/* Run only as the re-executed child of kmm_debug_env_o_keeps_orders. */
TEST(kmm_debug_env_o_child)
{
	struct kmem_cache *big, *small;

	if (!getenv("KMM_TEST_SLAB_DEBUG_O_CHILD"))
		return;
	big = kmem_cache_create("t_o_big", 4096, 0, 0, NULL);
	small = kmem_cache_create("t_o_small", 64, 0, 0, NULL);
	printf("big F=%ld Z=%ld P=%ld U=%ld size=%ld order=%ld\n",
	       attr_num("t_o_big", "sanity_checks"), attr_num("t_o_big", "red_zone"),
	       attr_num("t_o_big", "poison"), attr_num("t_o_big", "store_user"),
	       attr_num("t_o_big", "slab_size"), attr_num("t_o_big", "order"));
	printf("small Z=%ld size=%ld\n", attr_num("t_o_small", "red_zone"),
	       attr_num("t_o_small", "slab_size"));
	kmem_cache_destroy(big);
	kmem_cache_destroy(small);
}

static void reexec_with_debug_o(void *value)
{
	setenv("KMM_DEBUG", value, 1);
	setenv("KMM_TEST_SLAB_DEBUG_O_CHILD", "1", 1);
	setenv("KMM_TEST_ONLY", "kmm_debug_env_o_child", 1);
	execl("/proc/self/exe", "test_slab_debug", (char *)NULL);
	_exit(127);
}

/*
 * slab_debug=O: 4096-byte objects with F, Z, P and U would take 4192 bytes and order-1
 * slabs; the metadata flags are dropped instead and F alone stays. Small objects keep all.
 */
TEST(kmm_debug_env_o_keeps_orders)
{
	char *out = run_child(reexec_with_debug_o, "FZPUO,t_o_*");

	CHECK_STR_CONTAINS(out, "big F=1 Z=0 P=0 U=0 size=4096 order=");
	CHECK_STR_CONTAINS(out, "small Z=1 size=160\n");
	free(out);
	out = run_child(reexec_with_debug_o, "FZPU,t_o_*");
	CHECK_STR_CONTAINS(out, "big F=1 Z=1 P=1 U=1 size=4192 order=");
	free(out);
}

static void reexec_with_debug(void *value)
{
	setenv("KMM_DEBUG", value, 1);
	setenv("KMM_TEST_SLAB_DEBUG_CHILD", "1", 1);
	setenv("KMM_TEST_ONLY", "kmm_debug_env_child", 1);
	execl("/proc/self/exe", "test_slab_debug", (char *)NULL);
	_exit(127);
}

TEST(kmm_debug_env_selects_caches_and_flags)
{
	char *out = run_child(reexec_with_debug, "FZPU,kmalloc-64;U,t_env*");

	/* kmalloc-64, aligned to 64: 72 + 8 + 64 + 8 + 8 = 160, left red zone 64: 256 */
	CHECK_STR_CONTAINS(out, "kmalloc-64 F=1 Z=1 P=1 U=1 size=256 objs=16\n");
	CHECK_STR_CONTAINS(out, "kmalloc-32 Z=0 size=32\n");
	CHECK_STR_CONTAINS(out, "t_env_a U=1 size=128\n");
	CHECK_STR_CONTAINS(out, "t_other U=0\n");
	CHECK_STR_CONTAINS(out, "zeroed=1 rz=0xcc validate=0\n");
	CHECK_STR_CONTAINS(out, "[kmalloc Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, "BUG kmalloc-64 (");
	CHECK_STR_CONTAINS(out, "end validate=0\n");
	CHECK(!strstr(out, "BUG t_env_a"));
	free(out);
}

void slab_debug_leak_child(void *arg);
void slab_debug_leak_child(void *arg)
{
	struct kmem_cache *s = test_cache("t_leak", 64, SLAB_STORE_USER);

	kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_destroy(s);
}

TEST(destroy_with_objects_left_names_who_allocated_them)
{
	char *out = run_child(slab_debug_leak_child, NULL);

	CHECK_STR_CONTAINS(out, "BUG t_leak (");
	CHECK_STR_CONTAINS(out, "): Objects remaining on __kmem_cache_shutdown()\n");
	CHECK_STR_CONTAINS(out, " @offset=");
	CHECK_STR_CONTAINS(out, "Allocated in slab_debug_leak_child+0x");
	CHECK_STR_CONTAINS(out, "kmem_cache_destroy t_leak: Slab cache still has objects");
	free(out);
}

/* `kmm slab CACHE validate`: the CLI runs the validation and prints what it found. */
TEST(cli_validate_and_debug_attributes)
{
	char exe[4096], cmd[4300], out[256] = "";
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	size_t got;
	FILE *p;

	REQUIRE(len > 0);
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	REQUIRE(slash);
	*slash = '\0';
	slash = strrchr(exe, '/'); /* build/tests -> build */
	REQUIRE(slash);
	strcpy(slash, "/kmm");
	REQUIRE(access(exe, X_OK) == 0);
	snprintf(cmd, sizeof(cmd),
		 "KMM_DEBUG='FZPU,kmalloc-64' '%s' slab kmalloc-64 validate red_zone store_user "
		 "2>&1",
		 exe);
	p = popen(cmd, "r");
	REQUIRE(p);
	got = fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	CHECK_EQ(pclose(p), 0);
	CHECK_STR_CONTAINS(out, "0\n1\n1\n");
}

/*
 * In this process, not a child: ThreadSanitizer cannot follow threads created after a
 * fork. Nothing here is expected to report.
 */
TEST(threads_share_a_debug_cache_without_a_report)
{
	struct kmem_cache *s = test_cache("t_threads", 48, FZPU);

	REQUIRE(s);
	CHECK_EQ(debug_threads_run(s), 0);
	CHECK_EQ(attr_num("t_threads", "objects"), 0);
	CHECK_EQ(kmm_slab_validate("t_threads"), 0);
	kmem_cache_destroy(s);
}

int main(void)
{
	return kmm_test_main();
}
