/* SPDX-License-Identifier: MIT */
/*
 * internal.h - declarations shared between kmm's core files, grouped by the file that
 * owns them (the kernel's mm/internal.h). Everything not listed here is static to its
 * file. Public API lives in include/; the platform contract in port.h.
 */
#ifndef KMM_INTERNAL_H
#define KMM_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "lock.h"
#include "mmzone.h"
#include "port.h"

#define noinline	 __attribute__((__noinline__))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define min(a, b)	 ((a) < (b) ? (a) : (b))
#define max(a, b)	 ((a) > (b) ? (a) : (b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define ALIGN(x, a)	 (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
/*
 * The kernel's marked accesses: a value read or written while others may write or read
 * it without the lock. Relaxed atomics, not volatile, so that ThreadSanitizer knows the
 * race is intended (as KCSAN knows READ_ONCE); on x86-64 both are plain moves.
 */
#define READ_ONCE(x)	 __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/*
 * The compiler needs these even when freestanding (it emits calls to them); every C
 * library and every kernel has them. Declared here so that the core includes no libc.
 */
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/*
 * The error numbers kmm returns, negated as the kernel does: the kernel's values
 * (include/uapi/asm-generic/errno-base.h), which are also every C library's on Linux.
 */
#define ENOENT 2
#define E2BIG  7
#define ENOMEM 12
#define EBUSY  16
#define EEXIST 17
#define EINVAL 22
#define ERANGE 34

/* ---- config.c: configuration and start-up --------------------------------------- */

/* The configuration in force; valid once kmm_ready() is true. */
extern struct kmm_config kmm_cfg;
extern unsigned int nr_cpu_ids; /* emulated CPUs */
extern _Atomic int kmm_initialised;
void kmm_init_slow(void);
/* Initialise on first use: every public entry point that needs the allocator calls it. */
static inline void kmm_ensure_init(void)
{
	if (__builtin_expect(!atomic_load_explicit(&kmm_initialised, memory_order_acquire), 0))
		kmm_init_slow();
}
/* Parse "512M", "4G", "1048576" into bytes; 0 on a malformed string. */
unsigned long long memparse(const char *s, const char **end);
/* topology.c: the CPU the thread was bound to by kmm_set_cpu(), plus one; 0: unbound. */
extern port_thread_local unsigned int kmm_bound_cpu;
/* The emulated CPU of the caller, 0..nr_cpu_ids-1: the bound one, else the port's. */
static inline unsigned int smp_processor_id(void)
{
	unsigned int bound = kmm_bound_cpu;

	unsigned int cpu;

	if (__builtin_expect(bound != 0, 0))
		return bound - 1;
	/* fold host CPUs beyond the emulated ones; most often there are none (no division) */
	cpu = port_cpu_id();
	return __builtin_expect(cpu < nr_cpu_ids, 1) ? cpu : cpu % nr_cpu_ids;
}

/* ---- printk.c: kernel log ---------------------------------------------------------- */

int vprintk(const char *fmt, va_list args);

/* lib/ratelimit.c: at most @burst messages per @interval_ns (DEFAULT: 10 per 5 s). */
struct ratelimit_state {
	_Atomic uint64_t begin;
	_Atomic int printed;
	uint64_t interval_ns;
	int burst;
};
#define DEFAULT_RATELIMIT_INTERVAL_NS (5ULL * 1000 * 1000 * 1000)
#define DEFAULT_RATELIMIT_BURST	      10
#define DEFINE_RATELIMIT_STATE(name, interval_ns, burst_) \
	struct ratelimit_state name = { 0, 0, (interval_ns), (burst_) }
/* True if a message may be printed now. */
bool __ratelimit(struct ratelimit_state *rs);
int scnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vscnprintf(char *buf, size_t size, const char *fmt, va_list args);
/* The kernel's taint bits (include/linux/panic.h) that kmm sets. */
#define TAINT_BAD_PAGE 5
#define TAINT_DIE      7
#define TAINT_WARN     9
/* Taint the "kernel": later dump_stack() headers say "Tainted: ...", as the kernel's. */
void add_taint(unsigned int flag);
/* "Not tainted" or "Tainted: G        W ...", as the kernel prints it in reports. */
const char *print_tainted(void);

/* lib/dump_stack.c: "CPU: 0 UID: 0 PID: ... Comm: ..." and the taint line, at @log_lvl. */
void dump_stack_print_info(const char *log_lvl);

/* ---- report.c: /proc-style reports ------------------------------------------------- */

/* Minimal seq_file: reports write through seq_printf into the caller's sink. */
struct seq_file {
	void (*emit)(void *ctx, const char *text, size_t len);
	void *ctx;
};
void seq_printf(struct seq_file *m, const char *fmt, ...) __printf(2, 3);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);

/* ---- page_map.c: the memory map (SVG) ---------------------------------------------------- */

void page_map_show(struct seq_file *m);

/* ---- vmstat.c: buddyinfo, pagetypeinfo, zoneinfo, vmstat ----------------------------- */

/* The node's per-CPU counter differences, once nr_cpu_ids is known; 0 or -ENOMEM. */
int node_stat_init(pg_data_t *pgdat);

void vmstat_show_buddyinfo(struct seq_file *m);
void vmstat_show_pagetypeinfo(struct seq_file *m);
void vmstat_show_zoneinfo(struct seq_file *m);
void vmstat_show_vmstat(struct seq_file *m);
/* Sum of one event over all CPUs and zones. */
unsigned long vm_event_sum(enum vm_event_item item);
/* Count an event outside any pcp lock. */
void vm_event_add_global(enum vm_event_item item, unsigned long delta);
/* One NUMA event summed over the zones of node @nid (-1: every node). */
unsigned long sum_zone_numa_event_state(int nid, enum numa_stat_item item);
/* nodeN/vmstat: the node's zone, NUMA and node counters. */
void vmstat_show_node_vmstat(struct seq_file *m, int nid);

/* ---- node.c: /sys/devices/system/node/nodeN/ ------------------------------------------ */

/* Write "nodeN/<file>" (meminfo, numastat, vmstat, distance); 0, or -ENOENT. */
int node_report_show(struct seq_file *m, const char *name);

/* ---- slab_common.c: the slab layer's front end ------------------------------------------ */

int slab_init(void);
void slabinfo_show(struct seq_file *m);
void slab_fork_prepare(void);
void slab_fork_parent(void);
void slab_fork_child(void);
/* The calling thread moved to another node: give back its per-CPU slab state. */
void slab_thread_migrate(void);

/* ---- rcupdate.c, kvfree_rcu.c: RCU over the port's grace periods ------------------------- */

/* Around fork(): stop the RCU callback threads first, start them again last. */
void rcu_fork_prepare(void);
void rcu_fork_parent(void);
void rcu_fork_child(void);
/* Hold / release the kfree_rcu batches' locks across fork(); the child restarts the thread. */
void kvfree_rcu_fork_prepare(void);
void kvfree_rcu_fork_parent(void);
void kvfree_rcu_fork_child(void);

/* ---- meminfo.c ------------------------------------------------------------------------ */

void meminfo_show(struct seq_file *m);
/* A node counter summed over nodes: in its own unit, and in pages for the *_B ones. */
unsigned long global_node_page_state(enum node_stat_item item);
unsigned long global_node_page_state_pages(enum node_stat_item item);

/* ---- stats_area.c: statistics published for kmm top (KMM_STATS=1) -------------------------- */

/* Publish and start the refresher if configured; 0 (kmm works on without it). */
int stats_area_init(void);

/* ---- debug.c: GFP flag names, page dumps ----------------------------------------------- */

/* Write flags as the kernel's %pGg: "GFP_KERNEL|__GFP_ZERO" (or "0x..." for unknown bits). */
int gfp_flags_snprint(char *buf, size_t size, gfp_t gfp);
void dump_page(const struct page *page, const char *reason);

/* ---- context.c: emulated kernel context --------------------------------------------- */

/* Per-thread state kept in the port's task area. */
struct kmm_task {
	unsigned int preempt_count;
	unsigned int irqs_disabled;
	unsigned int flags; /* PF_* */
	unsigned int reclaim_depth;
	unsigned int fail_nth; /* fault injection: the Nth next eligible call fails (0: off) */
	bool make_it_fail;     /* fault injection's task filter lets this thread fail */
	bool fail_nth_held;    /* holds a fault-inject.c reference for fail_nth */
};
#define PF_MEMALLOC 0x00000800 /* the thread is reclaiming: allocations dig into reserves */
#define PF_KSWAPD   0x00020000
_Static_assert(sizeof(struct kmm_task) <= PORT_TASK_AREA_SIZE, "task area too small");
static inline struct kmm_task *current_task(void)
{
	return (struct kmm_task *)port_task_area();
}
/* May the caller block? Not with a preempt count (atomic, irq) or with irqs disabled. */
bool kmm_context_may_sleep(void);
/* might_sleep() for an allocation made by @caller: reported once per caller. */
void __might_sleep_caller(const char *file, int line, unsigned long caller);

/* ---- page_alloc.c: the buddy allocator -------------------------------------------------- */

/* alloc_flags: how deep into the reserves an allocation may go (kernel values). */
#define ALLOC_WMARK_MIN	    WMARK_MIN
#define ALLOC_WMARK_LOW	    WMARK_LOW
#define ALLOC_WMARK_HIGH    WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x04 /* don't check watermarks at all */
#define ALLOC_WMARK_MASK    (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM	    0x08
#define ALLOC_NON_BLOCK	    0x10 /* caller cannot block: may dip into reserves */
#define ALLOC_MIN_RESERVE   0x20 /* __GFP_HIGH: may use half of the min reserve */
#define ALLOC_CPUSET	    0x40
#define ALLOC_CMA	    0x80
#define ALLOC_NOFRAGMENT    0x100
#define ALLOC_HIGHATOMIC    0x200 /* may use (and create) the high-order atomic reserve */
#define ALLOC_KSWAPD	    0x800 /* wake kswapd: the value of __GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES	    (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)
_Static_assert(ALLOC_MIN_RESERVE == ___GFP_HIGH, "gfp_to_alloc_flags copies the bit");
_Static_assert(ALLOC_KSWAPD == ___GFP_KSWAPD_RECLAIM, "gfp_to_alloc_flags copies the bit");

#define MAX_RECLAIM_RETRIES 16

extern pg_data_t node_data_storage[MAX_NUMNODES];
extern unsigned long totalram_pages_count;
extern unsigned long totalreserve_pages;
extern int min_free_kbytes;
extern int watermark_scale_factor;
extern int sysctl_lowmem_reserve_ratio[MAX_NR_ZONES];
/* mm_init.c: set up RAM, mem_map, nodes and zones; called once by config.c. */
int page_alloc_init(void);
/* The "layout" report: the virtual memory map of the layout in force. */
void layout_show(struct seq_file *m);
/*
 * page_alloc.c, for mm_init.c: a free block of the initial RAM, a run of max-order blocks
 * deferred (free but listed only when needed), and the rest of start-up.
 */
void buddy_free_initial_block(struct zone *zone, unsigned long pfn, unsigned int order);
void buddy_defer_initial_blocks(struct zone *zone, unsigned long pfn, unsigned long nr_blocks);
int page_alloc_init_late(void);
void setup_per_zone_wmarks(void);
/*
 * might_alloc(): a blocking allocation in atomic context is reported (once per caller)
 * and made non-blocking; returns the flags to use.
 */
gfp_t might_alloc(gfp_t gfp, unsigned long caller);
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark, int highest_zoneidx,
		       unsigned int alloc_flags);
/* Pages on per-CPU lists, all zones. */
unsigned long pcp_pages_count(void);
/* For the memory map (page_map.c): a frame's pageblock migratetype, and the pcp blocks. */
int pageblock_migratetype(const struct zone *zone, unsigned long pfn);
void pcp_for_each_block(struct zone *zone,
			void (*fn)(void *ctx, struct page *page, unsigned int order), void *ctx);
void page_alloc_fork_prepare(void);
void page_alloc_fork_parent(void);
void page_alloc_fork_child(void);
static inline struct zone *page_zone(const struct page *page)
{
	return &NODE_DATA(page_to_nid(page))->node_zones[page_zonenum(page)];
}
static inline pg_data_t *page_pgdat(const struct page *page)
{
	return NODE_DATA(page_to_nid(page));
}
static inline unsigned long totalram_pages(void)
{
	return totalram_pages_count;
}

/* For page_reporting.c (zone->lock held). */
struct page *page_alloc_isolate_unreported(struct zone *zone, unsigned int order, int *mt_out);
void page_alloc_putback_reported(struct zone *zone, struct page *page, unsigned int order, int mt);

/* ---- vmscan.c: reclaim and kswapd ------------------------------------------------------ */

void wakeup_kswapd(struct zone *zone, gfp_t gfp_flags, int order, enum zone_type highest_zoneidx);
/* Direct reclaim: run the shrinkers for the caller; returns objects freed. */
unsigned long try_to_free_pages(struct zonelist *zonelist, int order, gfp_t gfp_mask);
/* Start kswapd for a node (idempotent); forget it in a forked child. */
int kswapd_run(int nid);
void kswapd_stop(int nid);
void kswapd_forget(int nid);

/* ---- shrinker.c ---------------------------------------------------------------------------- */

/* Run every registered shrinker once for @gfp_mask; returns objects freed. */
unsigned long shrink_slab(gfp_t gfp_mask, int nid, int priority);

/* ---- oom_kill.c ------------------------------------------------------------------------------ */

/* Call the OOM notifier chain; returns the pages the notifiers say they freed. */
unsigned long out_of_memory_notify(void);

/* ---- page_reporting.c ---------------------------------------------------------------------- */

/* A block of @order was freed (zone->lock held): count it if it is reportable. */
void page_reporting_notify_free(unsigned int order);
/* After dropping zone->lock: wake the reporting worker if enough is pending. */
void page_reporting_kick_slow(void);
extern _Atomic int page_reporting_pending;
static inline void page_reporting_kick(void)
{
	if (__builtin_expect(atomic_load_explicit(&page_reporting_pending, memory_order_relaxed),
			     0))
		page_reporting_kick_slow();
}
void page_reporting_init(void);
void page_reporting_forget(void);
/* Report every unreported free block now; returns the pages given back. */
unsigned long page_reporting_process(void);

/* ---- slub.c: geometry ----------------------------------------------------------------- */

/*
 * A SLUB cache's layout as mm/slub.c computes it at kmem_cache_create() time: object
 * size and alignment, where the free pointer and the debug metadata go, the slab order
 * and how many objects a slab holds, and the partial-list limits. The front end fills
 * the arguments, the back end copies the result into its struct kmem_cache.
 */

/* Boot options slab_min_order=, slab_max_order=, slab_min_objects=, slab_debug=O. */
struct slub_order_params {
	unsigned int min_order; /* default 0 */
	/* Default PAGE_ALLOC_COSTLY_ORDER (3); min_order <= max_order <= MAX_PAGE_ORDER. */
	unsigned int max_order;
	unsigned int min_objects; /* 0: 4 * (fls(nr_cpus) + 1) */
	/* slab_debug=O: drop the debug metadata if it raises the minimum order. */
	bool disable_higher_order_debug;
};

struct slub_geometry_args {
	unsigned int object_size; /* kmem_cache_create()'s size: 1..KMALLOC_MAX_SIZE */
	/* Requested alignment, 0 or a power of two. A final one given back yields itself. */
	unsigned int align;
	slab_flags_t flags; /* SLAB_*, with slab_debug= already applied */
	bool has_ctor;
	/* kmem_cache_args: a word inside the object for the free pointer (TYPESAFE_BY_RCU). */
	bool use_freeptr_offset;
	unsigned int freeptr_offset;
	unsigned int nr_cpus;	      /* num_present_cpus(): sets the objects wanted per slab */
	unsigned int nr_cpu_ids;      /* possible CPUs, counted if nr_cpus <= 1 (0: nr_cpus) */
	unsigned int cache_line_size; /* for SLAB_HWCACHE_ALIGN; 0: L1_CACHE_BYTES (64) */
	const struct slub_order_params *params; /* NULL: the kernel's defaults */
};

/*
 * The kmem_cache fields of the same names. One object takes `size` bytes of the slab:
 *   [left red zone][object, word-rounded][right red zone word]   <- inuse ends here
 *   [free pointer, unless inside the object][2 struct track][kmalloc request size]
 *   [padding word][padding to align]
 * where the parts after the object exist only with the flags that need them.
 */
struct slub_geometry {
	/* In effect: __OBJECT_POISON set or cleared, metadata flags dropped by slab_debug=O. */
	slab_flags_t flags;
	unsigned int object_size;
	unsigned int size;	   /* slab_size: the stride between objects, multiple of align */
	unsigned int align;	   /* calculate_alignment(): power of two >= ARCH_SLAB_MINALIGN */
	unsigned int inuse;	   /* object plus right red zone: where the metadata begins */
	unsigned int offset;	   /* the free pointer's offset; >= inuse: outside the object */
	unsigned int red_left_pad; /* left red zone before each object (SLAB_RED_ZONE) */
	unsigned int order;	   /* s->oo: the slab order wanted, and the objects per slab */
	unsigned int objects;
	unsigned int min_order; /* s->min: the fallback when that order cannot be had */
	unsigned int min_objects;
	unsigned long min_partial;	/* empty slabs kept on a node's partial list */
	unsigned int cpu_partial;	/* objects on per-CPU partial slabs (0 for debug caches) */
	unsigned int cpu_partial_slabs; /* the same limit in slabs, taken as half full */
};

/*
 * slab_common.c: the object alignment a cache gets, from the requested one, the flags
 * (SLAB_HWCACHE_ALIGN: a cache line, halved while the object fits in half of it) and
 * ARCH_SLAB_MINALIGN; a multiple of the word size.
 */
unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size,
				 unsigned int cache_line);

/* Fill @out for a cache created with @args: 0, or -EINVAL where the kernel refuses. */
int slub_calculate_geometry(const struct slub_geometry_args *args, struct slub_geometry *out);

/* mm/slab.h: the flags that make a cache a debug cache (no lockless fast path). */
#define SLAB_DEBUG_FLAGS \
	(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS)
/* mm/slab.h: SLUB-internal flags in the same word. */
#define __OBJECT_POISON	 __SLAB_FLAG_BIT(_SLAB_OBJECT_POISON) /* poison the object itself */
#define __CMPXCHG_DOUBLE __SLAB_FLAG_BIT(_SLAB_CMPXCHG_DOUBLE)
/*
 * sizeof(struct track) in the debug metadata, as x86-64 with CONFIG_STACKDEPOT has it
 * (addr, stack depot handle, cpu, pid, 4 bytes of padding, when). The debug code's
 * struct track must have this size for the geometry to stay the kernel's.
 */
#define SLUB_TRACK_SIZE 32

/* ---- slub_debug.c: the slab_debug= option (KMM_DEBUG) ------------------------------------ */

/*
 * Parse the slab_debug string (mm/slub.c's setup_slub_debug): once, at start-up, before
 * any cache exists. NULL or "" without KMM_DEBUG set: no debugging.
 */
void setup_slub_debug(const char *str);
/* The flags a cache named @name gets: @flags plus what slab_debug asks for it. */
slab_flags_t kmem_cache_flags(slab_flags_t flags, const char *name);
/* slab_debug=O: no debug metadata on caches whose order it would raise. */
extern bool slub_debug_disable_higher_order;

/* ---- stackdepot.c: saved stack traces (lib/stackdepot.c) ------------------------------- */

typedef u32 depot_stack_handle_t; /* 0: no stack */
/* Save @nr_entries frames once; returns their handle, 0 if the depot is full. */
depot_stack_handle_t stack_depot_save(unsigned long *entries, unsigned int nr_entries,
				      gfp_t alloc_flags);
unsigned int stack_depot_fetch(depot_stack_handle_t handle, unsigned long **entries);
/* One " symbol+0xoff/0xsize" line per frame, or "(stack is not available)". */
void stack_depot_print(depot_stack_handle_t stack);
void stack_trace_print(const unsigned long *entries, unsigned int nr_entries, int spaces);
/* The caller's stack, less @skipnr frames above the caller; returns the frames stored. */
unsigned int stack_trace_save(unsigned long *store, unsigned int size, unsigned int skipnr);
/* Hold / release the depot's lock across fork() (both parent and child release). */
void stack_depot_fork_prepare(void);
void stack_depot_fork_release(void);

/* ---- vmalloc.c: the vmalloc window ------------------------------------------------------ */

/* Reserve the window and set up its trees; called once by config.c after slab_init(). */
int vmalloc_init(void);
void vmallocinfo_show(struct seq_file *m);
/* For the memory map: call @fn for each page of every vmalloc() area (vmap_area_lock held). */
void vmalloc_for_each_page(void (*fn)(void *ctx, const struct page *page), void *ctx);
/* Hold / release the vmap locks across fork() (both parent and child release). */
void vmalloc_fork_prepare(void);
void vmalloc_fork_release(void);

/* ---- highmem.c: kmap ---------------------------------------------------------------- */

/* Hold / release kmap_lock across fork() (both parent and child release). */
void highmem_fork_prepare(void);
void highmem_fork_release(void);
/* What vmap_tree_check() found: areas and bytes of each tree. */
struct vmap_tree_stats {
	unsigned long nr_busy, busy_bytes;	/* handed out */
	unsigned long nr_lazy, lazy_bytes;	/* freed, awaiting a purge */
	unsigned long nr_free, free_bytes;	/* reusable; areas maximal */
	unsigned long largest_free, lazy_pages; /* lazy_pages: the purge counter */
};
/*
 * Check the vmap trees: each sorted, disjoint and in step with its list, the free areas
 * merged and their subtree_max_size right, and the window covered exactly once by the
 * three. Returns 0, or -EINVAL after printing the first fault. @stats may be NULL.
 */
int vmap_tree_check(struct vmap_tree_stats *stats);

/* ---- kfence.c: KFENCE (the rest of its API is <linux/kfence.h>) ----------------------- */

/*
 * The sampling gate: 0 while open (the next allocation takes a KFENCE object), nonzero
 * while closed. Read with atomics only.
 */
extern int kfence_allocation_gate;
void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags, unsigned long caller);
/*
 * A KFENCE object for this allocation of @size bytes from @s, or NULL (most of the time).
 * @caller is the allocator's caller (_RET_IP_ of its entry point): reports and tracks
 * start their stacks there. The kernel's kfence_alloc() finds that frame by name.
 */
static inline void *kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags,
				 unsigned long caller)
{
	if (__builtin_expect(__atomic_load_n(&kfence_allocation_gate, __ATOMIC_RELAXED) != 0, 1))
		return NULL;
	return __kfence_alloc(s, size, flags, caller);
}
/* __kfence_free() called from the free entry point whose caller is (near) @caller. */
void kfence_free_caller(void *addr, unsigned long caller);

/* Set up the pool and start the sample timer if kfence.sample_interval is set. */
void kfence_init(void);
void kfence_fork_prepare(void);
void kfence_fork_parent(void);
void kfence_fork_child(void);
void kfence_stats_show(struct seq_file *m);
void kfence_objects_show(struct seq_file *m);
/* The cache a KFENCE object was allocated from (NULL: not an object). */
struct kmem_cache *kfence_object_cache(const void *addr);

/* ---- exit_check.c: KMM_CHECK_AT_EXIT ------------------------------------------------ */

/* If configured, note the pages in use after start-up and check again at exit. */
void exit_check_init(void);
/*
 * Hand back everything that is only cached (RCU callbacks, lazily freed vmalloc areas,
 * every cache shrunk, per-CPU page lists) until nothing changes; the pages still in use.
 */
unsigned long pages_in_use_quiesced(void);

/* ---- kmemleak.c: kmemleak (the annotations are in <linux/kmemleak.h>) ------------------- */

/* Start kmemleak if configured: it then holds slab_hooks_get() for good. */
void kmemleak_init(void);
void kmemleak_fork_prepare(void);
void kmemleak_fork_parent(void);
void kmemleak_fork_child(void);
void kmemleak_show(struct seq_file *m);
/* True while kmemleak tracks objects: the hooks below do nothing otherwise. */
extern bool kmemleak_enabled;
/* page_alloc.c's hooks: a block of 1 << @order pages allocated / freed. */
/*
 * alloc_pages_node() on behalf of @caller, the code that asked (kmalloc's caller for a
 * large kmalloc): the caller kmemleak and might_sleep reports name.
 */
struct page *alloc_pages_caller(gfp_t gfp, unsigned int order, int preferred_nid,
				unsigned long caller);
/* @caller: who asked, as the allocators record it; the exit check attributes leaks by it. */
void kmemleak_alloc_pages(struct page *page, unsigned int order, gfp_t gfp, unsigned long caller);
void kmemleak_alloc_caller(const void *ptr, size_t size, int min_count, gfp_t gfp,
			   unsigned long caller);
void kmemleak_set_caller(const void *ptr, unsigned long caller);
/*
 * At exit: the leaked objects that no other leaked object points to, each passed to
 * @show with the caller that allocated it. Returns how many; 0 if kmemleak is off.
 */
int kmemleak_exit_leaks(void (*show)(unsigned long ptr, size_t size, unsigned long caller));
void kmemleak_free_pages(struct page *page, unsigned int order);
/* slab_common.c's: the pages became a slab, whose objects are tracked one by one. */
struct slab;
void kmemleak_slab_pages(struct slab *slab);

#endif /* KMM_INTERNAL_H */
