/* SPDX-License-Identifier: MIT */
/*
 * kmemleak.h - the kernel memory leak detector's API, as include/linux/kmemleak.h.
 *
 * With KMM_KMEMLEAK=on, every kmalloc, kmem_cache, vmalloc and page allocation is
 * tracked; a scan (kmm_kmemleak_scan(), or the periodic one) looks for pointers to each
 * object in the program's data and bss, the thread stacks and the tracked objects, and
 * reports the objects nothing points to as "unreferenced object 0x... (size N):". The
 * calls below annotate objects whose references kmemleak cannot see; they do nothing
 * while kmemleak is off.
 */
#ifndef KMM_LINUX_KMEMLEAK_H
#define KMM_LINUX_KMEMLEAK_H

#include <stddef.h>

#include <linux/gfp_types.h>
#include <linux/slab.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vm_struct;

/*
 * Track @ptr, @size bytes: it is a leak once fewer than @min_count pointers to it are
 * found (0: never reported, but still scanned; -1: neither, as kmemleak_ignore()).
 */
void kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp);
/* Track a vmalloc area (vmalloc does this itself). */
void kmemleak_vmalloc(const struct vm_struct *area, size_t size, gfp_t gfp);
/* Stop tracking @ptr (it is being freed). */
void kmemleak_free(const void *ptr);
/* Only part of the object at @ptr is being freed: forget @size bytes from @ptr. */
void kmemleak_free_part(const void *ptr, size_t size);
/* Record the caller as the object's allocation backtrace. */
void kmemleak_update_trace(const void *ptr);
/* Never report @ptr, but keep scanning it for references to others. */
void kmemleak_not_leak(const void *ptr);
/* Neither report nor scan @ptr. */
void kmemleak_ignore(const void *ptr);
/* Report @ptr if it leaks, but do not scan its contents (it holds no pointers). */
void kmemleak_no_scan(const void *ptr);
/* Scan only [ptr, ptr + size) of the object @ptr points into (one area per object). */
void kmemleak_scan_area(const void *ptr, size_t size, gfp_t gfp);

static inline void kmemleak_alloc_recursive(const void *ptr, size_t size, int min_count,
					    slab_flags_t flags, gfp_t gfp)
{
	if (!(flags & SLAB_NOLEAKTRACE))
		kmemleak_alloc(ptr, size, min_count, gfp);
}

static inline void kmemleak_free_recursive(const void *ptr, slab_flags_t flags)
{
	if (!(flags & SLAB_NOLEAKTRACE))
		kmemleak_free(ptr);
}

static inline void kmemleak_erase(void **ptr)
{
	*ptr = NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_KMEMLEAK_H */
