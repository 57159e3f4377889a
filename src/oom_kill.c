/* SPDX-License-Identifier: MIT */
/*
 * oom_kill.c - the out-of-memory step (the kernel's mm/oom_kill.c), as far as a library
 * can take it: the OOM notifier chain. A kernel would go on to kill a process; kmm has
 * no process to kill, so when no notifier frees anything the allocation fails (or, for
 * __GFP_NOFAIL, waits for memory to be freed), after a one-time note.
 */
#include <linux/notifier.h>

#include "internal.h"

static BLOCKING_NOTIFIER_HEAD(oom_notify_list);

int register_oom_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&oom_notify_list, nb);
}

int unregister_oom_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&oom_notify_list, nb);
}

unsigned long out_of_memory_notify(void)
{
	static _Atomic bool noted;
	unsigned long freed = 0;

	blocking_notifier_call_chain(&oom_notify_list, 0, &freed);
	if (freed > 0)
		return freed;
	if (!atomic_exchange(&noted, true))
		pr_warn("kmm: out of memory: no OOM notifier could free memory and there is no "
			"process to kill\n");
	return 0;
}
