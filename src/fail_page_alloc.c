/* SPDX-License-Identifier: MIT */
/*
 * fail_page_alloc.c - fault injection into the page allocator (the kernel's
 * mm/fail_page_alloc.c): alloc_pages() and everything built on it fail when
 * should_fail_ex() says so.
 *
 * The one idea: as in the kernel, only what the defaults leave eligible can fail - an
 * order of at least min-order (1: single pages are spared), no __GFP_NOFAIL, and unless
 * told otherwise nothing that may sleep (ignore-gfp-wait) and nothing that may come
 * from highmem (ignore-gfp-highmem). The space budget is counted in pages.
 */
#include "fault-inject.h"

static struct fault_attr fail_page_alloc_attr = FAULT_ATTR_INITIALIZER("fail_page_alloc");
static bool ignore_gfp_highmem = true;
static bool ignore_gfp_reclaim = true;
static unsigned int min_order = 1;

static const struct fault_extra_attr fail_page_alloc_extra[] = {
	{ "ignore-gfp-wait", &ignore_gfp_reclaim, NULL },
	{ "ignore-gfp-highmem", &ignore_gfp_highmem, NULL },
	{ "min-order", NULL, &min_order },
};

const struct fault_capability fail_page_alloc_capability = {
	.attr = &fail_page_alloc_attr,
	.extra = fail_page_alloc_extra,
	.nr_extra = ARRAY_SIZE(fail_page_alloc_extra),
	.slab_hooks = false,
};

bool __should_fail_alloc_page(gfp_t gfp_mask, unsigned int order)
{
	int flags = 0;

	if (order < __atomic_load_n(&min_order, __ATOMIC_RELAXED))
		return false;
	if (gfp_mask & __GFP_NOFAIL)
		return false;
	if (__atomic_load_n(&ignore_gfp_highmem, __ATOMIC_RELAXED) && (gfp_mask & __GFP_HIGHMEM))
		return false;
	if (__atomic_load_n(&ignore_gfp_reclaim, __ATOMIC_RELAXED) &&
	    (gfp_mask & __GFP_DIRECT_RECLAIM))
		return false;
	/* See comment in failslab_check() */
	if (gfp_mask & __GFP_NOWARN)
		flags |= FAULT_NOWARN;
	return should_fail_ex(&fail_page_alloc_attr, 1L << order, flags);
}
