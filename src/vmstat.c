/* SPDX-License-Identifier: MIT */
/*
 * vmstat.c - memory statistics and the /proc reports built on them (the kernel's
 * mm/vmstat.c): event counters, and buddyinfo, pagetypeinfo, zoneinfo and vmstat in the
 * kernel's exact text formats.
 *
 * Events are counted where they happen without an extra atomic on the fast path: under
 * a CPU's pcp lock in that CPU's pcp, otherwise in per-zone or global atomics; a reader
 * sums all of them, taking each pcp lock to read that CPU's part.
 *
 * The reports print what a Linux 6.18 x86-64 kernel prints, line for line: the same
 * zones (DMA, DMA32, Normal, Movable and Device; buddyinfo and pagetypeinfo show the
 * populated ones only), the same counter names in the same order, the same widths.
 * The configuration they describe is that of a distribution kernel with NUMA,
 * ZONE_DEVICE, memory isolation, THP, hugetlb, zswap, KSM, compaction, migration and
 * the balloon driver, without CMA, and with page_owner off. A counter kmm does not
 * keep (page cache, swap, THP...) is printed as 0 rather than left out, so that
 * tools that parse the kernel's files parse these.
 *
 * Locking: a report takes a snapshot under zone->lock or pcp->lock, drops the lock and
 * then prints. It never holds an allocator lock while it writes text: the writer may
 * allocate (stdio with kmm as the malloc).
 */
#include "internal.h"

/* ---- node counters ------------------------------------------------------------------ */

/*
 * Node counters are updated as the kernel's mod_node_state() does: each CPU adds to a
 * difference of its own and folds it into the node's counter only when it passes the
 * node's stat_threshold, so that CPUs allocating slabs and large kmalloc blocks in
 * parallel do not fight over one counter's cache line on every operation. In kmm two
 * threads can share a CPU number, so the difference is itself an atomic. Readers add
 * the differences: node_page_state() stays exact, where the kernel's may lag.
 */
static inline bool vmstat_item_in_bytes(enum node_stat_item item)
{
	return item == NR_SLAB_RECLAIMABLE_B || item == NR_SLAB_UNRECLAIMABLE_B;
}

/* The threshold in the item's own unit: the *_B items count bytes, the node's pages. */
static inline long node_stat_threshold(const pg_data_t *pgdat, enum node_stat_item item)
{
	return vmstat_item_in_bytes(item) ? pgdat->stat_threshold << PAGE_SHIFT :
					    pgdat->stat_threshold;
}

void mod_node_page_state(pg_data_t *pgdat, enum node_stat_item item, long delta)
{
	struct per_cpu_nodestat *pcp = pgdat->per_cpu_nodestats;
	atomic_long *diff;
	long x;

	if (unlikely(!pcp)) {
		atomic_fetch_add_explicit(&pgdat->vm_stat[item], delta, memory_order_relaxed);
		return;
	}
	diff = &pcp[smp_processor_id()].vm_node_stat_diff[item];
	x = atomic_fetch_add_explicit(diff, delta, memory_order_relaxed) + delta;
	if (unlikely(x > node_stat_threshold(pgdat, item) ||
		     x < -node_stat_threshold(pgdat, item))) {
		x = atomic_exchange_explicit(diff, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&pgdat->vm_stat[item], x, memory_order_relaxed);
	}
}

long node_page_state(const pg_data_t *pgdat, enum node_stat_item item)
{
	long x = atomic_load_explicit(&pgdat->vm_stat[item], memory_order_relaxed);

	if (pgdat->per_cpu_nodestats)
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
			x += atomic_load_explicit(
				&pgdat->per_cpu_nodestats[cpu].vm_node_stat_diff[item],
				memory_order_relaxed);
	return x < 0 ? 0 : x;
}

static int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

/*
 * The per-CPU drift the kernel allows for @pages of memory (calculate_normal_threshold:
 * it grows with the log of the CPU count and of the size in 128 MiB units, up to 125).
 * kmm's node counters use it; its zone counters are exact atomics with no per-CPU
 * drift, and zoneinfo shows what the kernel would use for the zone.
 */
static int calculate_normal_threshold(unsigned long pages)
{
	unsigned int mem = (unsigned int)(pages >> (27 - PAGE_SHIFT));
	int threshold = 2 * fls(nr_cpu_ids) * (1 + fls(mem));

	return min(125, threshold);
}

int node_stat_init(pg_data_t *pgdat)
{
	struct per_cpu_nodestat *pcp = port_metadata_alloc(sizeof(*pcp) * nr_cpu_ids);

	if (!pcp)
		return -ENOMEM;
	pgdat->stat_threshold = calculate_normal_threshold(pgdat->node_present_pages);
	pgdat->per_cpu_nodestats = pcp;
	return 0;
}

/* ---- event counters --------------------------------------------------------------- */

static atomic_long vm_events_global[NR_VM_EVENT_ITEMS];

void vm_event_add_global(enum vm_event_item item, unsigned long delta)
{
	atomic_fetch_add_explicit(&vm_events_global[item], (long)delta, memory_order_relaxed);
}

/*
 * Take another CPU's pcp lock to read what its owner writes under it. The allocator
 * only ever try-locks pcp locks and never sleeps holding one, so the lock is never
 * marked as having waiters: spin (yielding, as the holder may be preempted) and release
 * with a plain store, as page_alloc.c's pcp_spin_lock_slow() and pcp_spin_unlock() do.
 */
static void pcp_lock_remote(struct per_cpu_pages *pcp)
{
	while (!spin_trylock(&pcp->lock))
		port_yield();
}

static void pcp_unlock_remote(struct per_cpu_pages *pcp)
{
	atomic_store_explicit(&pcp->lock.state, 0, memory_order_release);
}

/* All events, summed over the global, per-zone and per-CPU counters. */
static void vm_events_snapshot(unsigned long events[NR_VM_EVENT_ITEMS])
{
	struct zone *zone;

	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		events[i] = (unsigned long)atomic_load_explicit(&vm_events_global[i],
								memory_order_relaxed);
	for_each_populated_zone(zone) {
		for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
			events[i] += (unsigned long)atomic_load_explicit(&zone->vm_events[i],
									 memory_order_relaxed);
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
			struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

			pcp_lock_remote(pcp);
			for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
				events[i] += pcp->events[i];
			pcp_unlock_remote(pcp);
		}
	}
}

/* A zone's NUMA events: its atomics plus every CPU's part (each pcp lock taken in turn). */
static void zone_numa_events(struct zone *zone, unsigned long events[NR_VM_NUMA_EVENT_ITEMS])
{
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		events[i] = (unsigned long)atomic_load_explicit(&zone->vm_numa_event[i],
								memory_order_relaxed);
	if (!populated_zone(zone))
		return;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		pcp_lock_remote(pcp);
		for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
			events[i] += pcp->numa_events[i];
		pcp_unlock_remote(pcp);
	}
}

/* sum_zone_numa_event_state(): one NUMA event over the zones of node @nid (-1: all). */
unsigned long sum_zone_numa_event_state(int nid, enum numa_stat_item item)
{
	unsigned long events[NR_VM_NUMA_EVENT_ITEMS], sum = 0;
	struct zone *zone;

	for_each_populated_zone(zone) {
		if (nid >= 0 && zone_to_nid(zone) != nid)
			continue;
		zone_numa_events(zone, events);
		sum += events[item];
	}
	return sum;
}

/* Takes each pcp lock in turn: never call it with one held. */
unsigned long vm_event_sum(enum vm_event_item item)
{
	unsigned long events[NR_VM_EVENT_ITEMS];

	vm_events_snapshot(events);
	return events[item];
}

/* ---- the zones and counters the kernel reports --------------------------------------- */

/*
 * The zones of an x86-64 kernel, in its order. It has no ZONE_HIGHMEM (kmm keeps one for
 * its 32-bit layout), and distribution kernels configure ZONE_DEVICE, whose memory is
 * never given to the buddy allocator: kmm shows it as the empty zone it always is.
 * A 32-bit kernel with HIGHMEM (KMM_LAYOUT=x86_32) has DMA, Normal, HighMem, Movable.
 */
static struct zone zone_device = { .name = "Device" };
#define REPORT_ZONE_DEVICE (-1)
static const int report_zone_ids_64[] = { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE,
					  REPORT_ZONE_DEVICE };
static const int report_zone_ids_32[] = { ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE };

static bool report_layout_32(void)
{
	return kmm_cfg.layout && !strcmp(kmm_cfg.layout, "x86_32");
}

#define NR_REPORT_ZONES \
	(report_layout_32() ? ARRAY_SIZE(report_zone_ids_32) : ARRAY_SIZE(report_zone_ids_64))

static int report_zone_id(size_t i)
{
	return report_layout_32() ? report_zone_ids_32[i] : report_zone_ids_64[i];
}

static struct zone *report_zone(pg_data_t *pgdat, size_t i)
{
	int id = report_zone_id(i);

	return id == REPORT_ZONE_DEVICE ? &zone_device : &pgdat->node_zones[id];
}

/*
 * The reserve @zone keeps against allocations that could use the reported zone @i. It
 * counts the managed pages of every zone above, so the Device column, with no managed
 * pages above Movable, repeats the Movable one, as in the kernel.
 */
static long report_lowmem_reserve(const struct zone *zone, size_t i)
{
	int id = report_zone_id(i);

	return zone->lowmem_reserve[id == REPORT_ZONE_DEVICE ? ZONE_MOVABLE : id];
}

/* walk_zones_in_node(): the zones of @pgdat in report order, or only populated ones. */
static void walk_zones_in_node(struct seq_file *m, pg_data_t *pgdat, bool assert_populated,
			       void (*print)(struct seq_file *m, pg_data_t *pgdat,
					     struct zone *zone))
{
	for (size_t i = 0; i < NR_REPORT_ZONES; i++) {
		struct zone *zone = report_zone(pgdat, i);

		if (assert_populated && !populated_zone(zone))
			continue;
		print(m, pgdat, zone);
	}
}

/* Where the value of a counter named in a report comes from. */
enum stat_source {
	STAT_NONE,	  /* kmm keeps no such counter: 0 */
	STAT_ZONE,	  /* enum zone_stat_item, pages */
	STAT_FREE_BLOCKS, /* nr_free_pages_blocks: free pages in blocks of pageblock size */
	STAT_NODE,	  /* enum node_stat_item, in the unit of its name */
	STAT_NODE_BYTES,  /* enum node_stat_item kept in bytes, reported in pages */
	STAT_EVENT,	  /* enum vm_event_item */
	STAT_DIRTY,	  /* nr_dirty_threshold */
	STAT_DIRTY_BG,	  /* nr_dirty_background_threshold */
	STAT_MEMMAP_BOOT, /* nr_memmap_boot_pages */
};

struct stat_text {
	const char *name;
	unsigned char source; /* enum stat_source */
	unsigned char item;   /* the kmm counter, for the sources that have one */
};

/* One table line per counter: the initialisers stay on one line. */
/* clang-format off */
#define ZERO(name) { name, STAT_NONE, 0 }
#define ZONE_STAT(name, item) { name, STAT_ZONE, item }
#define NODE_STAT(name, item) { name, STAT_NODE, item }
#define NODE_STAT_BYTES(name, item) { name, STAT_NODE_BYTES, item }
#define EVENT(name, item) { name, STAT_EVENT, item }
#define SPECIAL(name, source) { name, source, 0 }
/* clang-format on */

/* vmstat_text[], Linux 6.18 x86-64: enum zone_stat_item counters */
static const struct stat_text zone_stat_text[] = {
	ZONE_STAT("nr_free_pages", NR_FREE_PAGES),
	SPECIAL("nr_free_pages_blocks", STAT_FREE_BLOCKS),
	ZONE_STAT("nr_zone_inactive_anon", NR_ZONE_INACTIVE_ANON),
	ZONE_STAT("nr_zone_active_anon", NR_ZONE_ACTIVE_ANON),
	ZONE_STAT("nr_zone_inactive_file", NR_ZONE_INACTIVE_FILE),
	ZONE_STAT("nr_zone_active_file", NR_ZONE_ACTIVE_FILE),
	ZONE_STAT("nr_zone_unevictable", NR_ZONE_UNEVICTABLE),
	ZONE_STAT("nr_zone_write_pending", NR_ZONE_WRITE_PENDING),
	ZONE_STAT("nr_mlock", NR_MLOCK),
	ZONE_STAT("nr_zspages", NR_ZSPAGES),
	ZONE_STAT("nr_free_cma", NR_FREE_CMA_PAGES),
};

/* enum numa_stat_item counters, in its order (kmm has no interleave policy: 0) */
static const char *const numa_stat_text[NR_VM_NUMA_EVENT_ITEMS] = {
	[NUMA_HIT] = "numa_hit",	 [NUMA_MISS] = "numa_miss",
	[NUMA_FOREIGN] = "numa_foreign", [NUMA_INTERLEAVE_HIT] = "numa_interleave",
	[NUMA_LOCAL] = "numa_local",	 [NUMA_OTHER] = "numa_other",
};

/* enum node_stat_item counters */
static const struct stat_text node_stat_text[] = {
	ZERO("nr_inactive_anon"),
	ZERO("nr_active_anon"),
	ZERO("nr_inactive_file"),
	ZERO("nr_active_file"),
	ZERO("nr_unevictable"),
	NODE_STAT_BYTES("nr_slab_reclaimable", NR_SLAB_RECLAIMABLE_B),
	NODE_STAT_BYTES("nr_slab_unreclaimable", NR_SLAB_UNRECLAIMABLE_B),
	ZERO("nr_isolated_anon"),
	ZERO("nr_isolated_file"),
	ZERO("workingset_nodes"),
	ZERO("workingset_refault_anon"),
	ZERO("workingset_refault_file"),
	ZERO("workingset_activate_anon"),
	ZERO("workingset_activate_file"),
	ZERO("workingset_restore_anon"),
	ZERO("workingset_restore_file"),
	ZERO("workingset_nodereclaim"),
	ZERO("nr_anon_pages"),
	ZERO("nr_mapped"),
	ZERO("nr_file_pages"),
	ZERO("nr_dirty"),
	ZERO("nr_writeback"),
	ZERO("nr_shmem"),
	ZERO("nr_shmem_hugepages"),
	ZERO("nr_shmem_pmdmapped"),
	ZERO("nr_file_hugepages"),
	ZERO("nr_file_pmdmapped"),
	ZERO("nr_anon_transparent_hugepages"),
	ZERO("nr_vmscan_write"),
	ZERO("nr_vmscan_immediate_reclaim"),
	ZERO("nr_dirtied"),
	ZERO("nr_written"),
	ZERO("nr_throttled_written"),
	NODE_STAT("nr_kernel_misc_reclaimable", NR_KERNEL_MISC_RECLAIMABLE),
	ZERO("nr_foll_pin_acquired"),
	ZERO("nr_foll_pin_released"),
	NODE_STAT("nr_kernel_stack", NR_KERNEL_STACK_KB),
	NODE_STAT("nr_page_table_pages", NR_PAGETABLE),
	ZERO("nr_sec_page_table_pages"),
	ZERO("nr_iommu_pages"),
	ZERO("nr_swapcached"),
	ZERO("pgpromote_success"),
	ZERO("pgpromote_candidate"),
	ZERO("pgpromote_candidate_nrl"),
	ZERO("pgdemote_kswapd"),
	ZERO("pgdemote_direct"),
	ZERO("pgdemote_khugepaged"),
	ZERO("pgdemote_proactive"),
	ZERO("nr_hugetlb"),
	ZERO("nr_balloon_pages"),
	ZERO("nr_kernel_file_pages"),
};

/* system-wide enum vm_stat_item counters */
static const struct stat_text vm_stat_text[] = {
	SPECIAL("nr_dirty_threshold", STAT_DIRTY),
	SPECIAL("nr_dirty_background_threshold", STAT_DIRTY_BG),
	ZERO("nr_memmap_pages"),
	SPECIAL("nr_memmap_boot_pages", STAT_MEMMAP_BOOT),
};

/*
 * enum vm_event_item counters. kmm counts direct-reclaim stalls once, not per highest
 * zone of the stalled allocation; they are shown as allocstall_normal, the zone of
 * GFP_KERNEL, which nearly all of them are.
 */
static const struct stat_text vm_event_text[] = {
	ZERO("pgpgin"),
	ZERO("pgpgout"),
	ZERO("pswpin"),
	ZERO("pswpout"),
	EVENT("pgalloc_dma", PGALLOC_DMA),
	EVENT("pgalloc_dma32", PGALLOC_DMA32),
	EVENT("pgalloc_normal", PGALLOC_NORMAL),
	EVENT("pgalloc_movable", PGALLOC_MOVABLE),
	ZERO("pgalloc_device"),
	ZERO("allocstall_dma"),
	ZERO("allocstall_dma32"),
	EVENT("allocstall_normal", ALLOCSTALL),
	ZERO("allocstall_movable"),
	ZERO("allocstall_device"),
	ZERO("pgskip_dma"),
	ZERO("pgskip_dma32"),
	ZERO("pgskip_normal"),
	ZERO("pgskip_movable"),
	ZERO("pgskip_device"),
	EVENT("pgfree", PGFREE),
	ZERO("pgactivate"),
	ZERO("pgdeactivate"),
	ZERO("pglazyfree"),
	ZERO("pgfault"),
	ZERO("pgmajfault"),
	ZERO("pglazyfreed"),
	ZERO("pgrefill"),
	ZERO("pgreuse"),
	EVENT("pgsteal_kswapd", PGSTEAL_KSWAPD),
	EVENT("pgsteal_direct", PGSTEAL_DIRECT),
	ZERO("pgsteal_khugepaged"),
	ZERO("pgsteal_proactive"),
	EVENT("pgscan_kswapd", PGSCAN_KSWAPD),
	EVENT("pgscan_direct", PGSCAN_DIRECT),
	ZERO("pgscan_khugepaged"),
	ZERO("pgscan_proactive"),
	ZERO("pgscan_direct_throttle"),
	ZERO("pgscan_anon"),
	ZERO("pgscan_file"),
	ZERO("pgsteal_anon"),
	ZERO("pgsteal_file"),
	ZERO("zone_reclaim_success"),
	ZERO("zone_reclaim_failed"),
	ZERO("pginodesteal"),
	EVENT("slabs_scanned", SLABS_SCANNED),
	ZERO("kswapd_inodesteal"),
	EVENT("kswapd_low_wmark_hit_quickly", KSWAPD_LOW_WMARK_HIT_QUICKLY),
	EVENT("kswapd_high_wmark_hit_quickly", KSWAPD_HIGH_WMARK_HIT_QUICKLY),
	EVENT("pageoutrun", PAGEOUTRUN),
	ZERO("pgrotated"),
	ZERO("drop_pagecache"),
	ZERO("drop_slab"),
	EVENT("oom_kill", OOM_KILL),
	ZERO("numa_pte_updates"),
	ZERO("numa_huge_pte_updates"),
	ZERO("numa_hint_faults"),
	ZERO("numa_hint_faults_local"),
	ZERO("numa_pages_migrated"),
	ZERO("pgmigrate_success"),
	ZERO("pgmigrate_fail"),
	ZERO("thp_migration_success"),
	ZERO("thp_migration_fail"),
	ZERO("thp_migration_split"),
	ZERO("compact_migrate_scanned"),
	ZERO("compact_free_scanned"),
	ZERO("compact_isolated"),
	EVENT("compact_stall", COMPACTSTALL),
	ZERO("compact_fail"),
	ZERO("compact_success"),
	ZERO("compact_daemon_wake"),
	ZERO("compact_daemon_migrate_scanned"),
	ZERO("compact_daemon_free_scanned"),
	ZERO("htlb_buddy_alloc_success"),
	ZERO("htlb_buddy_alloc_fail"),
	ZERO("unevictable_pgs_culled"),
	ZERO("unevictable_pgs_scanned"),
	ZERO("unevictable_pgs_rescued"),
	ZERO("unevictable_pgs_mlocked"),
	ZERO("unevictable_pgs_munlocked"),
	ZERO("unevictable_pgs_cleared"),
	ZERO("unevictable_pgs_stranded"),
	ZERO("thp_fault_alloc"),
	ZERO("thp_fault_fallback"),
	ZERO("thp_fault_fallback_charge"),
	ZERO("thp_collapse_alloc"),
	ZERO("thp_collapse_alloc_failed"),
	ZERO("thp_file_alloc"),
	ZERO("thp_file_fallback"),
	ZERO("thp_file_fallback_charge"),
	ZERO("thp_file_mapped"),
	ZERO("thp_split_page"),
	ZERO("thp_split_page_failed"),
	ZERO("thp_deferred_split_page"),
	ZERO("thp_underused_split_page"),
	ZERO("thp_split_pmd"),
	ZERO("thp_scan_exceed_none_pte"),
	ZERO("thp_scan_exceed_swap_pte"),
	ZERO("thp_scan_exceed_share_pte"),
	ZERO("thp_split_pud"),
	ZERO("thp_zero_page_alloc"),
	ZERO("thp_zero_page_alloc_failed"),
	ZERO("thp_swpout"),
	ZERO("thp_swpout_fallback"),
	ZERO("balloon_inflate"),
	ZERO("balloon_deflate"),
	ZERO("balloon_migrate"),
	ZERO("swap_ra"),
	ZERO("swap_ra_hit"),
	ZERO("swpin_zero"),
	ZERO("swpout_zero"),
	ZERO("ksm_swpin_copy"),
	ZERO("cow_ksm"),
	ZERO("zswpin"),
	ZERO("zswpout"),
	ZERO("zswpwb"),
	ZERO("direct_map_level2_splits"),
	ZERO("direct_map_level3_splits"),
	ZERO("direct_map_level2_collapses"),
	ZERO("direct_map_level3_collapses"),
};

/*
 * Free pages in blocks of at least pageblock size (NR_FREE_PAGES_BLOCKS), the part of
 * the free memory that whole-pageblock users such as compaction and THP can have.
 * kmm does not keep this counter; it is recounted from the free lists.
 */
static unsigned long zone_free_pages_blocks(struct zone *zone)
{
	unsigned long pages = 0;

	spin_lock(&zone->lock);
	for (unsigned int order = pageblock_order; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = zone->free_area[order].nr_free;
		struct list_head *pos;

		/* isolated blocks are not free to allocate, as in NR_FREE_PAGES */
		list_for_each(pos, &zone->free_area[order].free_list[MIGRATE_ISOLATE])
			blocks--;
		pages += blocks << order;
	}
	spin_unlock(&zone->lock);
	return pages;
}

static unsigned long zone_stat_value(struct zone *zone, const struct stat_text *t)
{
	switch (t->source) {
	case STAT_ZONE:
		return (unsigned long)zone_page_state(zone, (enum zone_stat_item)t->item);
	case STAT_FREE_BLOCKS:
		return populated_zone(zone) ? zone_free_pages_blocks(zone) : 0;
	default:
		return 0;
	}
}

static unsigned long node_stat_value(const pg_data_t *pgdat, const struct stat_text *t)
{
	switch (t->source) {
	case STAT_NODE:
		return (unsigned long)node_page_state(pgdat, (enum node_stat_item)t->item);
	case STAT_NODE_BYTES:
		return (unsigned long)node_page_state(pgdat, (enum node_stat_item)t->item) >>
		       PAGE_SHIFT;
	default:
		return 0;
	}
}

static unsigned long global_zone_stat_value(const struct stat_text *t)
{
	unsigned long sum = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		sum += zone_stat_value(zone, t);
	return sum;
}

static unsigned long global_node_stat_value(const struct stat_text *t)
{
	unsigned long sum = 0;
	int nid;

	for_each_online_node(nid)
		sum += node_stat_value(NODE_DATA(nid), t);
	return sum;
}

/* vm.dirty_ratio and vm.dirty_background_ratio, the kernel's defaults (percent). */
#define VM_DIRTY_RATIO	       20
#define DIRTY_BACKGROUND_RATIO 10

/*
 * global_dirty_limits(): the dirty page-cache thresholds the kernel would set for this
 * much dirtyable memory (free pages above the reserves, plus the file cache kmm does
 * not have), using its per-PAGE_SIZE ratio arithmetic so the figures match exactly.
 */
static void global_dirty_limits(unsigned long *pbackground, unsigned long *pdirty)
{
	struct stat_text free_pages = ZONE_STAT("nr_free_pages", NR_FREE_PAGES);
	unsigned long available = global_zone_stat_value(&free_pages);
	unsigned long ratio = (VM_DIRTY_RATIO * PAGE_SIZE) / 100;
	unsigned long bg_ratio = (DIRTY_BACKGROUND_RATIO * PAGE_SIZE) / 100;
	unsigned long thresh, bg_thresh;

	/* global_dirtyable_memory(): reserves are not dirtyable; never 0 */
	available -= min(available, totalreserve_pages);
	available += 1;
	thresh = (ratio * available) / PAGE_SIZE;
	bg_thresh = (bg_ratio * available) / PAGE_SIZE;
	if (thresh > 0xffffffffUL)
		thresh = 0xffffffffUL;
	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	*pbackground = bg_thresh;
	*pdirty = thresh;
}

static unsigned long vm_stat_value(const struct stat_text *t)
{
	unsigned long background, dirty;

	switch (t->source) {
	case STAT_DIRTY:
	case STAT_DIRTY_BG:
		global_dirty_limits(&background, &dirty);
		return t->source == STAT_DIRTY ? dirty : background;
	case STAT_MEMMAP_BOOT:
		/* mem_map is set up at start-up, like the kernel's memblock-allocated memmap */
		return PAGE_ALIGN(max_pfn * sizeof(struct page)) >> PAGE_SHIFT;
	default:
		return 0;
	}
}

/* ---- /proc/buddyinfo ---------------------------------------------------------------- */

static void frag_show_print(struct seq_file *m, pg_data_t *pgdat, struct zone *zone)
{
	unsigned long nr_free[NR_PAGE_ORDERS];

	spin_lock(&zone->lock);
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		nr_free[order] = zone->free_area[order].nr_free;
	spin_unlock(&zone->lock);

	seq_printf(m, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		seq_printf(m, "%6lu ", nr_free[order]);
	seq_putc(m, '\n');
}

void vmstat_show_buddyinfo(struct seq_file *m)
{
	int nid;

	for_each_online_node(nid)
		walk_zones_in_node(m, NODE_DATA(nid), true, frag_show_print);
}

/* ---- /proc/pagetypeinfo ------------------------------------------------------------- */

/*
 * The kernel stops counting a free list at this length: the walk runs under zone->lock
 * and knowing there are many blocks is enough. The count is then printed as ">100000".
 */
#define PAGETYPEINFO_MAX_COUNT 100000

static void pagetypeinfo_showfree_print(struct seq_file *m, pg_data_t *pgdat, struct zone *zone)
{
	for (int mtype = 0; mtype < MIGRATE_TYPES; mtype++) {
		seq_printf(m, "Node %4d, zone %8s, type %12s ", pgdat->node_id, zone->name,
			   migratetype_names[mtype]);
		for (int order = 0; order < NR_PAGE_ORDERS; order++) {
			unsigned long freecount = 0;
			bool overflow = false;
			struct list_head *curr;

			/* one list per lock hold, as the kernel drops the lock between orders */
			spin_lock(&zone->lock);
			list_for_each(curr, &zone->free_area[order].free_list[mtype]) {
				if (++freecount >= PAGETYPEINFO_MAX_COUNT) {
					overflow = true;
					break;
				}
			}
			/* deferred blocks are movable max-order blocks not yet listed */
			if (order == MAX_PAGE_ORDER && mtype == MIGRATE_MOVABLE && !overflow) {
				freecount = min(freecount + zone_deferred_blocks(zone),
						(unsigned long)PAGETYPEINFO_MAX_COUNT);
				overflow = freecount >= PAGETYPEINFO_MAX_COUNT;
			}
			spin_unlock(&zone->lock);
			seq_printf(m, "%s%6lu ", overflow ? ">" : "", freecount);
		}
		seq_putc(m, '\n');
	}
}

static void pagetypeinfo_showfree(struct seq_file *m, pg_data_t *pgdat)
{
	seq_printf(m, "%-43s ", "Free pages count per migrate type at order");
	for (int order = 0; order < NR_PAGE_ORDERS; order++)
		seq_printf(m, "%6d ", order);
	seq_putc(m, '\n');
	walk_zones_in_node(m, pgdat, true, pagetypeinfo_showfree_print);
}

static void pagetypeinfo_showblockcount_print(struct seq_file *m, pg_data_t *pgdat,
					      struct zone *zone)
{
	unsigned long count[MIGRATE_TYPES] = { 0 };
	unsigned long start_pfn = zone->zone_start_pfn, end_pfn = zone_end_pfn(zone);
	unsigned long first_block_pfn = start_pfn & ~(pageblock_nr_pages - 1);

	/* pageblock types change under zone->lock (move_freepages_block) */
	spin_lock(&zone->lock);
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += pageblock_nr_pages) {
		int mtype =
			READ_ONCE(zone->pageblock_mt[(pfn - first_block_pfn) >> pageblock_order]);

		if (mtype < MIGRATE_TYPES)
			count[mtype]++;
	}
	spin_unlock(&zone->lock);

	seq_printf(m, "Node %d, zone %8s ", pgdat->node_id, zone->name);
	for (int mtype = 0; mtype < MIGRATE_TYPES; mtype++)
		seq_printf(m, "%12lu ", count[mtype]);
	seq_putc(m, '\n');
}

static void pagetypeinfo_showblockcount(struct seq_file *m, pg_data_t *pgdat)
{
	seq_printf(m, "\n%-23s", "Number of blocks type ");
	for (int mtype = 0; mtype < MIGRATE_TYPES; mtype++)
		seq_printf(m, "%12s ", migratetype_names[mtype]);
	seq_putc(m, '\n');
	walk_zones_in_node(m, pgdat, true, pagetypeinfo_showblockcount_print);
}

/*
 * The kernel adds "Number of mixed blocks" only when page_owner is enabled at boot,
 * which distribution kernels leave off; kmm has no page_owner, so it never appears.
 */
void vmstat_show_pagetypeinfo(struct seq_file *m)
{
	int nid;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		/* a memoryless node prints nothing */
		if (!pgdat->node_present_pages)
			continue;
		seq_printf(m, "Page block order: %d\n", pageblock_order);
		seq_printf(m, "Pages per block:  %lu\n", pageblock_nr_pages);
		seq_putc(m, '\n');
		pagetypeinfo_showfree(m, pgdat);
		pagetypeinfo_showblockcount(m, pgdat);
	}
}

/* ---- /proc/zoneinfo ----------------------------------------------------------------- */

static bool is_zone_first_populated(pg_data_t *pgdat, struct zone *zone)
{
	for (int zid = 0; zid < MAX_NR_ZONES; zid++) {
		struct zone *compare = &pgdat->node_zones[zid];

		if (populated_zone(compare))
			return zone == compare;
	}
	return false;
}

static void zoneinfo_show_node_stats(struct seq_file *m, pg_data_t *pgdat)
{
	seq_printf(m, "\n  per-node stats");
	for (size_t i = 0; i < ARRAY_SIZE(node_stat_text); i++)
		seq_printf(m, "\n      %-12s %lu", node_stat_text[i].name,
			   node_stat_value(pgdat, &node_stat_text[i]));
}

static void zoneinfo_show_pagesets(struct seq_file *m, struct zone *zone)
{
	int threshold = calculate_normal_threshold(zone_managed_pages(zone));

	seq_printf(m, "\n  pagesets");
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];
		int count, high, batch, high_min, high_max;

		pcp_lock_remote(pcp);
		count = pcp->count;
		high = pcp->high;
		batch = pcp->batch;
		high_min = pcp->high_min;
		high_max = pcp->high_max;
		pcp_unlock_remote(pcp);

		seq_printf(m,
			   "\n    cpu: %i"
			   "\n              count:    %i"
			   "\n              high:     %i"
			   "\n              batch:    %i"
			   "\n              high_min: %i"
			   "\n              high_max: %i",
			   cpu, count, high, batch, high_min, high_max);
		seq_printf(m, "\n  vm stats threshold: %d", threshold);
	}
}

static void zoneinfo_show_print(struct seq_file *m, pg_data_t *pgdat, struct zone *zone)
{
	unsigned long wmark[NR_WMARK], boost, numa_events[NR_VM_NUMA_EVENT_ITEMS];

	seq_printf(m, "Node %d, zone %8s", pgdat->node_id, zone->name);
	if (is_zone_first_populated(pgdat, zone))
		zoneinfo_show_node_stats(m, pgdat);

	/* setup_per_zone_wmarks() rewrites the watermarks under zone->lock */
	spin_lock(&zone->lock);
	for (int i = 0; i < NR_WMARK; i++)
		wmark[i] = wmark_pages(zone, (enum zone_watermarks)i);
	boost = zone->watermark_boost;
	spin_unlock(&zone->lock);

	seq_printf(m,
		   "\n  pages free     %lu"
		   "\n        boost    %lu"
		   "\n        min      %lu"
		   "\n        low      %lu"
		   "\n        high     %lu"
		   "\n        promo    %lu"
		   "\n        spanned  %lu"
		   "\n        present  %lu"
		   "\n        managed  %lu"
		   "\n        cma      %lu",
		   (unsigned long)zone_page_state(zone, NR_FREE_PAGES), boost, wmark[WMARK_MIN],
		   wmark[WMARK_LOW], wmark[WMARK_HIGH], wmark[WMARK_PROMO], zone->spanned_pages,
		   zone->present_pages, zone_managed_pages(zone), 0UL);

	seq_printf(m, "\n        protection: (%ld", report_lowmem_reserve(zone, 0));
	for (size_t i = 1; i < NR_REPORT_ZONES; i++)
		seq_printf(m, ", %ld", report_lowmem_reserve(zone, i));
	seq_putc(m, ')');

	/* If unpopulated, no other information is useful */
	if (!populated_zone(zone)) {
		seq_putc(m, '\n');
		return;
	}

	for (size_t i = 0; i < ARRAY_SIZE(zone_stat_text); i++)
		seq_printf(m, "\n      %-12s %lu", zone_stat_text[i].name,
			   zone_stat_value(zone, &zone_stat_text[i]));
	zone_numa_events(zone, numa_events);
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		seq_printf(m, "\n      %-12s %lu", numa_stat_text[i], numa_events[i]);

	zoneinfo_show_pagesets(m, zone);
	seq_printf(m,
		   "\n  node_unreclaimable:  %u"
		   "\n  start_pfn:           %lu",
		   atomic_load_explicit(&pgdat->kswapd_failures, memory_order_relaxed) >=
			   MAX_RECLAIM_RETRIES,
		   zone->zone_start_pfn);
	seq_putc(m, '\n');
}

/*
 * All zones of each node are printed, populated or not: lowmem_reserve_ratio works on
 * the set of all zones, and zoneinfo is where its effect is seen.
 */
void vmstat_show_zoneinfo(struct seq_file *m)
{
	int nid;

	for_each_online_node(nid)
		walk_zones_in_node(m, NODE_DATA(nid), false, zoneinfo_show_print);
}

/* ---- /proc/vmstat ------------------------------------------------------------------- */

static void vmstat_show_line(struct seq_file *m, const char *name, unsigned long value)
{
	seq_printf(m, "%s %lu\n", name, value);
}

void vmstat_show_vmstat(struct seq_file *m)
{
	unsigned long events[NR_VM_EVENT_ITEMS];

	vm_events_snapshot(events);
	for (size_t i = 0; i < ARRAY_SIZE(zone_stat_text); i++)
		vmstat_show_line(m, zone_stat_text[i].name,
				 global_zone_stat_value(&zone_stat_text[i]));
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		vmstat_show_line(m, numa_stat_text[i],
				 sum_zone_numa_event_state(-1, (enum numa_stat_item)i));
	for (size_t i = 0; i < ARRAY_SIZE(node_stat_text); i++)
		vmstat_show_line(m, node_stat_text[i].name,
				 global_node_stat_value(&node_stat_text[i]));
	for (size_t i = 0; i < ARRAY_SIZE(vm_stat_text); i++)
		vmstat_show_line(m, vm_stat_text[i].name, vm_stat_value(&vm_stat_text[i]));
	for (size_t i = 0; i < ARRAY_SIZE(vm_event_text); i++) {
		const struct stat_text *t = &vm_event_text[i];

		vmstat_show_line(m, t->name, t->source == STAT_EVENT ? events[t->item] : 0);
	}
	/* deprecated counters the kernel keeps printing so that parsers do not break */
	seq_puts(m, "nr_unstable 0\n");
}

/*
 * /sys/devices/system/node/nodeN/vmstat (node_read_vmstat()): the zone counters summed
 * over the node's zones, its NUMA events, then the node's own counters.
 */
void vmstat_show_node_vmstat(struct seq_file *m, int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	for (size_t i = 0; i < ARRAY_SIZE(zone_stat_text); i++) {
		unsigned long sum = 0;

		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (populated_zone(&pgdat->node_zones[z]))
				sum += zone_stat_value(&pgdat->node_zones[z], &zone_stat_text[i]);
		vmstat_show_line(m, zone_stat_text[i].name, sum);
	}
	for (int i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
		vmstat_show_line(m, numa_stat_text[i],
				 sum_zone_numa_event_state(nid, (enum numa_stat_item)i));
	for (size_t i = 0; i < ARRAY_SIZE(node_stat_text); i++)
		vmstat_show_line(m, node_stat_text[i].name,
				 node_stat_value(pgdat, &node_stat_text[i]));
}
