/* SPDX-License-Identifier: MIT */
/*
 * mm.h - pages and addresses: struct page helpers, the direct map conversions (__pa,
 * __va, virt_to_page, page_address, pfn_to_page), reference counts, compound pages and
 * get_order(), with the kernel's names.
 *
 * kmm's RAM starts at physical address 0 and is mapped linearly at PAGE_OFFSET (the
 * direct map); mem_map[pfn] is the struct page of each frame (FLATMEM). So all the
 * conversions are the same offset arithmetic as in the kernel. Frames of ZONE_HIGHMEM
 * (32-bit layout) have no direct-map address: page_address() returns NULL for them
 * unless they are kmapped.
 */
#ifndef KMM_LINUX_MM_H
#define KMM_LINUX_MM_H

#include <linux/gfp.h>
#include <linux/kmm_types.h>
#include <linux/mm_types.h>
#include <linux/mmzone.h>

#define PAGE_SHIFT	   12
#define PAGE_SIZE	   (1UL << PAGE_SHIFT)
#define PAGE_MASK	   (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr)   (((addr) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(addr) (((unsigned long)(addr) & (PAGE_SIZE - 1)) == 0)
#define PFN_UP(x)	   (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x)	   ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x)	   ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x)	   ((unsigned long)((x) >> PAGE_SHIFT))

/* Set when kmm initialises; read by the inline conversions below. */
extern unsigned long page_offset_base; /* virtual address of physical address 0 */
extern struct page *mem_map;	       /* struct page of pfn 0 */
extern unsigned long max_pfn;	       /* frames 0..max_pfn-1 exist */
extern unsigned long max_low_pfn;      /* frames below this are in the direct map */
#define PAGE_OFFSET	page_offset_base
#define ARCH_PFN_OFFSET 0UL

/* The kernel's enum pageflags, in its order, for the bits kmm uses. */
enum pageflags {
	PG_locked,
	PG_writeback,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_head, /* first page of a compound page */
	PG_waiters,
	PG_active,
	PG_workingset,
	PG_owner_priv_1, /* on free pages: PG_reported, given back to the host */
	PG_owner_2,
	PG_arch_1,
	PG_reserved, /* never handed to the allocator */
	PG_private,
	PG_private_2,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_dropbehind,
	PG_mlocked,
	__NR_PAGEFLAGS,
	PG_reported = PG_owner_priv_1,
};

/* Page types kept in the top byte of page->page_type (kernel values). */
enum pagetype {
	PGTY_buddy = 0xf0,
	PGTY_offline = 0xf1,
	PGTY_table = 0xf2,
	PGTY_guard = 0xf3,
	PGTY_hugetlb = 0xf4,
	PGTY_slab = 0xf5,
	PGTY_zsmalloc = 0xf6,
	PGTY_unaccepted = 0xf7,
	PGTY_large_kmalloc = 0xf8,
};

/* Zone and node numbers in the top bits of page->flags. */
#define ZONES_PGSHIFT (64 - ZONES_SHIFT)
#define NODES_PGSHIFT (ZONES_PGSHIFT - NODES_SHIFT)
#define ZONES_MASK    ((1UL << ZONES_SHIFT) - 1)
#define NODES_MASK    ((1UL << NODES_SHIFT) - 1)

static inline enum zone_type page_zonenum(const struct page *page)
{
	return (enum zone_type)((page->flags >> ZONES_PGSHIFT) & ZONES_MASK);
}

/*
 * page->flags of a page in use may have bits changed atomically by others (SLUB's
 * slab_lock is a bit of it), so a reader loads it atomically too, as test_bit() does.
 */
static inline int page_to_nid(const struct page *page)
{
	return (int)((__atomic_load_n(&page->flags, __ATOMIC_RELAXED) >> NODES_PGSHIFT) &
		     NODES_MASK);
}

static inline bool PageHead(const struct page *page)
{
	return (__atomic_load_n(&page->flags, __ATOMIC_RELAXED) >> PG_head) & 1;
}

static inline bool PageTail(const struct page *page)
{
	return page->compound_head & 1;
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

static inline bool PageReserved(const struct page *page)
{
	return (page->flags >> PG_reserved) & 1;
}

static inline bool PageHighMem(const struct page *page)
{
	return page_zonenum(page) == ZONE_HIGHMEM;
}

static inline struct page *compound_head(const struct page *page)
{
	unsigned long head = page->compound_head;

	if (head & 1)
		return (struct page *)(head - 1);
	return (struct page *)page;
}

static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return page[1].compound_order;
}

/*
 * page_type is read without its owner's lock - the buddy allocator's merge checks look
 * at neighbours that may be in use - so every access is a relaxed atomic, the kernel's
 * data_race()/WRITE_ONCE. The top byte is the type; the low 24 bits belong to the type's
 * owner, as in the kernel (SLAB keeps its count of objects in use there).
 */
static inline unsigned int page_type_word(const struct page *page)
{
	return __atomic_load_n(&page->page_type, __ATOMIC_RELAXED);
}

static inline void __page_set_type(struct page *page, enum pagetype type, unsigned int data)
{
	__atomic_store_n(&page->page_type, (unsigned int)type << 24 | data, __ATOMIC_RELAXED);
}

static inline void __page_clear_type(struct page *page)
{
	__atomic_store_n(&page->page_type, 0, __ATOMIC_RELAXED);
}

static inline bool page_has_type(const struct page *page)
{
	return (page_type_word(page) >> 24) >= PGTY_buddy;
}

/* PageX(), __SetPageX() and __ClearPageX() for a page type, as the kernel's PAGE_TYPE_OPS. */
#define PAGE_TYPE_OPS(uname, lname)                                  \
	static inline bool Page##uname(const struct page *page)      \
	{                                                            \
		return (page_type_word(page) >> 24) == PGTY_##lname; \
	}                                                            \
	static inline void __SetPage##uname(struct page *page)       \
	{                                                            \
		__page_set_type(page, PGTY_##lname, 0);              \
	}                                                            \
	static inline void __ClearPage##uname(struct page *page)     \
	{                                                            \
		__page_clear_type(page);                             \
	}

PAGE_TYPE_OPS(Buddy, buddy)
PAGE_TYPE_OPS(Slab, slab)
PAGE_TYPE_OPS(LargeKmalloc, large_kmalloc)

/* ---- frame numbers and addresses ---------------------------------------------------- */

static inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - mem_map);
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mem_map + pfn;
}

static inline bool pfn_valid(unsigned long pfn)
{
	return pfn < max_pfn;
}

static inline phys_addr_t page_to_phys(const struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

#define __pa(x)	       ((phys_addr_t)((unsigned long)(x)-PAGE_OFFSET))
#define __va(x)	       ((void *)((unsigned long)(x) + PAGE_OFFSET))
#define __pa_symbol(x) __pa(x)

static inline phys_addr_t virt_to_phys(const volatile void *address)
{
	return __pa(address);
}

static inline void *phys_to_virt(phys_addr_t address)
{
	return __va(address);
}

#define virt_to_pfn(kaddr)  (__pa(kaddr) >> PAGE_SHIFT)
#define virt_to_page(kaddr) pfn_to_page(virt_to_pfn(kaddr))
#define virt_addr_valid(kaddr) \
	((unsigned long)(kaddr) >= PAGE_OFFSET && virt_to_pfn(kaddr) < max_low_pfn)

static inline void *lowmem_page_address(const struct page *page)
{
	return __va(PFN_PHYS(page_to_pfn(page)));
}

/* The direct-map address of a page, or NULL for a highmem page that is not kmapped. */
void *page_address_highmem(const struct page *page);

static inline void *page_address(const struct page *page)
{
	if (__builtin_expect(page_to_pfn(page) >= max_low_pfn, 0))
		return page_address_highmem(page);
	return lowmem_page_address(page);
}

/* ---- reference counts ----------------------------------------------------------------- */

static inline int page_ref_count(const struct page *page)
{
	return __atomic_load_n(&page->_refcount.counter, __ATOMIC_RELAXED);
}

static inline int page_count(const struct page *page)
{
	return page_ref_count(compound_head(page));
}

static inline void get_page(struct page *page)
{
	__atomic_fetch_add(&compound_head(page)->_refcount.counter, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; the last one frees the page (or compound page) to the allocator. */
void put_page(struct page *page);

static inline void set_page_count(struct page *page, int v)
{
	__atomic_store_n(&page->_refcount.counter, v, __ATOMIC_RELAXED);
}

static inline void init_page_count(struct page *page)
{
	set_page_count(page, 1);
}

/* ---- get_order ------------------------------------------------------------------------- */

/* Order of the smallest block of pages that holds @size bytes; 0 gives 52, as the kernel's. */
static inline __attribute__((const)) int get_order_runtime(unsigned long size)
{
	if (size == 0)
		return 64 - PAGE_SHIFT;
	if (size <= PAGE_SIZE)
		return 0;
	return 64 - __builtin_clzl((size - 1) >> PAGE_SHIFT);
}

#define get_order(n)                                                                   \
	(__builtin_constant_p(n) ?                                                     \
		 ((n) == 0UL ? 64 - PAGE_SHIFT :                                       \
			       ((n) <= (1UL << PAGE_SHIFT) ?                           \
					0 :                                            \
					64 - __builtin_clzl(((n)-1) >> PAGE_SHIFT))) : \
		 get_order_runtime(n))

/* Turn an order-N non-compound allocation into 2^N independent order-0 pages. */
void split_page(struct page *page, unsigned int order);

/* Print the memory state (zones, free areas), as the kernel's show_mem(). */
void show_mem(void);

struct notifier_block;
/*
 * OOM notifiers run before an allocation that may not fail gives up; each adds the
 * pages it freed to *(unsigned long *)data. (The kernel declares these in linux/oom.h;
 * that name belongs to the system's own header, so kmm declares them here.)
 */
int register_oom_notifier(struct notifier_block *nb);
int unregister_oom_notifier(struct notifier_block *nb);

#endif /* KMM_LINUX_MM_H */
