/* kmm-test: labels=unit env=KMM_RAM=5G,KMM_PAGE_REPORTING=0 */
/* SPDX-License-Identifier: MIT */
/*
 * test_reports.c - the /proc-style reports: buddyinfo, pagetypeinfo, zoneinfo, meminfo
 * and vmstat have the kernel's exact text format, their numbers follow the allocator,
 * and their layout is that of a real Linux 6.18 x86-64 kernel.
 *
 * Format: every line is parsed and printed again with the kernel's own format string
 * (sscanf/snprintf round trip); the two must be identical, which pins widths and
 * padding. Numbers: pages of known orders are taken from a known zone and given back,
 * and each report must move by exactly that much. Layout: the set and order of lines
 * is compared with the copy of a 6.18 kernel's files held below, and with the running
 * kernel's own /proc files when it is a 6.18 kernel (other versions add or drop lines).
 *
 * Intentional differences from the reference kernel, by design of kmm:
 *  - Zones: kmm has DMA (0-16 MiB), DMA32 (to 4 GiB) and Normal; a PC's DMA zone starts
 *    at pfn 1 and its Normal zone has holes, so the figures differ, not the layout.
 *  - meminfo: keys the reference kernel prints are all printed, with 0 for what kmm
 *    does not have. HardwareCorrupted (CONFIG_MEMORY_FAILURE), CmaTotal/CmaFree
 *    (CONFIG_CMA) and Unaccepted (CONFIG_UNACCEPTED_MEMORY) are left out, as the
 *    reference kernel leaves them out; distribution kernels differ on those configs.
 *  - DirectMap4k counts all of RAM (kmm's direct map is one host mapping; the core does
 *    not know its page size), DirectMap2M and DirectMap1G are 0.
 *  - zoneinfo "vm stats threshold" is the kernel's formula for the zone's size and CPU
 *    count; kmm's counters are exact atomics with no per-CPU drift.
 *  - vmstat allocstall_* is counted once, shown as allocstall_normal.
 */
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/utsname.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "kmm_test.h"

#define ORDERS	      11
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_LINES     4096

/* ---- helpers ------------------------------------------------------------------------ */

static char *report(const char *name)
{
	char *buf = NULL;

	CAPTURE(buf, CHECK_EQ(kmm_report(out, name), 0));
	return buf;
}

/* Split @text in place into lines (without their '\n'); returns the count. */
static int split_lines(char *text, char **lines, int max)
{
	int n = 0;

	while (*text && n < max) {
		char *nl = strchr(text, '\n');

		lines[n++] = text;
		if (!nl)
			break;
		*nl = '\0';
		text = nl + 1;
	}
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (!f)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
		}
		buf[len++] = (char)c;
	}
	fclose(f);
	if (!buf)
		return NULL; /* unreadable (pagetypeinfo is root-only) or empty */
	buf[len] = '\0';
	return buf;
}

/*
 * The running kernel's copy of a report, when it is the kernel version whose layout kmm
 * prints; NULL otherwise (then only the copy of the reference held here is compared).
 */
static char *live_proc(const char *name)
{
	struct utsname u;
	char path[64];

	if (uname(&u) || strncmp(u.release, "6.18", 4) ||
	    (u.release[4] && u.release[4] != '.' && u.release[4] != '-'))
		return NULL;
	snprintf(path, sizeof(path), "/proc/%s", name);
	return slurp(path);
}

static bool matches(const char *re, const char *s)
{
	regex_t r;
	bool ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB))
		return false;
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static void check_same_text(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		fprintf(stderr, "%s: %s:\n  kmm:    \"%s\"\n  kernel: \"%s\"\n", kmm_current_test,
			what, got, want);
		kmm_failures++;
	}
}

static void check_same_lists(const char *what, char **got, int ngot, const char *const *want,
			     int nwant)
{
	for (int i = 0; i < ngot || i < nwant; i++) {
		const char *g = i < ngot ? got[i] : "(none)";
		const char *w = i < nwant ? want[i] : "(none)";

		if (strcmp(g, w)) {
			fprintf(stderr,
				"%s: %s differs at line %d:\n  kmm:    \"%s\"\n  kernel: \"%s\"\n",
				kmm_current_test, what, i + 1, g, w);
			kmm_failures++;
			return;
		}
	}
}

/* ---- buddyinfo ---------------------------------------------------------------------- */

struct buddy_zone {
	char name[16];
	unsigned long nr_free[ORDERS];
};

/* Parse buddyinfo, checking each line against frag_show_print()'s format. */
static int parse_buddyinfo(const char *text, struct buddy_zone *zones, int max)
{
	char *copy = strdup(text), *lines[64];
	int n = split_lines(copy, lines, 64), nz = 0;

	for (int i = 0; i < n && nz < max; i++) {
		struct buddy_zone *z = &zones[nz++];
		char again[512];
		int node, len, pos = 0;
		unsigned long *f = z->nr_free;

		if (sscanf(lines[i],
			   "Node %d, zone %15s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", &node,
			   z->name, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8],
			   &f[9], &f[10]) != 13) {
			check_same_text("buddyinfo line", lines[i],
					"Node N, zone NAME and 11 counts");
			nz--;
			continue;
		}
		len = snprintf(again, sizeof(again), "Node %d, zone %8s ", node, z->name);
		for (int o = 0; o < ORDERS; o++)
			pos += snprintf(again + len + pos, sizeof(again) - (size_t)(len + pos),
					"%6lu ", f[o]);
		check_same_text("buddyinfo line", lines[i], again);
	}
	free(copy);
	return nz;
}

static unsigned long buddy_free_pages(const struct buddy_zone *z)
{
	unsigned long pages = 0;

	for (int o = 0; o < ORDERS; o++)
		pages += z->nr_free[o] << o;
	return pages;
}

TEST(buddyinfo_has_the_kernel_format_and_populated_zones)
{
	char *buf = report("buddyinfo");
	struct buddy_zone zones[8];
	int n = parse_buddyinfo(buf, zones, 8);

	/* 5 GiB of RAM populates DMA, DMA32 and Normal; Movable and Device are empty */
	REQUIRE(n == 3);
	CHECK_STR_CONTAINS(buf, "Node 0, zone      DMA ");
	CHECK(!strcmp(zones[0].name, "DMA") && !strcmp(zones[1].name, "DMA32") &&
	      !strcmp(zones[2].name, "Normal"));
	/* the same regular expression a kernel's buddyinfo line matches */
	CHECK(matches("^Node [0-9]+, zone +[A-Za-z0-9]+ ( *[0-9]+ ){11}\n", buf));
	free(buf);
}

/* An order above PAGE_ALLOC_COSTLY_ORDER (and not the THP order) skips the pcp lists. */
#define BUDDY_ORDER 4

TEST(buddyinfo_and_pagetypeinfo_follow_allocations)
{
	struct buddy_zone before[8], during[8], after[8];
	struct page *page;
	char *b;

	b = report("buddyinfo");
	REQUIRE(parse_buddyinfo(b, before, 8) == 3);
	free(b);
	/*
	 * A movable GFP_DMA block of order 4 comes off the DMA zone's order-4 movable list if
	 * it holds one (it does at start: the zone is cut into one block of every order).
	 */
	REQUIRE(before[0].nr_free[BUDDY_ORDER] > 0);
	page = alloc_pages(GFP_KERNEL | __GFP_DMA | __GFP_MOVABLE, BUDDY_ORDER);
	REQUIRE(page != NULL);
	CHECK(page_to_pfn(page) < 4096);

	b = report("buddyinfo");
	REQUIRE(parse_buddyinfo(b, during, 8) == 3);
	free(b);
	CHECK_EQ(buddy_free_pages(&during[0]), buddy_free_pages(&before[0]) - (1UL << BUDDY_ORDER));
	CHECK_EQ(during[0].nr_free[BUDDY_ORDER], before[0].nr_free[BUDDY_ORDER] - 1);
	for (int o = 0; o < ORDERS; o++)
		if (o != BUDDY_ORDER)
			CHECK_EQ(during[0].nr_free[o], before[0].nr_free[o]);
	CHECK_EQ(buddy_free_pages(&during[1]), buddy_free_pages(&before[1]));

	b = report("pagetypeinfo");
	CHECK(matches("Node    0, zone      DMA, type      Movable( +[0-9]+){11} \n", b));
	free(b);

	__free_pages(page, BUDDY_ORDER);
	b = report("buddyinfo");
	REQUIRE(parse_buddyinfo(b, after, 8) == 3);
	free(b);
	for (int o = 0; o < ORDERS; o++)
		CHECK_EQ(after[0].nr_free[o], before[0].nr_free[o]);
}

/* ---- pagetypeinfo ------------------------------------------------------------------- */

/* The reference 6.18 kernel's pagetypeinfo, without the per-zone lines. */
static const char *const pagetypeinfo_header[] = {
	"Page block order: 9",
	"Pages per block:  512",
	"",
	"Free pages count per migrate type at order       0      1      2      3      4      5"
	"      6      7      8      9     10 ",
};
static const char pagetypeinfo_blocks_header[] =
	"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate ";
static const char *const migratetypes[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
					    "Isolate" };

/* Lines of a pagetypeinfo report that are not per-zone counts. */
static int pagetypeinfo_skeleton(char *text, char **out, int max)
{
	char *lines[MAX_LINES];
	int n = split_lines(text, lines, MAX_LINES), k = 0;

	for (int i = 0; i < n && k < max; i++)
		if (strncmp(lines[i], "Node ", 5))
			out[k++] = lines[i];
	return k;
}

TEST(pagetypeinfo_has_the_kernel_format)
{
	char *buf = report("pagetypeinfo"), *b2 = report("buddyinfo");
	char *lines[MAX_LINES], *skel[16], *live;
	struct buddy_zone zones[8];
	int nz = parse_buddyinfo(b2, zones, 8), n, k, zone = 0, type = 0, blocks_seen = 0;
	bool in_blocks = false;
	unsigned long per_order[8][ORDERS] = { { 0 } };

	char *copy = strdup(buf);
	k = pagetypeinfo_skeleton(copy, skel, 16);
	REQUIRE(k == 6);
	check_same_lists("pagetypeinfo headers", skel, 4, pagetypeinfo_header, 4);
	CHECK_EQ(strlen(skel[4]), 0);
	check_same_text("blocks header", skel[5], pagetypeinfo_blocks_header);

	n = split_lines(buf, lines, MAX_LINES);
	for (int i = 0; i < n; i++) {
		char name[16], mt[16], again[512], tok[ORDERS][16];
		int node, len, pos = 0;

		if (!strcmp(lines[i], pagetypeinfo_blocks_header)) {
			in_blocks = true;
			continue;
		}
		if (strncmp(lines[i], "Node ", 5))
			continue;
		if (!in_blocks) {
			/* pagetypeinfo_showfree_print: "Node %4d, zone %8s, type %12s " "%s%6lu " */
			REQUIRE(sscanf(lines[i],
				       "Node %d, zone %15[^,], type %15s %15s %15s %15s %15s %15s "
				       "%15s "
				       "%15s %15s %15s %15s %15s",
				       &node, name, mt, tok[0], tok[1], tok[2], tok[3], tok[4],
				       tok[5], tok[6], tok[7], tok[8], tok[9], tok[10]) == 14);
			len = snprintf(again, sizeof(again), "Node %4d, zone %8s, type %12s ", node,
				       name + strspn(name, " "), mt);
			for (int o = 0; o < ORDERS; o++) {
				bool over = tok[o][0] == '>';
				unsigned long v = strtoul(tok[o] + over, NULL, 10);

				pos += snprintf(again + len + pos,
						sizeof(again) - (size_t)(len + pos), "%s%6lu ",
						over ? ">" : "", v);
				per_order[zone][o] += v;
			}
			check_same_text("pagetypeinfo free line", lines[i], again);
			CHECK(!strcmp(mt, migratetypes[type]));
			if (++type == 5) {
				type = 0;
				zone++;
			}
		} else {
			/* pagetypeinfo_showblockcount_print: "Node %d, zone %8s " "%12lu " */
			unsigned long c[5], total = 0;

			REQUIRE(sscanf(lines[i], "Node %d, zone %15s %lu %lu %lu %lu %lu", &node,
				       name, &c[0], &c[1], &c[2], &c[3], &c[4]) == 7);
			len = snprintf(again, sizeof(again), "Node %d, zone %8s ", node, name);
			for (int t = 0; t < 5; t++) {
				pos += snprintf(again + len + pos,
						sizeof(again) - (size_t)(len + pos), "%12lu ",
						c[t]);
				total += c[t];
			}
			check_same_text("pagetypeinfo block line", lines[i], again);
			/* every pageblock of the zone has one type: 4096, 4 GiB - 16 MiB, 1 GiB */
			if (blocks_seen < nz)
				CHECK_EQ(total, !strcmp(name, "DMA")   ? 8 :
						!strcmp(name, "DMA32") ? 2040 :
									 512);
			blocks_seen++;
		}
	}
	CHECK_EQ(zone, nz);
	CHECK_EQ(blocks_seen, nz);
	/* the per-type counts add up to buddyinfo's (nothing ran between the two reports) */
	for (int z = 0; z < nz && z < zone; z++)
		for (int o = 0; o < ORDERS; o++)
			CHECK_EQ(per_order[z][o], zones[z].nr_free[o]);

	live = live_proc("pagetypeinfo");
	if (live) {
		char *lskel[16];
		int lk = pagetypeinfo_skeleton(live, lskel, 16);

		check_same_lists("pagetypeinfo headers against /proc", skel, k,
				 (const char *const *)lskel, lk);
		free(live);
	}
	free(copy);
	free(buf);
	free(b2);
}

/* ---- zoneinfo ----------------------------------------------------------------------- */

/*
 * A zoneinfo line without its value: the label with its indentation and padding. The
 * value is the final token when it is a number, or the list after "protection:".
 */
static void zoneinfo_key(const char *line, char *key, size_t size)
{
	const char *paren = strchr(line, '(');
	size_t len = paren ? (size_t)(paren - line) : strlen(line);

	if (!paren && strncmp(line, "Node ", 5)) {
		const char *sp = strrchr(line, ' ');
		const char *v = sp ? sp + 1 : line;

		if (sp && v[strspn(v, "0123456789-")] == '\0' && *v)
			len = (size_t)(sp + 1 - line);
	}
	if (len >= size)
		len = size - 1;
	memcpy(key, line, len);
	key[len] = '\0';
}

#define ZONEINFO_MAX_KEYS 160

struct zoneinfo_zone {
	char name[16];
	bool populated;
	int nkeys;
	char *keys[ZONEINFO_MAX_KEYS];
	char keybuf[ZONEINFO_MAX_KEYS][64];
};

/*
 * Cut zoneinfo into zones and their keys. Only the first CPU's pageset is kept: the
 * number of CPUs is the machine's. Returns the zone count.
 */
static int parse_zoneinfo(char *text, struct zoneinfo_zone *zones, int max)
{
	char *lines[MAX_LINES];
	int n = split_lines(text, lines, MAX_LINES), nz = -1;
	bool skipping = false;

	for (int i = 0; i < n; i++) {
		struct zoneinfo_zone *z;

		if (!strncmp(lines[i], "Node ", 5)) {
			if (++nz >= max)
				break;
			z = &zones[nz];
			memset(z, 0, sizeof(*z));
			sscanf(lines[i], "Node %*d, zone %15s", z->name);
			skipping = false;
		}
		if (nz < 0)
			continue;
		z = &zones[nz];
		if (!strcmp(lines[i], "  pagesets"))
			z->populated = true;
		if (!strncmp(lines[i], "    cpu: ", 9) && strcmp(lines[i], "    cpu: 0"))
			skipping = true;
		if (!strncmp(lines[i], "  node_unreclaimable:", 21))
			skipping = false;
		if (skipping || z->nkeys >= ZONEINFO_MAX_KEYS)
			continue;
		zoneinfo_key(lines[i], z->keybuf[z->nkeys], sizeof(z->keybuf[0]));
		z->keys[z->nkeys] = z->keybuf[z->nkeys];
		z->nkeys++;
	}
	return nz + 1 < max ? nz + 1 : max;
}

/* The reference 6.18 kernel's zoneinfo for a populated zone after the first. */
static const char *const zoneinfo_populated_keys[] = {
	"Node 0, zone    DMA32",
	"  pages free     ",
	"        boost    ",
	"        min      ",
	"        low      ",
	"        high     ",
	"        promo    ",
	"        spanned  ",
	"        present  ",
	"        managed  ",
	"        cma      ",
	"        protection: ",
	"      nr_free_pages ",
	"      nr_free_pages_blocks ",
	"      nr_zone_inactive_anon ",
	"      nr_zone_active_anon ",
	"      nr_zone_inactive_file ",
	"      nr_zone_active_file ",
	"      nr_zone_unevictable ",
	"      nr_zone_write_pending ",
	"      nr_mlock     ",
	"      nr_zspages   ",
	"      nr_free_cma  ",
	"      numa_hit     ",
	"      numa_miss    ",
	"      numa_foreign ",
	"      numa_interleave ",
	"      numa_local   ",
	"      numa_other   ",
	"  pagesets",
	"    cpu: ",
	"              count:    ",
	"              high:     ",
	"              batch:    ",
	"              high_min: ",
	"              high_max: ",
	"  vm stats threshold: ",
	"  node_unreclaimable:  ",
	"  start_pfn:           ",
};

/* ... and for an empty one. */
static const char *const zoneinfo_empty_keys[] = {
	"Node 0, zone  Movable", "  pages free     ", "        boost    ", "        min      ",
	"        low      ",	 "        high     ", "        promo    ", "        spanned  ",
	"        present  ",	 "        managed  ", "        cma      ", "        protection: ",
};

static const char *const zoneinfo_zone_names[] = { "DMA", "DMA32", "Normal", "Movable", "Device" };

TEST(zoneinfo_has_the_kernel_layout)
{
	char *buf = report("zoneinfo"), *live;
	static struct zoneinfo_zone zones[8], lzones[8];
	int n;

	/* protection: one reserve per zone of the kernel's list */
	CHECK(matches("\n        protection: \\(0, [0-9]+, [0-9]+, [0-9]+, [0-9]+\\)\n", buf));
	n = parse_zoneinfo(buf, zones, 8);

	/* every zone of an x86-64 kernel, populated or not; no HighMem */
	REQUIRE(n == 5);
	for (int i = 0; i < 5; i++)
		CHECK(!strcmp(zones[i].name, zoneinfo_zone_names[i]));
	CHECK(zones[0].populated && zones[1].populated && zones[2].populated);
	CHECK(!zones[3].populated && !zones[4].populated);
	/* the node's stats come once, under its first populated zone */
	CHECK(!strcmp(zones[0].keys[1], "  per-node stats"));
	check_same_lists("DMA32 zone", zones[1].keys, zones[1].nkeys, zoneinfo_populated_keys,
			 (int)ARRAY_SIZE(zoneinfo_populated_keys));
	zones[4].keys[0] = zones[3].keys[0]; /* compare Device's lines under Movable's title */
	check_same_lists("Movable zone", zones[3].keys, zones[3].nkeys, zoneinfo_empty_keys,
			 (int)ARRAY_SIZE(zoneinfo_empty_keys));
	check_same_lists("Device zone", zones[4].keys, zones[4].nkeys, zoneinfo_empty_keys,
			 (int)ARRAY_SIZE(zoneinfo_empty_keys));
	free(buf);

	live = live_proc("zoneinfo");
	if (live) {
		int ln = parse_zoneinfo(live, lzones, 8);

		buf = report("zoneinfo");
		n = parse_zoneinfo(buf, zones, 8);
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < ln; j++) {
				if (strcmp(zones[i].name, lzones[j].name) ||
				    zones[i].populated != lzones[j].populated)
					continue;
				check_same_lists(zones[i].name, zones[i].keys, zones[i].nkeys,
						 (const char *const *)lzones[j].keys,
						 lzones[j].nkeys);
			}
		}
		free(buf);
		free(live);
	}
}

/* A numeric field of one zone: "  pages free     ", "        managed  "... */
static unsigned long zoneinfo_value(const char *text, const char *zone, const char *key)
{
	char title[64];
	const char *z, *end, *k;

	snprintf(title, sizeof(title), "Node 0, zone %8s\n", zone);
	z = strstr(text, title);
	if (!z)
		return ~0UL;
	end = strstr(z + 1, "Node 0, zone ");
	k = strstr(z, key);
	if (!k || (end && k > end))
		return ~0UL;
	return strtoul(k + strlen(key), NULL, 10);
}

TEST(zoneinfo_agrees_with_buddyinfo_and_page_stats)
{
	char *z = report("zoneinfo"), *b = report("buddyinfo");
	struct buddy_zone zones[8];
	struct kmm_page_stats st;
	int n = parse_buddyinfo(b, zones, 8);
	unsigned long managed = 0, pcp = 0;
	const char *p;

	kmm_page_stats(&st);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(zoneinfo_value(z, zones[i].name, "\n  pages free     "),
			 buddy_free_pages(&zones[i]));
		CHECK_EQ(zoneinfo_value(z, zones[i].name, "\n      nr_free_pages "),
			 buddy_free_pages(&zones[i]));
		CHECK_EQ(zoneinfo_value(z, zones[i].name, "\n      nr_free_pages_blocks "),
			 (zones[i].nr_free[9] << 9) + (zones[i].nr_free[10] << 10));
		managed += zoneinfo_value(z, zones[i].name, "\n        managed  ");
	}
	CHECK_EQ(managed, st.total);
	CHECK_EQ(zoneinfo_value(z, "DMA", "\n        spanned  "), 4096);
	CHECK_EQ(zoneinfo_value(z, "DMA32", "\n  start_pfn:           "), 4096);
	CHECK_EQ(zoneinfo_value(z, "Normal", "\n  start_pfn:           "), 1UL << 20);
	for (p = strstr(z, "count:    "); p; p = strstr(p + 1, "count:    "))
		pcp += strtoul(p + 10, NULL, 10);
	CHECK_EQ(pcp, st.pcp);
	free(z);
	free(b);
}

/* ---- meminfo ------------------------------------------------------------------------ */

/* The reference 6.18 x86-64 kernel's /proc/meminfo keys, in order. */
static const char *const meminfo_keys[] = {
	"MemTotal",	   "MemFree",	     "MemAvailable",   "Buffers",	 "Cached",
	"SwapCached",	   "Active",	     "Inactive",       "Active(anon)",	 "Inactive(anon)",
	"Active(file)",	   "Inactive(file)", "Unevictable",    "Mlocked",	 "SwapTotal",
	"SwapFree",	   "Zswap",	     "Zswapped",       "Dirty",		 "Writeback",
	"AnonPages",	   "Mapped",	     "Shmem",	       "KReclaimable",	 "Slab",
	"SReclaimable",	   "SUnreclaim",     "KernelStack",    "PageTables",	 "SecPageTables",
	"NFS_Unstable",	   "Bounce",	     "WritebackTmp",   "CommitLimit",	 "Committed_AS",
	"VmallocTotal",	   "VmallocUsed",    "VmallocChunk",   "Percpu",	 "AnonHugePages",
	"ShmemHugePages",  "ShmemPmdMapped", "FileHugePages",  "FilePmdMapped",	 "Balloon",
	"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize",
	"Hugetlb",	   "DirectMap4k",    "DirectMap2M",    "DirectMap1G",
};

/* Keys and values of a meminfo text; each line checked against the kernel's format. */
static int parse_meminfo(char *text, char **keys, unsigned long *vals, int max, bool check)
{
	char *lines[256];
	int n = split_lines(text, lines, 256), k = 0;

	for (int i = 0; i < n && k < max; i++) {
		char *colon = strchr(lines[i], ':'), again[256];
		bool kb = strstr(lines[i], " kB") != NULL;

		if (!colon)
			continue;
		*colon = '\0';
		keys[k] = lines[i];
		vals[k] = strtoul(colon + 1, NULL, 10);
		if (check) {
			/* show_val_kb: "%-16s%8lu kB"; the hugetlb counts: "%-19s%5lu" */
			char label[32];

			snprintf(label, sizeof(label), "%s:", keys[k]);
			if (kb)
				snprintf(again, sizeof(again), "%-16s%8lu kB", label, vals[k]);
			else
				snprintf(again, sizeof(again), "%-19s%5lu", label, vals[k]);
			*colon = ':';
			check_same_text("meminfo line", lines[i], again);
			*colon = '\0';
		}
		k++;
	}
	return k;
}

static unsigned long meminfo_value(const char *name)
{
	char *buf = report("meminfo"), *keys[128];
	unsigned long vals[128], v = ~0UL;
	int n = parse_meminfo(buf, keys, vals, 128, false);

	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], name))
			v = vals[i];
	free(buf);
	return v;
}

TEST(meminfo_has_the_kernel_keys_and_format)
{
	char *buf = report("meminfo"), *keys[128], *live;
	unsigned long vals[128];
	int n = parse_meminfo(buf, keys, vals, 128, true);

	check_same_lists("meminfo keys", keys, n, meminfo_keys, (int)ARRAY_SIZE(meminfo_keys));
	live = live_proc("meminfo");
	if (live) {
		char *lkeys[128];
		unsigned long lvals[128];
		int ln = parse_meminfo(live, lkeys, lvals, 128, true);

		check_same_lists("meminfo keys against /proc/meminfo", keys, n,
				 (const char *const *)lkeys, ln);
		free(live);
	}
	free(buf);
}

TEST(meminfo_figures_are_the_allocators)
{
	struct kmm_page_stats st;
	unsigned long free_kb, reserved_kb, avail_kb;
	struct page *page;

	kmm_page_stats(&st);
	CHECK_EQ(meminfo_value("MemTotal"), st.total * 4);
	CHECK_EQ(meminfo_value("MemFree"), st.free * 4);
	free_kb = st.free * 4;
	reserved_kb = st.reserved * 4;
	avail_kb = meminfo_value("MemAvailable");
	/* free above the reserves, plus part of the reclaimable slab (if any) */
	CHECK(avail_kb >= free_kb - reserved_kb);
	CHECK(avail_kb <= free_kb - reserved_kb + meminfo_value("SReclaimable"));
	CHECK_EQ(meminfo_value("Slab"),
		 meminfo_value("SReclaimable") + meminfo_value("SUnreclaim"));
	/* kmm's window, reserved at start-up (the kernel's is 32 TiB) */
	CHECK_EQ(meminfo_value("VmallocTotal"), (VMALLOC_END - VMALLOC_START) >> 10);
	CHECK(meminfo_value("VmallocTotal") > 0);
	CHECK_EQ(meminfo_value("CommitLimit"), st.total / 2 * 4);
	CHECK_EQ(meminfo_value("Hugepagesize"), 2048);
	CHECK_EQ(meminfo_value("DirectMap4k"), 5UL << 20);

	/* an order-5 block comes straight from the buddy lists: MemFree drops by 128 kB */
	free_kb = meminfo_value("MemFree");
	page = alloc_pages(GFP_KERNEL, 5);
	REQUIRE(page != NULL);
	CHECK_EQ(meminfo_value("MemFree"), free_kb - 128);
	__free_pages(page, 5);
	CHECK_EQ(meminfo_value("MemFree"), free_kb);
}

/* ---- vmstat ------------------------------------------------------------------------- */

static unsigned long vmstat_value(const char *name)
{
	char *buf = report("vmstat"), *lines[MAX_LINES];
	int n = split_lines(buf, lines, MAX_LINES);
	size_t len = strlen(name);
	unsigned long v = ~0UL;

	for (int i = 0; i < n; i++)
		if (!strncmp(lines[i], name, len) && lines[i][len] == ' ')
			v = strtoul(lines[i] + len + 1, NULL, 10);
	free(buf);
	return v;
}

static int vmstat_names(char *text, char **names, int max)
{
	char *lines[MAX_LINES];
	int n = split_lines(text, lines, MAX_LINES), k = 0;

	for (int i = 0; i < n && k < max; i++) {
		char *sp = strchr(lines[i], ' ');

		if (sp)
			*sp = '\0';
		names[k++] = lines[i];
	}
	return k;
}

TEST(vmstat_has_the_kernel_names_and_format)
{
	char *buf = report("vmstat"), *copy = strdup(buf), *names[MAX_LINES], *lines[MAX_LINES];
	char *live;
	int n = split_lines(copy, lines, MAX_LINES), k;

	/* seq_puts(name); seq_put_decimal_ull(" ", value); '\n' */
	for (int i = 0; i < n; i++)
		CHECK(matches("^[a-z0-9_]+ [0-9]+$", lines[i]));
	free(copy);
	copy = strdup(buf);
	k = vmstat_names(copy, names, MAX_LINES);
	/* 6.18 x86-64: 11 zone, 6 NUMA, 51 node, 4 global items, 119 events, nr_unstable */
	CHECK_EQ(k, 192);
	CHECK(!strcmp(names[0], "nr_free_pages"));
	CHECK(!strcmp(names[k - 1], "nr_unstable"));
	for (int i = 0; i < k; i++)
		for (int j = i + 1; j < k; j++)
			CHECK(strcmp(names[i], names[j]));
	live = live_proc("vmstat");
	if (live) {
		char *lnames[MAX_LINES];
		int ln = vmstat_names(live, lnames, MAX_LINES);

		check_same_lists("vmstat names against /proc/vmstat", names, k,
				 (const char *const *)lnames, ln);
		free(live);
	}
	free(copy);
	free(buf);
}

TEST(vmstat_counts_allocations_and_frees)
{
	struct kmm_page_stats st;
	unsigned long alloc_before, free_before;
	struct page *page;

	kmm_page_stats(&st);
	CHECK_EQ(vmstat_value("nr_free_pages"), st.free);
	CHECK(vmstat_value("nr_memmap_boot_pages") > 0);
	CHECK(vmstat_value("nr_dirty_threshold") > vmstat_value("nr_dirty_background_threshold"));

	alloc_before = vmstat_value("pgalloc_normal");
	free_before = vmstat_value("pgfree");
	page = alloc_pages(GFP_KERNEL, 5);
	REQUIRE(page != NULL);
	CHECK_EQ(vmstat_value("pgalloc_normal"), alloc_before + 32);
	__free_pages(page, 5);
	CHECK_EQ(vmstat_value("pgfree"), free_before + 32);

	alloc_before = vmstat_value("pgalloc_dma");
	page = alloc_pages(GFP_KERNEL | __GFP_DMA | __GFP_MOVABLE, BUDDY_ORDER);
	REQUIRE(page != NULL);
	CHECK_EQ(vmstat_value("pgalloc_dma"), alloc_before + (1UL << BUDDY_ORDER));
	__free_pages(page, BUDDY_ORDER);
}

/* ---- the dispatch ------------------------------------------------------------------- */

static void count_emit(void *ctx, const char *text, size_t len)
{
	(void)text;
	*(size_t *)ctx += len;
}

TEST(every_named_report_writes_and_unknown_names_fail)
{
	int n = 0;

	for (const char *const *name = kmm_report_names; *name; name++) {
		size_t bytes = 0;

		CHECK_EQ(kmm_report_write(*name, count_emit, &bytes), 0);
		/* vmallocinfo lists the vmalloc areas: none exist until something vmallocs */
		CHECK(bytes > 0 || !strcmp(*name, "vmallocinfo") ||
		      /* KFENCE's objects and kmemleak's leaks: none while they are off */
		      !strcmp(*name, "kfence_objects") || !strcmp(*name, "kmemleak"));
		n++;
	}
	CHECK(n >= 5);
	CHECK_EQ(kmm_report_write("no-such-report", count_emit, &n), -2);
	CHECK_EQ(kmm_report_write(NULL, count_emit, &n), -2);
	CHECK_EQ(kmm_report(stdout, "buddyinfo2"), -2);
	CHECK_EQ(kmm_report(stdout, ""), -2);
}

/* ---- concurrency -------------------------------------------------------------------- */

static _Atomic int churn_stop;
static _Atomic unsigned int churn_rounds;

/* Small orders go through the per-CPU lists, whose counts zoneinfo reads. */
static void *churn(void *arg)
{
	struct page *pages[64];
	unsigned int i = 0;

	(void)arg;
	while (!atomic_load(&churn_stop)) {
		unsigned int order = i % 4;

		for (int j = 0; j < 64; j++)
			pages[j] = alloc_pages(GFP_KERNEL, order);
		for (int j = 0; j < 64; j++)
			if (pages[j])
				__free_pages(pages[j], order);
		i++;
		atomic_store(&churn_rounds, i);
	}
	return NULL;
}

/*
 * One allocating thread against the reader: what is checked here (under ThreadSanitizer
 * too) is that the reports read the allocator's state under its locks.
 */
TEST(reports_can_be_read_while_another_thread_allocates)
{
	pthread_t thread;

	REQUIRE(pthread_create(&thread, NULL, churn, NULL) == 0);
	while (atomic_load(&churn_rounds) < 4)
		sched_yield();
	for (int round = 0; round < 20; round++) {
		for (const char *const *name = kmm_report_names; *name; name++) {
			size_t bytes = 0;

			CHECK_EQ(kmm_report_write(*name, count_emit, &bytes), 0);
		}
	}
	atomic_store(&churn_stop, 1);
	pthread_join(thread, NULL);
	CHECK_EQ(kmm_check_page_alloc(), 0);
}

/* x86-64: the layout report names kmm's real windows. */
TEST(layout_report_shows_the_direct_map_and_vmalloc)
{
	char *buf = NULL;
	char want[128];

	CAPTURE(buf, kmm_report(out, "layout"));
	CHECK_STR_CONTAINS(buf, "virtual kernel memory layout:\n");
	snprintf(want, sizeof(want), "    direct map : 0x%016lx - ", page_offset_base);
	CHECK_STR_CONTAINS(buf, want);
	snprintf(want, sizeof(want), "    vmalloc    : 0x%016lx - ", (unsigned long)VMALLOC_START);
	CHECK_STR_CONTAINS(buf, want);
	free(buf);
}

int main(void)
{
	return kmm_test_main();
}
