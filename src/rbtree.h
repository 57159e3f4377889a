/* SPDX-License-Identifier: MIT */
/*
 * rbtree.h - red-black trees with the kernel's API (include/linux/rbtree.h and
 * rbtree_augmented.h, the subset kmm uses): intrusive nodes, the caller does the search
 * and links the new node (rb_link_node), the tree only rebalances.
 *
 * The node layout is the kernel's: the parent pointer and the colour share one word
 * (nodes are word aligned, so bit 0 is free for the colour).
 *
 * Augmented trees keep a per-node value computed from the node and its children (vmalloc's
 * subtree_max_size). The caller supplies three callbacks, as the kernel's
 * RB_DECLARE_CALLBACKS:
 *   propagate(node, stop)  recompute node and its ancestors up to, not including, stop
 *                          (may stop early once a value comes out unchanged);
 *   copy(old, new)         new takes old's place in the tree: new's value = old's;
 *   rotate(old, new)       a rotation made new the parent of old: new's value = old's,
 *                          old's value recomputed from its (already correct) children.
 * Insertion: set the new node's value, propagate from its parent (the path now counts
 * it), link it, then rb_insert_augmented(). Erasure: rb_erase_augmented() keeps every
 * value correct by itself.
 */
#ifndef KMM_RBTREE_H
#define KMM_RBTREE_H

#include <linux/list.h> /* container_of */

struct rb_node {
	unsigned long __rb_parent_color; /* parent pointer | colour (bit 0) */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT          \
	(struct rb_root) \
	{                \
		NULL     \
	}
#define RB_RED	 0UL
#define RB_BLACK 1UL

#define rb_parent(r)		    ((struct rb_node *)((r)->__rb_parent_color & ~3UL))
#define rb_color(r)		    ((r)->__rb_parent_color & 1UL)
#define rb_is_red(r)		    (!rb_color(r))
#define rb_is_black(r)		    (rb_color(r))
#define rb_entry(ptr, type, member) container_of(ptr, type, member)
#define rb_entry_safe(ptr, type, member)                          \
	({                                                        \
		__typeof__(ptr) ____ptr = (ptr);                  \
		____ptr ? rb_entry(____ptr, type, member) : NULL; \
	})
#define RB_EMPTY_ROOT(root) ((root)->rb_node == NULL)
/* A node not in any tree points to itself (RB_CLEAR_NODE). */
#define RB_EMPTY_NODE(node) ((node)->__rb_parent_color == (unsigned long)(node))
#define RB_CLEAR_NODE(node) ((node)->__rb_parent_color = (unsigned long)(node))

/* Put @node, a new red leaf, at *@rb_link below @parent (NULL: the root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **rb_link)
{
	node->__rb_parent_color = (unsigned long)parent;
	node->rb_left = node->rb_right = NULL;
	*rb_link = node;
}

struct rb_augment_callbacks {
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	void (*copy)(struct rb_node *old, struct rb_node *new);
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

void rb_insert_color(struct rb_node *node, struct rb_root *root);
void rb_erase(struct rb_node *node, struct rb_root *root);
void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment);
void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment);

/* In-order walk: NULL at either end. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

#endif /* KMM_RBTREE_H */
