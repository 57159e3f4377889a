/* SPDX-License-Identifier: MIT */
/*
 * kfence.c - KFENCE, the kernel's sampling memory-safety error detector (mm/kfence/
 * core.c and report.c): the pool, guarded allocation and free, canaries, the sample
 * timer, the fault handler, the reports and the statistics.
 *
 * The one idea: a few allocations, one every sample_interval ms, are served from a pool
 * where each object has a page of its own between two guard pages. The object sits at a
 * random end of its page; the rest of the page is canary bytes (0xaa ^ (addr & 7)),
 * checked when the object is freed. The guard pages and a freed object's page are
 * protected, so an out-of-bounds access on the object's page-side end or any
 * use-after-free faults; the handler reports it, unprotects the page and lets the
 * program go on, as the kernel does.
 *
 * Pool layout ((num_objects + 1) * 2 pages, outside kmm's direct map, so that kfree()
 * and kmem_cache_free() reach KFENCE through their invalid-address paths and the fast
 * paths pay nothing): pages 0 and 1 are guards; object i has page 2 + 2i and the guard
 * page 3 + 2i after it. The pages are RAM from the page allocator, mapped into a window
 * reserved through the port like vmalloc's.
 *
 * Sampling: the "kfence" thread sleeps sample_interval ms, opens kfence_allocation_gate
 * and holds slab_hooks_get() until an allocation has gone through the gate, so that the
 * next allocation of any thread reaches slab_alloc_slow() and kfence_alloc() (the
 * kernel's timer and static key). Locks: kfence_freelist_lock, then a meta->lock; the
 * fault handler takes only the faulting object's meta->lock.
 */
#include <linux/kfence.h>

#include "kasan.h"
#include "slab.h"

#define KFENCE_STACK_DEPTH	       64
#define KFENCE_CANARY_PATTERN_U8(addr) ((u8)0xaa ^ (u8)((unsigned long)(addr)&0x7))
#define KFENCE_NUM_OBJECTS_MAX	       65535 /* a pool of at most 512 MiB */

enum kfence_object_state {
	KFENCE_OBJECT_UNUSED,	 /* never allocated */
	KFENCE_OBJECT_ALLOCATED, /* in use */
	KFENCE_OBJECT_FREED,	 /* allocated, then freed: its page is protected */
};

struct kfence_track {
	int pid;
	int cpu;
	uint64_t ts_nsec;
	int num_stack_entries;
	int skipnr; /* the allocator's own frames, at the start of the stack */
	void *stack_entries[KFENCE_STACK_DEPTH];
};

struct kfence_metadata {
	struct list_head list; /* on kfence_freelist while not allocated */
	spinlock_t lock;       /* the fields below */
	enum kfence_object_state state;
	unsigned long addr; /* the object's address; its page start while never used */
	size_t size;
	struct kmem_cache *cache;
	unsigned long unprotected_page; /* a guard page a fault opened: closed at free */
	struct kfence_track alloc_track;
	struct kfence_track free_track;
};

enum kfence_error_type {
	KFENCE_ERROR_OOB,
	KFENCE_ERROR_UAF,
	KFENCE_ERROR_CORRUPTION,
	KFENCE_ERROR_INVALID,
	KFENCE_ERROR_INVALID_FREE,
};

enum kfence_counter_id {
	KFENCE_COUNTER_ALLOCATED,
	KFENCE_COUNTER_ALLOCS,
	KFENCE_COUNTER_FREES,
	KFENCE_COUNTER_ZOMBIES,
	KFENCE_COUNTER_BUGS,
	KFENCE_COUNTER_SKIP_INCOMPAT,
	KFENCE_COUNTER_SKIP_CAPACITY,
	KFENCE_COUNTER_SKIP_COVERED,
	KFENCE_COUNTER_COUNT,
};

static const char *const counter_names[] = {
	[KFENCE_COUNTER_ALLOCATED] = "currently allocated",
	[KFENCE_COUNTER_ALLOCS] = "total allocations",
	[KFENCE_COUNTER_FREES] = "total frees",
	[KFENCE_COUNTER_ZOMBIES] = "zombie allocations",
	[KFENCE_COUNTER_BUGS] = "total bugs",
	[KFENCE_COUNTER_SKIP_INCOMPAT] = "skipped allocations (incompatible)",
	[KFENCE_COUNTER_SKIP_CAPACITY] = "skipped allocations (capacity)",
	[KFENCE_COUNTER_SKIP_COVERED] = "skipped allocations (covered)",
};
_Static_assert(ARRAY_SIZE(counter_names) == KFENCE_COUNTER_COUNT, "a name per counter");

char *__kfence_pool;
unsigned long kfence_pool_size;
int kfence_allocation_gate = 1; /* closed until the first sample */

static bool kfence_enabled;
static unsigned long kfence_sample_interval; /* ms */
static unsigned int kfence_num_objects;
static struct kfence_metadata *kfence_metadata;
static LIST_HEAD(kfence_freelist);
static spinlock_t kfence_freelist_lock = SPIN_LOCK_UNLOCKED;
static _Atomic long counters[KFENCE_COUNTER_COUNT];
static uint64_t kfence_boot_ns; /* local_clock()'s zero */
static struct port_thread *kfence_timer_thread;
static unsigned int kfence_timer_stop;
static bool kfence_timer_holds_hooks; /* kfence_freelist_lock */

/* ---- the pool --------------------------------------------------------------------- */

static uint64_t local_clock(void)
{
	return port_clock_ns() - kfence_boot_ns;
}

static struct kfence_metadata *addr_to_metadata(unsigned long addr)
{
	long index;

	if (!is_kfence_address((void *)addr))
		return NULL;
	/* pages 0 and 1 are guards: index -1 */
	index = (long)((addr - (unsigned long)__kfence_pool) / (PAGE_SIZE * 2)) - 1;
	if (index < 0 || index >= (long)kfence_num_objects)
		return NULL;
	return &kfence_metadata[index];
}

static unsigned long metadata_to_pageaddr(const struct kfence_metadata *meta)
{
	return (unsigned long)__kfence_pool +
	       (unsigned long)(meta - kfence_metadata + 1) * 2 * PAGE_SIZE;
}

static bool kfence_protect(unsigned long addr)
{
	return !port_protect_pages((void *)ALIGN(addr - (PAGE_SIZE - 1), PAGE_SIZE), 1,
				   PORT_PROT_NONE);
}

static bool kfence_unprotect(unsigned long addr)
{
	return !port_protect_pages((void *)ALIGN(addr - (PAGE_SIZE - 1), PAGE_SIZE), 1,
				   PORT_PROT_READ | PORT_PROT_WRITE);
}

/* Back the window with RAM, in blocks as large as the buddy allocator has. */
static int kfence_map_pool(char *pool, unsigned long nr_pages)
{
	unsigned long done = 0;

	while (done < nr_pages) {
		unsigned int order = min((unsigned int)(63 - __builtin_clzl(nr_pages - done)),
					 (unsigned int)MAX_PAGE_ORDER);
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);

		if (!page)
			return -1;
		if (port_map_pages(pool + done * PAGE_SIZE, page_to_pfn(page), 1UL << order,
				   PORT_PROT_READ | PORT_PROT_WRITE))
			return -1;
		done += 1UL << order;
	}
	return 0;
}

/* kfence_init_pool(): guard pages protected, every object on the freelist. */
static void kfence_init_pool(void)
{
	unsigned long addr = (unsigned long)__kfence_pool;

	kfence_protect(addr);
	kfence_protect(addr + PAGE_SIZE);
	for (unsigned int i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &kfence_metadata[i];

		addr += 2 * PAGE_SIZE;
		spin_lock_init(&meta->lock);
		meta->state = KFENCE_OBJECT_UNUSED;
		meta->addr = addr;
		list_add_tail(&meta->list, &kfence_freelist);
		kfence_protect(addr + PAGE_SIZE);
	}
}

/* ---- reports (mm/kfence/report.c) ---------------------------------------------------- */

/* Helper function to either print to a seq_file or to console. */
static __printf(2, 3) void seq_con_printf(struct seq_file *seq, const char *fmt, ...)
{
	char buf[512];
	va_list args;

	va_start(args, fmt);
	if (seq) {
		vscnprintf(buf, sizeof(buf), fmt, args);
		seq_puts(seq, buf);
	} else {
		vprintk(fmt, args);
	}
	va_end(args);
}

static bool str_has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The allocator's entry points, where the caller's frames begin. */
static bool is_alloc_entry(const char *sym)
{
	return str_has_prefix(sym, "kfree") || str_has_prefix(sym, "kmem_cache_free") ||
	       str_has_prefix(sym, "__kmalloc") || str_has_prefix(sym, "kmem_cache_alloc");
}

/*
 * get_stack_skipnr(): the frames to skip to get out of mm internals. The kernel looks
 * for the allocator's entry point by name; kmm's internal functions are static and have
 * no name a backtrace can show, so kmm finds the frame of @caller, the entry point's
 * return address (or an address in the entry point, when it did not tail-call: that
 * frame is skipped too). Without it, the whole stack is shown.
 */
static int get_stack_skipnr(void *const stack_entries[], int num_entries, unsigned long caller)
{
	char buf[256];

	for (int skipnr = 0; skipnr < num_entries; skipnr++) {
		if (stack_entries[skipnr] != (void *)caller)
			continue;
		port_symbolize(stack_entries[skipnr], buf, sizeof(buf));
		if (is_alloc_entry(buf) && skipnr + 1 < num_entries)
			skipnr++;
		return skipnr;
	}
	return 0;
}

static void print_stack_entry(struct seq_file *seq, void *entry)
{
	char sym[256];

	port_symbolize(entry, sym, sizeof(sym));
	seq_con_printf(seq, " %s\n", sym);
}

static void kfence_print_stack(struct seq_file *seq, const struct kfence_metadata *meta,
			       bool show_alloc)
{
	const struct kfence_track *track = show_alloc ? &meta->alloc_track : &meta->free_track;
	uint64_t ts = track->ts_nsec, interval = local_clock() - track->ts_nsec;

	/* Timestamp matches printk timestamp format. */
	seq_con_printf(seq, "%s by task %d on cpu %d at %lu.%06lus (%lu.%06lus ago):\n",
		       show_alloc ? "allocated" : "freed", track->pid, track->cpu,
		       (unsigned long)(ts / 1000000000), (unsigned long)(ts % 1000000000) / 1000,
		       (unsigned long)(interval / 1000000000),
		       (unsigned long)(interval % 1000000000) / 1000);
	if (track->num_stack_entries) {
		/* Skip allocation/free internals stack. */
		for (int i = track->skipnr; i < track->num_stack_entries; i++)
			print_stack_entry(seq, track->stack_entries[i]);
	} else {
		seq_con_printf(seq, " no %s stack\n", show_alloc ? "allocation" : "deallocation");
	}
}

/* @meta: a snapshot, or the object with its lock held. */
static void kfence_print_object(struct seq_file *seq, const struct kfence_metadata *meta,
				long index)
{
	const int size = (int)meta->size;
	const unsigned long start = meta->addr;
	const struct kmem_cache *const cache = meta->cache;

	if (meta->state == KFENCE_OBJECT_UNUSED) {
		seq_con_printf(seq, "kfence-#%ld unused\n", index);
		return;
	}
	seq_con_printf(seq, "kfence-#%ld: 0x%016lx-0x%016lx, size=%d, cache=%s\n\n", index, start,
		       start + size - 1, size,
		       (cache && cache->name) ? cache->name : "<destroyed>");
	kfence_print_stack(seq, meta, true);
	if (meta->state == KFENCE_OBJECT_FREED) {
		seq_con_printf(seq, "\n");
		kfence_print_stack(seq, meta, false);
	}
}

/* Show bytes at @address that are different from the expected canary values. */
static void print_diff_canary(unsigned long address, size_t bytes_to_show,
			      const struct kfence_metadata *meta)
{
	const unsigned long show_until_addr = address + bytes_to_show;
	const u8 *cur, *end;

	/* Do not show contents of object nor read into following guard page. */
	end = (const u8 *)(address < meta->addr ? min(show_until_addr, meta->addr) :
						  min(show_until_addr, ALIGN(address, PAGE_SIZE)));
	pr_cont("[");
	for (cur = (const u8 *)address; cur < end; cur++) {
		if (*cur == KFENCE_CANARY_PATTERN_U8(cur))
			pr_cont(" .");
		else /* kmm hashes no pointers: the kernel's no_hash_pointers output */
			pr_cont(" 0x%02x", *cur);
	}
	pr_cont(" ]");
}

static const char *get_access_type(bool is_write)
{
	return is_write ? "write" : "read";
}

/*
 * @ip: the faulting instruction, or for errors found by a free, the free's caller (as
 * get_stack_skipnr() takes it): the stack shown starts there.
 */
static void kfence_report_error(unsigned long address, bool is_write, unsigned long ip,
				const struct kfence_metadata *meta, enum kfence_error_type type)
{
	void *stack_entries[KFENCE_STACK_DEPTH] = { 0 };
	const long object_index = meta ? meta - kfence_metadata : -1;
	int num_stack_entries = port_backtrace(stack_entries, KFENCE_STACK_DEPTH);
	int skipnr = get_stack_skipnr(stack_entries, num_stack_entries, ip);
	char sym[256];

	port_symbolize(stack_entries[skipnr], sym, sizeof(sym));
	pr_err("==================================================================\n");
	switch (type) {
	case KFENCE_ERROR_OOB: {
		const bool left_of_object = address < meta->addr;

		pr_err("BUG: KFENCE: out-of-bounds %s in %s\n\n", get_access_type(is_write), sym);
		pr_err("Out-of-bounds %s at 0x%016lx (%luB %s of kfence-#%ld):\n",
		       get_access_type(is_write), address,
		       left_of_object ? meta->addr - address : address - meta->addr,
		       left_of_object ? "left" : "right", object_index);
		break;
	}
	case KFENCE_ERROR_UAF:
		pr_err("BUG: KFENCE: use-after-free %s in %s\n\n", get_access_type(is_write), sym);
		pr_err("Use-after-free %s at 0x%016lx (in kfence-#%ld):\n",
		       get_access_type(is_write), address, object_index);
		break;
	case KFENCE_ERROR_CORRUPTION:
		pr_err("BUG: KFENCE: memory corruption in %s\n\n", sym);
		pr_err("Corrupted memory at 0x%016lx ", address);
		print_diff_canary(address, 16, meta);
		pr_cont(" (in kfence-#%ld):\n", object_index);
		break;
	case KFENCE_ERROR_INVALID:
		pr_err("BUG: KFENCE: invalid %s in %s\n\n", get_access_type(is_write), sym);
		pr_err("Invalid %s at 0x%016lx:\n", get_access_type(is_write), address);
		break;
	case KFENCE_ERROR_INVALID_FREE:
		pr_err("BUG: KFENCE: invalid free in %s\n\n", sym);
		pr_err("Invalid free of 0x%016lx (in kfence-#%ld):\n", address, object_index);
		break;
	}
	for (int i = skipnr; i < num_stack_entries; i++)
		print_stack_entry(NULL, stack_entries[i]);
	if (meta) {
		pr_err("\n");
		kfence_print_object(NULL, meta, object_index);
	}
	pr_err("\n");
	dump_stack_print_info(KERN_ERR);
	pr_err("==================================================================\n");
	/* We encountered a memory safety error, taint the kernel! */
	add_taint(TAINT_BAD_PAGE);
}

/* ---- allocation and free ------------------------------------------------------------- */

static void metadata_update_state(struct kfence_metadata *meta, enum kfence_object_state next,
				  unsigned long caller)
{
	struct kfence_track *track =
		next == KFENCE_OBJECT_FREED ? &meta->free_track : &meta->alloc_track;

	track->num_stack_entries = port_backtrace(track->stack_entries, KFENCE_STACK_DEPTH);
	track->skipnr = get_stack_skipnr(track->stack_entries, track->num_stack_entries, caller);
	track->pid = port_task_id();
	track->cpu = (int)smp_processor_id();
	track->ts_nsec = local_clock();
	WRITE_ONCE(meta->state, next);
}

/* set_canary(): every byte of the page that is not the object. */
static void set_canary(const struct kfence_metadata *meta)
{
	const unsigned long pageaddr = ALIGN(meta->addr - (PAGE_SIZE - 1), PAGE_SIZE);

	for (unsigned long addr = pageaddr; addr < meta->addr; addr++)
		*(u8 *)addr = KFENCE_CANARY_PATTERN_U8(addr);
	for (unsigned long addr = meta->addr + meta->size; addr < pageaddr + PAGE_SIZE; addr++)
		*(u8 *)addr = KFENCE_CANARY_PATTERN_U8(addr);
}

static bool check_canary_byte(u8 *addr, unsigned long caller)
{
	struct kfence_metadata *meta;

	if (__builtin_expect(*addr == KFENCE_CANARY_PATTERN_U8(addr), 1))
		return true;
	atomic_fetch_add(&counters[KFENCE_COUNTER_BUGS], 1);
	meta = addr_to_metadata((unsigned long)addr);
	spin_lock(&meta->lock);
	kfence_report_error((unsigned long)addr, false, caller, meta, KFENCE_ERROR_CORRUPTION);
	spin_unlock(&meta->lock);
	return false;
}

/* check_canary(): the first corrupted byte on each side of the object is reported. */
static void check_canary(const struct kfence_metadata *meta, unsigned long caller)
{
	const unsigned long pageaddr = ALIGN(meta->addr - (PAGE_SIZE - 1), PAGE_SIZE);
	unsigned long addr;

	for (addr = pageaddr; addr < meta->addr; addr++)
		if (!check_canary_byte((u8 *)addr, caller))
			break;
	for (addr = meta->addr + meta->size; addr < pageaddr + PAGE_SIZE; addr++)
		if (!check_canary_byte((u8 *)addr, caller))
			break;
}

static struct kfence_metadata *kfence_freelist_take(void)
{
	struct kfence_metadata *meta = NULL;

	spin_lock(&kfence_freelist_lock);
	if (!list_empty(&kfence_freelist)) {
		meta = list_first_entry(&kfence_freelist, struct kfence_metadata, list);
		list_del_init(&meta->list);
	}
	spin_unlock(&kfence_freelist_lock);
	return meta;
}

static void *kfence_guarded_alloc(struct kmem_cache *cache, size_t size, gfp_t gfp,
				  unsigned long caller)
{
	struct kfence_metadata *meta = kfence_freelist_take();
	void *addr;

	if (!meta) {
		atomic_fetch_add(&counters[KFENCE_COUNTER_SKIP_CAPACITY], 1);
		return NULL;
	}
	spin_lock(&meta->lock);
	meta->addr = metadata_to_pageaddr(meta);
	/* Unprotect if we're reusing this page. */
	if (meta->state == KFENCE_OBJECT_FREED)
		kfence_unprotect(meta->addr);
	if (port_random_u64() & 1) {
		/* Allocate on the "right" side, re-calculate address. */
		meta->addr += PAGE_SIZE - size;
		meta->addr &= ~(unsigned long)(cache->align ? cache->align - 1 : 0);
	}
	addr = (void *)meta->addr;
	metadata_update_state(meta, KFENCE_OBJECT_ALLOCATED, caller);
	WRITE_ONCE(meta->cache, cache);
	meta->size = size;
	spin_unlock(&meta->lock);

	set_canary(meta);
	/* Initialised here, not by the back-end, which would overwrite the canaries. */
	if (unlikely(slab_want_init_on_alloc(gfp, cache)))
		memset(addr, 0, size);
	if (cache->ctor)
		cache->ctor(addr);
	atomic_fetch_add(&counters[KFENCE_COUNTER_ALLOCATED], 1);
	atomic_fetch_add(&counters[KFENCE_COUNTER_ALLOCS], 1);
	return addr;
}

void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags, unsigned long caller)
{
	/* Perform size check before switching the gate, so that a sample is not wasted. */
	if (!size || size > PAGE_SIZE) {
		atomic_fetch_add(&counters[KFENCE_COUNTER_SKIP_INCOMPAT], 1);
		return NULL;
	}
	/* The pool's pages cannot promise a zone (DMA) or a node. */
	if ((flags & GFP_ZONEMASK) || (s->flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32))) {
		atomic_fetch_add(&counters[KFENCE_COUNTER_SKIP_INCOMPAT], 1);
		return NULL;
	}
	if (s->flags & SLAB_SKIP_KFENCE)
		return NULL;
	if (__atomic_add_fetch(&kfence_allocation_gate, 1, __ATOMIC_ACQ_REL) > 1)
		return NULL;
	port_wake((const unsigned int *)&kfence_allocation_gate, 1);
	if (!READ_ONCE(kfence_enabled))
		return NULL;
	return kfence_guarded_alloc(s, size, flags, caller);
}

static void kfence_guarded_free(void *addr, struct kfence_metadata *meta, unsigned long caller)
{
	spin_lock(&meta->lock);
	if (meta->state != KFENCE_OBJECT_ALLOCATED || meta->addr != (unsigned long)addr) {
		/* Invalid or double-free, bail out. */
		atomic_fetch_add(&counters[KFENCE_COUNTER_BUGS], 1);
		kfence_report_error((unsigned long)addr, false, caller, meta,
				    KFENCE_ERROR_INVALID_FREE);
		spin_unlock(&meta->lock);
		return;
	}
	if (meta->unprotected_page) {
		memset((void *)ALIGN(meta->unprotected_page - (PAGE_SIZE - 1), PAGE_SIZE), 0,
		       PAGE_SIZE);
		kfence_protect(meta->unprotected_page);
		meta->unprotected_page = 0;
	}
	metadata_update_state(meta, KFENCE_OBJECT_FREED, caller);
	spin_unlock(&meta->lock);

	/* Check canary bytes for memory corruption. */
	check_canary(meta, caller);
	/* init_on_free: the object's own bytes only, the canaries around it stay */
	if (unlikely(slab_want_init_on_free(meta->cache)))
		memset(addr, 0, meta->size);
	/* Protect to detect use-after-frees. */
	kfence_protect((unsigned long)addr);

	spin_lock(&kfence_freelist_lock);
	list_add_tail(&meta->list, &kfence_freelist);
	spin_unlock(&kfence_freelist_lock);
	atomic_fetch_sub(&counters[KFENCE_COUNTER_ALLOCATED], 1);
	atomic_fetch_add(&counters[KFENCE_COUNTER_FREES], 1);
}

void kfence_free_caller(void *addr, unsigned long caller)
{
	struct kfence_metadata *meta = addr_to_metadata((unsigned long)addr);

	if (!meta) {
		/* a guard page of the pool's head: the kernel's invalid access */
		atomic_fetch_add(&counters[KFENCE_COUNTER_BUGS], 1);
		kfence_report_error((unsigned long)addr, false, caller, NULL, KFENCE_ERROR_INVALID);
		return;
	}
	kfence_guarded_free(addr, meta, caller);
}

void __kfence_free(void *addr)
{
	kfence_free_caller(addr, _RET_IP_);
}

size_t kfence_ksize(const void *addr)
{
	const struct kfence_metadata *meta = addr_to_metadata((unsigned long)addr);

	return meta && READ_ONCE(meta->state) == KFENCE_OBJECT_ALLOCATED ? meta->size : 0;
}

void *kfence_object_start(const void *addr)
{
	const struct kfence_metadata *meta = addr_to_metadata((unsigned long)addr);

	return meta ? (void *)meta->addr : NULL;
}

struct kmem_cache *kfence_object_cache(const void *addr)
{
	const struct kfence_metadata *meta = addr_to_metadata((unsigned long)addr);

	return meta ? READ_ONCE(meta->cache) : NULL;
}

/* ---- the fault handler ----------------------------------------------------------------- */

/* A guard page's fault: the nearer of the allocated objects on either side. */
static struct kfence_metadata *oob_object(unsigned long addr)
{
	struct kfence_metadata *to_report = NULL, *meta;
	unsigned long distance = 0;

	meta = addr_to_metadata(addr - PAGE_SIZE);
	if (meta && READ_ONCE(meta->state) == KFENCE_OBJECT_ALLOCATED) {
		to_report = meta;
		distance = addr - (meta->addr + meta->size);
	}
	meta = addr_to_metadata(addr + PAGE_SIZE);
	if (meta && READ_ONCE(meta->state) == KFENCE_OBJECT_ALLOCATED) {
		if (!to_report || distance > meta->addr - addr)
			to_report = meta;
	}
	return to_report;
}

bool kfence_handle_page_fault(unsigned long addr, bool is_write, void *ip)
{
	const long page_index = (long)((addr - (unsigned long)__kfence_pool) / PAGE_SIZE);
	struct kfence_metadata *to_report;
	enum kfence_error_type error_type;

	if (!is_kfence_address((void *)addr))
		return false;
	if (!READ_ONCE(kfence_enabled))	       /* If disabled at runtime ... */
		return kfence_unprotect(addr); /* ... unprotect and proceed. */
	atomic_fetch_add(&counters[KFENCE_COUNTER_BUGS], 1);
	if (page_index % 2) {
		/* This is a redzone, report a buffer overflow. */
		error_type = KFENCE_ERROR_OOB;
		to_report = oob_object(addr);
	} else {
		error_type = KFENCE_ERROR_UAF;
		to_report = addr_to_metadata(addr);
	}
	if (to_report) {
		spin_lock(&to_report->lock);
		if (error_type == KFENCE_ERROR_OOB)
			to_report->unprotected_page = addr;
		kfence_report_error(addr, is_write, (unsigned long)ip, to_report, error_type);
		spin_unlock(&to_report->lock);
	} else {
		/* This may be a UAF or OOB access, but we can't be sure. */
		kfence_report_error(addr, is_write, (unsigned long)ip, NULL, KFENCE_ERROR_INVALID);
	}
	return kfence_unprotect(addr); /* Unprotect and let access proceed. */
}

/* ---- sampling -------------------------------------------------------------------------- */

/*
 * Open the gate and take the hooks (the kernel's static key), or give them back. Under
 * kfence_freelist_lock so that a fork sees both or neither.
 */
static void kfence_gate_open(bool open)
{
	spin_lock(&kfence_freelist_lock);
	if (open) {
		__atomic_store_n(&kfence_allocation_gate, 0, __ATOMIC_RELEASE);
		slab_hooks_get();
	} else {
		slab_hooks_put();
	}
	kfence_timer_holds_hooks = open;
	spin_unlock(&kfence_freelist_lock);
}

/* toggle_allocation_gate(), in a loop: open the gate, wait for an allocation to take it. */
static void kfence_timer(void *arg)
{
	const uint64_t interval_ns = (uint64_t)kfence_sample_interval * 1000000;

	while (!READ_ONCE(kfence_timer_stop)) {
		port_wait(&kfence_timer_stop, 0, interval_ns);
		if (READ_ONCE(kfence_timer_stop))
			break;
		kfence_gate_open(true);
		while (!__atomic_load_n(&kfence_allocation_gate, __ATOMIC_ACQUIRE) &&
		       !READ_ONCE(kfence_timer_stop))
			port_wait((const unsigned int *)&kfence_allocation_gate, 0,
				  100ULL * 1000 * 1000);
		kfence_gate_open(false);
	}
}

static void kfence_timer_start(void)
{
	WRITE_ONCE(kfence_timer_stop, 0);
	if (port_thread_create(&kfence_timer_thread, kfence_timer, NULL, "kfence"))
		pr_warn("kfence: cannot start the sample timer; no objects will be sampled\n");
}

/* ---- start-up, fork, statistics ------------------------------------------------------- */

void kfence_init(void)
{
	unsigned long pool_pages;

	kfence_sample_interval = (unsigned long)kmm_cfg.kfence_sample_interval;
	kfence_num_objects = (unsigned int)kmm_cfg.kfence_num_objects;
	if (kmm_cfg.kfence_sample_interval <= 0 || !kfence_num_objects)
		return;
	if (slab_ops->kmalloc) {
		pr_info("kfence: not available with SLOB (the kernel's depends on SLAB || SLUB)\n");
		return;
	}
	pool_pages = 2UL * (kfence_num_objects + 1);
	kfence_metadata = port_metadata_alloc(kfence_num_objects * sizeof(*kfence_metadata));
	__kfence_pool = port_vm_reserve(pool_pages * PAGE_SIZE, PAGE_SIZE);
	if (!kfence_metadata || !__kfence_pool || kfence_map_pool(__kfence_pool, pool_pages)) {
		pr_err("kfence: failed to allocate the pool\n");
		__kfence_pool = NULL; /* what was taken stays taken, as a failed boot pool */
		return;
	}
	kfence_pool_size = pool_pages * PAGE_SIZE;
	kfence_boot_ns = port_clock_ns();
	kfence_init_pool();
	if (port_fault_handler_register(kfence_handle_page_fault)) {
		pr_err("kfence: cannot handle faults; KFENCE stays off\n");
		return;
	}
	WRITE_ONCE(kfence_enabled, true);
	kfence_timer_start();
	pr_info("kfence: initialized - using %lu bytes for %u objects at %p-%p\n", kfence_pool_size,
		kfence_num_objects, (void *)__kfence_pool,
		(void *)(__kfence_pool + kfence_pool_size));
}

/* Fork: no KFENCE lock held across it; the child gets a timer thread of its own. */
void kfence_fork_prepare(void)
{
	if (kfence_enabled)
		spin_lock(&kfence_freelist_lock);
}

void kfence_fork_parent(void)
{
	if (kfence_enabled)
		spin_unlock(&kfence_freelist_lock);
}

void kfence_fork_child(void)
{
	if (!kfence_enabled)
		return;
	/* the parent's timer may have held the hooks: that holder is gone with its thread */
	if (kfence_timer_holds_hooks)
		slab_hooks_put();
	kfence_timer_holds_hooks = false;
	__atomic_store_n(&kfence_allocation_gate, 1, __ATOMIC_RELEASE);
	spin_unlock(&kfence_freelist_lock);
	kfence_timer_start();
}

/* /sys/kernel/debug/kfence/stats */
void kfence_stats_show(struct seq_file *seq)
{
	seq_printf(seq, "enabled: %i\n", READ_ONCE(kfence_enabled));
	for (int i = 0; i < KFENCE_COUNTER_COUNT; i++)
		seq_printf(seq, "%s: %ld\n", counter_names[i], atomic_load(&counters[i]));
}

/* /sys/kernel/debug/kfence/objects: each object from a snapshot, printed unlocked. */
void kfence_objects_show(struct seq_file *seq)
{
	static struct kfence_metadata snapshot;
	static DEFINE_MUTEX(objects_mutex);

	mutex_lock(&objects_mutex);
	for (unsigned int i = 0; kfence_enabled && i < kfence_num_objects; i++) {
		spin_lock(&kfence_metadata[i].lock);
		snapshot = kfence_metadata[i];
		spin_unlock(&kfence_metadata[i].lock);
		kfence_print_object(seq, &snapshot, (long)i);
		seq_puts(seq, "---------------------------------\n");
	}
	memset(&snapshot, 0, sizeof(snapshot)); /* no stale reference for kmemleak's scans */
	mutex_unlock(&objects_mutex);
}
