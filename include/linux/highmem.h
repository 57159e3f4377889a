/* SPDX-License-Identifier: MIT */
/*
 * highmem.h - temporary mappings of ZONE_HIGHMEM pages, as the kernel's
 * include/linux/highmem.h: kmap/kunmap (the pkmap window of LAST_PKMAP entries, from
 * any context that may sleep, across calls), kmap_local_page/kunmap_local (a per-thread
 * stack of KM_MAX_IDX slots, released in LIFO order) and kmap_atomic/kunmap_atomic
 * (kmap_local with preemption disabled), and the page helpers built on them.
 *
 * Only the 32-bit layout (KMM_LAYOUT=x86_32) has highmem. A lowmem page needs no
 * mapping: every kmap variant returns its page_address(). The windows are reserved
 * from the port on first use and pages are mapped into them with port_map_pages(), so
 * a kmap address aliases the frame's memory as a kernel's page table entry does.
 */
#ifndef KMM_LINUX_HIGHMEM_H
#define KMM_LINUX_HIGHMEM_H

#include <linux/mm.h>
#include <linux/preempt.h>

/* The pkmap window: LAST_PKMAP pages from PKMAP_BASE (an address of this process). */
#define LAST_PKMAP	1024
#define LAST_PKMAP_MASK (LAST_PKMAP - 1)
extern unsigned long pkmap_base;
#define PKMAP_BASE     pkmap_base
#define PKMAP_NR(virt) ((unsigned long)((virt)-PKMAP_BASE) >> PAGE_SHIFT)
#define PKMAP_ADDR(nr) (PKMAP_BASE + ((unsigned long)(nr) << PAGE_SHIFT))

/* kmap_local: how deep one thread's stack of temporary mappings may go. */
#define KM_MAX_IDX 16

void *kmap_high(struct page *page);
void kunmap_high(struct page *page);
void *__kmap_local_page(struct page *page);
void kunmap_local_indexed(const void *vaddr);
/* How many kmap_local mappings the calling thread holds (for tests and debugging). */
int kmap_local_depth(void);
/* How many pkmap entries are in use. */
unsigned int nr_kmapped_pages(void);

/* A mapping that may be held across sleeps and passed between threads; unmapped by kunmap(). */
static inline void *kmap(struct page *page)
{
	if (!PageHighMem(page))
		return page_address(page);
	return kmap_high(page);
}

static inline void kunmap(struct page *page)
{
	if (PageHighMem(page))
		kunmap_high(page);
}

/* A short-lived mapping for the calling thread only; unmap in reverse order. */
static inline void *kmap_local_page(struct page *page)
{
	return __kmap_local_page(page);
}

static inline void *kmap_local_folio(struct page *page, size_t offset)
{
	return (char *)kmap_local_page(page) + offset;
}

#define kunmap_local(addr) kunmap_local_indexed((const void *)(addr))

/* kmap_local_page() with preemption disabled until kunmap_atomic(). */
static inline void *kmap_atomic(struct page *page)
{
	preempt_disable();
	return kmap_local_page(page);
}

#define kunmap_atomic(addr)         \
	do {                        \
		kunmap_local(addr); \
		preempt_enable();   \
	} while (0)

static inline void clear_highpage(struct page *page)
{
	void *kaddr = kmap_local_page(page);

	__builtin_memset(kaddr, 0, PAGE_SIZE);
	kunmap_local(kaddr);
}

static inline void zero_user_segments(struct page *page, unsigned int start1, unsigned int end1,
				      unsigned int start2, unsigned int end2)
{
	char *kaddr = kmap_local_page(page);

	if (end1 > start1)
		__builtin_memset(kaddr + start1, 0, end1 - start1);
	if (end2 > start2)
		__builtin_memset(kaddr + start2, 0, end2 - start2);
	kunmap_local(kaddr);
}

static inline void zero_user(struct page *page, unsigned int start, unsigned int size)
{
	zero_user_segments(page, start, start + size, 0, 0);
}

static inline void copy_highpage(struct page *to, struct page *from)
{
	char *vfrom = kmap_local_page(from);
	char *vto = kmap_local_page(to);

	__builtin_memcpy(vto, vfrom, PAGE_SIZE);
	kunmap_local(vto);
	kunmap_local(vfrom);
}

static inline void memcpy_page(struct page *dst_page, size_t dst_off, struct page *src_page,
			       size_t src_off, size_t len)
{
	char *dst = kmap_local_page(dst_page);
	char *src = kmap_local_page(src_page);

	__builtin_memcpy(dst + dst_off, src + src_off, len);
	kunmap_local(src);
	kunmap_local(dst);
}

static inline void memset_page(struct page *page, size_t offset, int val, size_t len)
{
	char *addr = kmap_local_page(page);

	__builtin_memset(addr + offset, val, len);
	kunmap_local(addr);
}

static inline void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len)
{
	char *from = kmap_local_page(page);

	__builtin_memcpy(to, from + offset, len);
	kunmap_local(from);
}

static inline void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len)
{
	char *to = kmap_local_page(page);

	__builtin_memcpy(to + offset, from, len);
	kunmap_local(to);
}

static inline void memzero_page(struct page *page, size_t offset, size_t len)
{
	memset_page(page, offset, 0, len);
}

#endif /* KMM_LINUX_HIGHMEM_H */
