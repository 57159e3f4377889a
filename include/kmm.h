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
 *   KMM_KFENCE_SAMPLE_INTERVAL=<ms>  kfence.sample_interval: one slab allocation in
 *                             each interval comes from KFENCE (default 0: off)
 *   KMM_KFENCE_NUM_OBJECTS=<n>  CONFIG_KFENCE_NUM_OBJECTS, the pool (default 255)
 *   KMM_KMEMLEAK=on|off       kmemleak (default off): track every object, scan for leaks
 *   KMM_KMEMLEAK_SCAN=<s>     kmemleak's automatic scan period (default 600; 0: none)
 *   KMM_KMEMLEAK_MIN_AGE=<ms> objects younger are not reported yet (default 5000)
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
	long kfence_sample_interval;   /* ms; 0: default (off), -1: off */
	int kfence_num_objects;	       /* 0: default (255) */
	int kmemleak;		       /* 0: default (off), 1: on, -1: off */
	long kmemleak_scan_secs;       /* automatic scan period; 0: default (600), -1: none */
	long kmemleak_min_age_ms;      /* 0: default (5000), -1: 0 */
	/* "<interval>,<probability>,<space>,<times>", the boot options; NULL: off */
	const char *failslab;
	const char *fail_page_alloc;
	int init_on_alloc; /* zero every allocation: 0: default (off), 1: on, -1: off */
	int init_on_free;  /* zero every free: 0: default (off), 1: on, -1: off */
	int kasan;	   /* ASan/Valgrind marks: 0: default, -1: off */
	/* "failslab/ignore-gfp-wait=N;fail_page_alloc/min-order=0": attributes as
	   kmm_fault_attr_set() takes them, applied after the boot options; NULL: none */
	const char *fault_attr;
	/* the exit check (src/exit_check.c): 0: default (off), 1: on, 2: strict, -1: off */
	int check_at_exit;
	/* page_reporting.page_reporting_order=: report free blocks of this order and up */
	int page_reporting_order;     /* 0: default (10, MAX_PAGE_ORDER), -1: 0 */
	long page_reporting_delay_ms; /* wait before a report: 0: default (2000), -1: 0 */
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
 * virtual memory map of the layout in force), "map" (an SVG picture of physical
 * memory, see kmm_map_write() below), "kfence" and "kfence_objects"
 * (/sys/kernel/debug/kfence/stats and objects), "kmemleak" (the leaks found so far,
 * /sys/kernel/debug/kmemleak); and for each node N the files of
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

/*
 * kmemleak's "echo scan > /sys/kernel/debug/kmemleak": scan memory now and report each
 * newly found unreferenced object to the kernel log. Returns the number of new leaks,
 * or -1 (-EPERM) if kmemleak is off. An object is reported only once it has been
 * unreferenced and unchanged for two scans in a row, as in the kernel. The "kmemleak"
 * report lists every leak found so far.
 */
int kmm_kmemleak_scan(void);
/* "echo clear > /sys/kernel/debug/kmemleak": forget the leaks found so far. */
void kmm_kmemleak_clear(void);

/*
 * Fault injection (the kernel's Documentation/fault-injection/fault-injection.rst).
 * Two capabilities: "failslab" fails slab allocations (kmalloc, kmem_cache_alloc, the
 * bulk allocator), "fail_page_alloc" page allocations (alloc_pages and all built on it:
 * large kmalloc, vmalloc, new slabs). Neither ever fails a __GFP_NOFAIL allocation.
 *
 * kmm_fault_attr_set/get() write and read what the kernel has as
 * /sys/kernel/debug/<capability>/<attr>, with the same text: "probability" (percent),
 * "interval", "times" (-1: no limit), "space", "verbose" (0, 1, 2),
 * "verbose_ratelimit_interval_ms", "verbose_ratelimit_burst", "task-filter" (Y/N), and
 * "ignore-gfp-wait" (both), "cache-filter" (failslab), "ignore-gfp-highmem" and
 * "min-order" (fail_page_alloc). Set returns 0, -ENOENT (-2) for an unknown capability
 * or attribute, -EINVAL (-22) for a bad value; get returns the length written, or
 * -ENOENT. kmm_fault_setup() takes the boot option's "<interval>,<probability>,<space>,
 * <times>" (also KMM_FAILSLAB and KMM_FAIL_PAGE_ALLOC). The defaults are the kernel's:
 * probability 0, interval 1, times 1, verbose 2, ignore-gfp-wait Y (so GFP_KERNEL
 * allocations are spared), fail_page_alloc's min-order 1.
 */
int kmm_fault_attr_set(const char *capability, const char *attr, const char *value);
int kmm_fault_attr_get(const char *capability, const char *attr, char *buf, size_t size);
int kmm_fault_setup(const char *capability, const char *str);

/*
 * /proc/self/task/<tid>/fail-nth for the calling thread: the n-th next allocation that a
 * capability finds eligible fails, whatever the probability (0: off). Reads back the
 * calls still to go, 0 once the failure was injected. Until then every slab allocation
 * takes the slow path; set 0 (or read back 0) to end that.
 */
void kmm_fail_nth_set(unsigned int n);
unsigned int kmm_fail_nth_get(void);

/* /proc/self/make-it-fail for the calling thread, 0 or 1: what "task-filter" looks at. */
int kmm_make_it_fail_set(int value);
int kmm_make_it_fail_get(void);

#ifdef __cplusplus
}
#endif

#endif /* KMM_H */
