/* kmm-test: labels=unit env=KMM_KASAN=off,KMM_RAM=1G,KMM_NR_CPUS=2 */
/*
 * test_slub.c - the SLUB back-end (src/slub.c) through the public API, with a look
 * inside through src/slab.h: constructors, object placement, freelist randomisation and
 * hardening, the naive double-free check, cross-thread frees, per-thread and node
 * partial lists, discarding of empty slabs, destroy with live objects, and a short
 * multi-threaded stress with content checks (the long one is test_slub_stress.c).
 */
#include <pthread.h>
#include <stdint.h>

#include "kmm_test.h"
#include "slab.h"

/*
 * A boot cache's flag, which also means no sheaves (as in calculate_sheaf_capacity()):
 * the tests of the slabs beneath the sheaves use it to see the slabs' own order.
 */
#define SLAB_NO_SHEAVES SLAB_NO_OBJ_EXT

static long attr_num(const char *cache, const char *attr)
{
	char buf[256];

	if (kmm_slab_attr(cache, attr, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static char *attr_str(const char *cache, const char *attr, char *buf, size_t size)
{
	if (kmm_slab_attr(cache, attr, buf, size) < 0)
		snprintf(buf, size, "(none)");
	return buf;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* ---- constructors ------------------------------------------------------------------------ */

static _Atomic long ctor_calls;

/* Not static: the ctor attribute names it by symbol. */
void slub_test_count_ctor(void *obj);
void slub_test_count_ctor(void *obj)
{
	ctor_calls++;
	memset(obj, 0x5a, 200);
}

TEST(ctor_runs_once_per_object_at_slab_creation_never_on_reuse)
{
	struct kmem_cache *s =
		kmem_cache_create("slub_ctor", 200, 0, SLAB_NO_MERGE, slub_test_count_ctor);
	unsigned int per_slab;
	void *p[16 * 64];
	int n;

	REQUIRE(s);
	per_slab = oo_objects(s->oo);
	/* whole slabs: no never-used object is left to hand out before the freed ones */
	n = 16 * (int)per_slab;
	REQUIRE(per_slab <= 64);
	CHECK_EQ(ctor_calls, 0);
	for (int i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		/* untouched since the constructor ran */
		CHECK_EQ(((unsigned char *)p[i])[0], 0x5a);
		CHECK_EQ(((unsigned char *)p[i])[199], 0x5a);
	}
	/* every object of every slab created, and nothing more */
	CHECK_EQ(ctor_calls, attr_num("slub_ctor", "total_objects"));
	CHECK_EQ(ctor_calls % per_slab, 0);
	long after_first = ctor_calls;

	/*
	 * A third of the objects back (no slab becomes empty), marked, and taken again. The
	 * sheaves may hand out some objects they took from the slabs but never handed out
	 * before the marked ones: those are as the constructor left them.
	 */
	void *freed[16 * 64 / 3 + 1];
	int nr_freed = 0, reused = 0;

	for (int i = 0; i < n; i += 3) {
		memset(p[i], 0x77, 200);
		kmem_cache_free(s, p[i]);
		freed[nr_freed++] = p[i];
	}
	for (int i = 0; i < n; i += 3) {
		bool was_freed = false;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		for (int j = 0; j < nr_freed; j++)
			was_freed |= freed[j] == p[i];
		reused += was_freed;
		/* a reused object: as its last user left it, the constructor did not run */
		CHECK_EQ(((unsigned char *)p[i])[0], was_freed ? 0x77 : 0x5a);
		CHECK_EQ(((unsigned char *)p[i])[199], was_freed ? 0x77 : 0x5a);
	}
	CHECK(reused > 0);
	CHECK_EQ(ctor_calls, after_first);
	for (int i = 0; i < n; i++)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(slub_ops.validate(s), 0);
	kmem_cache_destroy(s);
}

/* ---- placement --------------------------------------------------------------------------- */

TEST(objects_are_distinct_aligned_and_inside_slabs_of_the_caches_geometry)
{
	struct kmem_cache *s = kmem_cache_create("slub_place", 100, 32, SLAB_NO_MERGE, NULL);
	enum { N = 2000 };
	static void *p[N], *sorted[N];

	REQUIRE(s);
	CHECK_EQ(s->align, 32);
	CHECK_EQ(s->size % s->align, 0);
	for (int i = 0; i < N; i++) {
		struct slab *slab;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		CHECK_EQ((uintptr_t)p[i] % s->align, 0);
		slab = virt_to_slab(p[i]);
		REQUIRE(slab);
		CHECK(slab->slab_cache == s);
		CHECK_EQ(slab_order(slab), oo_order(s->oo));
		CHECK_EQ(slab->objects, oo_objects(s->oo));
		CHECK_EQ(((char *)p[i] - (char *)slab_address(slab)) % s->size, 0);
		CHECK((char *)p[i] + s->object_size <=
		      (char *)slab_address(slab) + (size_t)slab->objects * s->size);
		CHECK(slub_ops.obj_valid(s, slab, p[i]));
		CHECK(!slub_ops.obj_valid(s, slab, (char *)p[i] + 8));
		memset(p[i], i & 0xff, 100);
	}
	memcpy(sorted, p, sizeof(p));
	qsort(sorted, N, sizeof(void *), cmp_ptr);
	for (int i = 1; i < N; i++)
		CHECK((uintptr_t)sorted[i] - (uintptr_t)sorted[i - 1] >= s->size);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(((unsigned char *)p[i])[99], i & 0xff);
		kmem_cache_free(s, p[i]);
	}
	CHECK_EQ(slub_ops.validate(s), 0);
	kmem_cache_destroy(s);
}

TEST(gfp_zero_and_ksize)
{
	struct kmem_cache *s = kmem_cache_create("slub_zero", 60, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	memset(p, 0xff, 60);
	kmem_cache_free(s, p);
	p = kmem_cache_zalloc(s, GFP_KERNEL);
	REQUIRE(p);
	for (int i = 0; i < 60; i++)
		CHECK_EQ(p[i], 0);
	/* no debug metadata, no RCU: all of the stride is usable (slab_ksize) */
	CHECK_EQ(slub_ops.ksize(s, p), s->size);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

/* ---- hardening and randomisation ---------------------------------------------------------- */

TEST(freelist_order_is_shuffled_differently_in_each_slab)
{
	struct kmem_cache *s =
		kmem_cache_create("slub_random", 256, 0, SLAB_NO_MERGE | SLAB_NO_SHEAVES, NULL);
	enum { SLABS = 6 };
	unsigned int per_slab, idx[SLABS][64];
	void *p[SLABS * 64];
	int ascending = 0, same_as_first = 0;

	REQUIRE(s);
	REQUIRE(s->random_seq);
	per_slab = oo_objects(s->oo);
	REQUIRE(per_slab <= 64);
	/* the sequence is a permutation of the objects' offsets */
	bool seen[64] = { false };
	for (unsigned int i = 0; i < per_slab; i++) {
		unsigned int off = s->random_seq[i];

		REQUIRE(off % s->size == 0 && off / s->size < per_slab && !seen[off / s->size]);
		seen[off / s->size] = true;
	}
	for (unsigned int i = 0; i < SLABS * per_slab; i++) {
		struct slab *slab;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		slab = virt_to_slab(p[i]);
		idx[i / per_slab][i % per_slab] =
			(unsigned int)(((char *)p[i] - (char *)slab_address(slab)) / s->size);
	}
	for (int k = 0; k < SLABS; k++) {
		bool asc = true;

		/* each slab was new and handed out whole before the next */
		CHECK(virt_to_slab(p[k * per_slab]) ==
		      virt_to_slab(p[k * per_slab + per_slab - 1]));
		for (unsigned int j = 1; j < per_slab; j++)
			asc &= idx[k][j] == idx[k][j - 1] + 1;
		ascending += asc;
		if (k)
			same_as_first += !memcmp(idx[k], idx[0], per_slab * sizeof(unsigned int));
	}
	CHECK_EQ(ascending, 0);
	/* one random start in the shared sequence per slab: 1/16 chance to repeat each */
	CHECK(same_as_first < SLABS - 1);
	for (unsigned int i = 0; i < SLABS * per_slab; i++)
		kmem_cache_free(s, p[i]);
	kmem_cache_destroy(s);
}

TEST(free_pointer_is_stored_obfuscated)
{
	struct kmem_cache *s = kmem_cache_create("slub_hardened", 64, 0, SLAB_NO_MERGE, NULL);
	void *a, *b, *c, *d;
	unsigned long raw, addr;

	REQUIRE(s);
	CHECK(s->random != 0);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(a && b);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b); /* b's free pointer now leads to a */
	addr = (unsigned long)b + s->offset;
	memcpy(&raw, (void *)addr, sizeof(raw));
	CHECK(raw != (unsigned long)a);
	CHECK_EQ(raw, (unsigned long)a ^ s->random ^ __builtin_bswap64(addr));
	/* and the allocator still follows it */
	c = kmem_cache_alloc(s, GFP_KERNEL);
	d = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(c == b);
	CHECK(d == a);
	kmem_cache_free(s, c);
	kmem_cache_free(s, d);
	kmem_cache_destroy(s);
}

static void double_free_child(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("slub_dfree", 128, 0, SLAB_NO_MERGE, NULL);
	void *p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL, *q, *r;

	if (!p) {
		printf("allocation failed\n");
		return;
	}
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	printf("validate=%d\n", slub_ops.validate(s));
	q = kmem_cache_alloc(s, GFP_KERNEL);
	r = kmem_cache_alloc(s, GFP_KERNEL);
	/* the object came back once: the second free was dropped, nothing was lost */
	printf("q=p:%d r=p:%d\n", q == p, r == p);
	kmem_cache_free(s, q);
	kmem_cache_free(s, r);
	printf("validate=%d\n", slub_ops.validate(s));
	kmem_cache_destroy(s);
	printf("survived\n");
}

TEST(double_free_is_reported_and_does_not_corrupt_the_freelist)
{
	int status;
	char *out = kmm_run_child(double_free_child, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG slub_dfree");
	CHECK_STR_CONTAINS(out, "double free or corruption");
	CHECK_STR_CONTAINS(out, "validate=0\nq=p:1 r=p:0\nvalidate=0\nsurvived");
	free(out);
}

/* ---- sheaves ------------------------------------------------------------------------------- */

static long sheaf_capacity_of(const char *name, unsigned int size, slab_flags_t flags,
			      unsigned int asked)
{
	struct kmem_cache_args args = { .sheaf_capacity = asked };
	struct kmem_cache *s = kmem_cache_create(name, size, &args, SLAB_NO_MERGE | flags);
	long capacity;

	if (!s)
		return -1;
	capacity = attr_num(name, "sheaf_capacity");
	CHECK_EQ(capacity, (long)s->sheaf_capacity);
	kmem_cache_destroy(s);
	return capacity;
}

TEST(sheaf_capacity_is_the_kernels_rounded_to_a_kmalloc_size)
{
	/* 60, 26, 12, 4 pointers, plus the 32-byte header, rounded up to 512, 256, 128, 64 */
	CHECK_EQ(sheaf_capacity_of("sheaf_64", 64, 0, 0), 60);
	CHECK_EQ(sheaf_capacity_of("sheaf_256", 256, 0, 0), 28);
	CHECK_EQ(sheaf_capacity_of("sheaf_1k", 1024, 0, 0), 12);
	CHECK_EQ(sheaf_capacity_of("sheaf_4k", 4096, 0, 0), 4);
	/* an explicit request is a minimum (maple_node and vm_area_struct ask for 32) */
	CHECK_EQ(sheaf_capacity_of("sheaf_ask", 256, 0, 32), 32);
	CHECK_EQ(sheaf_capacity_of("sheaf_ask_less", 64, 0, 8), 60);
	/* none for debug caches and boot caches */
	CHECK_EQ(sheaf_capacity_of("sheaf_debug", 64, SLAB_RED_ZONE, 0), 0);
	CHECK_EQ(sheaf_capacity_of("sheaf_boot", 64, SLAB_NO_OBJ_EXT, 0), 0);
	CHECK_EQ(attr_num("kmalloc-64", "sheaf_capacity"), 60);
}

TEST(a_freed_object_is_the_next_one_allocated)
{
	struct kmem_cache *s = kmem_cache_create("sheaf_lifo", 40, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(q == p);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

struct barn_trip {
	struct kmem_cache *s;
	void **objs;
	int n;
	int from_barn;
};

static void *allocate_once(void *arg)
{
	struct barn_trip *t = arg;
	void *p = kmem_cache_alloc(t->s, GFP_KERNEL);

	for (int i = 0; i < t->n; i++)
		t->from_barn |= p == t->objs[i];
	kmem_cache_free(t->s, p);
	return NULL;
}

TEST(full_sheaves_go_through_the_barn_to_another_thread)
{
	struct kmem_cache *s = kmem_cache_create("sheaf_barn", 64, 0, SLAB_NO_MERGE, NULL);
	struct barn_trip t = { .s = s };
	pthread_t th;
	int n;

	REQUIRE(s && s->sheaf_capacity);
	/* more than main and spare hold: the rest go to the barn as full sheaves */
	n = 5 * (int)s->sheaf_capacity;
	t.objs = calloc((size_t)n, sizeof(void *));
	REQUIRE(t.objs);
	for (int i = 0; i < n; i++)
		REQUIRE((t.objs[i] = kmem_cache_alloc(s, GFP_KERNEL)) != NULL);
	for (int i = 0; i < n; i++)
		kmem_cache_free(s, t.objs[i]);
	CHECK(s->node[0]->barn.nr_full > 0);
	/* a new thread's first allocation takes a full sheaf from the barn: one of ours */
	t.n = n;
	pthread_create(&th, NULL, allocate_once, &t);
	pthread_join(th, NULL);
	CHECK(t.from_barn);
	free(t.objs);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	CHECK_EQ(s->node[0]->barn.nr_full, 0);
	CHECK_EQ(s->node[0]->barn.nr_empty, 0);
	kmem_cache_destroy(s);
}

TEST(hooks_turn_every_threads_fast_paths_off_and_back_on)
{
	struct kmem_cache *s = kmem_cache_create("sheaf_hooks", 64, 0, SLAB_NO_MERGE, NULL);
	void *p, *q;

	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	/* the thread now has a main sheaf of @s, which its fast paths see */
	CHECK(fast_cpu_slab(s)->base != NULL);
	slab_hooks_get();
	slab_hooks_get();
	CHECK(fast_cpu_slab(s)->base == NULL);
	/* everything still works, through the slow paths */
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(q == p);
	slab_hooks_put();
	CHECK(fast_cpu_slab(s)->base == NULL);
	slab_hooks_put();
	CHECK(fast_cpu_slab(s)->base != NULL);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

/* ---- cross-thread frees -------------------------------------------------------------------- */

struct handoff {
	struct kmem_cache *s;
	void **objs;
	int n;
	int bad;
};

static void *free_them(void *arg)
{
	struct handoff *h = arg;

	for (int i = 0; i < h->n; i++) {
		unsigned char *o = h->objs[i];

		for (int j = 0; j < 96; j++)
			h->bad += o[j] != (unsigned char)(i + j);
		kmem_cache_free(h->s, o);
	}
	return NULL;
}

TEST(objects_freed_by_another_thread_come_back_to_the_allocator)
{
	struct kmem_cache *s = kmem_cache_create("slub_remote", 96, 0, SLAB_NO_MERGE, NULL);
	enum { N = 3000 };
	static void *objs[N];
	struct handoff h = { s, objs, N, 0 };
	long slabs;
	pthread_t t;

	REQUIRE(s);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
			REQUIRE(objs[i]);
			for (int j = 0; j < 96; j++)
				((unsigned char *)objs[i])[j] = (unsigned char)(i + j);
		}
		pthread_create(&t, NULL, free_them, &h);
		pthread_join(t, NULL);
		CHECK_EQ(h.bad, 0);
		CHECK_EQ(slub_ops.validate(s), 0);
		/*
		 * Sheaves are refilled from the slabs in bulk, never through a cpu slab, and the
		 * freeing thread's sheaves went back to the node's partial list when it exited.
		 */
		CHECK_EQ(attr_num("slub_remote", "cpu_slabs"), 0);
		if (round == 0)
			slabs = attr_num("slub_remote", "slabs");
	}
	/* the freed objects were reused: the cache did not grow round after round */
	CHECK(attr_num("slub_remote", "slabs") <= slabs);
	/* what the sheaves hold counts as in use, as in the kernel; give it back */
	kmem_cache_shrink(s);
	CHECK_EQ(attr_num("slub_remote", "objects"), 0);
	kmem_cache_destroy(s);
}

/* ---- partial lists and discarding ------------------------------------------------------ */

TEST(cpu_partial_and_node_partial_lists_follow_the_kernels_limits)
{
	struct kmem_cache *s =
		kmem_cache_create("slub_partial", 256, 0, SLAB_NO_MERGE | SLAB_NO_SHEAVES, NULL);
	enum { SLABS = 10 };
	unsigned int per_slab;
	void *p[SLABS * 64];
	struct slab *seen[SLABS];
	int nseen = 0;
	char buf[256];

	REQUIRE(s);
	per_slab = oo_objects(s->oo);
	CHECK_EQ(per_slab, 16);
	CHECK_EQ(s->cpu_partial, 52);
	CHECK_EQ(s->cpu_partial_slabs, 7);
	CHECK_EQ(s->min_partial, 5);
	for (unsigned int i = 0; i < SLABS * per_slab; i++) {
		struct slab *slab;

		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		slab = virt_to_slab(p[i]);
		if (!nseen || seen[nseen - 1] != slab)
			seen[nseen++] = slab;
	}
	REQUIRE(nseen == SLABS);
	CHECK_EQ(attr_num("slub_partial", "slabs"), SLABS);
	CHECK_EQ(attr_num("slub_partial", "objects"), SLABS * per_slab);
	CHECK_EQ(attr_num("slub_partial", "cpu_slabs"), 1);
	CHECK_EQ(attr_num("slub_partial", "partial"), 0);

	/* one free in each full slab: to this thread's partial list, drained at 7 */
	for (int k = 0; k < SLABS - 1; k++)
		kmem_cache_free(s, p[k * per_slab]);
	CHECK_EQ(attr_num("slub_partial", "partial"), 7);
	CHECK_STR_CONTAINS(attr_str("slub_partial", "partial", buf, sizeof(buf)), "7 N0=7\n");
	CHECK_EQ(attr_num("slub_partial", "cpu_slabs"), 3);
	CHECK_STR_CONTAINS(attr_str("slub_partial", "slabs_cpu_partial", buf, sizeof(buf)),
			   "16(2) C");
	CHECK_EQ(attr_num("slub_partial", "objects_partial"), 7 * (per_slab - 1));
	CHECK_EQ(attr_num("slub_partial", "objects"), SLABS * per_slab - 7);
	CHECK_EQ(slub_ops.validate(s), 0);

	{
		struct slabinfo si;

		slub_ops.get_slabinfo(s, &si);
		CHECK_EQ(si.num_slabs, SLABS);
		CHECK_EQ(si.num_objs, SLABS * per_slab);
		CHECK_EQ(si.active_objs, SLABS * per_slab - 7);
		CHECK_EQ(si.objects_per_slab, 16);
		CHECK_EQ(si.cache_order, 0);
	}

	/* the next allocations come from the cpu partial slabs, without new slabs */
	for (int k = 0; k < 2; k++)
		p[k * per_slab] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(attr_num("slub_partial", "slabs"), SLABS);
	for (unsigned int i = 0; i < SLABS * per_slab; i++)
		if (i % per_slab || i / per_slab < 2 || i / per_slab == SLABS - 1)
			kmem_cache_free(s, p[i]);
	CHECK_EQ(slub_ops.validate(s), 0);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	CHECK_EQ(attr_num("slub_partial", "slabs"), 0);
	CHECK_EQ(attr_num("slub_partial", "cpu_slabs"), 0);
	kmem_cache_destroy(s);
}

TEST(empty_slabs_beyond_min_partial_go_back_to_the_page_allocator)
{
	struct kmem_cache *s =
		kmem_cache_create("slub_discard", 512, 0, SLAB_NO_MERGE | SLAB_NO_SHEAVES, NULL);
	enum { N = 40 * 16 };
	static void *p[N];
	struct kmm_page_stats before, peak, after;
	long slabs;

	REQUIRE(s);
	kmm_page_stats(&before);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
	}
	kmm_page_stats(&peak);
	slabs = attr_num("slub_discard", "slabs");
	CHECK_EQ(slabs, N / oo_objects(s->oo));
	CHECK(peak.allocated >= before.allocated + ((unsigned long)slabs << oo_order(s->oo)));
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	/* kept: min_partial empty slabs on the node, the cpu slab, the cpu partial list */
	CHECK(attr_num("slub_discard", "slabs") <=
	      (long)(s->min_partial + 1 + s->cpu_partial_slabs));
	CHECK(attr_num("slub_discard", "partial") <= (long)s->min_partial);
	kmm_page_stats(&after);
	CHECK(after.allocated < peak.allocated);
	CHECK_EQ(kmem_cache_shrink(s), 0);
	kmm_page_stats(&after);
	CHECK_EQ(after.allocated, before.allocated);
	kmem_cache_destroy(s);
}

/* ---- bulk -------------------------------------------------------------------------------- */

TEST(bulk_alloc_is_all_or_nothing_and_bulk_free_groups_by_slab)
{
	struct kmem_cache *s = kmem_cache_create("slub_bulk", 48, 0, SLAB_NO_MERGE, NULL);
	static void *p[5000], *q[64];

	REQUIRE(s);
	REQUIRE(kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO, 5000, p) == 5000);
	for (int i = 0; i < 5000; i++) {
		CHECK_EQ(((unsigned char *)p[i])[47], 0);
		memset(p[i], 1, 48);
	}
	/* "objects" counts what per-thread caches hold as in use, as the kernel's does */
	CHECK(attr_num("slub_bulk", "objects") >= 5000);
	CHECK(attr_num("slub_bulk", "objects") < 5000 + (long)oo_objects(s->oo));
	kmem_cache_free_bulk(s, 5000, p);
	kmem_cache_shrink(s);
	CHECK_EQ(attr_num("slub_bulk", "objects"), 0);
	CHECK_EQ(slub_ops.validate(s), 0);

	/* kfree_bulk: objects of different caches, and a large kmalloc among them */
	int nq = 0;

	for (int i = 0; i < 64; i++) {
		q[nq] = i % 3 == 0 ? kmem_cache_alloc(s, GFP_KERNEL) :
			i % 3 == 1 ? kmalloc(200, GFP_KERNEL) :
				     kmalloc(3 * PAGE_SIZE, GFP_KERNEL);
		nq += q[nq] != NULL;
	}
	CHECK_EQ(nq, 64);
	kfree_bulk(nq, q);
	kmem_cache_shrink(s);
	CHECK_EQ(attr_num("slub_bulk", "objects"), 0);
	CHECK_EQ(slub_ops.validate(s), 0);
	CHECK_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, 0, p), 0);
	kmem_cache_destroy(s);
}

TEST(debug_caches_are_served_under_the_list_lock_with_exact_lists)
{
	struct kmem_cache *s = kmem_cache_create(
		"slub_debug", 100, 0, SLAB_NO_MERGE | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER,
		NULL);
	static void *p[1000];

	REQUIRE(s);
	CHECK_EQ(s->cpu_partial, 0);
	for (int i = 0; i < 1000; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		CHECK(slub_ops.obj_valid(s, virt_to_slab(p[i]), p[i]));
		memset(p[i], i, 100);
	}
	/* no per-thread slabs: every object is accounted on the node lists */
	CHECK_EQ(attr_num("slub_debug", "cpu_slabs"), 0);
	CHECK_EQ(attr_num("slub_debug", "objects"), 1000);
	CHECK_EQ(slub_ops.validate(s), 0);
	for (int i = 0; i < 1000; i += 2)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(attr_num("slub_debug", "objects"), 500);
	CHECK_EQ(slub_ops.validate(s), 0);
	for (int i = 1; i < 1000; i += 2)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(attr_num("slub_debug", "objects"), 0);
	CHECK(attr_num("slub_debug", "slabs") <= (long)s->min_partial);
	CHECK_EQ(slub_ops.validate(s), 0);
	kmem_cache_destroy(s);
}

/* ---- destroy ------------------------------------------------------------------------------ */

/* Not static: the report names its caller by symbol. */
void slub_test_destroy_busy(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("slub_busy", 300, 0, SLAB_NO_MERGE, NULL);
	void *p = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;

	if (!p) {
		printf("allocation failed\n");
		return;
	}
	kmem_cache_destroy(s);
	memset(p, 0x22, 300);
	kmem_cache_free(s, p);
	printf("survived\n");
}

TEST(destroy_with_live_objects_reports_them_and_keeps_the_cache)
{
	int status;
	char *out = kmm_run_child(slub_test_destroy_busy, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "BUG slub_busy (");
	CHECK_STR_CONTAINS(out, "): Objects remaining on __kmem_cache_shutdown()");
	CHECK_STR_CONTAINS(out, "Object 0x");
	CHECK_STR_CONTAINS(out, "@offset=");
	CHECK_STR_CONTAINS(out, "Slab cache still has objects");
	CHECK_STR_CONTAINS(out, "survived");
	free(out);
}

TEST(attributes_print_as_sysfs_does)
{
	struct kmem_cache *s = kmem_cache_create(
		"slub_attrs", 64, 0, SLAB_NO_MERGE | SLAB_RECLAIM_ACCOUNT, slub_test_count_ctor);
	char buf[256];

	REQUIRE(s);
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "object_size", buf, sizeof(buf)), "64\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "slab_size", buf, sizeof(buf)), "72\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "objs_per_slab", buf, sizeof(buf)), "56\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "order", buf, sizeof(buf)), "0\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "reclaim_account", buf, sizeof(buf)), "1\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "hwcache_align", buf, sizeof(buf)), "0\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "ctor", buf, sizeof(buf)),
			   "slub_test_count_ctor+0x");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "aliases", buf, sizeof(buf)), "0\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "slabs", buf, sizeof(buf)), "0\n");
	CHECK_STR_CONTAINS(attr_str("slub_attrs", "slabs_cpu_partial", buf, sizeof(buf)), "0(0)\n");
	CHECK_EQ(kmm_slab_attr("slub_attrs", "shrink", buf, sizeof(buf)), 0);
	CHECK_EQ(kmm_slab_attr("slub_attrs", "no_such_attr", buf, sizeof(buf)), -2);
	kmem_cache_destroy(s);
}

/* ---- stress -------------------------------------------------------------------------------- */

#define STRESS_THREADS 4
#define RING	       1024

struct exchange {
	pthread_mutex_t lock;
	void *ring[RING];
	int n;
};

static struct kmem_cache *stress_cache;
static struct exchange xchg = { .lock = PTHREAD_MUTEX_INITIALIZER };
static _Atomic long stress_bad;

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void stamp(void *o)
{
	uint64_t *w = o;

	w[0] = (uint64_t)(uintptr_t)o ^ 0xa5a5a5a5a5a5a5a5ULL;
	w[9] = ~w[0];
}

static void check_and_free(void *o)
{
	uint64_t *w = o;

	if (w[0] != ((uint64_t)(uintptr_t)o ^ 0xa5a5a5a5a5a5a5a5ULL) || w[9] != ~w[0])
		stress_bad++;
	kmem_cache_free(stress_cache, o);
}

static void *stress_thread(void *arg)
{
	long ops = (long)(intptr_t)((void **)arg)[0];
	uint64_t seed = (uint64_t)ops * 2654435761u + 7;
	void *mine[256];
	int n = 0;

	for (long i = 0; i < ops; i++) {
		uint64_t r = xorshift(&seed);

		if (n < 256 && (r & 3) != 0) {
			void *o = kmem_cache_alloc(stress_cache, GFP_KERNEL);

			if (!o) {
				stress_bad++;
				continue;
			}
			stamp(o);
			mine[n++] = o;
		} else if (n && (r & 4)) {
			/* hand one to whichever thread takes it next */
			void *o = mine[--n], *other = NULL;

			pthread_mutex_lock(&xchg.lock);
			if (xchg.n == RING)
				other = xchg.ring[--xchg.n];
			xchg.ring[xchg.n++] = o;
			pthread_mutex_unlock(&xchg.lock);
			if (other)
				check_and_free(other);
		} else if (n) {
			size_t k = (size_t)(r >> 8) % (size_t)n;
			void *o = mine[k];

			mine[k] = mine[--n];
			check_and_free(o);
		} else {
			void *o = NULL;

			pthread_mutex_lock(&xchg.lock);
			if (xchg.n)
				o = xchg.ring[--xchg.n];
			pthread_mutex_unlock(&xchg.lock);
			if (o)
				check_and_free(o);
		}
	}
	while (n)
		check_and_free(mine[--n]);
	return NULL;
}

void slub_stress_run(long ops_per_thread);
void slub_stress_run(long ops_per_thread)
{
	pthread_t t[STRESS_THREADS];
	void *arg[STRESS_THREADS][1];

	stress_cache = kmem_cache_create("slub_stress", 80, 0, SLAB_NO_MERGE, NULL);
	if (!stress_cache) {
		stress_bad++;
		return;
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		arg[i][0] = (void *)(intptr_t)(ops_per_thread + i);
		pthread_create(&t[i], NULL, stress_thread, arg[i]);
	}
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(t[i], NULL);
	while (xchg.n)
		check_and_free(xchg.ring[--xchg.n]);
	if (slub_ops.validate(stress_cache))
		stress_bad++;
	kmem_cache_shrink(stress_cache);
	if (attr_num("slub_stress", "objects") != 0)
		stress_bad++;
	kmem_cache_destroy(stress_cache);
}

#ifndef SLUB_STRESS_MAIN
TEST(four_threads_with_cross_thread_frees_keep_objects_intact)
{
	slub_stress_run(250000);
	CHECK_EQ(stress_bad, 0);
}

int main(void)
{
	return kmm_test_main();
}
#endif
