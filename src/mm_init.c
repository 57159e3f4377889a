/* SPDX-License-Identifier: MIT */
/*
 * mm_init.c - bringing up the memory model (the kernel's mm/mm_init.c): RAM from the
 * port, mem_map, nodes and zones, zonelists, per-CPU page lists, and handing every free
 * frame to the buddy allocator.
 *
 * Nodes: KMM_NODES=N cuts RAM into N equal nodes (numa=fake=N), each a whole number of
 * max-order blocks; node 0 keeps the address-based zones, the others are ZONE_NORMAL.
 * Each node's zonelist visits the nodes nearest first (build_zonelists()).
 *
 * The cost of start-up does not grow with RAM: the struct pages of a block are not
 * initialised up front (mem_map is zero-filled and populated lazily by the port); each
 * zone's max-order blocks are counted free at once but listed one at a time as they are
 * needed (deferred, see zone_free_range()), a block's head page is written when it is
 * listed, and a page's own struct is set up when the allocator first hands it out or
 * splits a block around it. Free RAM that was never touched is already "reported" (not
 * backed by the host), so the initial blocks carry PG_reported.
 */
#include <linux/highmem.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* x86-64 zone boundaries */
#define DMA_END_PFN   ((16UL << 20) >> PAGE_SHIFT)
#define DMA32_END_PFN ((4UL << 30) >> PAGE_SHIFT)
/*
 * The 32-bit layout: the 3G/1G split leaves the kernel 1 GiB of address space; the
 * direct map takes its first 896 MiB (MAXMEM), vmalloc and the pkmap/fixmap windows the
 * rest. Frames above it are ZONE_HIGHMEM, and ZONE_DMA32 does not exist.
 */
#define X86_32_LOWMEM_END_PFN ((896UL << 20) >> PAGE_SHIFT)

static bool layout_x86_32(void)
{
	return kmm_cfg.layout && !strcmp(kmm_cfg.layout, "x86_32");
}

unsigned long page_offset_base;
struct page *mem_map;
unsigned long max_pfn;
unsigned long max_low_pfn;

const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "HighMem", "Movable" };
const char *const migratetype_names[MIGRATE_TYPES] = { "Unmovable", "Movable", "Reclaimable",
						       "HighAtomic", "Isolate" };

pg_data_t node_data_storage[MAX_NUMNODES];
pg_data_t *node_data[MAX_NUMNODES];
int nr_online_nodes;

static void zone_init_free_lists(struct zone *zone)
{
	for (int order = 0; order < NR_PAGE_ORDERS; order++) {
		for (int t = 0; t < MIGRATE_TYPES; t++)
			INIT_LIST_HEAD(&zone->free_area[order].free_list[t]);
		zone->free_area[order].nr_free = 0;
	}
}

/* All pageblocks start MOVABLE, as the kernel's memmap_init leaves them. */
static int zone_init_pageblocks(struct zone *zone)
{
	unsigned long nr_blocks = (zone->spanned_pages + pageblock_nr_pages - 1) >> pageblock_order;

	zone->pageblock_mt = port_metadata_alloc(nr_blocks ? nr_blocks : 1);
	if (!zone->pageblock_mt)
		return -ENOMEM;
	memset(zone->pageblock_mt, MIGRATE_MOVABLE, nr_blocks);
	return 0;
}

static int zone_init_pcp(struct zone *zone)
{
	zone->per_cpu_pageset = port_metadata_alloc(sizeof(struct per_cpu_pages) * nr_cpu_ids);
	if (!zone->per_cpu_pageset)
		return -ENOMEM;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		for (int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
	return 0;
}

static int init_zone(pg_data_t *pgdat, enum zone_type idx, unsigned long start, unsigned long end)
{
	struct zone *zone = &pgdat->node_zones[idx];

	zone->zone_pgdat = pgdat;
	zone->name = zone_names[idx];
	zone->zone_idx = idx;
	zone->zone_start_pfn = start;
	zone->spanned_pages = end > start ? end - start : 0;
	zone->present_pages = zone->spanned_pages;
	spin_lock_init(&zone->lock);
	zone_init_free_lists(zone);
	if (!zone->spanned_pages)
		return 0;
	if (zone_init_pageblocks(zone) || zone_init_pcp(zone))
		return -ENOMEM;
	return 0;
}

/*
 * Zonelists (build_zonelists(), ZONELIST_ORDER_NODE): each node's fallback list holds
 * the zones of every node, nearest node first and, within a node, the highest zone
 * first; the no-fallback list (__GFP_THISNODE) holds the node's own zones only.
 */
static int node_load[MAX_NUMNODES];

/* A node with CPUs is penalised: a CPU-less (headless) node makes a better fallback. */
#define PENALTY_FOR_NODE_WITH_CPUS 1

static bool node_has_cpus(int nid)
{
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_to_node((int)cpu) == nid)
			return true;
	return false;
}

/*
 * find_next_best_node(): the nearest node not yet used, itself first; among equals the
 * next one up rather than one below, a headless one, and the least loaded (node_load
 * counts how often a node began a new distance group in the lists already built).
 */
static int find_next_best_node(int node, bool used[MAX_NUMNODES])
{
	int best_node = NUMA_NO_NODE, n;
	int min_val = 0x7fffffff;

	if (!used[node]) {
		used[node] = true;
		return node;
	}
	for_each_online_node(n) {
		int val;

		if (used[n])
			continue;
		val = node_distance(node, n);
		val += n < node; /* prefer the nodes above us */
		if (node_has_cpus(n))
			val += PENALTY_FOR_NODE_WITH_CPUS;
		val *= MAX_NUMNODES;
		val += node_load[n];
		if (val < min_val) {
			min_val = val;
			best_node = n;
		}
	}
	if (best_node >= 0)
		used[best_node] = true;
	return best_node;
}

/* Append @pgdat's populated zones, highest first (build_zonerefs_node()). */
static struct zoneref *build_zonerefs_node(pg_data_t *pgdat, struct zoneref *z)
{
	for (int i = MAX_NR_ZONES - 1; i >= 0; i--) {
		struct zone *zone = &pgdat->node_zones[i];

		if (populated_zone(zone))
			*z++ = (struct zoneref){ zone, i };
	}
	return z;
}

static void build_zonelists(pg_data_t *pgdat)
{
	int local_node = pgdat->node_id, prev_node = local_node, node;
	bool used[MAX_NUMNODES] = { false };
	struct zoneref *z = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
	struct zoneref *nf = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;

	while ((node = find_next_best_node(local_node, used)) >= 0) {
		/* spread the load of the next distance group over its nodes */
		if (node_distance(local_node, node) != node_distance(local_node, prev_node))
			node_load[node] += 1;
		z = build_zonerefs_node(NODE_DATA(node), z);
		prev_node = node;
	}
	*z = (struct zoneref){ NULL, 0 };
	nf = build_zonerefs_node(pgdat, nf);
	*nf = (struct zoneref){ NULL, 0 };
}

static void build_all_zonelists(void)
{
	int nid;

	memset(node_load, 0, sizeof(node_load));
	for_each_online_node(nid)
		build_zonelists(NODE_DATA(nid));
}

/*
 * Zone boundaries of node @nid. Node 0 is cut by physical address as a one-node
 * machine is; every other node has only ZONE_NORMAL, as on a multi-node x86-64 machine,
 * where the low 4 GiB (DMA, DMA32) sit on node 0 and the other nodes' memory lies above.
 * kmm's RAM is one compact range, so the zone comes from the node, not the address.
 */
static void node_zone_bounds(int nid, unsigned long bounds[MAX_NR_ZONES])
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		bounds[i] = ~0UL;
	if (nid > 0) {
		bounds[ZONE_DMA] = 0;
		bounds[ZONE_DMA32] = 0;
		return;
	}
	bounds[ZONE_DMA] = DMA_END_PFN;
	bounds[ZONE_DMA32] = DMA32_END_PFN;
	if (layout_x86_32()) {
		/* DMA, then Normal up to max_low_pfn, then HighMem: DMA32 stays empty */
		bounds[ZONE_DMA32] = DMA_END_PFN;
		bounds[ZONE_NORMAL] = max_low_pfn;
	}
}

static int init_node(int nid, unsigned long start, unsigned long end)
{
	pg_data_t *pgdat = &node_data_storage[nid];
	unsigned long bounds[MAX_NR_ZONES];
	bool highmem = layout_x86_32();
	unsigned long zstart = start;

	node_zone_bounds(nid, bounds);
	node_data[nid] = pgdat;
	pgdat->node_id = nid;
	pgdat->node_start_pfn = start;
	pgdat->node_spanned_pages = end - start;
	pgdat->node_present_pages = end - start;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		unsigned long zend = min(max(bounds[i], start), end);
		int err;

		/* x86-64 has no highmem; neither layout has a movable zone */
		if ((i == ZONE_HIGHMEM && !highmem) || i == ZONE_MOVABLE)
			zend = zstart;
		err = init_zone(pgdat, (enum zone_type)i, zstart, max(zstart, zend));
		if (err)
			return err;
		zstart = max(zstart, zend);
	}
	for (int i = 0; i < MAX_NR_ZONES; i++)
		if (populated_zone(&pgdat->node_zones[i]))
			pgdat->nr_zones = i + 1;
	return node_stat_init(pgdat);
}

/* KMM_NUMA_BIND=1: back the node's frames with one host node's memory (best effort). */
static void bind_node_to_host(unsigned int nid, unsigned long start, unsigned long end)
{
	int err = port_ram_bind_node(start, end - start, nid);

	if (err)
		pr_warn("kmm: node %u: cannot bind to a host node (error %d); left unbound\n", nid,
			-err);
}

/*
 * Split RAM into nr_nodes equal nodes (numa=fake=N), each a whole number of max-order
 * blocks so that no buddy block straddles two nodes; the last takes what is left.
 */
static int init_nodes(unsigned int nr_nodes)
{
	unsigned long per_node = (max_pfn / nr_nodes) & ~(MAX_ORDER_NR_PAGES - 1);

	nr_online_nodes = (int)nr_nodes;
	for (unsigned int nid = 0; nid < nr_nodes; nid++) {
		unsigned long start = nid * per_node;
		unsigned long end = nid == nr_nodes - 1 ? max_pfn : start + per_node;
		int err = init_node((int)nid, start, end);

		if (err)
			return err;
		if (kmm_cfg.numa_bind > 0)
			bind_node_to_host(nid, start, end);
	}
	build_all_zonelists();
	return 0;
}

/*
 * Hand [start, end) of @zone to the buddy allocator in the largest naturally aligned
 * blocks, as memblock_free_all() does. Blocks fit wholly in the zone, so no merging is
 * needed. Of the run of max-order blocks, the first is listed and the others deferred
 * (CONFIG_DEFERRED_STRUCT_PAGE_INIT's idea): they count as free at once, but their
 * struct pages are written only when the allocator gets to them, so start-up writes a
 * few pages of mem_map whatever the size of RAM.
 */
static void zone_free_range(struct zone *zone, unsigned long start, unsigned long end)
{
	unsigned long pfn = start;

	while (pfn < end) {
		unsigned int order = MAX_PAGE_ORDER;
		unsigned long nr_max_blocks = (end - pfn) >> MAX_PAGE_ORDER;

		while (order && ((pfn & ((1UL << order) - 1)) || pfn + (1UL << order) > end))
			order--;
		if (order == MAX_PAGE_ORDER && nr_max_blocks > 1) {
			buddy_defer_initial_blocks(zone, pfn, nr_max_blocks);
			pfn += nr_max_blocks << MAX_PAGE_ORDER;
			continue;
		}
		buddy_free_initial_block(zone, pfn, order);
		pfn += 1UL << order;
	}
}

/* pfn 0 stays reserved, as on a PC: a physical address of zero is never handed out. */
static void reserve_low_pages(void)
{
	struct page *page = pfn_to_page(0);

	page->flags |= 1UL << PG_reserved;
	set_page_count(page, 1);
}

int page_alloc_init(void)
{
	struct port_ram ram;
	int err = port_ram_init(kmm_cfg.ram, &ram);

	if (err)
		return err;
	page_offset_base = (unsigned long)ram.direct_map;
	max_pfn = ram.nr_pages;
	max_low_pfn = max_pfn;
	if (layout_x86_32())
		max_low_pfn = min(max_pfn, X86_32_LOWMEM_END_PFN);
	mem_map = port_metadata_alloc(max_pfn * sizeof(struct page));
	if (!mem_map)
		return -ENOMEM;
	err = init_nodes(kmm_cfg.nr_nodes ? kmm_cfg.nr_nodes : 1);
	if (err)
		return err;
	reserve_low_pages();

	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long start = max(zone->zone_start_pfn, 1UL);

		atomic_store_explicit(&zone->managed_pages, (long)(zone_end_pfn(zone) - start),
				      memory_order_relaxed);
		totalram_pages_count += zone_end_pfn(zone) - start;
		zone_free_range(zone, start, zone_end_pfn(zone));
	}
	return page_alloc_init_late();
}

/* ---- the layout report ----------------------------------------------------------------- */

/*
 * The 32-bit x86 kernel's address space for kmm's RAM, with the kernel's own constants
 * (arch/x86/include/asm/pgtable_32_areas.h, fixmap.h, page_32_types.h): the 3G/1G split
 * puts the direct map (lowmem) at PAGE_OFFSET; vmalloc starts VMALLOC_OFFSET (8 MiB)
 * above the end of lowmem, and ends two pages below the pkmap window, which sits under
 * the fixmap at the top. kmm, a 64-bit process, keeps its real windows elsewhere: this is
 * the picture the x86_32 layout models, printed as mem_init() printed it.
 */
#define X86_32_PAGE_OFFSET    0xC0000000UL
#define X86_32_VMALLOC_OFFSET (8UL << 20)
#define X86_32_FIXADDR_TOP    0xFFFFF000UL
#define X86_32_FIXADDR_SIZE   (932UL << 10) /* __end_of_fixed_addresses on a typical config */
#define X86_32_PMD_SIZE	      (4UL << 20)   /* without PAE: a page table maps 4 MiB */

static void layout_show_x86_32(struct seq_file *m)
{
	unsigned long fixaddr_start = X86_32_FIXADDR_TOP - X86_32_FIXADDR_SIZE;
	unsigned long pkmap_base = (fixaddr_start - X86_32_PMD_SIZE) & ~(X86_32_PMD_SIZE - 1);
	unsigned long vmalloc_end = pkmap_base - 2 * PAGE_SIZE;
	unsigned long high_memory = X86_32_PAGE_OFFSET + (max_low_pfn << PAGE_SHIFT);
	unsigned long vmalloc_start =
		(high_memory + X86_32_VMALLOC_OFFSET) & ~(X86_32_VMALLOC_OFFSET - 1);

	seq_puts(m, "virtual kernel memory layout:\n");
	seq_printf(m, "    fixmap  : 0x%08lx - 0x%08lx   (%4lu kB)\n", fixaddr_start,
		   X86_32_FIXADDR_TOP, (X86_32_FIXADDR_TOP - fixaddr_start) >> 10);
	seq_printf(m, "    pkmap   : 0x%08lx - 0x%08lx   (%4lu kB)\n", pkmap_base,
		   pkmap_base + LAST_PKMAP * PAGE_SIZE, (LAST_PKMAP * PAGE_SIZE) >> 10);
	seq_printf(m, "    vmalloc : 0x%08lx - 0x%08lx   (%4lu MB)\n", vmalloc_start, vmalloc_end,
		   (vmalloc_end - vmalloc_start) >> 20);
	seq_printf(m, "    lowmem  : 0x%08lx - 0x%08lx   (%4lu MB)\n", X86_32_PAGE_OFFSET,
		   high_memory, (high_memory - X86_32_PAGE_OFFSET) >> 20);
	seq_printf(m, "%lu MB HIGHMEM available.\n", ((max_pfn - max_low_pfn) << PAGE_SHIFT) >> 20);
	seq_printf(m, "%lu MB LOWMEM available.\n", (max_low_pfn << PAGE_SHIFT) >> 20);
}

/* x86-64: where kmm's windows are in this process (the kernel's mm.rst table). */
static void layout_show_x86_64(struct seq_file *m)
{
	unsigned long dm_end = page_offset_base + (max_pfn << PAGE_SHIFT);
	unsigned long map_end = (unsigned long)(mem_map + max_pfn);

	seq_puts(m, "virtual kernel memory layout:\n");
	seq_printf(m, "    direct map : 0x%016lx - 0x%016lx   (%6lu MB)\n", page_offset_base,
		   dm_end, (dm_end - page_offset_base) >> 20);
	seq_printf(m, "    vmalloc    : 0x%016lx - 0x%016lx   (%6lu MB)\n",
		   (unsigned long)VMALLOC_START, (unsigned long)VMALLOC_END,
		   ((unsigned long)VMALLOC_END - (unsigned long)VMALLOC_START) >> 20);
	seq_printf(m, "    vmemmap    : 0x%016lx - 0x%016lx   (%6lu MB)\n", (unsigned long)mem_map,
		   map_end, (map_end - (unsigned long)mem_map) >> 20);
}

void layout_show(struct seq_file *m)
{
	if (layout_x86_32())
		layout_show_x86_32(m);
	else
		layout_show_x86_64(m);
}
