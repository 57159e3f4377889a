/* SPDX-License-Identifier: MIT */
/*
 * kmm.h - kmm's own API: configuration, reports and statistics.
 *
 * Nothing needs to be called first: the first allocation initialises kmm with the
 * defaults, overridden by environment variables:
 *   KMM_SLAB=slub|slab|slob   slab back-end (default slub)
 *   KMM_RAM=<size>            RAM to manage, e.g. 512M, 4G (default: host memory)
 *   KMM_NR_CPUS=<n>           CPUs (default: host CPUs)
 *   KMM_DEBUG=<slab_debug>    the kernel's slab_debug syntax
 *   KMM_LAYOUT=x86_64|x86_32  zone layout (default x86_64)
 *   KMM_NODES=<n>             NUMA nodes (default 1): RAM split evenly, CPUs round-robin
 *   KMM_MIN_FREE_KBYTES=<n>   vm.min_free_kbytes (default: computed as the kernel does)
 *   KMM_PAGE_REPORTING=0|1    return freed max-order blocks to the host (default 1)
 *   KMM_NUMA_BIND=0|1         back each node with one host NUMA node, mbind (default 0)
 *   KMM_RAM_BACKING=memfd|anon  hosted RAM: a memfd whose mappings alias (default), or
 *                             private anonymous memory, copy-on-write across fork but
 *                             without vmap (the malloc shim's default)
 *   KMM_FAILSLAB=..., KMM_FAIL_PAGE_ALLOC=...   fault injection, kernel boot syntax
 *   KMM_STATS=1               publish statistics for `kmm top` (default off; see below)
 * kmm_init() with a configuration, called before any allocation, chooses otherwise;
 * the environment still wins over a field left at zero/NULL.
 */
#ifndef KMM_H
#define KMM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kmm_config {
	const char *slab;	       /* "slub", "slab" or "slob"; NULL: default */
	unsigned long long ram;	       /* bytes; 0: default */
	unsigned int nr_cpus;	       /* 0: default */
	const char *debug;	       /* slab_debug string; NULL: none */
	const char *layout;	       /* "x86_64" or "x86_32"; NULL: default */
	unsigned int nr_nodes;	       /* 0: default (1) */
	unsigned long min_free_kbytes; /* 0: computed */
	int page_reporting;	       /* 0: default (on), 1: on, -1: off */
	int numa_bind;		       /* 0: default (off), 1: bind nodes to host nodes, -1: off */
	int stats;		       /* 0: default (off), 1: publish for kmm top, -1: off */
};

/*
 * Initialise kmm with @config (NULL: defaults and environment). Returns 0, -EBUSY
 * (22 is EINVAL, 16 EBUSY: the kernel's numbers, negated) if kmm is already running, or
 * -EINVAL for a bad configuration (with a message on stderr).
 */
int kmm_init(const struct kmm_config *config);

/* The configuration in force (after defaults and environment); kmm initialises if needed. */
const struct kmm_config *kmm_config_get(void);

/*
 * Write the named report in the kernel's exact text format: "slabinfo", "buddyinfo",
 * "pagetypeinfo", "zoneinfo", "vmallocinfo", "meminfo", "vmstat", "layout" (the
 * virtual memory map of the layout in force), and "map" (an SVG picture of physical
 * memory, see kmm_map_write() below); and for each node N the files of
 * /sys/devices/system/node/nodeN/: "nodeN/meminfo", "nodeN/numastat", "nodeN/vmstat"
 * and "nodeN/distance". Returns 0, or -ENOENT (-2) for an unknown name or node. The
 * freestanding form hands text to @emit in pieces.
 */
int kmm_report_write(const char *name, void (*emit)(void *ctx, const char *text, size_t len),
		     void *ctx);

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <stdio.h>
int kmm_report(FILE *out, const char *name);
#endif

/*
 * The memory map: an SVG picture of physical memory, zone by zone, one cell per
 * @cell_pages page frames, each cell in the colour of the owner of most of its frames
 * (free blocks by order, per-CPU lists, page allocations by migratetype, vmalloc,
 * kmalloc_large, SLOB's heap, each slab cache), with a legend that counts pages and
 * cells per owner. The "map" report is this with the defaults. Returns 0, or -ENOMEM
 * (-12) when the port has no memory for the page-owner scratch array (2 bytes a frame).
 */
struct kmm_map_options {
	unsigned long cell_pages; /* frames per cell, a power of two; 0 (or not a power
				     of two): the smallest that keeps RAM within 32768 cells */
	unsigned int columns;	  /* cells per row; 0: 128 */
};
int kmm_map_write(const struct kmm_map_options *opt,
		  void (*emit)(void *ctx, const char *text, size_t len), void *ctx);
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
int kmm_map(FILE *out, const struct kmm_map_options *opt);
#endif

/* Names of all reports, NULL-terminated. */
extern const char *const kmm_report_names[];

/* Page allocator figures, in pages. */
struct kmm_page_stats {
	unsigned long total;	 /* managed pages */
	unsigned long free;	 /* in the buddy free lists */
	unsigned long pcp;	 /* on per-CPU lists */
	unsigned long reserved;	 /* totalreserve_pages */
	unsigned long allocated; /* handed out and not yet freed */
};
void kmm_page_stats(struct kmm_page_stats *stats);

/*
 * Check the buddy allocator's invariants: every free block naturally aligned, in the
 * right zone and list, counts consistent. Returns the number of problems found (each
 * printed as a kernel-style message); 0 when all is well.
 */
int kmm_check_page_alloc(void);

/*
 * A slab cache's attribute as /sys/kernel/slab/<cache>/<attr> shows it: "object_size",
 * "slab_size", "align", "order", "objs_per_slab", "objects", "slabs", "partial",
 * "cpu_partial", "min_partial", "aliases", "ctor", "reclaim_account", "hwcache_align",
 * ... (kmm_slab_attr_names lists them). Writes the text, newline included, into @buf;
 * returns its length, or -ENOENT (-2) for an unknown cache or attribute.
 */
int kmm_slab_attr(const char *cache, const char *attr, char *buf, size_t size);
extern const char *const kmm_slab_attr_names[];

/* Check every slab of the named cache (NULL: every cache); returns the problems found. */
int kmm_slab_validate(const char *cache);

/* The slab back-end in use: "slub", "slab" or "slob". */
const char *kmm_slab_allocator(void);

/*
 * Run the calling thread on emulated CPU @cpu from now on (-1: wherever the port says),
 * as a task pinned with set_cpus_allowed_ptr(): smp_processor_id(), numa_node_id() and
 * the per-CPU lists follow. Moving to another node hands the thread's cached slab
 * objects back. Returns 0, or -EINVAL (-22) for a CPU kmm does not have.
 */
int kmm_set_cpu(int cpu);
/* kmm_set_cpu() to the first CPU of node @nid; -EINVAL if there is no such node or CPU. */
int kmm_set_node(int nid);

/* Run fn(arg) on the calling thread "in hardirq context" (in_interrupt() is true). */
void kmm_run_in_interrupt(void (*fn)(void *arg), void *arg);

/* Give all free max-order blocks back to the host now (free page reporting). */
unsigned long kmm_page_reporting_flush(void);

/*
 * Statistics published for other processes (`kmm top`). With KMM_STATS=1, kmm creates
 * at start-up a small shared file named for the process, kmm_stats_path() (the hosted
 * port: /dev/shm/kmm-stats.<pid>, or in $KMM_STATS_DIR), mode 0644: written by this
 * process only, readable by others. A kmm thread refreshes it once a second (the
 * allocation paths never touch it); it is removed when the process exits normally. A
 * child that forks without exec publishes nothing (one that execs publishes its own).
 * The area is a struct kmm_stats_area; a reader copies it while @seq is even and the
 * same before and after the copy (a seqcount), and checks @magic and @version.
 */
#define KMM_STATS_MAGIC	     0x736d6d6bU /* "kmms" */
#define KMM_STATS_VERSION    1
#define KMM_STATS_MAX_CACHES 512
#define KMM_STATS_NAME_LEN   32

struct kmm_stats_cache { /* one slabinfo row */
	char name[KMM_STATS_NAME_LEN];
	unsigned long active_objs, num_objs;
	unsigned long active_slabs, num_slabs;
	unsigned int objsize; /* bytes per object, metadata included (slabinfo's) */
	unsigned int objperslab;
	unsigned int pagesperslab;
	unsigned int reserved;
};

struct kmm_stats_area {
	unsigned int magic, version;
	unsigned int seq;	       /* odd while the writer is at it */
	char slab[8];		       /* "slub", "slab", "slob" */
	unsigned long long updated_ns; /* the writer's monotonic clock */
	unsigned long updates;	       /* refreshes so far */
	unsigned long interval_ms;     /* between refreshes */
	struct kmm_page_stats pages;   /* kmm_page_stats() */
	unsigned long slab_pages;      /* meminfo's Slab, in pages */
	unsigned long vmalloc_pages;   /* meminfo's VmallocUsed, in pages */
	unsigned int nr_caches;	       /* rows of caches[] in use */
	unsigned int caches_left_out;  /* caches beyond KMM_STATS_MAX_CACHES */
	struct kmm_stats_cache caches[KMM_STATS_MAX_CACHES];
};

/*
 * The file where process @pid publishes its statistics, into @buf; returns the length,
 * or -1 if it does not fit. The hosted port only.
 */
int kmm_stats_path(int pid, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KMM_H */
