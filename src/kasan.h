/* SPDX-License-Identifier: MIT */
/*
 * kasan.h - the memory-safety hooks of the allocation and free paths: init_on_alloc /
 * init_on_free (the kernel's boot parameters, KMM_INIT_ON_ALLOC / KMM_INIT_ON_FREE
 * here) and the memory-checker annotations (kasan.c, through port.h).
 *
 * Every hook is an inline test of kasan_hooks_active, false unless a feature is on, and
 * only the slow paths call them: the slab fast paths stay as they are, and while
 * kasan_hooks_active holds a slab_hooks_get() reference, every slab operation reaches
 * slab_alloc_slow()/slab_free_slow().
 */
#ifndef KMM_KASAN_H
#define KMM_KASAN_H

#include "internal.h"

struct kmem_cache;

extern bool kasan_hooks_active; /* any of the three below: the hooks have work */
extern bool init_on_alloc;	/* the kernel's static keys of the same names */
extern bool init_on_free;
extern bool kasan_enabled; /* a memory checker watches, and kasan=off was not given */

/*
 * config.c: read the configuration before the page allocator starts (the kernel's
 * mm_core_init() step), and once the slab layer is up, send every slab operation
 * through the hooks if any is on.
 */
void init_mem_debugging_and_hardening(void);
void kasan_init(void);

/* include/linux/mm.h's tests, for the page allocator. */
static inline bool want_init_on_alloc(gfp_t flags)
{
	return init_on_alloc || (flags & __GFP_ZERO);
}

static inline bool want_init_on_free(void)
{
	return init_on_free;
}

/* mm/slab.h's tests: constructor and RCU-typesafe caches keep their contents. */
bool slab_want_init_on_alloc(gfp_t flags, struct kmem_cache *s);
bool slab_want_init_on_free(struct kmem_cache *s);

/*
 * The allocator is about to walk freed objects outside the slow paths (thread exit,
 * shrink, destroy, validate, a reaper thread): the checkers must not take that for the
 * program's use-after-free (mm/slub.c's names).
 */
static inline void metadata_access_enable(void)
{
	if (unlikely(kasan_enabled))
		port_mem_internal_begin();
}

static inline void metadata_access_disable(void)
{
	if (unlikely(kasan_enabled))
		port_mem_internal_end();
}

/* ---- slab hooks (slab_common.c's slow paths) ------------------------------------------ */

gfp_t kasan_slab_pre_alloc_slow(gfp_t flags);
void *kasan_slab_alloc_slow(struct kmem_cache *s, void *object, gfp_t flags, size_t orig_size);
void kasan_slab_alloc_bulk_slow(struct kmem_cache *s, gfp_t flags, int nr, void **p);
void kasan_slab_free_slow(struct kmem_cache *s, void *object);

/* Before the back-end allocates: the flags to give it (zeroing is left to the hook after). */
static inline gfp_t kasan_slab_pre_alloc(gfp_t flags)
{
	return unlikely(kasan_hooks_active) ? kasan_slab_pre_alloc_slow(flags) : flags;
}

/*
 * After the back-end allocated @object (or NULL) of @s (NULL: a SLOB kmalloc) for a
 * request of @orig_size bytes with the caller's @flags: initialise and unpoison it.
 */
static inline void *kasan_slab_alloc(struct kmem_cache *s, void *object, gfp_t flags,
				     size_t orig_size)
{
	return unlikely(kasan_hooks_active) ? kasan_slab_alloc_slow(s, object, flags, orig_size) :
					      object;
}

/* The same for the @nr objects of a bulk allocation (one kasan_slab_pre_alloc() before it). */
static inline void kasan_slab_alloc_bulk(struct kmem_cache *s, gfp_t flags, int nr, void **p)
{
	if (unlikely(kasan_hooks_active))
		kasan_slab_alloc_bulk_slow(s, flags, nr, p);
}

/* Before the back-end frees @object of @s (NULL: a SLOB heap page): wipe and poison it. */
static inline void kasan_slab_free(struct kmem_cache *s, void *object)
{
	if (unlikely(kasan_hooks_active))
		kasan_slab_free_slow(s, object);
}

/* After the back-end freed it. */
static inline void kasan_slab_free_done(void)
{
	metadata_access_disable();
}

/* ksize() callers may use the whole object (the kernel's kasan_unpoison_range in ksize). */
static inline void kasan_unpoison_range(const void *addr, size_t size)
{
	if (unlikely(kasan_enabled))
		port_mem_unpoison(addr, size);
}

/*
 * A block that a constructor is about to run on (SLOB constructs at every allocation,
 * on memory another cache or kmalloc may have freed and poisoned): the kernel's name.
 */
void kasan_unpoison_new_object_slow(struct kmem_cache *s, void *object);

static inline void kasan_unpoison_new_object(struct kmem_cache *s, void *object)
{
	if (unlikely(kasan_enabled))
		kasan_unpoison_new_object_slow(s, object);
}

/* ---- page hooks (page_alloc.c) ----------------------------------------------------------- */

/* Zero @nr pages from @page (through a temporary kmap for highmem). */
void kernel_init_pages(struct page *page, unsigned long nr);

gfp_t kasan_alloc_pages_slow(struct page *page, unsigned int order, gfp_t flags);
void kasan_free_pages_slow(struct page *page, unsigned int order);

/* New pages, before anything writes them: the flags prep_new_page() should zero by. */
static inline gfp_t kasan_alloc_pages(struct page *page, unsigned int order, gfp_t flags)
{
	return unlikely(kasan_hooks_active) ? kasan_alloc_pages_slow(page, order, flags) : flags;
}

/* Pages being freed, after their checks: wipe and poison them. */
static inline void kasan_free_pages(struct page *page, unsigned int order)
{
	if (unlikely(kasan_hooks_active))
		kasan_free_pages_slow(page, order);
}

#endif /* KMM_KASAN_H */
