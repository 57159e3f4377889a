/* SPDX-License-Identifier: MIT */
/*
 * notifier.c - blocking notifier chains (the kernel's kernel/notifier.c).
 *
 * The one idea: a chain is a singly linked list kept sorted by priority, highest first,
 * a new block going after those of equal priority; a call walks it in order and stops at
 * the first callback whose return value has NOTIFY_STOP_MASK. The kernel guards a
 * blocking chain with an rw_semaphore; kmm uses its mutex, so callbacks of one chain run
 * one caller at a time. That is stricter than the kernel, never looser.
 */
#include <linux/notifier.h>

#include "internal.h"

_Static_assert(sizeof(struct mutex) == sizeof(((struct blocking_notifier_head *)0)->lock) &&
		       _Alignof(struct mutex) == _Alignof(unsigned int),
	       "the chain's lock word holds a struct mutex");

/* The head's lock word is the mutex: it is only ever used through this pointer. */
static struct mutex *chain_lock(struct blocking_notifier_head *nh)
{
	return (struct mutex *)(void *)&nh->lock;
}

static int notifier_chain_register(struct notifier_block **nl, struct notifier_block *n,
				   bool unique_priority)
{
	while (*nl) {
		if (unlikely(*nl == n)) {
			WARN(1, "notifier callback %p already registered",
			     (void *)n->notifier_call);
			return -EEXIST;
		}
		if (n->priority > (*nl)->priority)
			break;
		if (n->priority == (*nl)->priority && unique_priority)
			return -EBUSY;
		nl = &(*nl)->next;
	}
	n->next = *nl;
	*nl = n;
	return 0;
}

static int notifier_chain_unregister(struct notifier_block **nl, struct notifier_block *n)
{
	while (*nl) {
		if (*nl == n) {
			*nl = n->next;
			return 0;
		}
		nl = &(*nl)->next;
	}
	return -ENOENT;
}

static int notifier_call_chain(struct notifier_block **nl, unsigned long val, void *v)
{
	int ret = NOTIFY_DONE;
	struct notifier_block *nb = *nl, *next_nb;

	while (nb) {
		next_nb = nb->next;
		ret = nb->notifier_call(nb, val, v);
		if (ret & NOTIFY_STOP_MASK)
			break;
		nb = next_nb;
	}
	return ret;
}

static int chain_register(struct blocking_notifier_head *nh, struct notifier_block *n,
			  bool unique_priority)
{
	int ret;

	mutex_lock(chain_lock(nh));
	ret = notifier_chain_register(&nh->head, n, unique_priority);
	mutex_unlock(chain_lock(nh));
	return ret;
}

int blocking_notifier_chain_register(struct blocking_notifier_head *nh, struct notifier_block *n)
{
	return chain_register(nh, n, false);
}

int blocking_notifier_chain_register_unique_prio(struct blocking_notifier_head *nh,
						 struct notifier_block *n)
{
	return chain_register(nh, n, true);
}

int blocking_notifier_chain_unregister(struct blocking_notifier_head *nh, struct notifier_block *n)
{
	int ret;

	mutex_lock(chain_lock(nh));
	ret = notifier_chain_unregister(&nh->head, n);
	mutex_unlock(chain_lock(nh));
	return ret;
}

int blocking_notifier_call_chain(struct blocking_notifier_head *nh, unsigned long val, void *v)
{
	int ret;

	mutex_lock(chain_lock(nh));
	ret = notifier_call_chain(&nh->head, val, v);
	mutex_unlock(chain_lock(nh));
	return ret;
}
