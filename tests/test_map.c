/* kmm-test: labels=unit env=KMM_RAM=256M,KMM_PAGE_REPORTING=0 timeout=300 backends=all */
/*
 * test_map.c - the memory map (src/page_map.c, the "map" report, `kmm replay --map`).
 *
 * Every map is read back by a real XML parser (tests/svg_owners.py, python3's
 * xml.etree), which also checks that each cell is drawn in a colour the legend has and
 * that the cells drawn per owner are the ones the legend counts. Then:
 *  - every page frame has exactly one owner: the legend's pages add up to all of RAM;
 *  - what this test allocates shows up as its owner, with at least its pages: a slab
 *    cache (SLOB: its shared heap for small objects), vmalloc, kmalloc_large, movable
 *    page allocations; and goes away when freed;
 *  - every other page freed makes order-0 free blocks, on the per-CPU lists first and in
 *    the buddy lists after a drain; a fixed scale gives the cells it says;
 *  - `kmm map` draws a fresh kmm, or the state after a trace, on the back-end asked;
 *  - the shipped trace replayed on SLUB, SLAB and SLOB draws three different maps: the
 *    kmalloc caches each back-end has (SLUB from kmalloc-8, SLAB from kmalloc-32, SLOB
 *    none but its heap), and the slab pages of each map equal the slab pages the replay
 *    reports for that back-end.
 */
#include "kmm_test.h"

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define SHIPPED_TRACE KMM_TEST_DIR "/../data/kernel-kmem-trace-A.txt.xz"
#define SVG_OWNERS    KMM_TEST_DIR "/svg_owners.py"

/* What svg_owners.py said about one map. */
struct map_facts {
	char *text; /* its output, one fact a line */
	int status;
};

static void facts_of_file(const char *svg, struct map_facts *f)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s' 2>&1", SVG_OWNERS, svg);
	f->text = kmm_run_capture(cmd, &f->status);
}

/* The map of this process now, with @opt, read back. */
static void map_facts_now(const struct kmm_map_options *opt, struct map_facts *f)
{
	char path[] = "/tmp/kmm-map-XXXXXX";
	int fd = mkstemp(path);
	FILE *out = fdopen(fd, "w");

	CHECK_EQ(kmm_map(out, opt), 0);
	fclose(out);
	facts_of_file(path, f);
	unlink(path);
}

/* The pages the legend gives @key ("slab:kmalloc-64", "vmalloc"); -1 if it has none. */
static long owner_pages(const struct map_facts *f, const char *key)
{
	char pat[128];
	const char *at;

	snprintf(pat, sizeof(pat), "owner %s ", key);
	for (at = strstr(f->text, pat); at && at != f->text && at[-1] != '\n';
	     at = strstr(at + 1, pat))
		;
	return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

static long owner_cells(const struct map_facts *f, const char *key)
{
	char pat[128];
	const char *at;
	char *end;

	snprintf(pat, sizeof(pat), "\nowner %s ", key);
	at = strstr(f->text, pat);
	if (!at)
		return -1;
	strtol(at + strlen(pat), &end, 10);
	return strtol(end, NULL, 10);
}

/* Sum of the legend's pages over the keys starting with @prefix ("" for all). */
static long owner_pages_sum(const struct map_facts *f, const char *prefix)
{
	long sum = 0;

	for (const char *line = f->text; line && *line; line = strchr(line, '\n'), line += !!line) {
		char key[128];
		long pages;

		if (sscanf(line, "owner %127s %ld", key, &pages) == 2 &&
		    !strncmp(key, prefix, strlen(prefix)))
			sum += pages;
	}
	return sum;
}

/* The parser read it, and every drawn cell matched the legend. */
static void check_well_formed(const struct map_facts *f)
{
	REQUIRE(f->text);
	CHECK_EQ(f->status, 0);
	CHECK(!strstr(f->text, "Traceback"));
	CHECK(!strstr(f->text, "unknown-fill"));
	CHECK(!strstr(f->text, "cells-mismatch"));
	CHECK_STR_CONTAINS(f->text, "zone DMA32 ");
	if (f->status || strstr(f->text, "-fill") || strstr(f->text, "mismatch"))
		fprintf(stderr, "%s\n", f->text);
}

static bool on_slob(void)
{
	return !strcmp(kmm_slab_allocator(), "slob");
}

TEST(map_is_a_report)
{
	char *svg = NULL;
	bool listed = false;

	for (const char *const *n = kmm_report_names; *n; n++)
		listed |= !strcmp(*n, "map");
	CHECK(listed);
	CAPTURE(svg, CHECK_EQ(kmm_report(out, "map"), 0));
	CHECK(!strncmp(svg, "<?xml version=\"1.0\"", 19));
	CHECK_STR_CONTAINS(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	CHECK_STR_CONTAINS(svg, "</svg>\n");
	free(svg);
}

TEST(every_frame_has_one_owner)
{
	struct kmm_page_stats st;
	struct map_facts f;
	char want[64];

	kmm_page_stats(&st);
	map_facts_now(NULL, &f);
	check_well_formed(&f);
	snprintf(want, sizeof(want), "svg %s 1\n", kmm_slab_allocator());
	CHECK_STR_CONTAINS(f.text, want); /* 256 MiB in use needs no more than a page a cell */
	/* pfn 0 is reserved and not managed; every other frame is somewhere */
	CHECK_EQ(owner_pages(&f, "reserved"), 1);
	CHECK_EQ(owner_pages_sum(&f, ""), (long)st.total + 1);
	free(f.text);
}

TEST(allocations_appear_under_their_owner)
{
	struct kmem_cache *small = kmem_cache_create("map_test_obj", 200, 0, 0, NULL);
	struct kmem_cache *big = kmem_cache_create("map_test_big", 8192, 0, 0, NULL);
	enum { NR_SMALL = 1000, NR_BIG = 4 };
	static void *objs[NR_SMALL], *bigs[NR_BIG];
	void *large = kmalloc(64 << 10, GFP_KERNEL);
	void *vm = vmalloc(64 << 10);
	struct page *movable = alloc_pages(GFP_HIGHUSER_MOVABLE, 2);
	struct map_facts f;

	REQUIRE(small && big && large && vm && movable);
	for (int i = 0; i < NR_SMALL; i++)
		REQUIRE((objs[i] = kmem_cache_alloc(small, GFP_KERNEL)));
	for (int i = 0; i < NR_BIG; i++)
		REQUIRE((bigs[i] = kmem_cache_alloc(big, GFP_KERNEL)));
	map_facts_now(NULL, &f);
	check_well_formed(&f);
	CHECK(owner_pages(&f, "vmalloc") >= 16);
	CHECK(owner_pages(&f, "kmalloc_large") >= 16);
	CHECK(owner_pages(&f, "pages:Movable") >= 4);
	CHECK(owner_pages(&f, "slab:map_test_big") >= NR_BIG * 2);
	if (on_slob()) {
		/* small objects share SLOB's heap pages with kmalloc */
		CHECK_EQ(owner_pages(&f, "slab:map_test_obj"), -1);
		CHECK(owner_pages(&f, "slob_heap") >= NR_SMALL * 200 / 4096);
		CHECK_EQ(owner_pages_sum(&f, "slab:kmalloc-"), 0);
	} else {
		CHECK(owner_pages(&f, "slab:map_test_obj") >= NR_SMALL * 200 / 4096);
		CHECK_EQ(owner_pages(&f, "slob_heap"), -1);
	}
	free(f.text);

	for (int i = 0; i < NR_SMALL; i++)
		kmem_cache_free(small, objs[i]);
	for (int i = 0; i < NR_BIG; i++)
		kmem_cache_free(big, bigs[i]);
	kmem_cache_destroy(small);
	kmem_cache_destroy(big);
	kfree(large);
	vfree(vm);
	vm_unmap_aliases();
	__free_pages(movable, 2);
	map_facts_now(NULL, &f);
	check_well_formed(&f);
	CHECK_EQ(owner_pages(&f, "vmalloc"), -1);
	CHECK_EQ(owner_pages(&f, "kmalloc_large"), -1);
	CHECK_EQ(owner_pages(&f, "slab:map_test_obj"), -1);
	CHECK_EQ(owner_pages(&f, "slab:map_test_big"), -1);
	free(f.text);
}

TEST(holes_show_as_small_free_blocks)
{
	enum { NR = 256 };
	static struct page *pages[NR];
	long free0_before, free0_after;
	struct map_facts f;

	drain_all_pages(NULL);
	map_facts_now(NULL, &f);
	free0_before = owner_pages(&f, "free:0");
	free(f.text);
	for (int i = 0; i < NR; i++)
		REQUIRE((pages[i] = alloc_pages(GFP_KERNEL, 0)));
	for (int i = 0; i < NR; i += 2)
		__free_pages(pages[i], 0);
	map_facts_now(NULL, &f);
	check_well_formed(&f);
	CHECK(owner_pages(&f, "pcp") >= 1); /* freed order-0 pages go to the per-CPU lists */
	free(f.text);
	drain_all_pages(NULL);
	map_facts_now(NULL, &f);
	check_well_formed(&f);
	CHECK_EQ(owner_pages(&f, "pcp"), -1);
	free0_after = owner_pages(&f, "free:0");
	/* most holes are single pages between two allocated ones */
	CHECK(free0_after - (free0_before > 0 ? free0_before : 0) >= NR / 4);
	free(f.text);
	for (int i = 1; i < NR; i += 2)
		__free_pages(pages[i], 0);
	drain_all_pages(NULL);
}

TEST(a_fixed_scale_draws_its_cells)
{
	struct kmm_map_options opt = { .cell_pages = 512, .columns = 16 };
	struct map_facts f;
	char want[64];

	map_facts_now(&opt, &f);
	check_well_formed(&f);
	snprintf(want, sizeof(want), "svg %s 512\n", kmm_slab_allocator());
	CHECK_STR_CONTAINS(f.text, want);
	/* 256 MiB in cells of 512 pages: 128 cells, DMA's 8 and DMA32's 120 */
	long cells = 0;
	for (const char *line = f.text; line && *line; line = strchr(line, '\n'), line += !!line) {
		char key[128];
		long pages, n;

		if (sscanf(line, "owner %127s %ld %ld", key, &pages, &n) == 3)
			cells += n;
	}
	CHECK_EQ(cells, 128);
	CHECK(owner_cells(&f, "free:10") > 100);
	free(f.text);
}

/* `kmm map`: the map of a fresh kmm, and the map after a trace, on the back-end asked. */
TEST(kmm_map_command)
{
	const char *kmm = kmm_test_binary("kmm");
	char dir[] = "/tmp/kmm-mapcmd-XXXXXX", cmd[8192], path[256];
	struct map_facts f;
	char *out;
	int status = -1;

	REQUIRE(kmm && mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fresh.svg", dir);
	snprintf(cmd, sizeof(cmd), "'%s' map --slab=slab --ram=64M -o %s 2>&1", kmm, path);
	out = kmm_run_capture(cmd, &status);
	CHECK_EQ(status, 0);
	free(out);
	facts_of_file(path, &f);
	check_well_formed(&f);
	CHECK_STR_CONTAINS(f.text, "svg slab 1\n");
	CHECK_EQ(owner_pages_sum(&f, ""), 64 << (20 - 12)); /* every frame of 64 MiB */
	free(f.text);
	unlink(path);

	snprintf(path, sizeof(path), "%s/trace.svg", dir);
	snprintf(cmd, sizeof(cmd), "'%s' map --slab=slob --ram=256M --cell=4 -o %s '%s' 2>&1", kmm,
		 path, KMM_TEST_DIR "/data/replay-synthetic.txt");
	out = kmm_run_capture(cmd, &status);
	CHECK_EQ(status, 0);
	CHECK_STR_CONTAINS(out, "== slob:"); /* the replay's own summary */
	free(out);
	facts_of_file(path, &f);
	check_well_formed(&f);
	CHECK_STR_CONTAINS(f.text, "svg slob 4\n");
	CHECK(owner_pages(&f, "slob_heap") > 0);
	free(f.text);
	unlink(path);
	rmdir(dir);
}

/* "  slab pages, final     999   1017    919": the figure of back-end @col (0..2). */
static long replay_figure(const char *out, const char *row, int col)
{
	const char *at = strstr(out, row);
	long v = -1;

	if (!at)
		return -1;
	at += strlen(row);
	for (int i = 0; i <= col; i++)
		v = strtol(at, (char **)&at, 10);
	return v;
}

TEST(three_backends_draw_three_maps)
{
	const char *kmm = kmm_test_binary("kmm");
	const char *const slabs[] = { "slub", "slab", "slob" };
	struct map_facts f[3];
	char dir[] = "/tmp/kmm-maps-XXXXXX", cmd[8192], path[256];
	char *out;
	int status = -1;

	if (getenv("KMM_SLAB") && strcmp(getenv("KMM_SLAB"), "slub")) {
		printf("(once, in the SLUB run: it replays on all three back-ends)\n");
		return;
	}
	REQUIRE(kmm && mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "KMM_RAM=2G '%s' replay --slab=all --quiet --no-progress --map=%s/m.svg '%s'", kmm,
		 dir, SHIPPED_TRACE);
	out = kmm_run_capture(cmd, &status);
	REQUIRE(out);
	CHECK_EQ(status, 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/m-%s.svg", dir, slabs[i]);
		facts_of_file(path, &f[i]);
		check_well_formed(&f[i]);
		/* the map's slab pages are meminfo's Slab: slab caches and large kmalloc */
		CHECK_EQ(owner_pages_sum(&f[i], "slab:") +
				 (owner_pages(&f[i], "slob_heap") > 0 ?
					  owner_pages(&f[i], "slob_heap") :
					  0) +
				 (owner_pages(&f[i], "kmalloc_large") > 0 ?
					  owner_pages(&f[i], "kmalloc_large") :
					  0),
			 replay_figure(out, "slab pages, final", i));
		unlink(path);
	}
	/* SLUB's kmalloc caches start at 8 bytes, SLAB's at 32, SLOB has none but its heap */
	CHECK(owner_pages(&f[0], "slab:kmalloc-8") > 0);
	CHECK_EQ(owner_pages(&f[1], "slab:kmalloc-8"), -1);
	CHECK_EQ(owner_pages(&f[1], "slab:kmalloc-16"), -1);
	CHECK(owner_pages(&f[1], "slab:kmalloc-32") > 0);
	CHECK_EQ(owner_pages_sum(&f[2], "slab:kmalloc-"), 0);
	CHECK(owner_pages(&f[2], "slob_heap") > 0);
	CHECK_EQ(owner_pages(&f[0], "slob_heap"), -1);
	CHECK_EQ(owner_pages(&f[1], "slob_heap"), -1);
	/* the same trace: the page allocations are the same, the slab pages are not */
	CHECK_EQ(owner_pages(&f[0], "pages:Movable"), owner_pages(&f[2], "pages:Movable"));
	CHECK(owner_pages_sum(&f[0], "slab:") != owner_pages_sum(&f[1], "slab:"));
	for (int i = 0; i < 3; i++)
		free(f[i].text);
	free(out);
	rmdir(dir);
}

int main(void)
{
	return kmm_test_main();
}
