/* SPDX-License-Identifier: MIT */
/*
 * rbtree.c - red-black tree rebalancing (the kernel's lib/rbtree.c API), plain and
 * augmented. The algorithm is the textbook one (Cormen et al., ch. 13) on nodes whose
 * leaves are NULL: insertion recolours and rotates upward from the new red leaf; erasure
 * splices out the node (or its in-order successor, which then takes the node's place and
 * colour) and, if a black node left the tree, walks the "double black" up.
 *
 * Invariants after every call: the root is black, no red node has a red child, and every
 * path from a node down to a NULL leaf passes the same number of black nodes; so the
 * height is at most 2 log2(n + 1). For augmented trees every node's value is correct:
 * each rotation calls rotate() and every change of a subtree's members is followed by
 * propagate() from the lowest changed node.
 */
#include "rbtree.h"

static inline void rb_set_parent(struct rb_node *rb, struct rb_node *p)
{
	rb->__rb_parent_color = rb_color(rb) | (unsigned long)p;
}

static inline void rb_set_color(struct rb_node *rb, unsigned long color)
{
	rb->__rb_parent_color = (rb->__rb_parent_color & ~1UL) | color;
}

static inline bool rb_black_or_null(const struct rb_node *rb)
{
	return !rb || rb_is_black(rb);
}

/* Make @new take @old's place as the child of @parent (or as the root). */
static inline void rb_change_child(struct rb_node *old, struct rb_node *new, struct rb_node *parent,
				   struct rb_root *root)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

static void dummy_propagate(struct rb_node *node, struct rb_node *stop)
{
}

static void dummy_copy(struct rb_node *old, struct rb_node *new)
{
}

static void dummy_rotate(struct rb_node *old, struct rb_node *new)
{
}

static const struct rb_augment_callbacks dummy_callbacks = {
	.propagate = dummy_propagate,
	.copy = dummy_copy,
	.rotate = dummy_rotate,
};

/*
 *      x                y
 *     / \              / \
 *    a   y     ->     x   c
 *       / \          / \
 *      b   c        a   b
 */
static void rb_rotate_left(struct rb_node *x, struct rb_root *root,
			   const struct rb_augment_callbacks *augment)
{
	struct rb_node *y = x->rb_right, *parent = rb_parent(x);

	x->rb_right = y->rb_left;
	if (y->rb_left)
		rb_set_parent(y->rb_left, x);
	rb_set_parent(y, parent);
	rb_change_child(x, y, parent, root);
	y->rb_left = x;
	rb_set_parent(x, y);
	augment->rotate(x, y);
}

/* The mirror image of rb_rotate_left(). */
static void rb_rotate_right(struct rb_node *x, struct rb_root *root,
			    const struct rb_augment_callbacks *augment)
{
	struct rb_node *y = x->rb_left, *parent = rb_parent(x);

	x->rb_left = y->rb_right;
	if (y->rb_right)
		rb_set_parent(y->rb_right, x);
	rb_set_parent(y, parent);
	rb_change_child(x, y, parent, root);
	y->rb_right = x;
	rb_set_parent(x, y);
	augment->rotate(x, y);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			 const struct rb_augment_callbacks *augment)
{
	struct rb_node *parent, *gparent, *uncle;

	/* A red node with a red parent: the only violation, pushed up or rotated away. */
	while ((parent = rb_parent(node)) && rb_is_red(parent)) {
		gparent = rb_parent(parent); /* exists: a red node is never the root */
		if (parent == gparent->rb_left) {
			uncle = gparent->rb_right;
			if (uncle && rb_is_red(uncle)) {
				rb_set_color(parent, RB_BLACK);
				rb_set_color(uncle, RB_BLACK);
				rb_set_color(gparent, RB_RED);
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				rb_rotate_left(parent, root, augment);
				node = parent;
				parent = rb_parent(node);
			}
			rb_set_color(parent, RB_BLACK);
			rb_set_color(gparent, RB_RED);
			rb_rotate_right(gparent, root, augment);
		} else {
			uncle = gparent->rb_left;
			if (uncle && rb_is_red(uncle)) {
				rb_set_color(parent, RB_BLACK);
				rb_set_color(uncle, RB_BLACK);
				rb_set_color(gparent, RB_RED);
				node = gparent;
				continue;
			}
			if (node == parent->rb_left) {
				rb_rotate_right(parent, root, augment);
				node = parent;
				parent = rb_parent(node);
			}
			rb_set_color(parent, RB_BLACK);
			rb_set_color(gparent, RB_RED);
			rb_rotate_left(gparent, root, augment);
		}
	}
	rb_set_color(root->rb_node, RB_BLACK);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	rb_insert_augmented(node, root, &dummy_callbacks);
}

/*
 * A black node left the subtree at @node (possibly NULL), child of @parent: that side is
 * one black short. Move the deficit up, or fix it with a rotation.
 */
static void rb_erase_fixup(struct rb_node *node, struct rb_node *parent, struct rb_root *root,
			   const struct rb_augment_callbacks *augment)
{
	struct rb_node *sibling;

	while (node != root->rb_node && rb_black_or_null(node)) {
		if (node == parent->rb_left) {
			sibling = parent->rb_right; /* exists: its side has a black to spare */
			if (rb_is_red(sibling)) {
				rb_set_color(sibling, RB_BLACK);
				rb_set_color(parent, RB_RED);
				rb_rotate_left(parent, root, augment);
				sibling = parent->rb_right;
			}
			if (rb_black_or_null(sibling->rb_left) &&
			    rb_black_or_null(sibling->rb_right)) {
				rb_set_color(sibling, RB_RED);
				node = parent;
				parent = rb_parent(node);
				continue;
			}
			if (rb_black_or_null(sibling->rb_right)) {
				rb_set_color(sibling->rb_left, RB_BLACK);
				rb_set_color(sibling, RB_RED);
				rb_rotate_right(sibling, root, augment);
				sibling = parent->rb_right;
			}
			rb_set_color(sibling, rb_color(parent));
			rb_set_color(parent, RB_BLACK);
			rb_set_color(sibling->rb_right, RB_BLACK);
			rb_rotate_left(parent, root, augment);
		} else {
			sibling = parent->rb_left;
			if (rb_is_red(sibling)) {
				rb_set_color(sibling, RB_BLACK);
				rb_set_color(parent, RB_RED);
				rb_rotate_right(parent, root, augment);
				sibling = parent->rb_left;
			}
			if (rb_black_or_null(sibling->rb_left) &&
			    rb_black_or_null(sibling->rb_right)) {
				rb_set_color(sibling, RB_RED);
				node = parent;
				parent = rb_parent(node);
				continue;
			}
			if (rb_black_or_null(sibling->rb_left)) {
				rb_set_color(sibling->rb_right, RB_BLACK);
				rb_set_color(sibling, RB_RED);
				rb_rotate_left(sibling, root, augment);
				sibling = parent->rb_left;
			}
			rb_set_color(sibling, rb_color(parent));
			rb_set_color(parent, RB_BLACK);
			rb_set_color(sibling->rb_left, RB_BLACK);
			rb_rotate_right(parent, root, augment);
		}
		node = root->rb_node;
		break;
	}
	if (node)
		rb_set_color(node, RB_BLACK);
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
			const struct rb_augment_callbacks *augment)
{
	struct rb_node *child, *parent;
	unsigned long removed_color;

	if (!node->rb_left || !node->rb_right) {
		/* At most one child: it takes the node's place. */
		child = node->rb_left ? node->rb_left : node->rb_right;
		parent = rb_parent(node);
		removed_color = rb_color(node);
		rb_change_child(node, child, parent, root);
		if (child)
			rb_set_parent(child, parent);
		if (parent)
			augment->propagate(parent, NULL);
	} else {
		/* Two children: the successor (leftmost on the right) takes the node's place. */
		struct rb_node *succ = node->rb_right;

		while (succ->rb_left)
			succ = succ->rb_left;
		removed_color = rb_color(succ);
		child = succ->rb_right;
		if (rb_parent(succ) == node) {
			parent = succ;
		} else {
			parent = rb_parent(succ);
			parent->rb_left = child;
			if (child)
				rb_set_parent(child, parent);
			succ->rb_right = node->rb_right;
			rb_set_parent(succ->rb_right, succ);
		}
		succ->rb_left = node->rb_left;
		rb_set_parent(succ->rb_left, succ);
		rb_change_child(node, succ, rb_parent(node), root);
		succ->__rb_parent_color = node->__rb_parent_color;
		/* succ now covers node's subtree less node; the path below it lost succ. */
		augment->copy(node, succ);
		augment->propagate(parent, succ);
		augment->propagate(succ, NULL);
	}
	if (removed_color == RB_BLACK)
		rb_erase_fixup(child, parent, root, augment);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	rb_erase_augmented(node, root, &dummy_callbacks);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((parent = rb_parent(node)) && node == parent->rb_left)
		node = parent;
	return parent;
}
