/* SPDX-License-Identifier: MIT */
/*
 * mmzone.h - the public constants of kmm's zones and free areas: zone types, migrate
 * types and the order limits, with the kernel's names and values. The structures
 * themselves (struct zone, pglist_data) stay inside the library.
 */
#ifndef KMM_LINUX_MMZONE_H
#define KMM_LINUX_MMZONE_H

#include <linux/numa.h> /* NODES_SHIFT, MAX_NUMNODES, NUMA_NO_NODE */

#define MAX_PAGE_ORDER	   10
#define NR_PAGE_ORDERS	   (MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)
/* x86-64 with huge pages: a pageblock is one 2 MiB huge page (/proc/pagetypeinfo says 9). */
#define pageblock_order	   9
#define pageblock_nr_pages (1UL << pageblock_order)
/* Orders above this are "costly": they are not retried unless the caller asks. */
#define PAGE_ALLOC_COSTLY_ORDER 3

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES, /* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

/*
 * Every zone kmm knows. A layout populates some: x86-64 has DMA, DMA32 and NORMAL;
 * the 32-bit layout has DMA, NORMAL and HIGHMEM. Empty zones are skipped by the
 * zonelists, so an allocation that names an empty zone falls back to a lower one.
 */
enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE, MAX_NR_ZONES };

#define ZONES_SHIFT 3

#endif /* KMM_LINUX_MMZONE_H */
