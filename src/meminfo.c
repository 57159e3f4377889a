/* SPDX-License-Identifier: MIT */
/*
 * meminfo.c - /proc/meminfo (the kernel's fs/proc/meminfo.c, with the lines that
 * mm/hugetlb.c and arch/x86 add at its end).
 *
 * The one idea: every line a Linux 6.18 x86-64 kernel prints is printed, in its order
 * and with its widths, so that anything that parses /proc/meminfo parses this; the
 * lines about memory kmm manages carry kmm's figures, and the lines about things kmm
 * does not have (page cache, swap, user mappings, huge pages) say 0.
 *
 * What kmm knows: MemTotal is the managed RAM (totalram_pages), MemFree the pages on
 * the buddy free lists (NR_FREE_PAGES: pages on per-CPU lists are not free, as in the
 * kernel), MemAvailable the kernel's si_mem_available() estimate, the slab lines come
 * from the slab layer's node counters, and VmallocUsed from the vmalloc layer's
 * NR_VMALLOC node counter.
 */
#include <linux/vmalloc.h>

#include "internal.h"

/*
 * The lines that depend on the kernel's configuration, set as on the 6.18 x86-64 kernel
 * the reports are checked against (tests/test_reports.c). Distribution kernels differ
 * on the ones set false: most have CONFIG_MEMORY_FAILURE (HardwareCorrupted:), some
 * CONFIG_CMA (CmaTotal:, CmaFree:) and CONFIG_UNACCEPTED_MEMORY (Unaccepted:).
 */
static const bool config_zswap = true;
static const bool config_memory_failure = false;
static const bool config_transparent_hugepage = true;
static const bool config_cma = false;
static const bool config_unaccepted_memory = false;
static const bool config_hugetlb_page = true;

/*
 * VmallocTotal is the size of kmm's vmalloc window (a kernel's VMALLOC_TOTAL: 32 TiB
 * on x86-64 with 4-level page tables); kmm reserves what the host allows (vmalloc.c).
 */
#define VMALLOC_TOTAL_KB ((VMALLOC_END - VMALLOC_START) >> 10)

/* Default huge page size on x86-64 (a PMD: 2 MiB). */
#define HPAGE_PMD_SIZE_KB 2048UL

/* vm.overcommit_ratio, the kernel's default (percent of RAM in CommitLimit). */
#define SYSCTL_OVERCOMMIT_RATIO 50

static unsigned long global_zone_page_state(enum zone_stat_item item)
{
	unsigned long sum = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		sum += (unsigned long)zone_page_state(zone, item);
	return sum;
}

/* In the counter's own unit: pages, kB (NR_KERNEL_STACK_KB) or bytes (*_B). */
unsigned long global_node_page_state(enum node_stat_item item)
{
	unsigned long sum = 0;
	int nid;

	for_each_online_node(nid)
		sum += (unsigned long)node_page_state(NODE_DATA(nid), item);
	return sum;
}

/* The slab layer counts its pages in bytes, as the kernel's *_B items; pages here. */
unsigned long global_node_page_state_pages(enum node_stat_item item)
{
	unsigned long sum = 0;
	int nid;

	for_each_online_node(nid)
		sum += (unsigned long)node_page_state(NODE_DATA(nid), item) >> PAGE_SHIFT;
	return sum;
}

/*
 * si_mem_available(): what could be allocated without swapping or OOM. Free pages
 * above the reserves, plus the part of the page cache and of the reclaimable kernel
 * memory that reclaim could give back: at least half of each, or the low watermarks'
 * worth, is assumed to stay.
 */
static long si_mem_available(void)
{
	unsigned long wmark_low = 0, pagecache, reclaimable;
	struct zone *zone;
	long available;

	for_each_zone(zone) {
		/* an x86-64 kernel has no highmem zone to count */
		if (zone->zone_idx == ZONE_HIGHMEM)
			continue;
		spin_lock(&zone->lock);
		wmark_low += low_wmark_pages(zone);
		spin_unlock(&zone->lock);
	}

	available = (long)global_zone_page_state(NR_FREE_PAGES) - (long)totalreserve_pages;

	pagecache = global_zone_page_state(NR_ZONE_ACTIVE_FILE) +
		    global_zone_page_state(NR_ZONE_INACTIVE_FILE);
	pagecache -= min(pagecache / 2, wmark_low);
	available += (long)pagecache;

	reclaimable = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		      global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE);
	reclaimable -= min(reclaimable / 2, wmark_low);
	available += (long)reclaimable;

	return available < 0 ? 0 : available;
}

/* vm_commit_limit(): the overcommit ratio's share of RAM, plus swap (none). */
static unsigned long vm_commit_limit(void)
{
	return totalram_pages() * SYSCTL_OVERCOMMIT_RATIO / 100;
}

/* show_val_kb(): the label, the page count in kB right-aligned in 8 columns, " kB". */
static void show_val_kb(struct seq_file *m, const char *s, unsigned long num)
{
	seq_printf(m, "%s%8lu kB\n", s, num << (PAGE_SHIFT - 10));
}

/* CONFIG_HIGHMEM's lines: the 32-bit layout has a highmem zone, x86-64 has none. */
static bool highmem_layout(void)
{
	return populated_zone(&NODE_DATA(0)->node_zones[ZONE_HIGHMEM]);
}

static void show_highmem(struct seq_file *m)
{
	unsigned long total = 0, free = 0, high_total = 0, high_free = 0;
	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long managed = zone_managed_pages(zone);
		unsigned long nr_free = (unsigned long)zone_page_state(zone, NR_FREE_PAGES);

		total += managed;
		free += nr_free;
		if (zone->zone_idx == ZONE_HIGHMEM) {
			high_total += managed;
			high_free += nr_free;
		}
	}
	show_val_kb(m, "HighTotal:      ", high_total);
	show_val_kb(m, "HighFree:       ", high_free);
	show_val_kb(m, "LowTotal:       ", total - high_total);
	show_val_kb(m, "LowFree:        ", free - high_free);
}

static void hugetlb_report_meminfo(struct seq_file *m)
{
	seq_printf(m,
		   "HugePages_Total:   %5lu\n"
		   "HugePages_Free:    %5lu\n"
		   "HugePages_Rsvd:    %5lu\n"
		   "HugePages_Surp:    %5lu\n"
		   "Hugepagesize:   %8lu kB\n",
		   0UL, 0UL, 0UL, 0UL, HPAGE_PMD_SIZE_KB);
	seq_printf(m, "Hugetlb:        %8lu kB\n", 0UL);
}

/*
 * arch/x86: how the direct map is mapped, by page size. kmm's direct map is one host
 * mapping of all of RAM whose page size the core cannot know; it is counted as 4 KiB
 * pages, so that the three lines still add up to the RAM they map.
 */
static void arch_report_meminfo(struct seq_file *m)
{
	seq_printf(m, "DirectMap4k:    %8lu kB\n", max_pfn << (PAGE_SHIFT - 10));
	seq_printf(m, "DirectMap2M:    %8lu kB\n", 0UL);
	seq_printf(m, "DirectMap1G:    %8lu kB\n", 0UL);
}

void meminfo_show(struct seq_file *m)
{
	unsigned long sreclaimable = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B);
	unsigned long sunreclaim = global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	unsigned long active_anon = global_zone_page_state(NR_ZONE_ACTIVE_ANON);
	unsigned long inactive_anon = global_zone_page_state(NR_ZONE_INACTIVE_ANON);
	unsigned long active_file = global_zone_page_state(NR_ZONE_ACTIVE_FILE);
	unsigned long inactive_file = global_zone_page_state(NR_ZONE_INACTIVE_FILE);

	show_val_kb(m, "MemTotal:       ", totalram_pages());
	show_val_kb(m, "MemFree:        ", global_zone_page_state(NR_FREE_PAGES));
	show_val_kb(m, "MemAvailable:   ", (unsigned long)si_mem_available());
	show_val_kb(m, "Buffers:        ", 0);
	show_val_kb(m, "Cached:         ", 0);
	show_val_kb(m, "SwapCached:     ", 0);
	show_val_kb(m, "Active:         ", active_anon + active_file);
	show_val_kb(m, "Inactive:       ", inactive_anon + inactive_file);
	show_val_kb(m, "Active(anon):   ", active_anon);
	show_val_kb(m, "Inactive(anon): ", inactive_anon);
	show_val_kb(m, "Active(file):   ", active_file);
	show_val_kb(m, "Inactive(file): ", inactive_file);
	show_val_kb(m, "Unevictable:    ", global_zone_page_state(NR_ZONE_UNEVICTABLE));
	show_val_kb(m, "Mlocked:        ", global_zone_page_state(NR_MLOCK));
	if (highmem_layout())
		show_highmem(m);

	show_val_kb(m, "SwapTotal:      ", 0);
	show_val_kb(m, "SwapFree:       ", 0);
	if (config_zswap) {
		seq_printf(m, "Zswap:          %8lu kB\n", 0UL);
		seq_printf(m, "Zswapped:       %8lu kB\n", 0UL);
	}
	show_val_kb(m, "Dirty:          ", 0);
	show_val_kb(m, "Writeback:      ", 0);
	show_val_kb(m, "AnonPages:      ", 0);
	show_val_kb(m, "Mapped:         ", 0);
	show_val_kb(m, "Shmem:          ", 0);
	show_val_kb(m, "KReclaimable:   ",
		    sreclaimable + global_node_page_state(NR_KERNEL_MISC_RECLAIMABLE));
	show_val_kb(m, "Slab:           ", sreclaimable + sunreclaim);
	show_val_kb(m, "SReclaimable:   ", sreclaimable);
	show_val_kb(m, "SUnreclaim:     ", sunreclaim);
	seq_printf(m, "KernelStack:    %8lu kB\n", global_node_page_state(NR_KERNEL_STACK_KB));
	show_val_kb(m, "PageTables:     ", global_node_page_state(NR_PAGETABLE));
	show_val_kb(m, "SecPageTables:  ", 0);

	show_val_kb(m, "NFS_Unstable:   ", 0);
	show_val_kb(m, "Bounce:         ", global_zone_page_state(NR_BOUNCE));
	show_val_kb(m, "WritebackTmp:   ", 0);
	show_val_kb(m, "CommitLimit:    ", vm_commit_limit());
	show_val_kb(m, "Committed_AS:   ", 0);
	seq_printf(m, "VmallocTotal:   %8lu kB\n", VMALLOC_TOTAL_KB);
	show_val_kb(m, "VmallocUsed:    ", global_node_page_state(NR_VMALLOC));
	show_val_kb(m, "VmallocChunk:   ", 0);
	show_val_kb(m, "Percpu:         ", 0);

	if (config_memory_failure)
		seq_printf(m, "HardwareCorrupted: %5lu kB\n", 0UL);

	if (config_transparent_hugepage) {
		show_val_kb(m, "AnonHugePages:  ", 0);
		show_val_kb(m, "ShmemHugePages: ", 0);
		show_val_kb(m, "ShmemPmdMapped: ", 0);
		show_val_kb(m, "FileHugePages:  ", 0);
		show_val_kb(m, "FilePmdMapped:  ", 0);
	}

	if (config_cma) {
		show_val_kb(m, "CmaTotal:       ", 0);
		show_val_kb(m, "CmaFree:        ", global_zone_page_state(NR_FREE_CMA_PAGES));
	}

	if (config_unaccepted_memory)
		show_val_kb(m, "Unaccepted:     ", 0);
	show_val_kb(m, "Balloon:        ", 0);

	if (config_hugetlb_page)
		hugetlb_report_meminfo(m);

	arch_report_meminfo(m);
}
