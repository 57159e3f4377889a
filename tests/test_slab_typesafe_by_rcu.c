/* kmm-test: labels=unit;api env=KMM_RAM=512M,KMM_NR_CPUS=2 backends=all timeout=120 */
/*
 * SLAB_TYPESAFE_BY_RCU: a freed object may be reused at once by its own cache, but its
 * memory stays memory of that cache until a grace period has passed: a reader under
 * rcu_read_lock() never finds it returned to the page allocator, handed to another
 * cache, or (SLOB, which has no slabs to keep) reused at all. After the grace period the
 * memory does go back. And the cache can be destroyed while such slabs are in flight.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "slab.h"

#define OBJ_SIZE 256
#define NR_OBJS	 512

static bool backend_is(const char *name)
{
	return !strcmp(kmm_slab_allocator(), name);
}

struct reader {
	pthread_t thread;
	_Atomic int state; /* 1: inside rcu_read_lock(), 2: told to leave */
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	struct timespec ms = { 0, 1000000 };

	rcu_read_lock();
	atomic_store(&r->state, 1);
	while (atomic_load(&r->state) != 2)
		nanosleep(&ms, NULL);
	rcu_read_unlock();
	return NULL;
}

static void reader_start(struct reader *r)
{
	struct timespec ms = { 0, 1000000 };

	atomic_store(&r->state, 0);
	pthread_create(&r->thread, NULL, reader_fn, r);
	while (atomic_load(&r->state) != 1)
		nanosleep(&ms, NULL);
}

static void reader_stop(struct reader *r)
{
	atomic_store(&r->state, 2);
	pthread_join(r->thread, NULL);
}

/* The memory of @obj is still @s's: a slab of it, or (SLOB) a block in use. */
static bool still_of_cache(struct kmem_cache *s, void *obj)
{
	struct slab *slab = virt_to_slab(obj);

	if (!slab)
		return false;
	if (backend_is("slob"))
		return slab_ops->obj_valid(s, slab, obj);
	return slab->slab_cache == s;
}

static bool overlaps(const void *a, const void *obj)
{
	return (const char *)a < (const char *)obj + OBJ_SIZE &&
	       (const char *)obj < (const char *)a + OBJ_SIZE;
}

TEST(freed_object_reused_at_once_by_its_cache)
{
	struct kmem_cache *s =
		kmem_cache_create("typesafe_reuse", OBJ_SIZE, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	void *a, *b;

	REQUIRE(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(a);
	kmem_cache_free(s, a);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	/* the slab back-ends reuse the object at once; SLOB waits for the grace period */
	if (backend_is("slob"))
		CHECK(b != a);
	else
		CHECK(b == a);
	kmem_cache_free(s, b);
	kmem_cache_destroy(s);
}

TEST(reader_never_sees_the_memory_leave_the_cache)
{
	struct kmem_cache *s =
		kmem_cache_create("typesafe_rcu", OBJ_SIZE, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	struct kmem_cache *other = kmem_cache_create("typesafe_other", OBJ_SIZE, 0, 0, NULL);
	static void *objs[NR_OBJS], *grab[4 * NR_OBJS];
	struct reader r;
	char buf[32];
	void *watched;
	int stolen = 0, len;

	if (!s || !other) {
		kmem_cache_destroy(s);
		kmem_cache_destroy(other);
	}
	REQUIRE(s && other);
	for (int i = 0; i < NR_OBJS; i++) {
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		if (!objs[i]) {
			for (int j = 0; j < i; j++)
				kmem_cache_free(s, objs[j]);
			kmem_cache_destroy(s);
			kmem_cache_destroy(other);
		}
		REQUIRE(objs[i]);
		memset(objs[i], 0x5a, OBJ_SIZE);
	}
	watched = objs[NR_OBJS / 2];
	reader_start(&r); /* it may hold a pointer to any object from here on */

	for (int i = 0; i < NR_OBJS; i++)
		kmem_cache_free(s, objs[i]);
	kmem_cache_shrink(s);
	if (!backend_is("slob")) {
		/* the slabs are empty and gone from the cache's lists... */
		len = kmm_slab_attr("typesafe_rcu", "slabs", buf, sizeof(buf));
		CHECK(len > 0); /* no REQUIRE: the reader must be let go */
		if (len > 0)
			CHECK_EQ(strtoul(buf, NULL, 10), 0);
	}
	/* ...but their memory is still the cache's, and nobody else gets it */
	CHECK(still_of_cache(s, watched));
	for (int i = 0; i < 4 * NR_OBJS; i++) {
		grab[i] =
			i % 2 ? kmem_cache_alloc(other, GFP_KERNEL) : kmalloc(OBJ_SIZE, GFP_KERNEL);
		if (grab[i] && overlaps(grab[i], watched))
			stolen++;
	}
	CHECK_EQ(stolen, 0);
	CHECK(still_of_cache(s, watched));

	reader_stop(&r);
	rcu_barrier(); /* the grace period is over and its callbacks have run */
	CHECK(!still_of_cache(s, watched));

	for (int i = 0; i < 4 * NR_OBJS; i++) {
		if (i % 2)
			kmem_cache_free(other, grab[i]);
		else
			kfree(grab[i]);
	}
	kmem_cache_destroy(other);
	kmem_cache_destroy(s);
}

/* Destroying the cache while its last slabs wait for a reader: destroy waits, no warning. */
static void destroy_in_flight(void *arg)
{
	struct kmem_cache *s =
		kmem_cache_create("typesafe_destroy", OBJ_SIZE, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	static void *objs[NR_OBJS];
	struct reader r;
	int failed = 0;

	(void)arg;
	if (!s) {
		fprintf(stderr, "cache creation failed\n");
		return;
	}
	for (int i = 0; i < NR_OBJS; i++) {
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		failed += !objs[i];
	}
	if (failed)
		fprintf(stderr, "%d allocations failed\n", failed);
	reader_start(&r);
	for (int i = 0; i < NR_OBJS; i++)
		kmem_cache_free(s, objs[i]);
	kmem_cache_shrink(s);
	reader_stop(&r);
	kmem_cache_destroy(s);
	fprintf(stderr, "destroyed, validate: %d\n", kmm_slab_validate(NULL));
}

TEST(destroy_with_slabs_in_flight)
{
	char *out = kmm_capture_stderr(destroy_in_flight, NULL);

	CHECK(!strstr(out, "still has objects"));
	CHECK(!strstr(out, "BUG"));
	CHECK(!strstr(out, "allocations failed"));
	CHECK_STR_CONTAINS(out, "destroyed, validate: 0");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
