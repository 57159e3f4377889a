/* SPDX-License-Identifier: MIT */
/*
 * vmalloc.h - virtually contiguous memory (the kernel's include/linux/vmalloc.h, 6.x):
 * vmalloc and friends, vmap/vunmap of caller pages, vm_map_ram, the vm_struct areas of
 * the vmalloc window, VM_* flags with the kernel's values, and PAGE_KERNEL.
 *
 * The window VMALLOC_START..VMALLOC_END is reserved when kmm initialises; both are
 * variables (as x86's vmalloc_base), so a layout mode can place the window elsewhere.
 * VMALLOC_END is exclusive here (the first byte after the window), as on most
 * architectures; before initialisation both are 0 and is_vmalloc_addr() is false.
 */
#ifndef KMM_LINUX_VMALLOC_H
#define KMM_LINUX_VMALLOC_H

#include <linux/gfp_types.h>
#include <linux/kmm_types.h>
#include <linux/mmzone.h> /* NUMA_NO_NODE */

struct page;

/* ---- page protections (x86's pgprot_t and the PAGE_KERNEL family) ------------------------ */

#ifndef KMM_PGPROT_T
#define KMM_PGPROT_T
typedef struct {
	unsigned long pgprot;
} pgprot_t;
#define __pgprot(x)   ((pgprot_t){ (x) })
#define pgprot_val(x) ((x).pgprot)

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_PWT      0x008UL
#define _PAGE_PCD      0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define _PAGE_PSE      0x080UL
#define _PAGE_GLOBAL   0x100UL
#define _PAGE_NX       (1UL << 63)

#define PAGE_NONE __pgprot(_PAGE_ACCESSED | _PAGE_GLOBAL)
#define PAGE_KERNEL \
	__pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_RO __pgprot(_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_EXEC \
	__pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL)
#define PAGE_KERNEL_ROX __pgprot(_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL)

static inline pgprot_t pgprot_nx(pgprot_t prot)
{
	return __pgprot(pgprot_val(prot) | _PAGE_NX);
}
#endif

/* ---- areas ------------------------------------------------------------------------------ */

/* vm_struct.flags (kernel values). */
#define VM_IOREMAP	     0x00000001 /* ioremap() and friends */
#define VM_ALLOC	     0x00000002 /* vmalloc() */
#define VM_MAP		     0x00000004 /* vmap()ed pages */
#define VM_USERMAP	     0x00000008 /* suitable for remap_vmalloc_range */
#define VM_DMA_COHERENT	     0x00000010 /* dma_alloc_coherent */
#define VM_UNINITIALIZED     0x00000020 /* vm_struct is not fully initialized */
#define VM_NO_GUARD	     0x00000040 /* no guard page after the area */
#define VM_KASAN	     0x00000080 /* has allocated kasan shadow memory */
#define VM_FLUSH_RESET_PERMS 0x00000100 /* reset direct map and flush TLB on unmap */
#define VM_MAP_PUT_PAGES     0x00000200 /* put pages and free array in vfree */
#define VM_ALLOW_HUGE_VMAP   0x00000400 /* allow huge pages (recorded; mapped with small ones) */
#define VM_DEFER_KMEMLEAK    0		/* 0x800 only with KASAN, as the kernel */
#define VM_SPARSE	     0x00001000 /* sparse vm_area: not all pages are present */

/* Bits [20..32] are reserved for arch specific ioremap internals (kernel). */
#define IOREMAP_MAX_ORDER (7 + 12) /* x86-64: 512 KiB */

/* One area of the vmalloc window, as /proc/vmallocinfo lists them. */
struct vm_struct {
	struct vm_struct *next;
	void *addr;	     /* first byte of the area */
	unsigned long size;  /* bytes, the guard page included (unless VM_NO_GUARD) */
	unsigned long flags; /* VM_* */
	struct page **pages; /* vmalloc: the pages mapped, pages[0] at addr */
	unsigned int page_order;
	unsigned int nr_pages;
	phys_addr_t phys_addr;	      /* ioremap: the physical address mapped */
	const void *caller;	      /* who asked for the area (vmallocinfo's %pS) */
	unsigned long requested_size; /* vmalloc's size argument, for vrealloc() */
};

/* The area's size without its guard page. */
static inline size_t get_vm_area_size(const struct vm_struct *area)
{
	if (!(area->flags & VM_NO_GUARD))
		return area->size - (1UL << 12);
	return area->size;
}

/* ---- the window ------------------------------------------------------------------------- */

extern unsigned long vmalloc_base; /* set when kmm initialises */
extern unsigned long vmalloc_end;
#define VMALLOC_START vmalloc_base
#define VMALLOC_END   vmalloc_end

/* Is @x inside the vmalloc window? (The kernel's is_vmalloc_addr(), include/linux/mm.h.) */
static inline bool is_vmalloc_addr(const void *x)
{
	unsigned long addr = (unsigned long)x;

	return addr >= VMALLOC_START && addr < VMALLOC_END;
}

static inline int is_vmalloc_or_module_addr(const void *x)
{
	return is_vmalloc_addr(x);
}

/* ---- allocation ------------------------------------------------------------------------- */

void *vmalloc(unsigned long size) __alloc_size(1) __malloc;
void *vzalloc(unsigned long size) __alloc_size(1) __malloc;
void *vmalloc_user(unsigned long size) __alloc_size(1) __malloc;
void *vmalloc_node(unsigned long size, int node) __alloc_size(1) __malloc;
void *vzalloc_node(unsigned long size, int node) __alloc_size(1) __malloc;
void *vmalloc_32(unsigned long size) __alloc_size(1) __malloc;
void *vmalloc_32_user(unsigned long size) __alloc_size(1) __malloc;
void *__vmalloc(unsigned long size, gfp_t gfp_mask) __alloc_size(1) __malloc;
void *__vmalloc_node_range(unsigned long size, unsigned long align, unsigned long start,
			   unsigned long end, gfp_t gfp_mask, pgprot_t prot, unsigned long vm_flags,
			   int node, const void *caller) __alloc_size(1) __malloc;
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node,
		     const void *caller) __alloc_size(1) __malloc;
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node) __alloc_size(1) __malloc;
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask) __alloc_size(1) __malloc;

void *__vmalloc_array(size_t n, size_t size, gfp_t flags) __alloc_size(1, 2) __malloc;
void *vmalloc_array(size_t n, size_t size) __alloc_size(1, 2) __malloc;
void *__vcalloc(size_t n, size_t size, gfp_t flags) __alloc_size(1, 2) __malloc;
void *vcalloc(size_t n, size_t size) __alloc_size(1, 2) __malloc;

/*
 * Resize a vmalloc area (6.12+): within the area's pages in place, else a new area with
 * the contents copied. size 0 frees p and returns NULL; p NULL allocates.
 */
void *vrealloc(const void *p, size_t size, gfp_t flags) __alloc_size(2) __must_check;

void vfree(const void *addr);
/* Free later, from any context (the work is done by the next vmalloc/vfree in task context). */
void vfree_atomic(const void *addr);

/* ---- mapping caller pages ---------------------------------------------------------------- */

void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot);
void vunmap(const void *addr);
void *vm_map_ram(struct page **pages, unsigned int count, int node);
void vm_unmap_ram(const void *mem, unsigned int count);
/* Purge lazily freed areas now: afterwards nothing freed still holds address space. */
void vm_unmap_aliases(void);

/* ---- areas without pages ------------------------------------------------------------------ */

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);
struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags, const void *caller);
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, unsigned long start,
				       unsigned long end, const void *caller);
void free_vm_area(struct vm_struct *area);
struct vm_struct *remove_vm_area(const void *addr);
struct vm_struct *find_vm_area(const void *addr);

/* ---- address translation ------------------------------------------------------------------ */

struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);

#endif /* KMM_LINUX_VMALLOC_H */
