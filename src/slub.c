/* SPDX-License-Identifier: MIT */
/*
 * slub.c - the SLUB slab allocator, as the kernel's mm/slub.c.
 *
 * This file so far holds the cache geometry: given what kmem_cache_create() was asked
 * for, the layout of one object (where the free pointer and the debug metadata go, the
 * stride `size`), the slab order and the number of objects per slab, and the limits of
 * the partial lists. It is Linux 6.18's computation, step for step, because kmm's
 * caches must look exactly like a real kernel's: tests/test_slub_geometry.c compares
 * every cache of the machine's /sys/kernel/slab with what this file computes.
 *
 * The steps (do_kmem_cache_create() and the functions it calls):
 *  1. calculate_alignment() (mm/slab_common.c): the requested alignment, raised to a
 *     cache line for SLAB_HWCACHE_ALIGN - halved while the object fits in half of it,
 *     so that small objects share lines - and to ARCH_SLAB_MINALIGN and a word.
 *     It is idempotent, so a cache's final alignment may be given back as the request.
 *  2. calculate_sizes(): round the object to a word; add a right red zone word if there
 *     is no slack; place the free pointer in the middle of the object (away from both
 *     ends, where overflows from neighbours land), or after it when the object's memory
 *     must stay intact while free (RCU-typesafe without a freeptr_offset, constructor,
 *     poisoning, some red zone cases), or at the creator's freeptr_offset; then the
 *     debug metadata (two struct track, the kmalloc request size), the left red zone,
 *     and padding to the alignment.
 *  3. calculate_order(): the smallest order that holds at least min_objects objects
 *     (4 * (fls(CPUs) + 1), capped by what fits in slab_max_order) and wastes at most
 *     1/16 of the slab; failing that 1/8, then 1/4; past slab_max_order, the smallest
 *     order that holds one object.
 *  4. min_partial = ilog2(size) / 2 within [MIN_PARTIAL, MAX_PARTIAL]; cpu_partial by
 *     size class (120, 52, 24, 6 objects; 0 for debug caches), and in slabs assuming
 *     half-full slabs.
 *
 * The kernel this reproduces: x86-64, 4 KiB pages, 64-byte cache lines,
 * CONFIG_SLUB_DEBUG=y, CONFIG_SLUB_CPU_PARTIAL=y, CONFIG_STACKDEPOT=y (struct track is
 * 32 bytes), CONFIG_KASAN=n (KASAN would add its own metadata), CONFIG_SLUB_TINY=n.
 * Per-CPU sheaves (6.18) change neither the layout nor cpu_partial.
 */
#include "internal.h"

/* ---- geometry: calculate_sizes, calculate_order (mm/slub.c) ---- */

#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef fls
/* 1-based index of the most significant set bit, 0 for 0 (asm-generic/bitops/fls.h). */
#define fls(x) ((x) ? 32 - __builtin_clz(x) : 0)
#endif
#ifndef ilog2
#define ilog2(n) (63 - __builtin_clzl(n))
#endif
#ifndef DIV_ROUND_UP
#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#endif
#ifndef ALIGN_DOWN
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#endif

/* Empty slabs a node keeps on its partial list, whatever the object size. */
#define MIN_PARTIAL 5
#define MAX_PARTIAL 10
/* slab->objects is a 15-bit field. */
#define MAX_OBJS_PER_PAGE 32767
/* x86-64's cache_line_size() on every current CPU. */
#define L1_CACHE_BYTES 64
/* The largest object a cache can have: the largest buddy block. */
#define KMALLOC_MAX_SIZE (1UL << (MAX_PAGE_ORDER + PAGE_SHIFT))
/* Debug flags that add metadata to each object; slab_debug=O drops them if they cost. */
#define DEBUG_METADATA_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
/* The free pointer: the kernel's freeptr_t, one word. */
#define FREEPTR_SIZE sizeof(unsigned long)

static const struct slub_order_params slub_default_params = {
	.min_order = 0,
	.max_order = PAGE_ALLOC_COSTLY_ORDER,
	.min_objects = 0, /* derived from the CPU count */
};

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size,
					unsigned int cache_line)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line;

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max(align, (unsigned int)ARCH_SLAB_MINALIGN);
	return ALIGN(align, (unsigned int)sizeof(void *));
}

static unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

/*
 * The smallest order from @min_order up that wastes at most 1/@fract_leftover of the
 * slab; @max_order + 1 if none does. A higher order never wastes a larger fraction.
 */
static unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/*
 * Enough objects per slab keep the per-node list_lock rare, and more CPUs contend for it
 * more; but order-0 pages fragment memory least. Try 1/16 waste first, then accept more.
 */
static int calculate_order(unsigned int size, const struct slub_geometry_args *args,
			   const struct slub_order_params *p)
{
	unsigned int min_objects = p->min_objects;
	unsigned int max_objects, min_order, fraction, order;

	if (!min_objects) {
		/*
		 * The kernel counts present CPUs, and falls back to the possible ones when
		 * only one is present (some architectures bring the rest online later).
		 */
		unsigned int nr_cpus = args->nr_cpus;

		if (nr_cpus <= 1 && args->nr_cpu_ids)
			nr_cpus = args->nr_cpu_ids;
		min_objects = 4 * (fls(nr_cpus) + 1);
	}
	/* Never ask for more than slab_max_order holds, nor for 0 (get_order(0)). */
	max_objects = max(order_objects(p->max_order, size), 1U);
	min_objects = min(min_objects, max_objects);

	min_order = max(p->min_order, (unsigned int)get_order((unsigned long)min_objects * size));
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;

	for (fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, p->max_order, fraction);
		if (order <= p->max_order)
			return (int)order;
	}
	/* Not even one object fits in slab_max_order: the order of one object. */
	order = (unsigned int)get_order(size);
	if (order <= MAX_PAGE_ORDER)
		return (int)order;
	return -1;
}

/*
 * kmalloc caches with SLAB_STORE_USER keep the requested size after the tracks, and a
 * red zone then extends over the unrequested tail of the object: the free pointer must
 * not sit there.
 */
static bool slub_debug_orig_size(const struct slub_geometry *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

static bool calculate_sizes(const struct slub_geometry_args *args, struct slub_geometry *s,
			    const struct slub_order_params *p)
{
	slab_flags_t flags = s->flags;
	/* The free pointer can only go at a word boundary. */
	unsigned int size = ALIGN(s->object_size, (unsigned int)sizeof(void *));
	int order;

	/* Poison the object itself only if nobody may look at it while it is free. */
	if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !args->has_ctor)
		s->flags |= __OBJECT_POISON;
	else
		s->flags &= ~__OBJECT_POISON;

	/* A right red zone needs at least one byte after the object. */
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->inuse = size;

	if (((flags & SLAB_TYPESAFE_BY_RCU) && !args->use_freeptr_offset) ||
	    (flags & SLAB_POISON) || args->has_ctor ||
	    ((flags & SLAB_RED_ZONE) &&
	     (s->object_size < sizeof(void *) || slub_debug_orig_size(s)))) {
		/* A free object's contents must survive (or be checked): pointer after it. */
		s->offset = size;
		size += FREEPTR_SIZE;
	} else if ((flags & SLAB_TYPESAFE_BY_RCU) && args->use_freeptr_offset) {
		s->offset = args->freeptr_offset;
	} else {
		/* Mid-object, out of reach of small over- and underflows from neighbours. */
		s->offset = ALIGN_DOWN(s->object_size / 2, (unsigned int)sizeof(void *));
	}

	if (flags & SLAB_STORE_USER) {
		size += 2 * SLUB_TRACK_SIZE; /* last alloc and last free */
		/*
		 * The kmalloc request size. Linux 6.18 stored it as unsigned int; the stable
		 * fix "use unsigned long for orig_size" widened it. Both give the same
		 * stride on 64-bit: the next step adds a word, and the total is rounded to
		 * the alignment (at least a word) anyway.
		 */
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned long);
	}

	s->red_left_pad = 0;
	if (flags & SLAB_RED_ZONE) {
		/* Padding that catches writes before the next object's start... */
		size += sizeof(void *);
		/* ...and a left red zone, kept aligned so that the object stays aligned. */
		s->red_left_pad = ALIGN((unsigned int)sizeof(void *), s->align);
		size += s->red_left_pad;
	}

	/* Objects follow each other from the slab's start: the stride keeps them aligned. */
	size = ALIGN(size, s->align);
	s->size = size;

	order = calculate_order(size, args, p);
	if (order < 0)
		return false;
	s->order = (unsigned int)order;
	s->objects = order_objects(s->order, size);
	s->min_order = (unsigned int)get_order(size);
	s->min_objects = order_objects(s->min_order, size);
	return s->objects != 0;
}

/* Bigger objects: more empty slabs kept, so as not to pound the page allocator. */
static void set_min_partial(struct slub_geometry *s, unsigned long min)
{
	if (min < MIN_PARTIAL)
		min = MIN_PARTIAL;
	else if (min > MAX_PARTIAL)
		min = MAX_PARTIAL;
	s->min_partial = min;
}

/*
 * Per-CPU partial slabs mostly have one object freed, so refilling from them is cheap
 * and lock-free; debug caches take the slow path always and keep none. The limit is
 * given in objects (the sysfs interface) and applied in slabs, assuming half-full ones.
 */
static void set_cpu_partial(struct slub_geometry *s)
{
	unsigned int nr_objects;

	if (s->flags & SLAB_DEBUG_FLAGS)
		nr_objects = 0;
	else if (s->size >= PAGE_SIZE)
		nr_objects = 6;
	else if (s->size >= 1024)
		nr_objects = 24;
	else if (s->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;

	s->cpu_partial = nr_objects;
	s->cpu_partial_slabs = DIV_ROUND_UP(nr_objects * 2, s->objects);
}

static bool slub_geometry_args_valid(const struct slub_geometry_args *args,
				     const struct slub_order_params *p)
{
	if (!args->object_size || args->object_size > KMALLOC_MAX_SIZE)
		return false;
	if (args->align & (args->align - 1) || args->align > KMALLOC_MAX_SIZE)
		return false;
	if (!args->nr_cpus)
		return false;
	if (p->min_order > p->max_order || p->max_order > MAX_PAGE_ORDER)
		return false;
	/* create_cache(): the free pointer must be a word inside an RCU-typesafe object. */
	if (args->use_freeptr_offset &&
	    (args->freeptr_offset >= args->object_size || !(args->flags & SLAB_TYPESAFE_BY_RCU) ||
	     !IS_ALIGNED(args->freeptr_offset, (unsigned int)__alignof__(unsigned long))))
		return false;
	return true;
}

int slub_calculate_geometry(const struct slub_geometry_args *args, struct slub_geometry *out)
{
	const struct slub_order_params *p = args->params ? args->params : &slub_default_params;
	unsigned int cache_line = args->cache_line_size ? args->cache_line_size : L1_CACHE_BYTES;

	if (!slub_geometry_args_valid(args, p))
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->flags = args->flags;
	out->object_size = args->object_size;
	out->align = calculate_alignment(args->flags, args->align, args->object_size, cache_line);
	if (!calculate_sizes(args, out, p))
		return -EINVAL;

	if (p->disable_higher_order_debug && get_order(out->size) > get_order(out->object_size)) {
		out->flags &= ~DEBUG_METADATA_FLAGS;
		if (!calculate_sizes(args, out, p))
			return -EINVAL;
	}

	set_min_partial(out, (unsigned long)ilog2((unsigned long)out->size) / 2);
	set_cpu_partial(out);
	return 0;
}
