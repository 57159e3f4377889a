/* SPDX-License-Identifier: MIT */
/*
 * numa_test.h - what the NUMA tests share: running a node out of memory and giving
 * it back.
 */
#ifndef KMM_NUMA_TEST_H
#define KMM_NUMA_TEST_H

#include "kmm_test.h"

#include <linux/gfp.h>
#include <linux/mm.h>

#include "internal.h"

struct page_list {
	struct page *page[8192];
	unsigned int order[8192];
	unsigned int nr;
};

/*
 * Take everything node @nid gives to atomic __GFP_THISNODE requests (which go deeper
 * into the reserves than GFP_KERNEL may), including what sat on per-CPU lists.
 */
static void exhaust_node(int nid, struct page_list *l)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int order = MAX_PAGE_ORDER; order >= 0; order--) {
			struct page *page;

			while (l->nr < ARRAY_SIZE(l->page) &&
			       (page = alloc_pages_node(
					nid, GFP_ATOMIC | __GFP_THISNODE | __GFP_NOWARN, order))) {
				CHECK_EQ(page_to_nid(page), nid);
				l->page[l->nr] = page;
				l->order[l->nr++] = (unsigned int)order;
			}
		}
		drain_all_pages(NULL);
	}
	REQUIRE(l->nr < ARRAY_SIZE(l->page));
}

static void release_pages(struct page_list *l)
{
	while (l->nr) {
		l->nr--;
		__free_pages(l->page[l->nr], l->order[l->nr]);
	}
}

#endif /* KMM_NUMA_TEST_H */
