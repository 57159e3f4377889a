/* SPDX-License-Identifier: MIT */
/*
 * kmemleak.c - the kernel memory leak detector (mm/kmemleak.c): a record of every
 * allocated object, a tracing garbage collector's mark phase over them, and the report
 * of the objects nothing points to.
 *
 * The one idea: an object is a leak when no word of the program's memory holds its
 * address. A scan colours every object white (count 0), then reads the roots - data,
 * bss and thread stacks (port_for_each_root()) - word by word: a word that points into
 * an object raises its count, and an object whose count reaches its min_count turns
 * gray and is itself read in turn. What stays white, was allocated at least min_age ago
 * and has not changed since the previous scan (its crc32 is the same) is reported.
 * min_count 0 objects (kmemleak_not_leak) start gray; min_count -1 objects
 * (kmemleak_ignore) are black: neither reported nor read.
 *
 * kmm adds one rule to the kernel's: a page block from the page allocator is tracked by
 * its direct-map address, and a pointer to its struct page in mem_map counts as a
 * reference too, since that is how page users hold pages.
 *
 * Objects are kept in an rbtree by address and on a list, under kmemleak_lock, which a
 * scan holds throughout (scan_mutex keeps scans one at a time), so no object is freed
 * while it is read. Metadata comes from the port, never from kmm itself. kmemleak is
 * a boot-time option: on from start-up, it holds slab_hooks_get() for good so that
 * every slab allocation and free reaches the hooks.
 */
#include <linux/kfence.h>
#include <linux/kmemleak.h>
#include <linux/vmalloc.h>

#include "kasan.h"
#include "rbtree.h"
#include "slab.h"

#define MAX_TRACE	 16 /* stack trace length */
#define HEX_ROW_SIZE	 16 /* dump line size */
#define HEX_GROUP_SIZE	 1  /* number of bytes to print at a time */
#define HEX_MAX_LINES	 2  /* maximum number of lines to dump */
#define KMEMLEAK_GREY	 0
#define KMEMLEAK_BLACK	 -1
#define MIN_COUNT_KEEP	 -2  /* paint_object(): leave min_count as it is */
#define HZ		 250 /* jiffies as an x86-64 distribution kernel counts them */
#define INITIAL_JIFFIES	 ((unsigned long)(unsigned int)(-300 * HZ))
#define TASK_COMM_LEN	 16
#define OBJECT_POOL_GROW (1UL << 20) /* metadata taken from the port at a time */

/* flags */
#define OBJECT_ALLOCATED  (1 << 0) /* the object is in use */
#define OBJECT_REPORTED	  (1 << 1) /* already reported as a leak */
#define OBJECT_NO_SCAN	  (1 << 2) /* its contents hold no pointers */
#define OBJECT_PAGES	  (1 << 3) /* a page block: freed by the page allocator's hook */
#define OBJECT_LEAK_CHILD (1 << 4) /* at exit: another leaked object points to it */

struct kmemleak_object {
	unsigned int flags;
	struct list_head object_list; /* on object_list, by age */
	struct list_head gray_list;   /* on the scan's gray_list, while gray in a scan */
	struct rb_node rb_node;	      /* in object_tree_root, by pointer */
	unsigned long pointer;
	size_t size;
	unsigned long scan_offset, scan_size; /* kmemleak_scan_area(); size 0: all */
	int min_count;			      /* the references it needs; GREY, BLACK */
	int count;			      /* the references found by this scan */
	u32 checksum;			      /* crc32 of the contents at the previous scan */
	int pid;
	char comm[TASK_COMM_LEN];
	unsigned long jiffies; /* creation time */
	unsigned long caller;  /* who asked: the return address into the allocation's caller */
	unsigned int trace_len;
	void *trace[MAX_TRACE];
};

bool kmemleak_enabled;
static spinlock_t kmemleak_lock = SPIN_LOCK_UNLOCKED;
static DEFINE_MUTEX(scan_mutex);
static struct rb_root object_tree_root = RB_ROOT;
static LIST_HEAD(object_list);
static LIST_HEAD(gray_list);
static LIST_HEAD(object_pool); /* free metadata, gray_list links them */
/*
 * Bounds of all objects, for scan_block's quick test: (min_addr, max_addr]. The bss is
 * scanned too, so neither may hold an object's address: one below the lowest object,
 * and the end of the highest.
 */
static unsigned long min_addr = ~0UL, max_addr;
static unsigned long jiffies_min_age, jiffies_last_scan, jiffies_scan_wait;
static struct port_thread *scan_thread;
static unsigned int scan_thread_stop;
static u32 crc32_table[256];

static unsigned long jiffies_now(void)
{
	return INITIAL_JIFFIES + (unsigned long)(port_clock_ns() / (1000000000 / HZ));
}

static unsigned long msecs_to_jiffies(unsigned long ms)
{
	return (ms * HZ + 999) / 1000;
}

/* ---- crc32 (lib/crc32.c's crc32_le, seed 0 as kmemleak calls it) ------------------- */

static void crc32_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & (0U - (c & 1)));
		crc32_table[i] = c;
	}
}

/* Reads whole objects, red zones included (update_checksum()). */
__attribute__((no_sanitize_address)) static u32 crc32(u32 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc >> 8) ^ crc32_table[(crc ^ *p++) & 0xff];
	return crc;
}

/* ---- object metadata and the tree ---------------------------------------------------- */

/* kmemleak_lock held: metadata from the pool, grown from the port (never freed). */
static struct kmemleak_object *mem_pool_alloc(void)
{
	struct kmemleak_object *object;

	if (list_empty(&object_pool)) {
		char *chunk = port_metadata_alloc(OBJECT_POOL_GROW);

		if (!chunk)
			return NULL;
		for (size_t off = 0; off + sizeof(*object) <= OBJECT_POOL_GROW;
		     off += sizeof(*object))
			list_add_tail(&((struct kmemleak_object *)(chunk + off))->gray_list,
				      &object_pool);
	}
	object = list_first_entry(&object_pool, struct kmemleak_object, gray_list);
	list_del(&object->gray_list);
	return object;
}

static void mem_pool_free(struct kmemleak_object *object)
{
	list_add(&object->gray_list, &object_pool);
}

/* The object @ptr points into (@alias) or starts at (!@alias); kmemleak_lock held. */
static struct kmemleak_object *lookup_object(unsigned long ptr, bool alias)
{
	struct rb_node *rb = object_tree_root.rb_node;

	while (rb) {
		struct kmemleak_object *object = rb_entry(rb, struct kmemleak_object, rb_node);

		if (ptr < object->pointer)
			rb = object->rb_node.rb_left;
		else if (object->pointer + object->size <= ptr)
			rb = object->rb_node.rb_right;
		else if (object->pointer == ptr || alias)
			return object;
		else
			return NULL;
	}
	return NULL;
}

/* The object with the lowest address above @ptr; kmemleak_lock held. */
static struct kmemleak_object *lookup_object_after(unsigned long ptr)
{
	struct rb_node *rb = object_tree_root.rb_node;
	struct kmemleak_object *best = NULL;

	while (rb) {
		struct kmemleak_object *object = rb_entry(rb, struct kmemleak_object, rb_node);

		if (object->pointer > ptr) {
			best = object;
			rb = object->rb_node.rb_left;
		} else {
			rb = object->rb_node.rb_right;
		}
	}
	return best;
}

/* kmemleak_lock held: false if @object overlaps one already there. */
static bool insert_object(struct kmemleak_object *object)
{
	struct rb_node **link = &object_tree_root.rb_node, *parent = NULL;

	while (*link) {
		struct kmemleak_object *other = rb_entry(*link, struct kmemleak_object, rb_node);

		parent = *link;
		if (object->pointer + object->size <= other->pointer)
			link = &other->rb_node.rb_left;
		else if (other->pointer + other->size <= object->pointer)
			link = &other->rb_node.rb_right;
		else
			return false;
	}
	rb_link_node(&object->rb_node, parent, link);
	rb_insert_color(&object->rb_node, &object_tree_root);
	list_add_tail(&object->object_list, &object_list);
	min_addr = min(min_addr, object->pointer - 1);
	max_addr = max(max_addr, object->pointer + object->size);
	return true;
}

static void remove_object(struct kmemleak_object *object)
{
	rb_erase(&object->rb_node, &object_tree_root);
	list_del(&object->object_list);
	mem_pool_free(object);
}

static void copy_comm(char *dst)
{
	const char *comm = port_task_comm();
	size_t i = 0;

	for (; comm && comm[i] && i < TASK_COMM_LEN - 1; i++)
		dst[i] = comm[i];
	dst[i] = '\0';
}

/* __create_object(): @trace is the allocation's stack, captured by the caller. */
static void create_object(unsigned long ptr, size_t size, int min_count, unsigned int flags,
			  unsigned long caller, void *const trace[], unsigned int trace_len)
{
	struct kmemleak_object *object, *other;
	bool inserted, tracked = false;

	port_stack_register(); /* a thread that allocates may hold pointers on its stack */
	spin_lock(&kmemleak_lock);
	object = mem_pool_alloc();
	if (!object) {
		spin_unlock(&kmemleak_lock);
		pr_warn_once("kmemleak: Cannot allocate a kmemleak_object structure\n");
		return;
	}
	*object = (struct kmemleak_object){
		.flags = OBJECT_ALLOCATED | flags,
		.pointer = ptr,
		.size = size,
		.min_count = min_count,
		.pid = port_task_id(),
		.jiffies = jiffies_now(),
		.caller = caller,
		.trace_len = trace_len,
	};
	INIT_LIST_HEAD(&object->gray_list);
	copy_comm(object->comm);
	memcpy(object->trace, trace, trace_len * sizeof(trace[0]));
	inserted = insert_object(object);
	if (!inserted) {
		mem_pool_free(object);
		/* SLOB's large kmalloc: its pages are tracked already */
		other = lookup_object(ptr, false);
		tracked = other && (other->flags & OBJECT_PAGES) && !(flags & OBJECT_PAGES);
	}
	spin_unlock(&kmemleak_lock);
	if (!inserted && !tracked)
		pr_warn("kmemleak: Cannot insert 0x%lx into the object search tree (overlaps "
			"existing)\n",
			ptr);
}

/* Forget the object at @ptr (exactly), if there is one with @flags among its flags. */
static bool delete_object(unsigned long ptr, unsigned int flags)
{
	struct kmemleak_object *object;

	spin_lock(&kmemleak_lock);
	object = lookup_object(ptr, false);
	if (object && (object->flags & flags) == flags)
		remove_object(object);
	else
		object = NULL;
	spin_unlock(&kmemleak_lock);
	return object != NULL;
}

/* Set min_count (and flags) of the object at @ptr; false if it is unknown. */
static bool paint_object(unsigned long ptr, int min_count, unsigned int set_flags)
{
	struct kmemleak_object *object;

	spin_lock(&kmemleak_lock);
	object = lookup_object(ptr, false);
	if (object) {
		if (min_count != MIN_COUNT_KEEP)
			object->min_count = min_count;
		object->flags |= set_flags;
	}
	spin_unlock(&kmemleak_lock);
	return object != NULL;
}

/* ---- the API ----------------------------------------------------------------------------- */

/* The allocation's stack, the caller's frame first: kmemleak's own frame is dropped. */
#define save_stack_trace(trace, len)                                   \
	do {                                                           \
		void *entries_[MAX_TRACE + 1];                         \
		int n_ = port_backtrace(entries_, MAX_TRACE + 1);      \
		(len) = n_ > 1 ? (unsigned int)n_ - 1 : 0;             \
		memcpy((trace), entries_ + 1, (len) * sizeof(void *)); \
	} while (0)

static bool kmemleak_tracks(const void *ptr)
{
	return READ_ONCE(kmemleak_enabled) && !ZERO_OR_NULL_PTR(ptr);
}

/* kmemleak_alloc() with the caller named: the allocators' hooks pass their API's caller. */
static __always_inline void track_alloc(const void *ptr, size_t size, int min_count,
					unsigned long caller)
{
	void *trace[MAX_TRACE];
	unsigned int len;

	if (!kmemleak_tracks(ptr))
		return;
	if (is_kfence_address(ptr)) /* the object only: a cache's size may reach the guard */
		size = kfence_ksize(ptr);
	save_stack_trace(trace, len);
	create_object((unsigned long)ptr, size, min_count, 0, caller, trace, len);
}

noinline void kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp)
{
	(void)gfp;
	track_alloc(ptr, size, min_count, _RET_IP_);
}

noinline void kmemleak_alloc_caller(const void *ptr, size_t size, int min_count, gfp_t gfp,
				    unsigned long caller)
{
	(void)gfp;
	track_alloc(ptr, size, min_count, caller);
}

/* An object handed on by an API other than the one that allocated it (mempool_alloc()). */
void kmemleak_set_caller(const void *ptr, unsigned long caller)
{
	struct kmemleak_object *object;

	if (!kmemleak_tracks(ptr))
		return;
	spin_lock(&kmemleak_lock);
	object = lookup_object((unsigned long)ptr, false);
	if (object)
		object->caller = caller;
	spin_unlock(&kmemleak_lock);
}

/*
 * A vmalloc area: one reference is the vm_struct's own (area->addr), so it takes two
 * (the kernel's min_count = 2). The vmap_area's bounds are kept out of the scan by the
 * kmemleak_scan_area() vmalloc makes on each.
 */
noinline void kmemleak_vmalloc(const struct vm_struct *area, size_t size, gfp_t gfp)
{
	void *trace[MAX_TRACE];
	unsigned int len;

	if (!kmemleak_tracks(area))
		return;
	save_stack_trace(trace, len);
	create_object((unsigned long)area->addr, size, 2, 0, (unsigned long)area->caller, trace,
		      len);
}

void kmemleak_free(const void *ptr)
{
	if (kmemleak_tracks(ptr) && !delete_object((unsigned long)ptr, 0))
		pr_warn("kmemleak: Freeing unknown object at 0x%08lx\n", (unsigned long)ptr);
}

/* delete_object_part(): what is left of the object on either side stays tracked. */
void kmemleak_free_part(const void *ptr, size_t size)
{
	unsigned long start = (unsigned long)ptr, end = start + size, ostart, oend;
	struct kmemleak_object object, *o;

	if (!kmemleak_tracks(ptr))
		return;
	spin_lock(&kmemleak_lock);
	o = lookup_object(start, true);
	if (o) {
		object = *o;
		remove_object(o);
	}
	spin_unlock(&kmemleak_lock);
	if (!o) {
		pr_warn("kmemleak: Partially freeing unknown object at 0x%08lx (size %zu)\n", start,
			size);
		return;
	}
	ostart = object.pointer;
	oend = object.pointer + object.size;
	if (ostart < start)
		create_object(ostart, start - ostart, object.min_count,
			      object.flags & ~OBJECT_ALLOCATED, object.caller, object.trace,
			      object.trace_len);
	if (end < oend)
		create_object(end, oend - end, object.min_count, object.flags & ~OBJECT_ALLOCATED,
			      object.caller, object.trace, object.trace_len);
}

noinline void kmemleak_update_trace(const void *ptr)
{
	struct kmemleak_object *object;
	void *trace[MAX_TRACE];
	unsigned int len;

	if (!kmemleak_tracks(ptr))
		return;
	save_stack_trace(trace, len);
	spin_lock(&kmemleak_lock);
	object = lookup_object((unsigned long)ptr, true);
	if (object) {
		memcpy(object->trace, trace, len * sizeof(trace[0]));
		object->trace_len = len;
	}
	spin_unlock(&kmemleak_lock);
	if (!object)
		pr_warn("kmemleak: Updating stack trace for unknown object at %p\n", ptr);
}

void kmemleak_not_leak(const void *ptr)
{
	if (kmemleak_tracks(ptr) && !paint_object((unsigned long)ptr, KMEMLEAK_GREY, 0))
		pr_warn("kmemleak: Trying to color unknown object at 0x%08lx as Grey\n",
			(unsigned long)ptr);
}

void kmemleak_ignore(const void *ptr)
{
	if (kmemleak_tracks(ptr) && !paint_object((unsigned long)ptr, KMEMLEAK_BLACK, 0))
		pr_warn("kmemleak: Trying to color unknown object at 0x%08lx as Black\n",
			(unsigned long)ptr);
}

void kmemleak_no_scan(const void *ptr)
{
	if (kmemleak_tracks(ptr) &&
	    !paint_object((unsigned long)ptr, MIN_COUNT_KEEP, OBJECT_NO_SCAN))
		pr_warn("kmemleak: Unknown object at 0x%08lx\n", (unsigned long)ptr);
}

void kmemleak_scan_area(const void *ptr, size_t size, gfp_t gfp)
{
	struct kmemleak_object *object;
	unsigned long p = (unsigned long)ptr;

	if (!kmemleak_tracks(ptr))
		return;
	spin_lock(&kmemleak_lock);
	object = lookup_object(p, true);
	if (object) {
		object->scan_offset = p - object->pointer;
		object->scan_size = min(size, object->size - object->scan_offset);
	}
	spin_unlock(&kmemleak_lock);
	if (!object)
		pr_warn("kmemleak: Adding scan area to unknown object at 0x%08lx\n", p);
}

/* ---- kmm's hooks: pages and slabs -------------------------------------------------------- */

noinline void kmemleak_alloc_pages(struct page *page, unsigned int order, gfp_t gfp,
				   unsigned long caller)
{
	void *trace[MAX_TRACE];
	unsigned int len;

	if (PageHighMem(page))
		return; /* no address that a pointer could hold */
	save_stack_trace(trace, len);
	create_object((unsigned long)page_address(page), PAGE_SIZE << order, 1, OBJECT_PAGES,
		      caller, trace, len);
}

void kmemleak_free_pages(struct page *page, unsigned int order)
{
	if (!PageHighMem(page))
		delete_object((unsigned long)page_address(page), OBJECT_PAGES);
}

/* A new slab: its objects are tracked one by one, not its pages as one block. */
void kmemleak_slab_pages(struct slab *slab)
{
	if (READ_ONCE(kmemleak_enabled))
		delete_object((unsigned long)slab_address(slab), OBJECT_PAGES);
}

/* ---- scanning ------------------------------------------------------------------------------ */

static bool color_white(const struct kmemleak_object *object)
{
	return object->count != KMEMLEAK_BLACK && object->count < object->min_count;
}

static bool color_gray(const struct kmemleak_object *object)
{
	return object->min_count != KMEMLEAK_BLACK && object->count >= object->min_count;
}

/* A reference to @object: white objects count it, and turn gray at min_count. */
static void update_refs(struct kmemleak_object *object)
{
	if (!color_white(object))
		return; /* non-orphan, ignored or new */
	object->count++;
	if (color_gray(object))
		list_add_tail(&object->gray_list, &gray_list);
}

/* A pointer into mem_map: the struct page of a page block kmemleak may track. */
static unsigned long struct_page_target(unsigned long pointer)
{
	unsigned long offset = pointer - (unsigned long)mem_map;
	unsigned long pfn = offset / sizeof(struct page);

	if (offset % sizeof(struct page) || pfn >= max_low_pfn)
		return 0;
	return (unsigned long)page_address(pfn_to_page(pfn));
}

/*
 * The object @pointer refers to: one it points into, or the page block whose struct page
 * it points at - only a page block: a slab page's struct page is no reference to the
 * object that happens to start the slab.
 */
static struct kmemleak_object *pointer_target(unsigned long pointer)
{
	struct kmemleak_object *object;

	if (pointer > min_addr && pointer < max_addr)
		return lookup_object(pointer, true);
	pointer = struct_page_target(pointer);
	object = pointer ? lookup_object(pointer, false) : NULL;
	return object && (object->flags & OBJECT_PAGES) ? object : NULL;
}

static void scan_pointer(unsigned long pointer, const struct kmemleak_object *scanned)
{
	struct kmemleak_object *object = pointer_target(pointer);

	if (object && object != scanned)
		update_refs(object);
}

/*
 * scan_block(): every aligned word of [start, end). The roots include other threads'
 * stacks and the sanitizers' red zones, which are read on purpose, racily.
 */
__attribute__((no_sanitize_address, no_sanitize_thread)) static void
scan_block(const void *start, const void *end, const struct kmemleak_object *scanned)
{
	const unsigned long *ptr = (const unsigned long *)ALIGN((unsigned long)start, sizeof(long));
	const unsigned long *last = (const unsigned long *)end;

	for (; ptr + 1 <= last; ptr++)
		scan_pointer(*ptr, scanned);
}

static void scan_root(void *arg, const void *start, const void *end)
{
	scan_block(start, end, NULL);
}

static void scan_object(struct kmemleak_object *object)
{
	unsigned long start = object->pointer;
	unsigned long size = object->size;

	if (object->flags & OBJECT_NO_SCAN || !(object->flags & OBJECT_ALLOCATED))
		return;
	if (object->scan_size) {
		start += object->scan_offset;
		size = object->scan_size;
	}
	scan_block((const void *)start, (const void *)(start + size), object);
}

/* Read the gray objects, and those that turn gray meanwhile (appended to the list). */
static void scan_gray_list(void)
{
	while (!list_empty(&gray_list)) {
		struct kmemleak_object *object =
			list_first_entry(&gray_list, struct kmemleak_object, gray_list);

		scan_object(object);
		list_del_init(&object->gray_list);
	}
}

__attribute__((no_sanitize_address, no_sanitize_thread)) static bool
update_checksum(struct kmemleak_object *object)
{
	u32 old_csum = object->checksum;

	object->checksum = crc32(0, (const u8 *)object->pointer, object->size);
	return object->checksum != old_csum;
}

static bool unreferenced_object(const struct kmemleak_object *object)
{
	return color_white(object) && (object->flags & OBJECT_ALLOCATED) &&
	       (long)(jiffies_last_scan - (object->jiffies + jiffies_min_age)) >= 0;
}

/*
 * The mark phase: every object white again but the gray ones, then what the roots reach
 * and what those reach in turn (scan_mutex and kmemleak_lock held).
 */
static noinline void mark_from_roots(void)
{
	struct kmemleak_object *object;

	list_for_each_entry(object, &object_list, object_list) {
		object->count = 0;
		object->flags &= ~OBJECT_LEAK_CHILD;
		if (color_gray(object))
			list_add_tail(&object->gray_list, &gray_list);
	}
	/* the scanning thread's registers: onto its stack, which is a root */
	__builtin_unwind_init();
	port_for_each_root(scan_root, NULL);
	scan_gray_list();
}

/* kmemleak_scan(): scan_mutex and kmemleak_lock held. Returns the new leaks. */
static int kmemleak_scan_locked(void)
{
	struct kmemleak_object *object;
	int new_leaks = 0;

	jiffies_last_scan = jiffies_now();
	mark_from_roots();

	/* Re-scan the objects that changed since the previous scan: they may be in use. */
	list_for_each_entry(object, &object_list, object_list) {
		if (color_white(object) && (object->flags & OBJECT_ALLOCATED) &&
		    update_checksum(object)) {
			/* color it gray temporarily */
			object->count = object->min_count;
			list_add_tail(&object->gray_list, &gray_list);
		}
	}
	scan_gray_list();

	list_for_each_entry(object, &object_list, object_list) {
		if (unreferenced_object(object) && !(object->flags & OBJECT_REPORTED)) {
			object->flags |= OBJECT_REPORTED;
			new_leaks++;
		}
	}
	return new_leaks;
}

static int kmemleak_scan(void)
{
	int new_leaks;

	mutex_lock(&scan_mutex);
	spin_lock(&kmemleak_lock);
	/* objects' red zones and free memory are read on purpose (kasan_disable_current()) */
	metadata_access_enable();
	new_leaks = kmemleak_scan_locked();
	metadata_access_disable();
	spin_unlock(&kmemleak_lock);
	mutex_unlock(&scan_mutex);
	if (new_leaks)
		pr_info("kmemleak: %d new suspected memory leaks (see "
			"/sys/kernel/debug/kmemleak)\n",
			new_leaks);
	return new_leaks;
}

int kmm_kmemleak_scan(void)
{
	kmm_ensure_init();
	return READ_ONCE(kmemleak_enabled) ? kmemleak_scan() : -1;
}

/* kmemleak_clear(): the leaks reported so far are forgotten, never reported again. */
void kmm_kmemleak_clear(void)
{
	struct kmemleak_object *object;

	kmm_ensure_init();
	spin_lock(&kmemleak_lock);
	list_for_each_entry(object, &object_list, object_list) {
		if (object->flags & OBJECT_REPORTED && unreferenced_object(object))
			object->min_count = KMEMLEAK_GREY; /* __paint_it(object, KMEMLEAK_GREY) */
	}
	spin_unlock(&kmemleak_lock);
}

/* ---- at exit: the roots of what was lost ----------------------------------------------- */

/* A leaked object's words: the other leaked objects they point to are not roots. */
__attribute__((no_sanitize_address, no_sanitize_thread)) static void
mark_leak_children(const struct kmemleak_object *leak)
{
	const unsigned long *p = (const unsigned long *)ALIGN(leak->pointer, sizeof(long));
	const unsigned long *end = (const unsigned long *)(leak->pointer + leak->size);

	if (leak->flags & OBJECT_NO_SCAN)
		return;
	for (; p + 1 <= end; p++) {
		struct kmemleak_object *object = pointer_target(*p);

		if (object && object != leak)
			object->flags |= OBJECT_LEAK_CHILD;
	}
}

static bool exit_leak(const struct kmemleak_object *object)
{
	return color_white(object) && (object->flags & OBJECT_ALLOCATED);
}

/*
 * One mark phase (at exit nothing changes any more: no age, no checksum rule), then
 * @show for each leaked object that no other leaked object points to - a lost pointer
 * rather than what hung from it - or, if the leaks only point at each other, for every
 * one. Returns how many were shown.
 */
int kmemleak_exit_leaks(void (*show)(unsigned long ptr, size_t size, unsigned long caller))
{
	struct kmemleak_object *object;
	int roots = 0, leaks = 0;

	if (!READ_ONCE(kmemleak_enabled))
		return 0;
	mutex_lock(&scan_mutex);
	spin_lock(&kmemleak_lock);
	metadata_access_enable();
	mark_from_roots();
	list_for_each_entry(object, &object_list, object_list) {
		if (exit_leak(object)) {
			mark_leak_children(object);
			leaks++;
		}
	}
	list_for_each_entry(object, &object_list, object_list)
		roots += exit_leak(object) && !(object->flags & OBJECT_LEAK_CHILD);
	list_for_each_entry(object, &object_list, object_list) {
		if (exit_leak(object) && (!(object->flags & OBJECT_LEAK_CHILD) || !roots))
			show(object->pointer, object->size, object->caller);
	}
	roots = roots ? roots : leaks;
	metadata_access_disable();
	spin_unlock(&kmemleak_lock);
	mutex_unlock(&scan_mutex);
	return roots;
}

/*
 * kmemleak_scan_thread(): the first scan after 60 s (SECS_FIRST_SCAN), or after one
 * period if that is shorter, then one every period.
 */
static void kmemleak_scan_thread(void *arg)
{
	uint64_t period_ns = (uint64_t)jiffies_scan_wait * (1000000000 / HZ);
	uint64_t wait_ns = min(60ULL * 1000000000, period_ns);

	while (!READ_ONCE(scan_thread_stop)) {
		port_wait(&scan_thread_stop, 0, wait_ns);
		if (READ_ONCE(scan_thread_stop))
			break;
		kmemleak_scan();
		wait_ns = period_ns;
	}
}

static void start_scan_thread(void)
{
	if (!jiffies_scan_wait)
		return;
	WRITE_ONCE(scan_thread_stop, 0);
	if (port_thread_create(&scan_thread, kmemleak_scan_thread, NULL, "kmemleak"))
		pr_warn("kmemleak: Failed to create the scan thread\n");
	else
		pr_info("kmemleak: Automatic memory scanning thread started\n");
}

/* ---- the report (/sys/kernel/debug/kmemleak) --------------------------------------------- */

/* An unreferenced object as print_unreferenced() needs it, copied under the lock. */
struct leak_snapshot {
	struct kmemleak_object object;
	u8 head[HEX_ROW_SIZE * HEX_MAX_LINES];
	size_t head_len;
};

__attribute__((no_sanitize_address)) static void snapshot_head(struct leak_snapshot *snap)
{
	const u8 *p = (const u8 *)snap->object.pointer;

	snap->head_len = min(snap->object.size, sizeof(snap->head));
	metadata_access_enable(); /* the leak's red zone may be in it */
	for (size_t i = 0; i < snap->head_len; i++)
		snap->head[i] = p[i];
	metadata_access_disable();
}

/* The next reported leak above @cursor; false when there is none. */
static bool next_leak(unsigned long cursor, struct leak_snapshot *snap)
{
	struct kmemleak_object *object;
	bool found = false;

	spin_lock(&kmemleak_lock);
	for (object = lookup_object_after(cursor); object;
	     object = lookup_object_after(object->pointer)) {
		if ((object->flags & OBJECT_REPORTED) && unreferenced_object(object)) {
			snap->object = *object;
			snapshot_head(snap);
			found = true;
			break;
		}
	}
	spin_unlock(&kmemleak_lock);
	return found;
}

/* hex_dump_to_buffer(rowsize 16, groupsize 1, ascii) as print_hex_dump() prints it. */
static void hex_dump_line(struct seq_file *seq, const u8 *p, size_t len)
{
	static const char hex_asc[] = "0123456789abcdef";
	const size_t ascii_column = HEX_ROW_SIZE * 2 + HEX_ROW_SIZE / HEX_GROUP_SIZE + 1;
	char line[HEX_ROW_SIZE * 4 + 8];
	size_t lx = 0;

	for (size_t j = 0; j < len; j++) {
		line[lx++] = hex_asc[p[j] >> 4];
		line[lx++] = hex_asc[p[j] & 0xf];
		line[lx++] = ' ';
	}
	if (len)
		lx--;
	while (lx < ascii_column)
		line[lx++] = ' ';
	for (size_t j = 0; j < len; j++)
		line[lx++] = p[j] >= 0x20 && p[j] < 0x7f ? (char)p[j] : '.';
	line[lx] = '\0';
	seq_printf(seq, "    %s\n", line);
}

static void print_unreferenced(struct seq_file *seq, const struct leak_snapshot *snap)
{
	const struct kmemleak_object *object = &snap->object;
	char sym[256];

	seq_printf(seq, "unreferenced object 0x%08lx (size %zu):\n", object->pointer, object->size);
	seq_printf(seq, "  comm \"%s\", pid %d, jiffies %lu\n", object->comm, object->pid,
		   object->jiffies);
	seq_printf(seq, "  hex dump (first %zu bytes):\n", snap->head_len);
	for (size_t off = 0; off < snap->head_len; off += HEX_ROW_SIZE)
		hex_dump_line(seq, snap->head + off,
			      min((size_t)HEX_ROW_SIZE, snap->head_len - off));
	seq_printf(seq, "  backtrace (crc %x):\n", object->checksum);
	for (unsigned int i = 0; i < object->trace_len; i++) {
		port_symbolize(object->trace[i], sym, sizeof(sym));
		seq_printf(seq, "    %s\n", sym);
	}
}

/* Every leak found so far, by address; no lock is held while the text goes out. */
void kmemleak_show(struct seq_file *seq)
{
	static struct leak_snapshot snap; /* under show_mutex: too big for a stack */
	static DEFINE_MUTEX(show_mutex);
	unsigned long cursor = 0;

	mutex_lock(&show_mutex);
	while (READ_ONCE(kmemleak_enabled) && next_leak(cursor, &snap)) {
		print_unreferenced(seq, &snap);
		cursor = snap.object.pointer;
	}
	/* the copy lies in the bss, which scans read: it must not keep the leak referenced */
	memset(&snap, 0, sizeof(snap));
	mutex_unlock(&show_mutex);
}

/* ---- start-up and fork --------------------------------------------------------------------- */

void kmemleak_init(void)
{
	if (kmm_cfg.kmemleak <= 0)
		return;
	crc32_init();
	jiffies_min_age = kmm_cfg.kmemleak_min_age_ms > 0 ?
				  msecs_to_jiffies((unsigned long)kmm_cfg.kmemleak_min_age_ms) :
				  0;
	jiffies_scan_wait =
		kmm_cfg.kmemleak_scan_secs > 0 ? (unsigned long)kmm_cfg.kmemleak_scan_secs * HZ : 0;
	port_stack_register();
	slab_hooks_get();
	WRITE_ONCE(kmemleak_enabled, true);
	pr_info("kmemleak: Kernel memory leak detector initialized (mem pool available: %lu)\n",
		(unsigned long)(OBJECT_POOL_GROW / sizeof(struct kmemleak_object)));
	start_scan_thread();
}

void kmemleak_fork_prepare(void)
{
	if (kmemleak_enabled) {
		mutex_lock(&scan_mutex);
		spin_lock(&kmemleak_lock);
	}
}

void kmemleak_fork_parent(void)
{
	if (kmemleak_enabled) {
		spin_unlock(&kmemleak_lock);
		mutex_unlock(&scan_mutex);
	}
}

void kmemleak_fork_child(void)
{
	if (!kmemleak_enabled)
		return;
	spin_unlock(&kmemleak_lock);
	mutex_unlock(&scan_mutex);
	port_stack_register(); /* the forking thread, the child's only one */
	start_scan_thread();
}
