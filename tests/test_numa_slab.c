/* kmm-test: labels=unit env=KMM_SLAB=slab,KMM_NODES=2,KMM_RAM=256M,KMM_NR_CPUS=4,KMM_PAGE_REPORTING=0 */
/*
 * SLAB on two nodes: objects freed on the other node wait in the freeing node's alien
 * cache (ALIEN_LIMIT of them), go home as a batch into their node's shared array when
 * it fills, and reach their slabs when the cache is shrunk; an allocation its node
 * cannot serve falls back to another node (fallback_alloc) unless __GFP_THISNODE.
 */
#include "kmm_test.h"

#include <kmm.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "internal.h"
#include "numa_test.h"

struct slabinfo_row {
	unsigned long active_objs, num_objs, shared_avail;
};

/* The cache's /proc/slabinfo row: active and total objects, objects in shared arrays. */
static struct slabinfo_row slabinfo_of(const char *cache)
{
	struct slabinfo_row r = { ~0UL, ~0UL, ~0UL };
	char *buf = NULL, pat[64];
	const char *at;

	CAPTURE(buf, kmm_report(out, "slabinfo"));
	snprintf(pat, sizeof(pat), "\n%s ", cache);
	at = strstr(buf, pat);
	CHECK(at != NULL);
	if (at)
		CHECK_EQ(sscanf(at + strlen(pat),
				"%lu %lu %*u %*u %*u : tunables %*u %*u %*u : slabdata "
				"%*u %*u %lu",
				&r.active_objs, &r.num_objs, &r.shared_avail),
			 3);
	free(buf);
	return r;
}

#define ALIEN_LIMIT 12

TEST(foreign_frees_wait_in_the_alien_cache_and_go_home_in_batches)
{
	struct kmem_cache *s = kmem_cache_create("numa_alien", 256, 0, 0, NULL);
	void *obj[ALIEN_LIMIT + 1];
	struct slabinfo_row r;

	REQUIRE(s != NULL);
	REQUIRE(!strcmp(kmm_slab_allocator(), "slab"));
	REQUIRE(kmm_set_node(1) == 0);
	for (int i = 0; i <= ALIEN_LIMIT; i++) {
		obj[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(obj[i] != NULL);
		CHECK_EQ(page_to_nid(virt_to_page(obj[i])), 1);
	}
	/* moving to node 0 gives the thread's array back: only the 13 objects stay active */
	REQUIRE(kmm_set_node(0) == 0);
	r = slabinfo_of("numa_alien");
	CHECK_EQ(r.active_objs, ALIEN_LIMIT + 1);
	CHECK_EQ(r.shared_avail, 0);

	/* node 1's objects freed on node 0: parked, neither in a slab nor in an array */
	for (int i = 0; i < ALIEN_LIMIT; i++)
		kmem_cache_free(s, obj[i]);
	r = slabinfo_of("numa_alien");
	CHECK_EQ(r.active_objs, ALIEN_LIMIT + 1);
	CHECK_EQ(r.shared_avail, 0);

	/* the alien cache is full: its batch goes to node 1's shared array */
	kmem_cache_free(s, obj[ALIEN_LIMIT]);
	r = slabinfo_of("numa_alien");
	CHECK_EQ(r.active_objs, ALIEN_LIMIT + 1);
	CHECK_EQ(r.shared_avail, ALIEN_LIMIT);

	/* shrinking drains alien caches and shared arrays into the slabs, then frees them */
	kmem_cache_shrink(s);
	r = slabinfo_of("numa_alien");
	CHECK_EQ(r.active_objs, 0);
	CHECK_EQ(r.shared_avail, 0);
	CHECK_EQ(r.num_objs, 0);
	CHECK_EQ(kmm_slab_validate("numa_alien"), 0);
	kmem_cache_destroy(s);
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

TEST(a_local_free_stays_in_the_thread_array)
{
	struct kmem_cache *s = kmem_cache_create("numa_local_free", 256, 0, 0, NULL);
	void *obj;

	REQUIRE(s != NULL);
	REQUIRE(kmm_set_node(1) == 0);
	obj = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(obj != NULL);
	kmem_cache_free(s, obj);
	/* the array hands the same object out again: it never left the thread */
	CHECK(kmem_cache_alloc(s, GFP_KERNEL) == obj);
	kmem_cache_free(s, obj);
	kmem_cache_destroy(s);
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

/*
 * Node 1 out of pages: a thread there still gets objects, from a slab on node 0
 * (fallback_alloc grows wherever the page allocator finds memory, then takes from the
 * node that got it), but __GFP_THISNODE gets none.
 */
TEST(an_exhausted_node_falls_back_unless_thisnode)
{
	static struct page_list taken;
	struct kmem_cache *s = kmem_cache_create("numa_fallback", 512, 0, 0, NULL);
	void *obj[40];

	REQUIRE(s != NULL);
	REQUIRE(kmm_set_node(1) == 0);
	exhaust_node(1, &taken);
	CHECK(kmem_cache_alloc(s, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN) == NULL);
	CHECK(kmem_cache_alloc_node(s, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 1) == NULL);
	for (int i = 0; i < 40; i++) {
		obj[i] = i & 1 ? kmem_cache_alloc(s, GFP_KERNEL) :
				 kmem_cache_alloc_node(s, GFP_KERNEL, 1);
		REQUIRE(obj[i] != NULL);
		CHECK_EQ(page_to_nid(virt_to_page(obj[i])), 0);
	}
	for (int i = 0; i < 40; i++)
		kmem_cache_free(s, obj[i]);
	release_pages(&taken);
	kmem_cache_destroy(s);
	CHECK_EQ(kmm_set_cpu(-1), 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

int main(void)
{
	return kmm_test_main();
}
