/* SPDX-License-Identifier: MIT */
/*
 * vmalloc.c - virtually contiguous memory (the kernel's mm/vmalloc.c): the vmalloc
 * window's address-space allocator, vm_struct areas, vmalloc/vfree and their family,
 * vmap/vunmap of caller pages, vm_map_ram, lazy freeing, and /proc/vmallocinfo.
 *
 * The window. vmalloc_init() reserves VMALLOC_START..VMALLOC_END once from the port
 * (address space that faults on access). x86-64 has 32 TiB of vmalloc space; a process
 * can reserve far less, so kmm takes min(64 GiB, 8 x RAM), halving on refusal: room for
 * any allocation RAM can back, several times over, at no cost (nothing is committed).
 * The size is a variable, so a later layout mode (32-bit, HIGHMEM) can set its own.
 *
 * Address space. Every byte of the window is described by exactly one struct vmap_area,
 * in exactly one of three red-black trees sorted by address (with an address-sorted list
 * beside each, for neighbours and ordered walks):
 *   busy  handed out: a vm_struct area (va->vm), or a vm_map_ram range (VMAP_RAM);
 *   lazy  freed and unmapped, but its address space not yet reusable ("purge" pending);
 *   free  reusable. Free areas are maximal (two free areas never touch: they merge), and
 *         each node keeps subtree_max_size, the largest free area in its subtree, so the
 *         lowest-addressed fit for (size, align) is found in O(log n) (as the kernel's
 *         find_vmap_lowest_match()).
 * vmap_tree_check() verifies all of this.
 *
 * Lazy freeing. As in the kernel, vfree() removes the mapping at once (here: the port
 * unmaps, so a stale access faults rather than reaching a reused page), frees the pages
 * and puts the address range on the lazy tree. The kernel defers the TLB flush and the
 * reuse of the range; kmm keeps the deferral of the reuse, so the same rules hold: a
 * freed range is reused only after a purge, which happens when more than lazy_max_pages()
 * (32 MiB x log2(CPUs)) are pending, when the window has no fit, or in
 * vm_unmap_aliases().
 *
 * Pages. vmalloc takes its pages in the largest orders the buddy allocator has free
 * (opportunistically: no reclaim, no warning), falling back order by order to single
 * pages with the caller's GFP flags, and splits each block into order-0 pages
 * (split_page) as the kernel does for huge vmalloc. It maps them in runs of physically
 * contiguous frames, one port_map_pages() per run: every mapping is a host mapping, and
 * the host limits their number (vm.max_map_count), so a large vmalloc must cost few.
 *
 * Deferred frees. vfree() in interrupt context and vfree_atomic() push the area on a
 * lock-free list (the link lives in the area's first word, as the kernel's llist); the
 * next vmalloc, vfree or vm_unmap_aliases in task context frees them.
 *
 * Locks, from the outside in. Outside vmap_tree_check() no two of the spin locks are
 * ever held together:
 *   vmap_purge_lock       (mutex) one purge at a time;
 *   vmap_area_lock        the busy tree and list, and the vm_struct fields vmallocinfo
 *                         reads (pages, nr_pages, flags are published under it);
 *   purge_vmap_area_lock  the lazy tree and list;
 *   free_vmap_area_lock   the free tree and list.
 * Nothing allocates, frees or calls the port under the spin locks: vmap_areas are
 * allocated before (one spare is preloaded for the split of a free area in two), those
 * that a merge makes redundant are collected and freed after, and mappings are made and
 * removed outside them (an area is reserved under the lock, mapped after it is dropped).
 */
#include <linux/kmemleak.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "rbtree.h"

#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-4095)

/* mm/internal.h: the flags that say how hard to try, passed on to nested allocations. */
#define GFP_RECLAIM_MASK                                                                         \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | __GFP_RETRY_MAYFAIL | \
	 __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | __GFP_NOMEMALLOC | __GFP_NOLOCKDEP)

/* x86: vmalloc_32() wants pages below 4 GiB. */
#define GFP_VMALLOC32 (GFP_DMA32 | GFP_KERNEL)
/* x86: SHMLBA is a page; vmalloc_user() areas are aligned to it for remap_vmalloc_range. */
#define SHMLBA PAGE_SIZE

/* The window: at most 64 GiB, at most 8 x RAM; smaller if the host refuses. */
#define VMALLOC_WINDOW_MAX   (64UL << 30)
#define VMALLOC_WINDOW_RAM_X 8
#define VMALLOC_WINDOW_MIN   (16UL << 20)
#define VMALLOC_WINDOW_ALIGN (2UL << 20) /* a PMD, as a kernel would align it */

unsigned long vmalloc_base;
unsigned long vmalloc_end;

/* vmap_area.flags */
#define VMAP_RAM 0x1 /* a vm_map_ram() range: no vm_struct */

struct vmap_area {
	unsigned long va_start; /* page aligned; [va_start, va_end) */
	unsigned long va_end;
	struct rb_node rb_node; /* in exactly one of busy, lazy and free, by address */
	struct list_head list;	/* that tree's address-sorted list */
	union {
		unsigned long subtree_max_size; /* free: largest va_size() in this subtree */
		struct vm_struct *vm;		/* busy: the area, NULL for vm_map_ram */
	};
	unsigned long flags; /* VMAP_RAM */
	/*
	 * kmm has no page tables to walk: vmalloc_to_page() on a vmap() or vm_map_ram()
	 * range reads this copy of the pages mapped (owned by the area; NULL for vmalloc,
	 * whose vm->pages says the same).
	 */
	struct page **ptes;
	unsigned long nr_ptes;
};

static struct kmem_cache *vmap_area_cachep;

static spinlock_t vmap_area_lock = SPIN_LOCK_UNLOCKED;
static struct rb_root vmap_area_root;
static LIST_HEAD(vmap_area_list);

static spinlock_t purge_vmap_area_lock = SPIN_LOCK_UNLOCKED;
static struct rb_root purge_vmap_area_root;
static LIST_HEAD(purge_vmap_area_list);

static spinlock_t free_vmap_area_lock = SPIN_LOCK_UNLOCKED;
static struct rb_root free_vmap_area_root;
static LIST_HEAD(free_vmap_area_list);

static DEFINE_MUTEX(vmap_purge_lock);

/* Pages of address space on the lazy tree. */
static _Atomic unsigned long vmap_lazy_nr;
/* A spare vmap_area for splitting a free area in two, allocated outside the lock. */
static _Atomic(struct vmap_area *) ne_fit_preload_node;
/* Areas whose vfree() was deferred: a lock-free stack linked through the areas. */
struct vfree_deferred_node {
	struct vfree_deferred_node *next;
};
static _Atomic(struct vfree_deferred_node *) vfree_deferred_list;

static inline unsigned long va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

static inline unsigned int ilog2_ul(unsigned long n)
{
	return (unsigned int)(63 - __builtin_clzl(n));
}

static inline unsigned int fls_uint(unsigned int x)
{
	return x ? 32u - (unsigned int)__builtin_clz(x) : 0;
}

/*
 * The address space that may wait on the lazy tree before a purge: 32 MiB scaled by
 * log2 of the CPU count (fls), as the kernel: larger batches, fewer purges.
 */
static unsigned long lazy_max_pages(void)
{
	return fls_uint(nr_cpu_ids) * (32UL * 1024 * 1024 / PAGE_SIZE);
}

/* ==== augmented free tree =============================================================== */

static inline unsigned long get_subtree_max_size(const struct rb_node *node)
{
	return node ? rb_entry(node, struct vmap_area, rb_node)->subtree_max_size : 0;
}

static inline unsigned long compute_subtree_max_size(const struct vmap_area *va)
{
	return max(va_size(va), max(get_subtree_max_size(va->rb_node.rb_left),
				    get_subtree_max_size(va->rb_node.rb_right)));
}

static void free_vmap_augment_propagate(struct rb_node *rb, struct rb_node *stop)
{
	while (rb != stop) {
		struct vmap_area *va = rb_entry(rb, struct vmap_area, rb_node);
		unsigned long v = compute_subtree_max_size(va);

		if (va->subtree_max_size == v)
			break; /* the ancestors already agree */
		va->subtree_max_size = v;
		rb = rb_parent(rb);
	}
}

static void free_vmap_augment_copy(struct rb_node *rb_old, struct rb_node *rb_new)
{
	rb_entry(rb_new, struct vmap_area, rb_node)->subtree_max_size =
		rb_entry(rb_old, struct vmap_area, rb_node)->subtree_max_size;
}

static void free_vmap_augment_rotate(struct rb_node *rb_old, struct rb_node *rb_new)
{
	struct vmap_area *old = rb_entry(rb_old, struct vmap_area, rb_node);
	struct vmap_area *new = rb_entry(rb_new, struct vmap_area, rb_node);

	new->subtree_max_size = old->subtree_max_size;
	old->subtree_max_size = compute_subtree_max_size(old);
}

static const struct rb_augment_callbacks free_vmap_area_rb_augment_cb = {
	.propagate = free_vmap_augment_propagate,
	.copy = free_vmap_augment_copy,
	.rotate = free_vmap_augment_rotate,
};

static inline void augment_tree_propagate_from(struct vmap_area *va)
{
	free_vmap_augment_propagate(&va->rb_node, NULL);
}

/* ==== tree and list primitives (the caller holds the tree's lock) ========================== */

/* Where @va would be linked in @root; NULL (with a warning) if it overlaps an area there. */
static struct rb_node **find_va_links(struct vmap_area *va, struct rb_root *root,
				      struct rb_node **parent)
{
	struct rb_node **link = &root->rb_node;

	*parent = NULL;
	while (*link) {
		struct vmap_area *tmp = rb_entry(*link, struct vmap_area, rb_node);

		*parent = *link;
		if (va->va_end <= tmp->va_start) {
			link = &(*link)->rb_left;
		} else if (va->va_start >= tmp->va_end) {
			link = &(*link)->rb_right;
		} else {
			WARN(1, "vmalloc bug: 0x%lx-0x%lx overlaps with 0x%lx-0x%lx\n",
			     va->va_start, va->va_end, tmp->va_start, tmp->va_end);
			return NULL;
		}
	}
	return link;
}

/* The list entry after the slot @link below @parent: the would-be next neighbour. */
static struct list_head *get_va_next_sibling(struct rb_node *parent, struct rb_node **link)
{
	struct vmap_area *va;

	if (!parent)
		return NULL; /* empty tree */
	va = rb_entry(parent, struct vmap_area, rb_node);
	return &parent->rb_right == link ? va->list.next : &va->list;
}

static void link_va(struct vmap_area *va, struct rb_root *root, struct rb_node *parent,
		    struct rb_node **link, struct list_head *head, bool augment)
{
	if (parent) {
		head = &rb_entry(parent, struct vmap_area, rb_node)->list;
		if (&parent->rb_right != link)
			head = head->prev;
	}
	rb_link_node(&va->rb_node, parent, link);
	if (augment) {
		/* The path to the new node must count it before any rotation. */
		va->subtree_max_size = va_size(va);
		if (parent)
			augment_tree_propagate_from(rb_entry(parent, struct vmap_area, rb_node));
		rb_insert_augmented(&va->rb_node, root, &free_vmap_area_rb_augment_cb);
	} else {
		rb_insert_color(&va->rb_node, root);
	}
	list_add(&va->list, head);
}

static void unlink_va(struct vmap_area *va, struct rb_root *root, bool augment)
{
	if (WARN_ON(RB_EMPTY_NODE(&va->rb_node)))
		return;
	if (augment)
		rb_erase_augmented(&va->rb_node, root, &free_vmap_area_rb_augment_cb);
	else
		rb_erase(&va->rb_node, root);
	list_del_init(&va->list);
	RB_CLEAR_NODE(&va->rb_node);
}

static void insert_vmap_area(struct vmap_area *va, struct rb_root *root, struct list_head *head)
{
	struct rb_node *parent;
	struct rb_node **link = find_va_links(va, root, &parent);

	if (link)
		link_va(va, root, parent, link, head, false);
}

/*
 * Put @va into @root, merged with the areas just before and after it if they touch.
 * A vmap_area that the merge makes redundant goes on @garbage, to be freed once the
 * lock is dropped. Returns the area that now holds the range, NULL on overlap.
 */
static struct vmap_area *merge_or_add_vmap_area(struct vmap_area *va, struct rb_root *root,
						struct list_head *head, bool augment,
						struct list_head *garbage)
{
	struct vmap_area *sibling;
	struct list_head *next;
	struct rb_node **link;
	struct rb_node *parent;
	bool merged = false;

	link = find_va_links(va, root, &parent);
	if (!link)
		return NULL;
	next = get_va_next_sibling(parent, link);
	if (!next)
		goto insert;

	/* |<-- va -->|<-- next -->| */
	if (next != head) {
		sibling = list_entry(next, struct vmap_area, list);
		if (sibling->va_start == va->va_end) {
			sibling->va_start = va->va_start;
			list_add(&va->list, garbage);
			va = sibling;
			merged = true;
		}
	}
	/* |<-- prev -->|<-- va -->| */
	if (next->prev != head) {
		sibling = list_entry(next->prev, struct vmap_area, list);
		if (sibling->va_end == va->va_start) {
			/* Unlink the next area before the previous one grows over its range. */
			if (merged)
				unlink_va(va, root, augment);
			sibling->va_end = va->va_end;
			list_add(&va->list, garbage);
			va = sibling;
			merged = true;
		}
	}
insert:
	if (!merged)
		link_va(va, root, parent, link, head, augment);
	else if (augment)
		augment_tree_propagate_from(va);
	return va;
}

/* The busy area that contains @addr (vmap_area_lock held). */
static struct vmap_area *__find_vmap_area(unsigned long addr, struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct vmap_area *va = rb_entry(n, struct vmap_area, rb_node);

		if (addr < va->va_start)
			n = n->rb_left;
		else if (addr >= va->va_end)
			n = n->rb_right;
		else
			return va;
	}
	return NULL;
}

/* The first area of @root that starts at or after @addr (its lock held). */
static struct vmap_area *find_vmap_area_from(unsigned long addr, struct rb_root *root)
{
	struct rb_node *n = root->rb_node;
	struct vmap_area *best = NULL;

	while (n) {
		struct vmap_area *va = rb_entry(n, struct vmap_area, rb_node);

		if (va->va_start >= addr) {
			best = va;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

static void free_va_list(struct list_head *garbage)
{
	struct vmap_area *va, *n;

	list_for_each_entry_safe(va, n, garbage, list)
		kmem_cache_free(vmap_area_cachep, va);
}

/* ==== lowest fit in the free tree ========================================================== */

static bool is_within_this_va(const struct vmap_area *va, unsigned long size, unsigned long align,
			      unsigned long vstart)
{
	unsigned long nva_start_addr = ALIGN(max(va->va_start, vstart), align);

	/* Overflow from a big size or alignment. */
	if (nva_start_addr + size < nva_start_addr || nva_start_addr < vstart)
		return false;
	return nva_start_addr + size <= va->va_end;
}

/*
 * The free area with the lowest address that holds (size, align) at or above @vstart.
 * Go left while the left subtree has a big enough area; else try this node, then the
 * right subtree; if neither (alignment or vstart defeated the size test), climb back to
 * the first ancestor whose right subtree may still hold a fit.
 */
static struct vmap_area *find_vmap_lowest_match(struct rb_root *root, unsigned long size,
						unsigned long align, unsigned long vstart,
						bool adjust_search_size)
{
	/* Searching for size + align - 1 guarantees any area found fits after aligning. */
	unsigned long length = adjust_search_size ? size + align - 1 : size;
	struct rb_node *node = root->rb_node;
	struct vmap_area *va;

	while (node) {
		va = rb_entry(node, struct vmap_area, rb_node);
		if (get_subtree_max_size(node->rb_left) >= length && vstart < va->va_start) {
			node = node->rb_left;
			continue;
		}
		if (is_within_this_va(va, size, align, vstart))
			return va;
		if (get_subtree_max_size(node->rb_right) >= length) {
			node = node->rb_right;
			continue;
		}
		while ((node = rb_parent(node))) {
			va = rb_entry(node, struct vmap_area, rb_node);
			if (is_within_this_va(va, size, align, vstart))
				return va;
			if (get_subtree_max_size(node->rb_right) >= length &&
			    vstart <= va->va_start) {
				/* Never re-enter the subtree just searched. */
				vstart = va->va_start + 1;
				node = node->rb_right;
				break;
			}
		}
	}
	return NULL;
}

enum fit_type {
	NOTHING_FIT = 0,
	FL_FIT_TYPE = 1, /* full fit */
	LE_FIT_TYPE = 2, /* left edge fit */
	RE_FIT_TYPE = 3, /* right edge fit */
	NE_FIT_TYPE = 4	 /* no edge fit: the free area splits in two */
};

static enum fit_type classify_va_fit_type(const struct vmap_area *va, unsigned long nva_start_addr,
					  unsigned long size)
{
	if (nva_start_addr < va->va_start || nva_start_addr + size > va->va_end)
		return NOTHING_FIT;
	if (va->va_start == nva_start_addr)
		return va->va_end == nva_start_addr + size ? FL_FIT_TYPE : LE_FIT_TYPE;
	if (va->va_end == nva_start_addr + size)
		return RE_FIT_TYPE;
	return NE_FIT_TYPE;
}

/* Take [nva_start_addr, +size) out of the free area @va (free_vmap_area_lock held). */
static int va_clip(struct rb_root *root, struct list_head *head, struct vmap_area *va,
		   unsigned long nva_start_addr, unsigned long size, struct list_head *garbage)
{
	enum fit_type type = classify_va_fit_type(va, nva_start_addr, size);
	struct vmap_area *lva = NULL;

	switch (type) {
	case FL_FIT_TYPE:
		unlink_va(va, root, true);
		list_add(&va->list, garbage);
		return 0;
	case LE_FIT_TYPE:
		va->va_start += size;
		break;
	case RE_FIT_TYPE:
		va->va_end = nva_start_addr;
		break;
	case NE_FIT_TYPE:
		lva = atomic_exchange(&ne_fit_preload_node, NULL);
		if (!lva)
			return -ENOMEM; /* the caller purges, preloads and retries */
		lva->va_start = va->va_start;
		lva->va_end = nva_start_addr;
		va->va_start = nva_start_addr + size;
		break;
	default:
		return -EINVAL;
	}
	augment_tree_propagate_from(va);
	if (lva) {
		struct rb_node *parent;
		struct rb_node **link = find_va_links(lva, root, &parent);

		if (link)
			link_va(lva, root, parent, link, head, true);
	}
	return 0;
}

static unsigned long __alloc_vmap_area(struct rb_root *root, struct list_head *head,
				       unsigned long size, unsigned long align,
				       unsigned long vstart, unsigned long vend,
				       struct list_head *garbage)
{
	/* Page alignment costs nothing; nor can an exact window afford the slack. */
	bool adjust_search_size = align > PAGE_SIZE && vend - vstart != size;
	unsigned long nva_start_addr;
	struct vmap_area *va;
	int ret;

	va = find_vmap_lowest_match(root, size, align, vstart, adjust_search_size);
	if (!va)
		return (unsigned long)-ENOENT;
	nva_start_addr = ALIGN(max(va->va_start, vstart), align);
	if (nva_start_addr + size > vend)
		return (unsigned long)-ERANGE;
	ret = va_clip(root, head, va, nva_start_addr, size, garbage);
	if (ret)
		return (unsigned long)(long)ret;
	return nva_start_addr;
}

/* Make sure a spare vmap_area waits for the next split (outside every lock). */
static void preload_ne_fit_node(gfp_t gfp_mask, int node)
{
	struct vmap_area *va, *expected = NULL;

	if (atomic_load_explicit(&ne_fit_preload_node, memory_order_relaxed))
		return;
	va = kmem_cache_alloc_node(vmap_area_cachep, gfp_mask, node);
	if (va) /* Only scan the parts with pointers to other objects (no false negatives). */
		kmemleak_scan_area(&va->rb_node, SIZE_MAX, gfp_mask);
	if (va && !atomic_compare_exchange_strong(&ne_fit_preload_node, &expected, va))
		kmem_cache_free(vmap_area_cachep, va);
}

/* ==== lazy freeing and purge ================================================================= */

/* Move every lazy area to the free tree (vmap_purge_lock held). Returns pages purged. */
static unsigned long __purge_vmap_area_lazy(void)
{
	LIST_HEAD(local);
	LIST_HEAD(garbage);
	struct vmap_area *va, *n;
	unsigned long nr = 0;

	spin_lock(&purge_vmap_area_lock);
	purge_vmap_area_root = RB_ROOT;
	list_splice_init(&purge_vmap_area_list, &local);
	spin_unlock(&purge_vmap_area_lock);
	if (list_empty(&local))
		return 0;

	spin_lock(&free_vmap_area_lock);
	list_for_each_entry_safe(va, n, &local, list) {
		nr += va_size(va) >> PAGE_SHIFT;
		list_del_init(&va->list);
		merge_or_add_vmap_area(va, &free_vmap_area_root, &free_vmap_area_list, true,
				       &garbage);
	}
	spin_unlock(&free_vmap_area_lock);
	atomic_fetch_sub(&vmap_lazy_nr, nr);
	free_va_list(&garbage);
	return nr;
}

static void purge_vmap_area_lazy(void)
{
	mutex_lock(&vmap_purge_lock);
	__purge_vmap_area_lazy();
	mutex_unlock(&vmap_purge_lock);
}

/* Over the threshold: purge, unless another thread is purging already. */
static void try_purge_vmap_area_lazy(void)
{
	if (spin_trylock(&vmap_purge_lock.lock)) {
		__purge_vmap_area_lazy();
		mutex_unlock(&vmap_purge_lock);
	}
}

/* The range of @va is unmapped: park it on the lazy tree until the next purge. */
static void free_vmap_area_noflush(struct vmap_area *va)
{
	unsigned long nr = va_size(va) >> PAGE_SHIFT;
	LIST_HEAD(garbage);
	unsigned long nr_lazy;

	va->vm = NULL;
	va->flags = 0;
	nr_lazy = atomic_fetch_add(&vmap_lazy_nr, nr) + nr;
	spin_lock(&purge_vmap_area_lock);
	merge_or_add_vmap_area(va, &purge_vmap_area_root, &purge_vmap_area_list, false, &garbage);
	spin_unlock(&purge_vmap_area_lock);
	free_va_list(&garbage);
	if (nr_lazy > lazy_max_pages())
		try_purge_vmap_area_lazy();
}

/* Unmap a busy area already unlinked from the busy tree, and free it lazily. */
static void free_unmap_vmap_area(struct vmap_area *va)
{
	port_unmap_pages((void *)va->va_start, va_size(va) >> PAGE_SHIFT);
	if (va->ptes)
		kvfree(va->ptes);
	va->ptes = NULL;
	va->nr_ptes = 0;
	free_vmap_area_noflush(va);
}

static void vfree_deferred_drain(void)
{
	struct vfree_deferred_node *node;

	if (!atomic_load_explicit(&vfree_deferred_list, memory_order_relaxed))
		return;
	node = atomic_exchange_explicit(&vfree_deferred_list, NULL, memory_order_acquire);
	while (node) {
		struct vfree_deferred_node *next = node->next;

		vfree(node);
		node = next;
	}
}

/* ==== allocating address space =============================================================== */

/* The kernel's nopage_rs: ten reports per five seconds. */
static DEFINE_RATELIMIT_STATE(vmalloc_rs, DEFAULT_RATELIMIT_INTERVAL_NS, DEFAULT_RATELIMIT_BURST);

static struct vmap_area *alloc_vmap_area(unsigned long size, unsigned long align,
					 unsigned long vstart, unsigned long vend, int node,
					 gfp_t gfp_mask, unsigned long va_flags,
					 struct vm_struct *vm)
{
	bool purged = false;
	struct vmap_area *va;
	unsigned long addr;

	if (WARN_ON(!size || (size & ~PAGE_MASK) || !is_power_of_2(align)))
		return NULL;
	gfp_mask &= GFP_RECLAIM_MASK;
	va = kmem_cache_alloc_node(vmap_area_cachep, gfp_mask, node);
	if (!va)
		return NULL;
	/* Only scan the parts with pointers to other objects (no false negatives). */
	kmemleak_scan_area(&va->rb_node, SIZE_MAX, gfp_mask);
	for (;;) {
		LIST_HEAD(garbage);

		preload_ne_fit_node(gfp_mask, node);
		spin_lock(&free_vmap_area_lock);
		addr = __alloc_vmap_area(&free_vmap_area_root, &free_vmap_area_list, size, align,
					 vstart, vend, &garbage);
		spin_unlock(&free_vmap_area_lock);
		free_va_list(&garbage);
		if (!IS_ERR_VALUE(addr))
			break;
		if (purged) {
			if (!(gfp_mask & __GFP_NOWARN) && __ratelimit(&vmalloc_rs))
				pr_warn("vmalloc_node_range for size %lu failed: Address range "
					"restricted to %#lx - %#lx\n",
					size, vstart, vend);
			kmem_cache_free(vmap_area_cachep, va);
			return NULL;
		}
		/* No fit: the lazy tree may hold one. */
		purge_vmap_area_lazy();
		purged = true;
	}
	va->va_start = addr;
	va->va_end = addr + size;
	va->vm = NULL;
	va->flags = va_flags;
	va->ptes = NULL;
	va->nr_ptes = 0;
	if (vm) {
		vm->addr = (void *)addr;
		vm->size = size;
		va->vm = vm;
	}
	spin_lock(&vmap_area_lock);
	insert_vmap_area(va, &vmap_area_root, &vmap_area_list);
	spin_unlock(&vmap_area_lock);
	return va;
}

/* ==== mapping ================================================================================ */

static int pgprot_to_port(pgprot_t prot)
{
	unsigned long v = pgprot_val(prot);
	int p = PORT_PROT_NONE;

	if (!(v & _PAGE_PRESENT))
		return PORT_PROT_NONE;
	p |= PORT_PROT_READ;
	if (v & _PAGE_RW)
		p |= PORT_PROT_WRITE;
	if (!(v & _PAGE_NX))
		p |= PORT_PROT_EXEC;
	return p;
}

/*
 * Map pages[0..nr) at @addr: one port mapping per run of consecutive frames. On failure
 * the part already mapped stays; the caller unmaps the whole area.
 */
static int vmap_pages_range(unsigned long addr, struct page **pages, unsigned long nr,
			    pgprot_t prot)
{
	int port_prot = pgprot_to_port(prot);
	unsigned long i = 0;

	while (i < nr) {
		unsigned long pfn, run = 1;
		int err;

		if (WARN_ON(!pages[i]))
			return -ENOMEM;
		pfn = page_to_pfn(pages[i]);
		while (i + run < nr && pages[i + run] && page_to_pfn(pages[i + run]) == pfn + run)
			run++;
		err = port_map_pages((void *)(addr + (i << PAGE_SHIFT)), pfn, run, port_prot);
		if (err)
			return err;
		i += run;
	}
	return 0;
}

/* ==== vm_struct areas ========================================================================== */

static struct vm_struct *__get_vm_area_node(unsigned long size, unsigned long align,
					    unsigned long flags, unsigned long start,
					    unsigned long end, int node, gfp_t gfp_mask,
					    const void *caller)
{
	unsigned long requested_size = size;
	struct vm_struct *area;
	struct vmap_area *va;

	kmm_ensure_init();
	size = PAGE_ALIGN(size);
	if (!size || size < requested_size)
		return NULL;
	if (flags & VM_IOREMAP)
		align = 1UL << clamp(ilog2_ul(size) + 1, (unsigned int)PAGE_SHIFT,
				     (unsigned int)IOREMAP_MAX_ORDER);
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	area = kzalloc_node(sizeof(*area), gfp_mask & GFP_RECLAIM_MASK, node);
	if (!area)
		return NULL;
	if (!(flags & VM_NO_GUARD)) {
		if (size + PAGE_SIZE < size) {
			kfree(area);
			return NULL;
		}
		size += PAGE_SIZE;
	}
	area->flags = flags;
	area->caller = caller;
	area->requested_size = requested_size;
	va = alloc_vmap_area(size, align, start, end, node, gfp_mask, 0, area);
	if (!va) {
		kfree(area);
		return NULL;
	}
	return area;
}

struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, unsigned long start,
				       unsigned long end, const void *caller)
{
	return __get_vm_area_node(size, 1, flags, start, end, NUMA_NO_NODE, GFP_KERNEL, caller);
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __get_vm_area_node(size, 1, flags, VMALLOC_START, VMALLOC_END, NUMA_NO_NODE,
				  GFP_KERNEL, __builtin_return_address(0));
}

struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags, const void *caller)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __get_vm_area_node(size, 1, flags, VMALLOC_START, VMALLOC_END, NUMA_NO_NODE,
				  GFP_KERNEL, caller);
}

struct vm_struct *find_vm_area(const void *addr)
{
	struct vmap_area *va;
	struct vm_struct *vm = NULL;

	if (!is_vmalloc_addr(addr))
		return NULL;
	spin_lock(&vmap_area_lock);
	va = __find_vmap_area((unsigned long)addr, &vmap_area_root);
	if (va)
		vm = va->vm;
	spin_unlock(&vmap_area_lock);
	return vm;
}

struct vm_struct *remove_vm_area(const void *addr)
{
	struct vmap_area *va;
	struct vm_struct *vm;

	might_sleep();
	if (WARN(!PAGE_ALIGNED(addr), "Trying to vfree() bad address (%p)\n", addr))
		return NULL;
	if (!is_vmalloc_addr(addr))
		return NULL;
	spin_lock(&vmap_area_lock);
	va = __find_vmap_area((unsigned long)addr, &vmap_area_root);
	if (va && va->va_start == (unsigned long)addr && va->vm)
		unlink_va(va, &vmap_area_root, false);
	else
		va = NULL;
	spin_unlock(&vmap_area_lock);
	if (!va)
		return NULL;
	vm = va->vm;
	free_unmap_vmap_area(va);
	return vm;
}

void free_vm_area(struct vm_struct *area)
{
	struct vm_struct *ret = remove_vm_area(area->addr);

	BUG_ON(ret != area);
	kfree(area);
}

/* ==== vmalloc ================================================================================== */

/* The kernel's warn_alloc() for vmalloc's failures, unless __GFP_NOWARN. */
static __printf(2, 3) void vmalloc_warn(gfp_t gfp_mask, const char *fmt, ...)
{
	char msg[160], flags[256];
	va_list ap;

	if ((gfp_mask & __GFP_NOWARN) || !__ratelimit(&vmalloc_rs))
		return;
	va_start(ap, fmt);
	vscnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gfp_flags_snprint(flags, sizeof(flags), gfp_mask);
	pr_warn("%s: %s, mode:%#x(%s), nodemask=(null)\n", port_task_comm(), msg, gfp_mask, flags);
	dump_stack();
	show_mem();
}

/*
 * Fill pages[0..nr_pages) with order-0 pages, taken in the largest blocks the buddy
 * allocator has free and split: big blocks map as one run. Blocks above order 0 are
 * opportunistic (no reclaim, no warning, no __GFP_NOFAIL): once an order fails, no
 * larger one is tried again. Order 0 gets the caller's flags. Returns the pages filled.
 */
static unsigned int vm_area_alloc_pages(gfp_t gfp, int nid, unsigned int nr_pages,
					struct page **pages)
{
	gfp_t large_gfp = (gfp & ~(__GFP_RECLAIM | __GFP_NOFAIL)) | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int order = MAX_PAGE_ORDER, nr = 0;

	while (nr < nr_pages) {
		struct page *page;

		order = min(order, ilog2_ul(nr_pages - nr));
		if (order) {
			page = alloc_pages_node(nid, large_gfp, order);
			if (!page) {
				order--;
				continue;
			}
			/* Each page must stand alone: drivers refcount vmalloc_to_page() pages. */
			split_page(page, order);
		} else {
			page = alloc_pages_node(nid, gfp, 0);
			if (!page)
				break;
		}
		/*
		 * The area is tracked as one object by its virtual address (kmemleak_vmalloc);
		 * its pages are not objects of their own, as the kernel's kmemleak tracks no
		 * pages: neither reported nor read twice through the direct map.
		 */
		if (!PageHighMem(page))
			kmemleak_ignore(page_address(page));
		for (unsigned int i = 0; i < (1U << order); i++)
			pages[nr + i] = page + i;
		nr += 1U << order;
	}
	return nr;
}

/* NR_VMALLOC of each page's node, by @sign pages per page. */
static void vmalloc_account(struct page **pages, unsigned int nr, long sign)
{
	unsigned int i = 0;

	while (i < nr) {
		int nid = page_to_nid(pages[i]);
		unsigned int run = 1;

		while (i + run < nr && page_to_nid(pages[i + run]) == nid)
			run++;
		mod_node_page_state(NODE_DATA(nid), NR_VMALLOC, sign * (long)run);
		i += run;
	}
}

static void *__vmalloc_area_node(struct vm_struct *area, gfp_t gfp_mask, pgprot_t prot, int node)
{
	gfp_t nested_gfp = (gfp_mask & GFP_RECLAIM_MASK) | __GFP_ZERO;
	unsigned long addr = (unsigned long)area->addr;
	unsigned int nr_small_pages = (unsigned int)(get_vm_area_size(area) >> PAGE_SHIFT);
	unsigned long array_size = (unsigned long)nr_small_pages * sizeof(struct page *);
	struct page **pages;
	unsigned int nr;

	if (!(gfp_mask & (GFP_DMA | GFP_DMA32)))
		gfp_mask |= __GFP_HIGHMEM;
	/* A big page array comes from vmalloc itself (vmallocinfo's "vpages"). */
	if (array_size > PAGE_SIZE)
		pages = __vmalloc_node(array_size, 1, nested_gfp, node, area->caller);
	else
		pages = kmalloc_node(array_size, nested_gfp, node);
	if (!pages) {
		vmalloc_warn(gfp_mask,
			     "vmalloc error: size %lu, failed to allocated page array size %lu",
			     (unsigned long)nr_small_pages * PAGE_SIZE, array_size);
		free_vm_area(area);
		return NULL;
	}
	nr = vm_area_alloc_pages(gfp_mask | __GFP_NOWARN, node, nr_small_pages, pages);
	if (nr != nr_small_pages) {
		vmalloc_warn(gfp_mask, "vmalloc error: size %lu, failed to allocate pages",
			     (unsigned long)nr * PAGE_SIZE);
		goto fail;
	}
	if (vmap_pages_range(addr, pages, nr, prot)) {
		vmalloc_warn(gfp_mask, "vmalloc error: size %lu, failed to map pages",
			     (unsigned long)nr * PAGE_SIZE);
		goto fail;
	}
	vmalloc_account(pages, nr, 1);
	spin_lock(&vmap_area_lock);
	area->pages = pages;
	area->nr_pages = nr;
	area->flags &= ~VM_UNINITIALIZED;
	spin_unlock(&vmap_area_lock);
	return area->addr;

fail:
	/* Unwind completely: unmap and release the area, free every page and the array. */
	free_vm_area(area);
	for (unsigned int i = 0; i < nr; i++)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}

static void vmalloc_nofail_wait(void)
{
	static const unsigned int never = 0;

	port_wait(&never, 0, 1000 * 1000); /* the kernel's schedule_timeout_uninterruptible(1) */
}

void *__vmalloc_node_range(unsigned long size, unsigned long align, unsigned long start,
			   unsigned long end, gfp_t gfp_mask, pgprot_t prot, unsigned long vm_flags,
			   int node, const void *caller)
{
	bool nofail = gfp_mask & __GFP_NOFAIL;
	unsigned long real_size = size;
	struct vm_struct *area;
	void *addr;

	kmm_ensure_init();
	gfp_mask = might_alloc(gfp_mask, (unsigned long)caller);
	if (gfpflags_allow_blocking(gfp_mask))
		vfree_deferred_drain();
	if (WARN_ON_ONCE(!size))
		return NULL;
	if ((size >> PAGE_SHIFT) > totalram_pages()) {
		vmalloc_warn(gfp_mask, "vmalloc error: size %lu, exceeds total pages", real_size);
		return NULL;
	}
	for (;;) {
		area = __get_vm_area_node(real_size, align, VM_ALLOC | VM_UNINITIALIZED | vm_flags,
					  start, end, node, gfp_mask, caller);
		if (area)
			break;
		vmalloc_warn(gfp_mask, "vmalloc error: size %lu, vm_struct allocation failed%s",
			     real_size, nofail ? ". Retrying." : "");
		if (!nofail)
			return NULL;
		vmalloc_nofail_wait();
	}
	addr = __vmalloc_area_node(area, gfp_mask, prot, node);
	if (addr)
		kmemleak_vmalloc(area, ALIGN(size, PAGE_SIZE), gfp_mask);
	return addr;
}

void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node,
		     const void *caller)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __vmalloc_node_range(size, align, VMALLOC_START, VMALLOC_END, gfp_mask, PAGE_KERNEL,
				    0, node, caller);
}

void *__vmalloc(unsigned long size, gfp_t gfp_mask)
{
	return __vmalloc_node(size, 1, gfp_mask, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_KERNEL, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vzalloc(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_node(unsigned long size, int node)
{
	return __vmalloc_node(size, 1, GFP_KERNEL, node, __builtin_return_address(0));
}

void *vzalloc_node(unsigned long size, int node)
{
	return __vmalloc_node(size, 1, GFP_KERNEL | __GFP_ZERO, node, __builtin_return_address(0));
}

void *vmalloc_user(unsigned long size)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __vmalloc_node_range(size, SHMLBA, VMALLOC_START, VMALLOC_END,
				    GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL, VM_USERMAP, NUMA_NO_NODE,
				    __builtin_return_address(0));
}

void *vmalloc_32(unsigned long size)
{
	return __vmalloc_node(size, 1, GFP_VMALLOC32, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc_32_user(unsigned long size)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __vmalloc_node_range(size, SHMLBA, VMALLOC_START, VMALLOC_END,
				    GFP_VMALLOC32 | __GFP_ZERO, PAGE_KERNEL, VM_USERMAP,
				    NUMA_NO_NODE, __builtin_return_address(0));
}

/* Huge mappings are allowed and recorded (VM_ALLOW_HUGE_VMAP); the port maps small pages. */
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __vmalloc_node_range(size, 1, VMALLOC_START, VMALLOC_END, gfp_mask, PAGE_KERNEL,
				    VM_ALLOW_HUGE_VMAP, node, __builtin_return_address(0));
}

void *vmalloc_huge(unsigned long size, gfp_t gfp_mask)
{
	kmm_ensure_init(); /* VMALLOC_START/END are set by vmalloc_init() */
	return __vmalloc_node_range(size, 1, VMALLOC_START, VMALLOC_END, gfp_mask, PAGE_KERNEL,
				    VM_ALLOW_HUGE_VMAP, NUMA_NO_NODE, __builtin_return_address(0));
}

void *__vmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, flags, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, GFP_KERNEL, NUMA_NO_NODE, __builtin_return_address(0));
}

void *__vcalloc(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, flags | __GFP_ZERO, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vcalloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return __vmalloc_node(bytes, 1, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vrealloc(const void *p, size_t size, gfp_t flags)
{
	struct vm_struct *vm = NULL;
	size_t alloced_size = 0, old_size = 0;
	void *n;

	if (!size) {
		vfree(p);
		return NULL;
	}
	if (p) {
		vm = find_vm_area(p);
		if (unlikely(!vm || vm->addr != p)) {
			WARN(1, "Trying to vrealloc() nonexistent vm area (%p)\n", p);
			return NULL;
		}
		alloced_size = get_vm_area_size(vm);
		old_size = vm->requested_size;
		if (WARN(alloced_size < old_size,
			 "vrealloc() has mismatched area vs requested sizes (%p)\n", p))
			return NULL;
	}
	if (size <= old_size) {
		/* Zero what was given up, so that growing back in place shows zeroes. */
		if (flags & __GFP_ZERO)
			memset((char *)p + size, 0, old_size - size);
		vm->requested_size = size;
		return (void *)p;
	}
	if (size <= alloced_size) {
		/* The slack of the last page: zero it if zeroed memory was asked for. */
		if (flags & __GFP_ZERO)
			memset((char *)p + old_size, 0, size - old_size);
		vm->requested_size = size;
		return (void *)p;
	}
	n = __vmalloc_node(size, 1, flags, NUMA_NO_NODE, __builtin_return_address(0));
	if (!n)
		return NULL;
	if (p) {
		memcpy(n, p, old_size);
		vfree(p);
	}
	return n;
}

/* ==== vfree ==================================================================================== */

void vfree_atomic(const void *addr)
{
	struct vfree_deferred_node *node = (struct vfree_deferred_node *)addr;
	struct vfree_deferred_node *head;

	BUG_ON(in_nmi());
	if (!addr)
		return;
	head = atomic_load_explicit(&vfree_deferred_list, memory_order_relaxed);
	do {
		node->next = head;
	} while (!atomic_compare_exchange_weak_explicit(
		&vfree_deferred_list, &head, node, memory_order_release, memory_order_relaxed));
}

void vfree(const void *addr)
{
	struct vm_struct *vm;

	if (unlikely(in_interrupt())) {
		vfree_atomic(addr);
		return;
	}
	BUG_ON(in_nmi());
	might_sleep();
	if (!addr)
		return;
	/* Atomic context: reported above as the kernel does; the work waits for task context. */
	if (unlikely(!kmm_context_may_sleep())) {
		vfree_atomic(addr);
		return;
	}
	vfree_deferred_drain();
	kmemleak_free(addr);
	vm = remove_vm_area(addr);
	if (unlikely(!vm)) {
		WARN(1, KERN_ERR "Trying to vfree() nonexistent vm area (%p)\n", addr);
		return;
	}
	if (vm->nr_pages && !(vm->flags & VM_MAP_PUT_PAGES))
		vmalloc_account(vm->pages, vm->nr_pages, -1);
	/* High-order blocks were split: every page goes back on its own. */
	for (unsigned int i = 0; i < vm->nr_pages; i++) {
		BUG_ON(!vm->pages[i]);
		__free_page(vm->pages[i]);
	}
	if (vm->pages)
		kvfree(vm->pages);
	kfree(vm);
}

/* ==== vmap, vm_map_ram ========================================================================== */

/* vmap of pages that stay in use elsewhere needs a port whose mappings alias. */
static bool vmap_can_alias(void)
{
	return !WARN_ONCE(!port_ram_aliases(), "vmap: RAM cannot be mapped twice here (use "
					       "KMM_RAM_BACKING=memfd)\n");
}

/* A copy of the pages mapped, for vmalloc_to_page() (kmm has no page tables to walk). */
static struct page **ptes_copy(struct page **pages, unsigned int count)
{
	struct page **ptes = kvmalloc_array(count, sizeof(*ptes), GFP_KERNEL);

	if (ptes)
		memcpy(ptes, pages, (size_t)count * sizeof(*ptes));
	return ptes;
}

/* Attach the copy to the busy area at @addr (it holds the lock vmalloc_to_page takes). */
static void ptes_attach(unsigned long addr, struct page **ptes, unsigned int count)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	va = __find_vmap_area(addr, &vmap_area_root);
	if (va) {
		va->ptes = ptes;
		va->nr_ptes = count;
	}
	spin_unlock(&vmap_area_lock);
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot)
{
	struct vm_struct *area;
	struct page **ptes = NULL;
	unsigned long addr, size;

	might_sleep();
	if (WARN_ON_ONCE(flags & VM_FLUSH_RESET_PERMS))
		return NULL;
	if (WARN_ON_ONCE(flags & VM_NO_GUARD))
		return NULL;
	kmm_ensure_init();
	if (!count || count > totalram_pages() || !vmap_can_alias())
		return NULL;
	size = (unsigned long)count << PAGE_SHIFT;
	if (!(flags & VM_MAP_PUT_PAGES)) {
		ptes = ptes_copy(pages, count);
		if (!ptes)
			return NULL;
	}
	area = get_vm_area_caller(size, flags, __builtin_return_address(0));
	if (!area) {
		kvfree(ptes);
		return NULL;
	}
	addr = (unsigned long)area->addr;
	if (ptes)
		ptes_attach(addr, ptes, count);
	if (vmap_pages_range(addr, pages, count, pgprot_nx(prot)) < 0) {
		vunmap(area->addr);
		return NULL;
	}
	if (flags & VM_MAP_PUT_PAGES) {
		spin_lock(&vmap_area_lock);
		area->pages = pages;
		area->nr_pages = count;
		spin_unlock(&vmap_area_lock);
	}
	return area->addr;
}

void vunmap(const void *addr)
{
	struct vm_struct *vm;

	BUG_ON(in_interrupt());
	might_sleep();
	if (!addr)
		return;
	vm = remove_vm_area(addr);
	if (unlikely(!vm)) {
		WARN(1, KERN_ERR "Trying to vunmap() nonexistent vm area (%p)\n", addr);
		return;
	}
	kfree(vm);
}

/*
 * The kernel serves small vm_map_ram() requests from per-CPU vmap blocks; kmm gives each
 * its own vmap_area (no guard page, as the kernel), which vm_unmap_ram() frees lazily.
 */
void *vm_map_ram(struct page **pages, unsigned int count, int node)
{
	unsigned long size = (unsigned long)count << PAGE_SHIFT;
	struct page **ptes;
	struct vmap_area *va;

	kmm_ensure_init();
	if (!count || !vmap_can_alias())
		return NULL;
	ptes = ptes_copy(pages, count);
	if (!ptes)
		return NULL;
	va = alloc_vmap_area(size, PAGE_SIZE, VMALLOC_START, VMALLOC_END, node, GFP_KERNEL,
			     VMAP_RAM, NULL);
	if (!va) {
		kvfree(ptes);
		return NULL;
	}
	ptes_attach(va->va_start, ptes, count);
	if (vmap_pages_range(va->va_start, pages, count, PAGE_KERNEL) < 0) {
		vm_unmap_ram((void *)va->va_start, count);
		return NULL;
	}
	return (void *)va->va_start;
}

void vm_unmap_ram(const void *mem, unsigned int count)
{
	unsigned long addr = (unsigned long)mem;
	struct vmap_area *va;

	might_sleep();
	BUG_ON(!addr);
	BUG_ON(!is_vmalloc_addr(mem));
	BUG_ON(!PAGE_ALIGNED(addr));
	spin_lock(&vmap_area_lock);
	va = __find_vmap_area(addr, &vmap_area_root);
	if (va && va->va_start == addr && (va->flags & VMAP_RAM))
		unlink_va(va, &vmap_area_root, false);
	else
		va = NULL;
	spin_unlock(&vmap_area_lock);
	BUG_ON(!va);
	WARN_ON(va_size(va) != (unsigned long)count << PAGE_SHIFT);
	free_unmap_vmap_area(va);
}

void vm_unmap_aliases(void)
{
	vfree_deferred_drain();
	purge_vmap_area_lazy();
}

/* ==== address translation ======================================================================= */

struct page *vmalloc_to_page(const void *vmalloc_addr)
{
	unsigned long addr = (unsigned long)vmalloc_addr;
	struct page *page = NULL;
	struct vmap_area *va;

	if (!is_vmalloc_addr(vmalloc_addr))
		return NULL;
	spin_lock(&vmap_area_lock);
	va = __find_vmap_area(addr, &vmap_area_root);
	if (va) {
		unsigned long idx = (addr - va->va_start) >> PAGE_SHIFT;

		if (va->vm && va->vm->pages && idx < va->vm->nr_pages)
			page = va->vm->pages[idx];
		else if (va->ptes && idx < va->nr_ptes)
			page = va->ptes[idx];
	}
	spin_unlock(&vmap_area_lock);
	return page;
}

unsigned long vmalloc_to_pfn(const void *vmalloc_addr)
{
	return page_to_pfn(vmalloc_to_page(vmalloc_addr));
}

/* ==== /proc/vmallocinfo ============================================================================ */

/* One busy area as vmallocinfo prints it, copied under vmap_area_lock. */
struct vmallocinfo_line {
	unsigned long va_start, va_end, va_flags;
	bool has_vm;
	struct vm_struct vm;
	bool vpages;
	unsigned int node_pages[MAX_NUMNODES];
};

static bool vmallocinfo_next(unsigned long cursor, struct vmallocinfo_line *l)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	va = find_vmap_area_from(cursor, &vmap_area_root);
	if (va) {
		l->va_start = va->va_start;
		l->va_end = va->va_end;
		l->va_flags = va->flags;
		l->has_vm = va->vm != NULL;
		if (va->vm) {
			/* Field by field: requested_size is the owner's (vrealloc), unlocked. */
			l->vm.addr = va->vm->addr;
			l->vm.size = va->vm->size;
			l->vm.flags = va->vm->flags;
			l->vm.nr_pages = va->vm->nr_pages;
			l->vm.phys_addr = va->vm->phys_addr;
			l->vm.caller = va->vm->caller;
			l->vpages = is_vmalloc_addr(va->vm->pages);
			memset(l->node_pages, 0, sizeof(l->node_pages));
			if (!(va->vm->flags & VM_UNINITIALIZED))
				for (unsigned int i = 0; i < va->vm->nr_pages; i++)
					l->node_pages[page_to_nid(va->vm->pages[i])]++;
		}
	}
	spin_unlock(&vmap_area_lock);
	return va != NULL;
}

static void vmallocinfo_show_line(struct seq_file *m, struct vmallocinfo_line *l)
{
	struct vm_struct *v = &l->vm;
	char sym[256];

	if (!l->has_vm) {
		if (l->va_flags & VMAP_RAM)
			seq_printf(m, "0x%016lx-0x%016lx %7ld vm_map_ram\n", l->va_start, l->va_end,
				   (long)(l->va_end - l->va_start));
		return;
	}
	seq_printf(m, "0x%016lx-0x%016lx %7ld", (unsigned long)v->addr,
		   (unsigned long)v->addr + v->size, (long)v->size);
	if (v->caller) {
		port_symbolize((void *)v->caller, sym, sizeof(sym));
		seq_printf(m, " %s", sym);
	}
	if (v->nr_pages)
		seq_printf(m, " pages=%d", (int)v->nr_pages);
	if (v->phys_addr)
		seq_printf(m, " phys=0x%016llx", (unsigned long long)v->phys_addr);
	if (v->flags & VM_IOREMAP)
		seq_puts(m, " ioremap");
	if (v->flags & VM_SPARSE)
		seq_puts(m, " sparse");
	if (v->flags & VM_ALLOC)
		seq_puts(m, " vmalloc");
	if (v->flags & VM_MAP)
		seq_puts(m, " vmap");
	if (v->flags & VM_USERMAP)
		seq_puts(m, " user");
	if (v->flags & VM_DMA_COHERENT)
		seq_puts(m, " dma-coherent");
	if (l->vpages)
		seq_puts(m, " vpages");
	/* show_numa_info(): a NUMA kernel (as distributions build) counts pages per node. */
	if (!(v->flags & VM_UNINITIALIZED))
		for (unsigned int nid = 0; nid < MAX_NUMNODES; nid++)
			if (l->node_pages[nid])
				seq_printf(m, " N%u=%u", nid, l->node_pages[nid]);
	seq_putc(m, '\n');
}

/* The kernel's vmalloc_info_show(): busy areas by address, then the unpurged ones. */
void vmallocinfo_show(struct seq_file *m)
{
	struct vmallocinfo_line l;
	unsigned long cursor = 0;

	while (vmallocinfo_next(cursor, &l)) {
		vmallocinfo_show_line(m, &l);
		cursor = l.va_end;
	}
	cursor = 0;
	for (;;) {
		unsigned long start = 0, end = 0;
		struct vmap_area *va;

		spin_lock(&purge_vmap_area_lock);
		va = find_vmap_area_from(cursor, &purge_vmap_area_root);
		if (va) {
			start = va->va_start;
			end = va->va_end;
		}
		spin_unlock(&purge_vmap_area_lock);
		if (!va)
			break;
		seq_printf(m, "0x%016lx-0x%016lx %7ld unpurged vm_area\n", start, end,
			   (long)(end - start));
		cursor = end;
	}
}

void vmalloc_for_each_page(void (*fn)(void *ctx, const struct page *page), void *ctx)
{
	struct vmap_area *va;

	spin_lock(&vmap_area_lock);
	list_for_each_entry(va, &vmap_area_list, list) {
		const struct vm_struct *vm = va->vm;

		if (!vm || !(vm->flags & VM_ALLOC) || (vm->flags & VM_UNINITIALIZED))
			continue;
		for (unsigned int i = 0; i < vm->nr_pages; i++)
			fn(ctx, vm->pages[i]);
	}
	spin_unlock(&vmap_area_lock);
}

/* ==== invariant checker ============================================================================== */

#define vmap_check(cond, ...)                                    \
	({                                                       \
		bool vmap_bad_ = !(cond);                        \
		if (vmap_bad_)                                   \
			pr_err("vmap_tree_check: " __VA_ARGS__); \
		vmap_bad_;                                       \
	})

/* Check one tree: sorted, list in step, page aligned, in the window; sum its bytes. */
static int vmap_check_tree(const char *name, struct rb_root *root, struct list_head *head,
			   bool augment, unsigned long *nr, unsigned long *bytes,
			   unsigned long *largest)
{
	struct list_head *pos = head->next;
	unsigned long prev_end = 0;
	struct rb_node *rb;

	*nr = *bytes = 0;
	if (largest)
		*largest = 0;
	for (rb = rb_first(root); rb; rb = rb_next(rb)) {
		struct vmap_area *va = rb_entry(rb, struct vmap_area, rb_node);

		if (vmap_check(pos == &va->list, "%s: list out of step at 0x%lx\n", name,
			       va->va_start) ||
		    vmap_check(va->va_start < va->va_end && PAGE_ALIGNED(va->va_start) &&
				       PAGE_ALIGNED(va->va_end),
			       "%s: bad area 0x%lx-0x%lx\n", name, va->va_start, va->va_end) ||
		    vmap_check(va->va_start >= VMALLOC_START && va->va_end <= VMALLOC_END,
			       "%s: 0x%lx-0x%lx outside the window\n", name, va->va_start,
			       va->va_end) ||
		    vmap_check(va->va_start >= prev_end, "%s: 0x%lx-0x%lx overlaps or unsorted\n",
			       name, va->va_start, va->va_end))
			return -EINVAL;
		if (augment) {
			if (vmap_check(va->va_start != prev_end,
				       "free: 0x%lx-0x%lx not merged with its neighbour\n",
				       va->va_start, va->va_end) ||
			    vmap_check(va->subtree_max_size == compute_subtree_max_size(va),
				       "free: 0x%lx-0x%lx subtree_max_size %lu, should be %lu\n",
				       va->va_start, va->va_end, va->subtree_max_size,
				       compute_subtree_max_size(va)))
				return -EINVAL;
			if (va_size(va) > *largest)
				*largest = va_size(va);
		}
		prev_end = va->va_end;
		(*nr)++;
		*bytes += va_size(va);
		pos = pos->next;
	}
	if (vmap_check(pos == head, "%s: list longer than the tree\n", name))
		return -EINVAL;
	return 0;
}

/* Every byte of the window in exactly one tree. */
static int vmap_check_cover(void)
{
	struct rb_root *roots[3] = { &vmap_area_root, &purge_vmap_area_root, &free_vmap_area_root };
	struct vmap_area *va[3];
	unsigned long addr = VMALLOC_START;

	for (int i = 0; i < 3; i++)
		va[i] = rb_entry_safe(rb_first(roots[i]), struct vmap_area, rb_node);
	while (addr < VMALLOC_END) {
		int found = -1;

		for (int i = 0; i < 3; i++)
			if (va[i] && va[i]->va_start == addr)
				found = i;
		if (vmap_check(found >= 0, "0x%lx is in no tree (or in two)\n", addr))
			return -EINVAL;
		addr = va[found]->va_end;
		va[found] = rb_entry_safe(rb_next(&va[found]->rb_node), struct vmap_area, rb_node);
	}
	return 0;
}

int vmap_tree_check(struct vmap_tree_stats *stats)
{
	struct vmap_tree_stats s = { 0 };
	int err;

	kmm_ensure_init();
	mutex_lock(&vmap_purge_lock);
	spin_lock(&vmap_area_lock);
	spin_lock(&purge_vmap_area_lock);
	spin_lock(&free_vmap_area_lock);
	err = vmap_check_tree("busy", &vmap_area_root, &vmap_area_list, false, &s.nr_busy,
			      &s.busy_bytes, NULL);
	if (!err)
		err = vmap_check_tree("lazy", &purge_vmap_area_root, &purge_vmap_area_list, false,
				      &s.nr_lazy, &s.lazy_bytes, NULL);
	if (!err)
		err = vmap_check_tree("free", &free_vmap_area_root, &free_vmap_area_list, true,
				      &s.nr_free, &s.free_bytes, &s.largest_free);
	if (!err)
		err = vmap_check_cover();
	if (!err &&
	    vmap_check(s.busy_bytes + s.lazy_bytes + s.free_bytes == VMALLOC_END - VMALLOC_START,
		       "the trees hold %lu bytes, the window %lu\n",
		       s.busy_bytes + s.lazy_bytes + s.free_bytes, VMALLOC_END - VMALLOC_START))
		err = -EINVAL;
	s.lazy_pages = atomic_load(&vmap_lazy_nr);
	if (!err && vmap_check(s.lazy_pages == s.lazy_bytes >> PAGE_SHIFT,
			       "vmap_lazy_nr %lu, lazy tree %lu pages\n", s.lazy_pages,
			       s.lazy_bytes >> PAGE_SHIFT))
		err = -EINVAL;
	spin_unlock(&free_vmap_area_lock);
	spin_unlock(&purge_vmap_area_lock);
	spin_unlock(&vmap_area_lock);
	mutex_unlock(&vmap_purge_lock);
	if (stats)
		*stats = s;
	return err;
}

/* ==== start-up ========================================================================================== */

int vmalloc_init(void)
{
	unsigned long ram = max_pfn << PAGE_SHIFT, size;
	struct vmap_area *va;
	void *base = NULL;

	vmap_area_cachep = KMEM_CACHE(vmap_area, SLAB_PANIC);
	if (!vmap_area_cachep)
		return -ENOMEM;
	size = VMALLOC_WINDOW_MAX;
	if (ram <= VMALLOC_WINDOW_MAX / VMALLOC_WINDOW_RAM_X)
		size = ram * VMALLOC_WINDOW_RAM_X;
	size = ALIGN(size, VMALLOC_WINDOW_ALIGN);
	for (; size >= VMALLOC_WINDOW_MIN; size >>= 1) {
		base = port_vm_reserve(size, VMALLOC_WINDOW_ALIGN);
		if (base)
			break;
	}
	if (!base) {
		pr_warn("vmalloc: cannot reserve an address window: vmalloc will fail\n");
		return 0;
	}
	va = kmem_cache_zalloc(vmap_area_cachep, GFP_KERNEL);
	if (!va) {
		port_vm_release(base, size);
		return -ENOMEM;
	}
	va->va_start = (unsigned long)base;
	va->va_end = (unsigned long)base + size;
	spin_lock(&free_vmap_area_lock);
	insert_vmap_area(va, &free_vmap_area_root, &free_vmap_area_list);
	va->subtree_max_size = va_size(va);
	spin_unlock(&free_vmap_area_lock);
	vmalloc_base = (unsigned long)base;
	vmalloc_end = (unsigned long)base + size;
	return 0;
}

/* ---- fork ------------------------------------------------------------------------------- */

/* Hold the vmap locks across fork(), in their order, so the child finds whole trees. */
void vmalloc_fork_prepare(void)
{
	mutex_lock(&vmap_purge_lock);
	spin_lock(&vmap_area_lock);
	spin_lock(&purge_vmap_area_lock);
	spin_lock(&free_vmap_area_lock);
}

void vmalloc_fork_release(void)
{
	spin_unlock(&free_vmap_area_lock);
	spin_unlock(&purge_vmap_area_lock);
	spin_unlock(&vmap_area_lock);
	mutex_unlock(&vmap_purge_lock);
}
