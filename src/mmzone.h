/* SPDX-License-Identifier: MIT */
/*
 * mmzone.h - nodes, zones, free areas and per-CPU page lists (the kernel's
 * include/linux/mmzone.h), internal to kmm.
 *
 * RAM is one or more nodes (pglist_data, KMM_NODES); node 0 is cut into zones by
 * physical address (ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB, ZONE_NORMAL above on
 * the x86-64 layout), the other nodes hold ZONE_NORMAL only, as on a multi-node x86-64
 * machine. Each zone has a buddy allocator: free_area[order].free_list[migratetype]
 * holds naturally aligned free blocks of 2^order pages, the head page of each block
 * carrying PGTY_buddy and its order in page->private. In front of the buddy lists, each
 * CPU has a per_cpu_pages cache of small-order pages, filled and drained in batches.
 *
 * Locking: zone->lock guards free_area and the zone's free-page count; pcp->lock guards
 * one CPU's lists (taken with trylock semantics as the kernel's pcp_spin_trylock). Lock
 * order: pcp->lock, then zone->lock.
 */
#ifndef KMM_MMZONE_H
#define KMM_MMZONE_H

#include <stdatomic.h>

#include <linux/mm_types.h>
#include <linux/mmzone.h>

#include "lock.h"

extern const char *const migratetype_names[MIGRATE_TYPES];

/* pcp lists: one per pcp migratetype for orders 0..PAGE_ALLOC_COSTLY_ORDER, plus the THP order. */
#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_LISTS	      (NR_LOWORDER_PCP_LISTS + 1)
#define HPAGE_PMD_ORDER	      9

extern const char *const zone_names[MAX_NR_ZONES];

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

enum zone_stat_item {
	NR_FREE_PAGES,
	NR_ZONE_LRU_BASE, /* LRU counts stay zero: kmm has no page cache */
	NR_ZONE_INACTIVE_ANON = NR_ZONE_LRU_BASE,
	NR_ZONE_ACTIVE_ANON,
	NR_ZONE_INACTIVE_FILE,
	NR_ZONE_ACTIVE_FILE,
	NR_ZONE_UNEVICTABLE,
	NR_ZONE_WRITE_PENDING,
	NR_MLOCK,
	NR_BOUNCE,
	NR_ZSPAGES,
	NR_FREE_CMA_PAGES,
	NR_VM_ZONE_STAT_ITEMS
};

/* NUMA placement of allocations (the kernel's enum numa_stat_item), counted per zone. */
enum numa_stat_item {
	NUMA_HIT,	     /* allocated on the node it was meant for */
	NUMA_MISS,	     /* allocated here, meant for another node */
	NUMA_FOREIGN,	     /* meant for here, allocated on another node */
	NUMA_INTERLEAVE_HIT, /* interleave policy (kmm has none: stays 0) */
	NUMA_LOCAL,	     /* allocated on the allocating CPU's node */
	NUMA_OTHER,	     /* allocated on another node than the CPU's */
	NR_VM_NUMA_EVENT_ITEMS
};

enum node_stat_item {
	NR_SLAB_RECLAIMABLE_B,
	NR_SLAB_UNRECLAIMABLE_B,
	NR_KERNEL_MISC_RECLAIMABLE,
	NR_VMALLOC,
	NR_PAGETABLE,
	NR_KERNEL_STACK_KB,
	NR_VM_NODE_STAT_ITEMS
};

/* Events (/proc/vmstat style), counted per CPU. */
enum vm_event_item {
	PGALLOC_DMA,
	PGALLOC_DMA32,
	PGALLOC_NORMAL,
	PGALLOC_HIGH,
	PGALLOC_MOVABLE,
	PGFREE,
	ALLOCSTALL,
	PGSCAN_KSWAPD,
	PGSCAN_DIRECT,
	PGSTEAL_KSWAPD,
	PGSTEAL_DIRECT,
	KSWAPD_LOW_WMARK_HIT_QUICKLY,
	KSWAPD_HIGH_WMARK_HIT_QUICKLY,
	PAGEOUTRUN,
	SLABS_SCANNED,
	COMPACTSTALL,
	OOM_KILL,
	NR_VM_EVENT_ITEMS
};

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free; /* blocks of this order, all migratetypes */
};

struct per_cpu_pages {
	spinlock_t lock;
	int count; /* pages on all lists */
	int high;  /* drain to the zone above this */
	int high_min;
	int high_max;
	int batch;	/* pages moved to or from the zone at once */
	int free_count; /* pages freed since the last allocation, drives batch freeing */
	struct list_head lists[NR_PCP_LISTS];
	unsigned long events[NR_VM_EVENT_ITEMS];
	unsigned long numa_events[NR_VM_NUMA_EVENT_ITEMS]; /* this zone's, this CPU's */
} __attribute__((aligned(64)));

struct pglist_data;

struct zone {
	/* read-mostly */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	unsigned long nr_reserved_highatomic; /* pages in MIGRATE_HIGHATOMIC pageblocks */
	unsigned long nr_free_highatomic;     /* free pages in them (zone->lock) */
	/* pages kept back from allocations that could have used a higher zone */
	long lowmem_reserve[MAX_NR_ZONES];
	struct pglist_data *zone_pgdat;
	struct per_cpu_pages *per_cpu_pageset; /* nr_cpu_ids entries */
	int pageset_high_min;
	int pageset_high_max;
	int pageset_batch;
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	atomic_long managed_pages;
	const char *name;
	int zone_idx;
	unsigned char *pageblock_mt; /* migratetype of each pageblock */

	/* written under lock */
	spinlock_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];
	/*
	 * Deferred free blocks (mm_init.c): the max-order blocks of [first_deferred_pfn,
	 * deferred_end_pfn) are free and counted as such (nr_free, NR_FREE_PAGES), but not
	 * yet on a free list, so their struct pages are never written until used. One is
	 * listed whenever the MIGRATE_MOVABLE max-order list runs empty, which is where all
	 * of them would stand had they been listed at start-up.
	 */
	unsigned long first_deferred_pfn;
	unsigned long deferred_end_pfn;
	atomic_long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	/* events counted outside the pcp lock (buddy path), summed with the per-CPU ones */
	atomic_long vm_events[NR_VM_EVENT_ITEMS];
	/* NUMA events counted outside the pcp lock, summed with the per-CPU ones */
	atomic_long vm_numa_event[NR_VM_NUMA_EVENT_ITEMS];
} __attribute__((aligned(64)));

struct zoneref {
	struct zone *zone;
	int zone_idx;
};

/*
 * Fallback order for allocations from a node: its own zones, highest first, then those
 * of the other nodes in distance order (ZONELIST_FALLBACK); or its own only
 * (ZONELIST_NOFALLBACK, for __GFP_THISNODE).
 */
#define MAX_ZONES_PER_ZONELIST (MAX_NR_ZONES * MAX_NUMNODES)

struct zonelist {
	struct zoneref _zonerefs[MAX_ZONES_PER_ZONELIST + 1];
};

struct task_struct;

/*
 * A CPU's not yet folded changes to its node's counters (the kernel's struct
 * per_cpu_nodestat), a cache line of its own so that CPUs counting in parallel do not
 * share one.
 */
struct per_cpu_nodestat {
	atomic_long vm_node_stat_diff[NR_VM_NODE_STAT_ITEMS];
} __attribute__((aligned(64)));

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[2]; /* ZONELIST_FALLBACK, ZONELIST_NOFALLBACK */
	int nr_zones;			   /* highest populated zone index + 1 */
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	int node_id;
	unsigned long totalreserve_pages;

	/* kswapd: woken by allocations that fall below the low watermark */
	struct wait_queue_head kswapd_wait;
	struct wait_queue_head pfmemalloc_wait;
	struct port_thread *kswapd;
	_Atomic int kswapd_order;
	_Atomic int kswapd_highest_zoneidx;
	_Atomic int kswapd_failures;

	/* read on every counter update: kept off the counters' cache line */
	struct per_cpu_nodestat *per_cpu_nodestats; /* nr_cpu_ids entries; NULL early on */
	long stat_threshold;			    /* pages a difference may reach */
	/* the node's counters: with the per-CPU differences, the exact values */
	atomic_long vm_stat[NR_VM_NODE_STAT_ITEMS] __attribute__((aligned(64)));
} pg_data_t;

enum {
	ZONELIST_FALLBACK,
	ZONELIST_NOFALLBACK,
};

static inline unsigned long zone_managed_pages(const struct zone *zone)
{
	return (unsigned long)atomic_load_explicit(&zone->managed_pages, memory_order_relaxed);
}

static inline int zone_to_nid(const struct zone *zone)
{
	return zone->zone_pgdat->node_id;
}

static inline int populated_zone(const struct zone *zone)
{
	return zone->present_pages != 0;
}

static inline int managed_zone(const struct zone *zone)
{
	return zone_managed_pages(zone) != 0;
}

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

/* Max-order blocks still deferred (free, counted, not yet listed); zone->lock held. */
static inline unsigned long zone_deferred_blocks(const struct zone *zone)
{
	return (zone->deferred_end_pfn - zone->first_deferred_pfn) >> MAX_PAGE_ORDER;
}

static inline unsigned long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return z->_watermark[w] + z->watermark_boost;
}

#define min_wmark_pages(z)  wmark_pages(z, WMARK_MIN)
#define low_wmark_pages(z)  wmark_pages(z, WMARK_LOW)
#define high_wmark_pages(z) wmark_pages(z, WMARK_HIGH)

static inline long zone_page_state(const struct zone *zone, enum zone_stat_item item)
{
	long x = atomic_load_explicit(&zone->vm_stat[item], memory_order_relaxed);

	return x < 0 ? 0 : x;
}

/* Writers hold zone->lock or the counters are per-item atomics; relaxed is enough. */
static inline void mod_zone_page_state(struct zone *zone, enum zone_stat_item item, long delta)
{
	atomic_fetch_add_explicit(&zone->vm_stat[item], delta, memory_order_relaxed);
}

/* vmstat.c: a node counter, exact (the per-CPU differences added), and its update. */
long node_page_state(const pg_data_t *pgdat, enum node_stat_item item);
void mod_node_page_state(pg_data_t *pgdat, enum node_stat_item item, long delta);

/* The nodes of this kmm instance. */
extern pg_data_t *node_data[MAX_NUMNODES];
extern int nr_online_nodes;
#define NODE_DATA(nid) (node_data[(nid)])

#define for_each_online_node(nid) for ((nid) = 0; (nid) < nr_online_nodes; (nid)++)

/* Every zone of every node, populated or not. */
#define for_each_zone(zone)                                                  \
	for (int zone_nid__ = 0; zone_nid__ < nr_online_nodes; zone_nid__++) \
		for ((zone) = NODE_DATA(zone_nid__)->node_zones;             \
		     (zone) < NODE_DATA(zone_nid__)->node_zones + MAX_NR_ZONES; (zone)++)

#define for_each_populated_zone(zone)        \
	for_each_zone(zone)                  \
		if (!populated_zone(zone)) { \
		} else

#endif /* KMM_MMZONE_H */
