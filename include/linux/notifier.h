/* SPDX-License-Identifier: MIT */
/*
 * notifier.h - notifier chains, as the kernel's: a list of callbacks sorted by priority
 * (highest first) that an event is handed to in turn, until one of them returns a value
 * with NOTIFY_STOP_MASK. kmm's OOM notifiers (register_oom_notifier) are such a chain.
 *
 * A blocking chain's callbacks run in process context, with the chain's lock held: a
 * callback may sleep and allocate, but must not register or unregister on its own chain.
 */
#ifndef KMM_LINUX_NOTIFIER_H
#define KMM_LINUX_NOTIFIER_H

#include <linux/kmm_types.h>

struct notifier_block;

typedef int (*notifier_fn_t)(struct notifier_block *nb, unsigned long action, void *data);

struct notifier_block {
	notifier_fn_t notifier_call;
	struct notifier_block *next;
	int priority; /* higher runs first; equal priorities run in registration order */
};

/*
 * @lock is a kmm mutex (src/lock.h, 0 when unlocked), kept here as its one word so that
 * this public header needs no internal one; only kmm touches it.
 */
struct blocking_notifier_head {
	unsigned int lock;
	struct notifier_block *head;
};

#define BLOCKING_NOTIFIER_INIT(name)    \
	{                               \
		.lock = 0, .head = NULL \
	}
#define BLOCKING_NOTIFIER_HEAD(name) \
	struct blocking_notifier_head name = BLOCKING_NOTIFIER_INIT(name)
#define BLOCKING_INIT_NOTIFIER_HEAD(name) \
	do {                              \
		(name)->lock = 0;         \
		(name)->head = NULL;      \
	} while (0)

/* Returns 0, or -EEXIST (-17, with a warning) if @nb is on the chain already. */
int blocking_notifier_chain_register(struct blocking_notifier_head *nh, struct notifier_block *nb);
/* The same, but -EBUSY (-16) if a block of the same priority is on the chain. */
int blocking_notifier_chain_register_unique_prio(struct blocking_notifier_head *nh,
						 struct notifier_block *nb);
/* Returns 0, or -ENOENT (-2) if @nb is not on the chain. */
int blocking_notifier_chain_unregister(struct blocking_notifier_head *nh,
				       struct notifier_block *nb);
/* Call the chain in priority order; returns the last callback's value (NOTIFY_DONE if none). */
int blocking_notifier_call_chain(struct blocking_notifier_head *nh, unsigned long val, void *v);

#define NOTIFY_DONE	 0x0000				/* Don't care */
#define NOTIFY_OK	 0x0001				/* Suits me */
#define NOTIFY_STOP_MASK 0x8000				/* Don't call further */
#define NOTIFY_BAD	 (NOTIFY_STOP_MASK | 0x0002)	/* Bad/Veto action */
#define NOTIFY_STOP	 (NOTIFY_OK | NOTIFY_STOP_MASK) /* Clean way to return from the chain */

/* Encapsulate (negative) errno value (in particular, NOTIFY_BAD <=> EPERM). */
static inline int notifier_from_errno(int err)
{
	if (err)
		return NOTIFY_STOP_MASK | (NOTIFY_OK - err);
	return NOTIFY_OK;
}

/* Restore (negative) errno value from notify return value. */
static inline int notifier_to_errno(int ret)
{
	ret &= ~NOTIFY_STOP_MASK;
	return ret > NOTIFY_OK ? NOTIFY_OK - ret : 0;
}

#endif /* KMM_LINUX_NOTIFIER_H */
