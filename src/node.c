/* SPDX-License-Identifier: MIT */
/*
 * node.c - the per-node files of /sys/devices/system/node/nodeN/ (the kernel's
 * drivers/base/node.c): meminfo, numastat, vmstat and distance, as reports named
 * "nodeN/meminfo" and so on.
 *
 * The one idea: each file shows one node's share of what the system-wide reports show,
 * in the kernel's format for that file ("Node N MemTotal: ..." lines for meminfo, bare
 * "name value" lines for the others). Like meminfo.c, lines for what kmm does not have
 * (page cache, swap, huge pages) say 0, and the configuration is the same 6.18 x86-64
 * distribution kernel's (THP and hugetlb on, no shadow call stack, no unaccepted memory).
 */
#include "internal.h"

static unsigned long K(unsigned long pages)
{
	return pages << (PAGE_SHIFT - 10);
}

struct node_sysinfo {
	unsigned long totalram, freeram, totalhigh, freehigh;
};

/* si_meminfo_node(): the node's managed and free pages, highmem counted apart. */
static void si_meminfo_node(struct node_sysinfo *i, int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	*i = (struct node_sysinfo){ 0 };
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long managed = zone_managed_pages(zone);
		unsigned long nr_free = (unsigned long)zone_page_state(zone, NR_FREE_PAGES);

		i->totalram += managed;
		i->freeram += nr_free;
		if (z == ZONE_HIGHMEM) {
			i->totalhigh += managed;
			i->freehigh += nr_free;
		}
	}
}

static unsigned long node_pages(pg_data_t *pgdat, enum node_stat_item item)
{
	return (unsigned long)node_page_state(pgdat, item);
}

static void node_line_kb(struct seq_file *m, int nid, const char *label, unsigned long kb)
{
	seq_printf(m, "Node %d %s%8lu kB\n", nid, label, kb);
}

/* CONFIG_HIGHMEM: only the 32-bit layout (which has one node) has these lines. */
static void node_meminfo_highmem(struct seq_file *m, int nid, const struct node_sysinfo *i)
{
	if (!kmm_cfg.layout || strcmp(kmm_cfg.layout, "x86_32"))
		return;
	node_line_kb(m, nid, "HighTotal:      ", K(i->totalhigh));
	node_line_kb(m, nid, "HighFree:       ", K(i->freehigh));
	node_line_kb(m, nid, "LowTotal:       ", K(i->totalram - i->totalhigh));
	node_line_kb(m, nid, "LowFree:        ", K(i->freeram - i->freehigh));
}

/* node_read_meminfo() */
static void node_meminfo_show(struct seq_file *m, int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long sreclaimable = node_pages(pgdat, NR_SLAB_RECLAIMABLE_B) >> PAGE_SHIFT;
	unsigned long sunreclaimable = node_pages(pgdat, NR_SLAB_UNRECLAIMABLE_B) >> PAGE_SHIFT;
	struct node_sysinfo i;

	si_meminfo_node(&i, nid);
	node_line_kb(m, nid, "MemTotal:       ", K(i.totalram));
	node_line_kb(m, nid, "MemFree:        ", K(i.freeram));
	node_line_kb(m, nid, "MemUsed:        ", K(i.totalram - i.freeram));
	node_line_kb(m, nid, "SwapCached:     ", 0);
	node_line_kb(m, nid, "Active:         ", 0);
	node_line_kb(m, nid, "Inactive:       ", 0);
	node_line_kb(m, nid, "Active(anon):   ", 0);
	node_line_kb(m, nid, "Inactive(anon): ", 0);
	node_line_kb(m, nid, "Active(file):   ", 0);
	node_line_kb(m, nid, "Inactive(file): ", 0);
	node_line_kb(m, nid, "Unevictable:    ", 0);
	node_line_kb(m, nid, "Mlocked:        ", 0);
	node_meminfo_highmem(m, nid, &i);
	node_line_kb(m, nid, "Dirty:          ", 0);
	node_line_kb(m, nid, "Writeback:      ", 0);
	node_line_kb(m, nid, "FilePages:      ", 0);
	node_line_kb(m, nid, "Mapped:         ", 0);
	node_line_kb(m, nid, "AnonPages:      ", 0);
	node_line_kb(m, nid, "Shmem:          ", 0);
	node_line_kb(m, nid, "KernelStack:    ", node_pages(pgdat, NR_KERNEL_STACK_KB));
	node_line_kb(m, nid, "PageTables:     ", K(node_pages(pgdat, NR_PAGETABLE)));
	node_line_kb(m, nid, "SecPageTables:  ", 0);
	node_line_kb(m, nid, "NFS_Unstable:   ", 0);
	node_line_kb(m, nid, "Bounce:         ", 0);
	node_line_kb(m, nid, "WritebackTmp:   ", 0);
	node_line_kb(m, nid, "KReclaimable:   ",
		     K(sreclaimable + node_pages(pgdat, NR_KERNEL_MISC_RECLAIMABLE)));
	node_line_kb(m, nid, "Slab:           ", K(sreclaimable + sunreclaimable));
	node_line_kb(m, nid, "SReclaimable:   ", K(sreclaimable));
	node_line_kb(m, nid, "SUnreclaim:     ", K(sunreclaimable));
	node_line_kb(m, nid, "AnonHugePages:  ", 0);
	node_line_kb(m, nid, "ShmemHugePages: ", 0);
	node_line_kb(m, nid, "ShmemPmdMapped: ", 0);
	node_line_kb(m, nid, "FileHugePages:  ", 0);
	node_line_kb(m, nid, "FilePmdMapped:  ", 0);
	/* hugetlb_report_node_meminfo() */
	seq_printf(m,
		   "Node %d HugePages_Total: %5u\n"
		   "Node %d HugePages_Free:  %5u\n"
		   "Node %d HugePages_Surp:  %5u\n",
		   nid, 0U, nid, 0U, nid, 0U);
}

/* node_read_numastat(): the older names, local_node and other_node */
static void node_numastat_show(struct seq_file *m, int nid)
{
	static const struct {
		const char *name;
		enum numa_stat_item item;
	} lines[] = {
		{ "numa_hit", NUMA_HIT },	  { "numa_miss", NUMA_MISS },
		{ "numa_foreign", NUMA_FOREIGN }, { "interleave_hit", NUMA_INTERLEAVE_HIT },
		{ "local_node", NUMA_LOCAL },	  { "other_node", NUMA_OTHER },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		seq_printf(m, "%s %lu\n", lines[i].name,
			   sum_zone_numa_event_state(nid, lines[i].item));
}

/* node_read_distance(): one line, the distance to every online node */
static void node_distance_show(struct seq_file *m, int nid)
{
	int i;

	for_each_online_node(i)
		seq_printf(m, "%s%d", i ? " " : "", node_distance(nid, i));
	seq_putc(m, '\n');
}

static const struct {
	const char *file;
	void (*show)(struct seq_file *m, int nid);
} node_files[] = {
	{ "meminfo", node_meminfo_show },
	{ "numastat", node_numastat_show },
	{ "vmstat", vmstat_show_node_vmstat },
	{ "distance", node_distance_show },
};

/* "node<N>/<file>" with N an online node, decimal without leading zeros. */
static int parse_node_name(const char *name, const char **file)
{
	const char *p = name + 4;
	int nid = 0;

	if (strncmp(name, "node", 4) || *p < '0' || *p > '9' || (*p == '0' && p[1] != '/'))
		return -1;
	while (*p >= '0' && *p <= '9' && nid < MAX_NUMNODES)
		nid = nid * 10 + (*p++ - '0');
	if (*p != '/' || nid >= nr_online_nodes)
		return -1;
	*file = p + 1;
	return nid;
}

int node_report_show(struct seq_file *m, const char *name)
{
	const char *file;
	int nid = parse_node_name(name, &file);

	if (nid < 0)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(node_files); i++) {
		if (!strcmp(node_files[i].file, file)) {
			node_files[i].show(m, nid);
			return 0;
		}
	}
	return -ENOENT;
}
