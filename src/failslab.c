/* SPDX-License-Identifier: MIT */
/*
 * failslab.c - fault injection into slab allocations (the kernel's mm/failslab.c):
 * kmalloc, kmem_cache_alloc and the bulk allocator fail when should_fail_ex() says so.
 *
 * The one idea: the checks that make an allocation ineligible come first, in the
 * kernel's order - the boot cache of struct kmem_cache, __GFP_NOFAIL, allocations that
 * may sleep (unless ignore-gfp-wait is N), and with cache-filter set, every cache
 * without SLAB_FAILSLAB - and only an eligible allocation counts for fail-nth, interval
 * and space. The front end calls it from its slow path (slab_common.c), which every
 * allocation reaches while failslab can fail (see fault-inject.c). SLOB's kmalloc has
 * no cache: it is tested as a cache of its size without SLAB_FAILSLAB. (The kernel's
 * FAILSLAB needed SLAB or SLUB; kmm's front end serves all three back-ends alike.)
 */
#include "fault-inject.h"
#include "slab.h"

static struct fault_attr failslab_attr = FAULT_ATTR_INITIALIZER("failslab");
static bool ignore_gfp_reclaim = true;
static bool cache_filter;

static const struct fault_extra_attr failslab_extra[] = {
	{ "ignore-gfp-wait", &ignore_gfp_reclaim, NULL },
	{ "cache-filter", &cache_filter, NULL },
};

const struct fault_capability failslab_capability = {
	.attr = &failslab_attr,
	.extra = failslab_extra,
	.nr_extra = ARRAY_SIZE(failslab_extra),
	.slab_hooks = true,
};

static bool failslab_check(slab_flags_t cache_flags, size_t size, gfp_t gfpflags)
{
	int flags = 0;

	if (gfpflags & __GFP_NOFAIL)
		return false;
	if (__atomic_load_n(&ignore_gfp_reclaim, __ATOMIC_RELAXED) &&
	    (gfpflags & __GFP_DIRECT_RECLAIM))
		return false;
	if (__atomic_load_n(&cache_filter, __ATOMIC_RELAXED) && !(cache_flags & SLAB_FAILSLAB))
		return false;
	/* __GFP_NOWARN asks for no message at all, not just no warning */
	if (gfpflags & __GFP_NOWARN)
		flags |= FAULT_NOWARN;
	return should_fail_ex(&failslab_attr, (long)size, flags);
}

bool __should_failslab(struct kmem_cache *s, gfp_t gfpflags)
{
	/* No fault-injection for bootstrap cache */
	if (unlikely(s == kmem_cache))
		return false;
	return failslab_check(s->flags, s->object_size, gfpflags);
}

bool __should_failslab_kmalloc(size_t size, gfp_t gfpflags)
{
	return failslab_check(0, size, gfpflags);
}
