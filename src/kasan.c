/* SPDX-License-Identifier: MIT */
/*
 * kasan.c - what happens to memory at every allocation and free when memory safety
 * is asked for: init_on_alloc / init_on_free (the kernel's boot parameters and
 * mm/slab.h's slab_want_init_on_alloc/free) and the annotations that make kmm objects
 * allocations in the eyes of AddressSanitizer and Valgrind (the kernel's KASAN hooks,
 * with the tool's shadow memory in place of KASAN's, reached through port.h).
 *
 * The one idea: the hooks sit on the slow paths only (kasan.h), and kasan_init() turns
 * them on together with slab_hooks_get(), so that every slab operation reaches them;
 * with everything off nothing changes anywhere.
 *
 * Object states as the checkers see them:
 *   allocated: [object, object + orig_size) accessible, the rest of the object a red zone
 *   free:      the whole object poisoned; the back-ends, which read and write free
 *              pointers and block headers inside free objects, are built without ASan
 *              instrumentation (as the kernel builds mm/slub.c without KASAN) and run
 *              with Valgrind's reports switched off (port_mem_internal_begin/end)
 *   pages:     accessible from allocation to free, poisoned while free
 * Caches left alone by the checkers (their objects never poisoned, and opened whole when
 * allocated, since under SLOB they share heap pages with poisoned blocks):
 * SLAB_TYPESAFE_BY_RCU (readers may look at freed objects by design, as KASAN skips
 * them) and debug caches (slab_debug's own poison and red zones are checked by the
 * back-end inside the object).
 *
 * init_on_free: a freed object is zeroed before the back-end stores its free pointer in
 * it; the allocation then wipes what the back-end wrote (SLUB's free pointer word, as the
 * kernel's maybe_wipe_obj_freeptr(); SLAB's and SLOB's in-object metadata may be anywhere
 * in the object, so the whole object for them).
 */
#include <linux/highmem.h>

#include "kasan.h"
#include "slab.h"

bool kasan_hooks_active;
bool init_on_alloc;
bool init_on_free;
bool kasan_enabled;

/* Before the first page is allocated and before any of kmm's threads exists. */
void init_mem_debugging_and_hardening(void)
{
	init_on_alloc = kmm_cfg.init_on_alloc > 0;
	init_on_free = kmm_cfg.init_on_free > 0;
	kasan_enabled = kmm_cfg.kasan >= 0 && port_mem_checker();
	kasan_hooks_active = init_on_alloc || init_on_free || kasan_enabled;
}

void kasan_init(void)
{
	if (kasan_hooks_active)
		slab_hooks_get();
	if (init_on_alloc || init_on_free)
		pr_info("mem auto-init: stack:off, heap alloc:%s, heap free:%s\n",
			init_on_alloc ? "on" : "off", init_on_free ? "on" : "off");
}

/* ---- init_on_alloc / init_on_free ----------------------------------------------------- */

bool slab_want_init_on_alloc(gfp_t flags, struct kmem_cache *s)
{
	if (init_on_alloc) {
		if (s && s->ctor)
			return false;
		if (s && (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)))
			return flags & __GFP_ZERO;
		return true;
	}
	return flags & __GFP_ZERO;
}

bool slab_want_init_on_free(struct kmem_cache *s)
{
	if (init_on_free)
		return !(s && (s->ctor || (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON))));
	return false;
}

/* What the back-end may have written into a free object that init_on_free had zeroed. */
static void wipe_free_metadata(struct kmem_cache *s, void *object, size_t size)
{
	if (s && slab_ops == &slub_ops) {
		if (s->offset + sizeof(void *) <= s->object_size)
			memset((char *)object + s->offset, 0, sizeof(void *));
		return;
	}
	memset(object, 0, size);
}

/*
 * What init zeroes (slab_post_alloc_hook()'s zero_size): the whole object, but on a
 * kmalloc cache with red zones or stored users only the size asked for, since the rest
 * is slab_debug's kmalloc red zone.
 */
static size_t init_size(struct kmem_cache *s, size_t span, size_t orig_size)
{
	if (s && (s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE)) && (s->flags & SLAB_KMALLOC))
		return orig_size;
	return span;
}

/* ---- the checkers' view of slab objects ------------------------------------------------- */

/* A SLOB kmalloc (NULL cache) above a page's worth is pages, which the page hooks cover. */
static bool kasan_tracks(struct kmem_cache *s, const void *object)
{
	if (!kasan_enabled)
		return false;
	if (!s)
		return virt_to_slab(object) != NULL;
	return !(s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_DEBUG_FLAGS));
}

/* The bytes an object of @s spans: kmalloc's class, a cache's object, SLOB's block. */
static size_t object_span(struct kmem_cache *s, const void *object)
{
	size_t span;

	if (s)
		return s->object_size;
	span = __ksize(object);
	if (kasan_enabled)
		port_mem_vouch(&span, sizeof(span));
	return span;
}

/*
 * What the checkers are told the object spans: up to its 8-byte ASan granule's end where
 * the stride leaves that room, since a granule shared with the next object cannot be
 * poisoned, and an object of 100 bytes would keep its last 4 bytes open after a free.
 */
static size_t checker_span(struct kmem_cache *s, size_t span)
{
	return s ? min((size_t)ALIGN(s->object_size, 8U), (size_t)s->size) : span;
}

gfp_t kasan_slab_pre_alloc_slow(gfp_t flags)
{
	metadata_access_enable(); /* until kasan_slab_alloc_slow() */
	return flags & ~__GFP_ZERO;
}

/*
 * Open the whole object to the checkers before the allocator itself writes it: an
 * untracked object too, since under SLOB its block may have been another's, poisoned.
 */
static void open_object(struct kmem_cache *s, void *object, size_t span)
{
	if (kasan_enabled)
		port_mem_unpoison(object, kasan_tracks(s, object) ? checker_span(s, span) : span);
}

void *kasan_slab_alloc_slow(struct kmem_cache *s, void *object, gfp_t flags, size_t orig_size)
{
	size_t span;
	bool init;

	if (unlikely(ZERO_OR_NULL_PTR(object))) {
		metadata_access_disable();
		return object;
	}
	span = object_span(s, object);
	if (orig_size > span)
		orig_size = span;
	init = slab_want_init_on_alloc(flags, s);
	open_object(s, object, span);
	if (init)
		memset(object, 0, init_size(s, span, orig_size));
	else if (init_on_free && slab_want_init_on_free(s))
		wipe_free_metadata(s, object, span);
	metadata_access_disable(); /* after __ksize() read SLOB's size prefix */
	if (kasan_tracks(s, object))
		port_mem_object_alloc(object, orig_size, checker_span(s, span), init);
	return object;
}

/* Each object's hook ends a metadata access: the first ends the back-end's, one per call. */
void kasan_slab_alloc_bulk_slow(struct kmem_cache *s, gfp_t flags, int nr, void **p)
{
	for (int i = 0; i < nr; i++) {
		if (i)
			metadata_access_enable();
		kasan_slab_alloc_slow(s, p[i], flags, s->object_size);
	}
	if (!nr)
		metadata_access_disable();
}

void kasan_slab_free_slow(struct kmem_cache *s, void *object)
{
	size_t span;

	metadata_access_enable(); /* until kasan_slab_free_done(): __ksize() and the back-end */
	span = object_span(s, object);
	if (slab_want_init_on_free(s)) {
		open_object(s, object, span); /* the red zone past orig_size too */
		if (s && slab_ops->init_on_free)
			slab_ops->init_on_free(s, object);
		else
			memset(object, 0, span);
	}
	if (kasan_tracks(s, object))
		port_mem_object_free(object, checker_span(s, span));
}

void kasan_unpoison_new_object_slow(struct kmem_cache *s, void *object)
{
	port_mem_unpoison(object, s->object_size);
}

/* ---- pages ------------------------------------------------------------------------------ */

/* Zero @nr pages from @page: through the direct map, or a temporary kmap for highmem. */
void kernel_init_pages(struct page *page, unsigned long nr)
{
	if (!PageHighMem(page)) {
		memset(page_address(page), 0, nr << PAGE_SHIFT);
		return;
	}
	for (unsigned long i = 0; i < nr; i++)
		clear_highpage(page + i);
}

gfp_t kasan_alloc_pages_slow(struct page *page, unsigned int order, gfp_t flags)
{
	if (kasan_enabled && !PageHighMem(page))
		port_mem_unpoison(page_address(page), PAGE_SIZE << order);
	/* pages freed under init_on_free are zero already, as the kernel's post_alloc_hook() */
	if (init_on_alloc && !init_on_free)
		flags |= __GFP_ZERO;
	return flags;
}

void kasan_free_pages_slow(struct page *page, unsigned int order)
{
	bool tracked = kasan_enabled && !PageHighMem(page);

	if (want_init_on_free()) {
		/* a slab's pages still hold its poisoned free objects */
		if (tracked)
			port_mem_unpoison(page_address(page), PAGE_SIZE << order);
		kernel_init_pages(page, 1UL << order);
	}
	if (tracked)
		port_mem_poison(page_address(page), PAGE_SIZE << order);
}
