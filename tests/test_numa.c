/* kmm-test: labels=unit env=KMM_NODES=2,KMM_RAM=256M,KMM_NR_CPUS=4,KMM_PAGE_REPORTING=0,KMM_NUMA_BIND=1 backends=all */
/*
 * NUMA nodes (KMM_NODES): RAM split into nodes with their own zones, CPUs spread over
 * them, zonelists in distance order, placement on a node and fallback across nodes
 * (__GFP_THISNODE failing instead), the numa_hit/miss/foreign/local/other counters,
 * kmalloc_node and kmem_cache_alloc_node on every back-end, frees on a foreign node,
 * vmalloc_node, and the per-node reports. Every test works for any node count:
 * test_numa4.c runs them all again with four nodes.
 */
#include "kmm_test.h"

#include <errno.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "numa_test.h"

static int nr_nodes(void)
{
	return (int)num_online_nodes();
}

static unsigned long numa_event(int nid, enum numa_stat_item item)
{
	return sum_zone_numa_event_state(nid, item);
}

static bool is_slab_backend(const char *name)
{
	return !strcmp(kmm_slab_allocator(), name);
}

/* Runs first, before anything initialises kmm: the configurations kmm refuses. */
static void try_config(void *arg)
{
	const struct kmm_config *c = arg;

	printf("kmm_init=%d\n", kmm_init(c));
}

TEST(bad_node_configurations_are_refused)
{
	struct kmm_config x86_32 = { .layout = "x86_32", .ram = 1ULL << 30, .nr_nodes = 2 };
	struct kmm_config tiny = { .ram = 32ULL << 20, .nr_nodes = 4 };
	struct kmm_config many = { .ram = 4ULL << 30, .nr_nodes = MAX_NUMNODES + 1 };
	int status;
	char *out;

	REQUIRE(!atomic_load(&kmm_initialised));
	out = kmm_run_child(try_config, &x86_32, &status);
	CHECK_STR_CONTAINS(out, "kmm_init=-22");
	CHECK_STR_CONTAINS(out, "the x86_32 layout has one node");
	free(out);
	out = kmm_run_child(try_config, &tiny, &status);
	CHECK_STR_CONTAINS(out, "kmm_init=-22");
	CHECK_STR_CONTAINS(out, "4 nodes need at least 64M of RAM");
	free(out);
	out = kmm_run_child(try_config, &many, &status);
	CHECK_STR_CONTAINS(out, "kmm_init=-22");
	free(out);
}

TEST(ram_is_split_into_nodes_with_their_own_zones)
{
	unsigned long per_node;

	REQUIRE(nr_nodes() == atoi(getenv("KMM_NODES")));
	per_node = (max_pfn / (unsigned long)nr_nodes()) & ~(MAX_ORDER_NR_PAGES - 1);
	CHECK_EQ(kmm_config_get()->nr_nodes, nr_nodes());
	for (int nid = 0; nid < nr_nodes(); nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);

		CHECK(node_online(nid));
		CHECK_EQ(pgdat->node_id, nid);
		CHECK_EQ(pgdat->node_start_pfn, nid * per_node);
		CHECK_EQ(pgdat->node_spanned_pages,
			 nid == nr_nodes() - 1 ? max_pfn - nid * per_node : per_node);
		/* node 0 has the low zones (RAM is below 4 GiB), the others Normal only */
		CHECK_EQ(populated_zone(&pgdat->node_zones[ZONE_DMA]), nid == 0);
		CHECK_EQ(populated_zone(&pgdat->node_zones[ZONE_DMA32]), nid == 0);
		CHECK_EQ(populated_zone(&pgdat->node_zones[ZONE_NORMAL]), nid != 0);
		CHECK(!populated_zone(&pgdat->node_zones[ZONE_HIGHMEM]));
	}
	CHECK(!node_online(nr_nodes()));
	CHECK(!node_online(-1));
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(cpus_are_spread_round_robin_and_a_thread_can_be_bound)
{
	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
		CHECK_EQ(cpu_to_node(cpu), cpu % nr_nodes());
		CHECK_EQ(cpu_to_mem(cpu), cpu % nr_nodes());
		REQUIRE(kmm_set_cpu(cpu) == 0);
		CHECK_EQ(smp_processor_id(), cpu);
		CHECK_EQ(numa_node_id(), cpu % nr_nodes());
		CHECK_EQ(numa_mem_id(), cpu % nr_nodes());
	}
	for (int nid = 0; nid < nr_nodes(); nid++) {
		REQUIRE(kmm_set_node(nid) == 0);
		CHECK_EQ(numa_node_id(), nid);
	}
	CHECK_EQ(kmm_set_cpu((int)nr_cpu_ids), -22);
	CHECK_EQ(kmm_set_node(nr_nodes()), -22);
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

TEST(distances_are_the_slit_defaults)
{
	char *buf = NULL, expect[256] = "";

	for (int a = 0; a < nr_nodes(); a++)
		for (int b = 0; b < nr_nodes(); b++)
			CHECK_EQ(node_distance(a, b), a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE);
	for (int b = 0; b < nr_nodes(); b++)
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%d",
			 b ? " " : "", b == 1 ? 10 : 20);
	strcat(expect, "\n");
	CAPTURE(buf, CHECK_EQ(kmm_report(out, "node1/distance"), 0));
	CHECK(strcmp(buf, expect) == 0);
	free(buf);
}

/*
 * With equal distances, find_next_best_node() prefers the nodes above the local one
 * and spreads the load: node n falls back to n+1, n+2, ... wrapping around.
 */
TEST(zonelists_visit_the_nearest_nodes_first)
{
	for (int nid = 0; nid < nr_nodes(); nid++) {
		struct zoneref *z = NODE_DATA(nid)->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
		int seen = 0, last = -1;

		for (; z->zone; z++) {
			int zn = zone_to_nid(z->zone);

			/* within a node, highest zone first */
			if (zn == last) {
				CHECK(z->zone_idx < z[-1].zone_idx);
				continue;
			}
			CHECK_EQ(zn, (nid + seen) % nr_nodes());
			last = zn;
			seen++;
		}
		CHECK_EQ(seen, nr_nodes());
		z = NODE_DATA(nid)->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
		for (; z->zone; z++)
			CHECK_EQ(zone_to_nid(z->zone), nid);
	}
}

TEST(pages_are_placed_on_the_node_asked_for_and_counted)
{
	REQUIRE(kmm_set_node(0) == 0);
	for (int nid = 0; nid < nr_nodes(); nid++) {
		unsigned long hit = numa_event(nid, NUMA_HIT), local = numa_event(nid, NUMA_LOCAL);
		unsigned long other = numa_event(nid, NUMA_OTHER);
		struct page *p0 = alloc_pages_node(nid, GFP_KERNEL, 0);
		struct page *p3 = alloc_pages_node(nid, GFP_KERNEL | __GFP_COMP, 3);
		struct page *p10 = alloc_pages_node(nid, GFP_KERNEL, MAX_PAGE_ORDER);

		REQUIRE(p0 && p3 && p10);
		CHECK_EQ(page_to_nid(p0), nid);
		CHECK_EQ(page_to_nid(p3), nid);
		CHECK_EQ(page_to_nid(p3 + 7), nid);
		CHECK_EQ(page_to_nid(p10), nid);
		/* one count per allocation, whatever its order; the caller runs on node 0 */
		CHECK_EQ(numa_event(nid, NUMA_HIT), hit + 3);
		CHECK_EQ(numa_event(nid, nid == 0 ? NUMA_LOCAL : NUMA_OTHER),
			 (nid == 0 ? local : other) + 3);
		__free_pages(p0, 0);
		__free_pages(p3, 3);
		__free_pages(p10, MAX_PAGE_ORDER);
	}
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

TEST(allocations_without_a_node_are_local)
{
	for (int nid = 0; nid < nr_nodes(); nid++) {
		REQUIRE(kmm_set_node(nid) == 0);
		unsigned long local = numa_event(nid, NUMA_LOCAL);
		struct page *page = alloc_pages(GFP_KERNEL, 0);
		struct page *any = alloc_pages_node(NUMA_NO_NODE, GFP_KERNEL, 1);
		unsigned long addr = __get_free_page(GFP_KERNEL);

		REQUIRE(page && any && addr);
		CHECK_EQ(page_to_nid(page), nid);
		CHECK_EQ(page_to_nid(any), nid);
		CHECK_EQ(page_to_nid(virt_to_page(addr)), nid);
		CHECK_EQ(numa_event(nid, NUMA_LOCAL), local + 3);
		__free_pages(page, 0);
		__free_pages(any, 1);
		free_page(addr);
	}
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

/*
 * A node out of memory: __GFP_THISNODE fails there, even when the caller may reclaim,
 * while the same request without it lands on the next node of the zonelist, counted as
 * a miss there and as foreign on the node it was meant for. A cache with no slab there
 * yet cannot serve __GFP_THISNODE either (SLOB may, from a heap page it has there).
 */
TEST(thisnode_fails_on_an_exhausted_node_and_others_fall_back_in_order)
{
	static struct page_list taken;
	int nid = nr_nodes() - 1, next = (nid + 1) % nr_nodes();
	struct kmem_cache *s = kmem_cache_create("numa_exhausted", 200, 0, 0, NULL);
	unsigned long miss, foreign;
	struct page *page;
	void *obj;

	REQUIRE(s != NULL);
	REQUIRE(kmm_set_node(0) == 0);
	exhaust_node(nid, &taken);
	CHECK(taken.nr > 0);
	CHECK(alloc_pages_node(nid, GFP_NOWAIT | __GFP_THISNODE, 0) == NULL);
	CHECK(alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0) == NULL);
	obj = kmem_cache_alloc_node(s, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, nid);
	CHECK(obj == NULL || is_slab_backend("slob"));
	CHECK(obj == NULL || page_to_nid(virt_to_page(obj)) == nid);
	if (obj)
		kmem_cache_free(s, obj);
	obj = kmem_cache_alloc_node(s, GFP_KERNEL, nid);
	CHECK(obj != NULL);
	if (obj)
		kmem_cache_free(s, obj);

	miss = numa_event(next, NUMA_MISS);
	foreign = numa_event(nid, NUMA_FOREIGN);
	page = alloc_pages_node(nid, GFP_NOWAIT, 0);
	REQUIRE(page != NULL);
	CHECK_EQ(page_to_nid(page), next);
	CHECK_EQ(numa_event(next, NUMA_MISS), miss + 1);
	CHECK_EQ(numa_event(nid, NUMA_FOREIGN), foreign + 1);
	__free_pages(page, 0);
	release_pages(&taken);
	kmem_cache_destroy(s);
	CHECK_EQ(kmm_set_cpu(-1), 0);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

TEST(slab_objects_come_from_the_node_asked_for)
{
	struct kmem_cache *s = kmem_cache_create("numa_objects", 200, 0, 0, NULL);
	static const size_t sizes[] = { 8, 96, 700, 3000, 9000, 70000 };

	REQUIRE(s != NULL);
	for (int nid = 0; nid < nr_nodes(); nid++) {
		void *obj[64];

		for (int i = 0; i < 64; i++) {
			obj[i] = kmem_cache_alloc_node(s, GFP_KERNEL, nid);
			REQUIRE(obj[i] != NULL);
			CHECK_EQ(page_to_nid(virt_to_page(obj[i])), nid);
		}
		for (int i = 0; i < 64; i++)
			kmem_cache_free(s, obj[i]);
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			unsigned char *p = kzalloc_node(sizes[i], GFP_KERNEL, nid);

			REQUIRE(p != NULL);
			CHECK_EQ(page_to_nid(virt_to_page(p)), nid);
			CHECK_EQ(p[0] | p[sizes[i] - 1], 0);
			kfree(p);
		}
	}
	kmem_cache_destroy(s);
}

/* SLUB and SLAB serve an allocation without a node from the caller's node. */
TEST(slab_objects_without_a_node_are_local)
{
	struct kmem_cache *s = kmem_cache_create("numa_local", 64, 0, 0, NULL);

	REQUIRE(s != NULL);
	for (int nid = 0; nid < nr_nodes(); nid++) {
		void *obj[100];

		REQUIRE(kmm_set_node(nid) == 0);
		for (int i = 0; i < 100; i++) {
			obj[i] = kmem_cache_alloc(s, GFP_KERNEL);
			REQUIRE(obj[i] != NULL);
			/* SLOB's heap pages serve any node: its node is only a hint */
			if (!is_slab_backend("slob"))
				CHECK_EQ(page_to_nid(virt_to_page(obj[i])), nid);
		}
		for (int i = 0; i < 100; i++)
			kmem_cache_free(s, obj[i]);
	}
	CHECK_EQ(kmm_set_cpu(-1), 0);
	kmem_cache_destroy(s);
}

/*
 * An object of another node freed here goes home (SLUB: to its slab, not onto this
 * thread's sheaf; SLAB: through an alien cache), so the next allocation here is local.
 */
TEST(a_remote_free_is_not_handed_out_again_locally)
{
	struct kmem_cache *s = kmem_cache_create("numa_remote_free", 96, 0, 0, NULL);
	void *remote, *local;

	REQUIRE(s != NULL);
	REQUIRE(kmm_set_node(nr_nodes() - 1) == 0);
	remote = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(remote != NULL);
	REQUIRE(kmm_set_node(0) == 0);
	kmem_cache_free(s, remote);
	local = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(local != NULL);
	/* SLOB's node is a hint: its heap pages serve any node */
	if (!is_slab_backend("slob")) {
		CHECK(local != remote);
		CHECK_EQ(page_to_nid(virt_to_page(local)), 0);
	}
	kmem_cache_free(s, local);
	kmem_cache_destroy(s);
	CHECK_EQ(kmm_set_cpu(-1), 0);
}

struct handoff {
	struct kmem_cache *s;
	void *obj[2000];
	int alloc_node, free_node;
};

static void *alloc_on_node(void *arg)
{
	struct handoff *h = arg;

	/* a thread cannot REQUIRE: the child process exits instead */
	if (kmm_set_node(h->alloc_node))
		exit(3);
	for (int i = 0; i < 2000; i++) {
		h->obj[i] = i & 1 ? kmalloc(128, GFP_KERNEL) : kmem_cache_alloc(h->s, GFP_KERNEL);
		if (!h->obj[i])
			exit(4);
	}
	return NULL;
}

static void *free_on_node(void *arg)
{
	struct handoff *h = arg;

	if (kmm_set_node(h->free_node))
		exit(3);
	for (int i = 0; i < 2000; i++) {
		if (i & 1)
			kfree(h->obj[i]);
		else
			kmem_cache_free(h->s, h->obj[i]);
	}
	return NULL;
}

/*
 * Run fn(arg) in this process with stdout and stderr (kmm's log) going to a file, and
 * return what it wrote. Not kmm_run_child(): a child of this multi-threaded process
 * that starts threads of its own is more than ThreadSanitizer follows.
 */
static char *run_capturing_output(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/kmm-numa-XXXXXX";
	int fd = mkstemp(path), saved_out = dup(1), saved_err = dup(2);
	off_t len;
	char *buf;

	if (fd < 0 || saved_out < 0 || saved_err < 0) {
		perror("capture");
		exit(2);
	}
	unlink(path);
	fflush(NULL);
	dup2(fd, 1);
	dup2(fd, 2);
	fn(arg);
	fflush(NULL);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	len = lseek(fd, 0, SEEK_END);
	buf = malloc((size_t)len + 1);
	if (pread(fd, buf, (size_t)len, 0) != len)
		len = 0;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* The output of a run that must end with "validate=0", "done" and carry no report. */
static void check_clean_run(char *out)
{
	CHECK_STR_CONTAINS(out, "validate=0\ndone\n");
	CHECK(strstr(out, "BUG") == NULL);
	CHECK(strstr(out, "still has objects") == NULL);
	if (kmm_failures)
		fprintf(stderr, "%s", out);
	free(out);
}

/*
 * Objects allocated on one node and freed by a thread of another go home: afterwards
 * the cache validates, its objects are all back, and it is destroyed without a report.
 */
static void cross_node_frees(void *arg)
{
	struct handoff *h = arg;
	pthread_t t;

	h->s = kmem_cache_create("numa_handoff", 48, 0, 0, NULL);
	REQUIRE(h->s != NULL);
	for (int round = 0; round < 3; round++) {
		pthread_create(&t, NULL, alloc_on_node, h);
		pthread_join(t, NULL);
		pthread_create(&t, NULL, free_on_node, h);
		pthread_join(t, NULL);
	}
	printf("validate=%d\n", kmm_slab_validate(NULL));
	kmem_cache_destroy(h->s);
	printf("done\n");
}

TEST(objects_freed_on_another_node_go_home)
{
	static struct handoff h;

	h.alloc_node = nr_nodes() - 1;
	h.free_node = 0;
	check_clean_run(run_capturing_output(cross_node_frees, &h));
}

/* Two threads on different nodes, each freeing the other's objects at the same time. */
struct exchange {
	struct kmem_cache *s;
	pthread_barrier_t barrier;
	void *batch[2][64];
};

struct exchanger {
	struct exchange *x;
	int side, node;
};

static void *exchange_objects(void *arg)
{
	struct exchanger *e = arg;
	struct exchange *x = e->x;

	if (kmm_set_node(e->node))
		exit(3);
	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 64; i++) {
			x->batch[e->side][i] = (round + i) & 1 ?
						       kmem_cache_alloc(x->s, GFP_KERNEL) :
						       kmalloc(40, GFP_KERNEL);
			if (!x->batch[e->side][i])
				exit(4);
		}
		pthread_barrier_wait(&x->barrier);
		for (int i = 0; i < 64; i++) {
			void *obj = x->batch[!e->side][i];

			if ((round + i) & 1)
				kmem_cache_free(x->s, obj);
			else
				kfree(obj);
		}
		pthread_barrier_wait(&x->barrier);
	}
	return NULL;
}

static void concurrent_cross_node_frees(void *arg)
{
	static struct exchange x;
	struct exchanger e[2] = { { &x, 0, 0 }, { &x, 1, nr_nodes() - 1 } };
	pthread_t t[2];

	x.s = kmem_cache_create("numa_exchange", 40, 0, 0, NULL);
	if (!x.s)
		return;
	pthread_barrier_init(&x.barrier, NULL, 2);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, exchange_objects, &e[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("validate=%d\n", kmm_slab_validate(NULL));
	kmem_cache_destroy(x.s);
	printf("done\n");
}

TEST(concurrent_frees_across_nodes_stay_consistent)
{
	check_clean_run(run_capturing_output(concurrent_cross_node_frees, NULL));
}

TEST(vmalloc_node_places_every_page_on_the_node)
{
	for (int nid = 0; nid < nr_nodes(); nid++) {
		unsigned long size = 3UL << 20;
		char *p = nid & 1 ? vzalloc_node(size, nid) : vmalloc_node(size, nid);
		char *buf = NULL, expect[32];

		REQUIRE(p != NULL);
		for (unsigned long off = 0; off < size; off += PAGE_SIZE)
			CHECK_EQ(page_to_nid(vmalloc_to_page(p + off)), nid);
		p[size - 1] = 1;
		/* vmallocinfo counts the pages per node, as show_numa_info() */
		snprintf(expect, sizeof(expect), " N%d=%lu", nid, size >> PAGE_SHIFT);
		CAPTURE(buf, kmm_report(out, "vmallocinfo"));
		CHECK_STR_CONTAINS(buf, expect);
		free(buf);
		vfree(p);
		/* kvmalloc_node: from kmalloc or from vmalloc, on the node either way */
		for (unsigned long kv = 64UL << 10; kv <= (16UL << 20); kv <<= 4) {
			char *q = kvmalloc_node(kv, GFP_KERNEL, nid);

			REQUIRE(q != NULL);
			CHECK_EQ(page_to_nid(is_vmalloc_addr(q) ? vmalloc_to_page(q + kv - 1) :
								  virt_to_page(q + kv - 1)),
				 nid);
			kvfree(q);
		}
	}
}

/*
 * KMM_NUMA_BIND=1 (this file's two-node run): each node's RAM carries an MPOL_BIND
 * policy for one allowed host node, taken round-robin. A host that refuses NUMA
 * policies altogether (no CONFIG_NUMA, or a seccomp filter) is noted, not checked.
 */
TEST(nodes_are_bound_to_host_nodes_when_asked)
{
	unsigned long allowed[1024 / 64] = { 0 };
	int host_nodes[1024], nr_host = 0;
	bool bind = getenv("KMM_NUMA_BIND") && !strcmp(getenv("KMM_NUMA_BIND"), "1");

	CHECK_EQ(kmm_config_get()->numa_bind, bind ? 1 : -1);
	if (syscall(SYS_get_mempolicy, NULL, allowed, 1024, NULL, MPOL_F_MEMS_ALLOWED)) {
		printf("  note: the host refuses NUMA policies (%s): binding not checked\n",
		       strerror(errno));
		return;
	}
	for (int bit = 0; bit < 1024; bit++)
		if ((allowed[bit / 64] >> (bit % 64)) & 1)
			host_nodes[nr_host++] = bit;
	REQUIRE(nr_host > 0);
	for (int nid = 0; nid < nr_nodes(); nid++) {
		pg_data_t *pgdat = NODE_DATA(nid);
		unsigned long mask[1024 / 64] = { 0 };
		int mode = -1, want = host_nodes[nid % nr_host];
		void *last = (char *)page_address(pfn_to_page(pgdat->node_start_pfn)) +
			     (pgdat->node_spanned_pages << PAGE_SHIFT) - 1;

		REQUIRE(syscall(SYS_get_mempolicy, &mode, mask, 1024, last, MPOL_F_ADDR) == 0);
		if (!bind) {
			CHECK_EQ(mode, MPOL_DEFAULT);
			continue;
		}
		CHECK_EQ(mode, MPOL_BIND);
		for (int bit = 0; bit < 1024; bit++)
			CHECK_EQ((mask[bit / 64] >> (bit % 64)) & 1, bit == want);
	}
}

/* A "Node N Key:   value kB" line of nodeN/meminfo. */
static unsigned long node_meminfo_kb(int nid, const char *key)
{
	char name[32], *buf = NULL, pat[64];
	unsigned long val = ~0UL;
	const char *at;

	snprintf(name, sizeof(name), "node%d/meminfo", nid);
	CAPTURE(buf, CHECK_EQ(kmm_report(out, name), 0));
	snprintf(pat, sizeof(pat), "Node %d %s:", nid, key);
	at = strstr(buf, pat);
	if (at)
		val = strtoul(at + strlen(pat), NULL, 10);
	else
		CHECK_STR_CONTAINS(buf, pat);
	free(buf);
	return val;
}

TEST(node_meminfo_has_the_kernel_format_and_the_node_figures)
{
	unsigned long total = 0;

	for (int nid = 0; nid < nr_nodes(); nid++) {
		char name[32], *buf = NULL, *line, *save = NULL;
		unsigned long managed = 0, kb;
		int lines = 0;

		for (int z = 0; z < MAX_NR_ZONES; z++)
			managed += zone_managed_pages(&NODE_DATA(nid)->node_zones[z]);
		CHECK_EQ(node_meminfo_kb(nid, "MemTotal"), managed * 4);
		total += node_meminfo_kb(nid, "MemTotal");
		snprintf(name, sizeof(name), "node%d/meminfo", nid);
		CAPTURE(buf, kmm_report(out, name));
		/* every line is "Node N Key:" padded to 23 columns, then the value */
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char key[32], again[128];
			int n;

			lines++;
			REQUIRE(sscanf(line, "Node %d %31s %lu", &n, key, &kb) == 3);
			CHECK_EQ(n, nid);
			if (!strncmp(key, "HugePages_", 10))
				snprintf(again, sizeof(again), "Node %d %-16s %5lu", n, key, kb);
			else
				snprintf(again, sizeof(again), "Node %d %-15s %8lu kB", n, key, kb);
			if (strcmp(line, again))
				fprintf(stderr, "got  '%s'\nwant '%s'\n", line, again);
			CHECK(strcmp(line, again) == 0);
		}
		CHECK_EQ(lines, 36);
		free(buf);
	}
	CHECK_EQ(total, meminfo_kb("MemTotal"));
	/* a slab page on the last node shows in its Slab line */
	{
		int nid = nr_nodes() - 1;
		unsigned long before = node_meminfo_kb(nid, "SUnreclaim");
		void *big = kmalloc_node(64 << 10, GFP_KERNEL, nid);

		REQUIRE(big != NULL);
		CHECK_EQ(node_meminfo_kb(nid, "SUnreclaim"), before + 64);
		kfree(big);
		CHECK_EQ(node_meminfo_kb(nid, "SUnreclaim"), before);
	}
}

TEST(numa_counters_show_in_numastat_vmstat_and_zoneinfo)
{
	int nid = nr_nodes() - 1;
	char name[32], *buf = NULL, line[64];
	struct page *page;

	REQUIRE(kmm_set_node(0) == 0);
	page = alloc_pages_node(nid, GFP_KERNEL, 0);
	REQUIRE(page != NULL);
	snprintf(name, sizeof(name), "node%d/numastat", nid);
	CAPTURE(buf, CHECK_EQ(kmm_report(out, name), 0));
	snprintf(line, sizeof(line), "numa_hit %lu\n", numa_event(nid, NUMA_HIT));
	CHECK(strncmp(buf, line, strlen(line)) == 0);
	CHECK_STR_CONTAINS(buf, "\ninterleave_hit 0\n");
	snprintf(line, sizeof(line), "\nother_node %lu\n", numa_event(nid, NUMA_OTHER));
	CHECK_STR_CONTAINS(buf, line);
	CHECK(numa_event(nid, NUMA_OTHER) > 0);
	free(buf);

	buf = NULL;
	CAPTURE(buf, kmm_report(out, "vmstat"));
	snprintf(line, sizeof(line), "\nnuma_hit %lu\n", numa_event(-1, NUMA_HIT));
	CHECK_STR_CONTAINS(buf, line);
	free(buf);

	buf = NULL;
	snprintf(name, sizeof(name), "node%d/vmstat", nid);
	CAPTURE(buf, CHECK_EQ(kmm_report(out, name), 0));
	snprintf(line, sizeof(line), "\nnuma_other %lu\n", numa_event(nid, NUMA_OTHER));
	CHECK_STR_CONTAINS(buf, line);
	CHECK(strncmp(buf, "nr_free_pages ", 14) == 0);
	free(buf);

	buf = NULL;
	CAPTURE(buf, kmm_report(out, "zoneinfo"));
	snprintf(line, sizeof(line), "Node %d, zone   Normal", nid);
	CHECK_STR_CONTAINS(buf, line);
	snprintf(line, sizeof(line), "\n      numa_other   %lu", numa_event(nid, NUMA_OTHER));
	CHECK_STR_CONTAINS(buf, line);
	free(buf);

	buf = NULL;
	CAPTURE(buf, kmm_report(out, "buddyinfo"));
	snprintf(line, sizeof(line), "Node %d, zone   Normal ", nid);
	CHECK_STR_CONTAINS(buf, line);
	free(buf);
	__free_pages(page, 0);
	CHECK_EQ(kmm_set_cpu(-1), 0);

	CHECK_EQ(kmm_report(stdout, "node64/meminfo"), -2);
	snprintf(name, sizeof(name), "node%d/meminfo", nr_nodes());
	CHECK_EQ(kmm_report(stdout, name), -2);
	CHECK_EQ(kmm_report(stdout, "node0/nosuchfile"), -2);
	CHECK_EQ(kmm_report(stdout, "node00/meminfo"), -2);
}

int main(void)
{
	return kmm_test_main();
}
