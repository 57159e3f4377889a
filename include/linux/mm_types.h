/* SPDX-License-Identifier: MIT */
/*
 * mm_types.h - struct page, one per page frame of kmm's RAM, kept in mem_map.
 *
 * The layout follows the kernel's 64-byte struct page: flags, a five-word union whose
 * meaning depends on who owns the frame (buddy allocator, a compound page's tail, the
 * slab layer overlays struct slab on it), page_type/_mapcount, _refcount, memcg_data.
 * Zone and node numbers live in the top bits of flags, as the kernel keeps them.
 */
#ifndef KMM_LINUX_MM_TYPES_H
#define KMM_LINUX_MM_TYPES_H

#include <linux/kmm_types.h>
#include <linux/list.h>

struct kmem_cache;

struct page {
	unsigned long flags; /* PG_* bits; zone and node in the top bits */
	union {
		struct {
			/* buddy free lists, pcp lists, or the owner's own lists */
			struct list_head lru;
			void *mapping;
			pgoff_t index;
			/* buddy: order of a free block's head; otherwise the owner's */
			unsigned long private;
		};
		struct {
			/* tail page of a compound page: address of the head | 1 */
			unsigned long compound_head;
			/* second page of a compound page: its order */
			unsigned char compound_order;
		};
	};
	union {
		/* PGTY_* in the top byte when the page has a type (buddy, slab, ...) */
		unsigned int page_type;
		atomic_t _mapcount;
	};
	atomic_t _refcount;
	union {
		unsigned long memcg_data;
		/*
		 * Every page of a slab, head and tails: its cache (kmm has no memcg), so that
		 * kfree() finds where an object goes from its own page in one load.
		 */
		struct kmem_cache *page_slab_cache;
	};
};

_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes, as the kernel's");

#endif /* KMM_LINUX_MM_TYPES_H */
