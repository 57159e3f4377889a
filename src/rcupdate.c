/* SPDX-License-Identifier: MIT */
/*
 * rcupdate.c - the kernel's RCU API (kernel/rcu/tree.c and update.c) over the port's
 * grace periods: rcu_read_lock(), synchronize_rcu(), call_rcu(), rcu_barrier(), and
 * RCU's part of fork().
 *
 * The one idea: kmm does not implement RCU, it adapts it. The port owns readers, grace
 * periods and the callback threads (port.h); this file adds the kernel's context rules:
 * a read-side critical section is atomic context (preemption off, as without
 * CONFIG_PREEMPT_RCU), and synchronize_rcu() and rcu_barrier() may sleep.
 */
#include <linux/rcupdate.h>

#include "internal.h"

void rcu_read_lock(void)
{
	preempt_disable();
	port_rcu_read_lock();
}

void rcu_read_unlock(void)
{
	port_rcu_read_unlock();
	preempt_enable();
}

int rcu_read_lock_held(void)
{
	return port_rcu_read_ongoing();
}

void rcu_read_lock_bh(void)
{
	rcu_read_lock();
}

void rcu_read_unlock_bh(void)
{
	rcu_read_unlock();
}

void rcu_read_lock_sched(void)
{
	rcu_read_lock();
}

void rcu_read_unlock_sched(void)
{
	rcu_read_unlock();
}

void synchronize_rcu(void)
{
	might_sleep();
	/* inside a reader the grace period would wait for the caller itself: no return */
	if (WARN_ONCE(port_rcu_read_ongoing(),
		      "synchronize_rcu() called inside an RCU read-side critical section\n"))
		return;
	port_synchronize_rcu();
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	port_call_rcu(head, func);
}

void rcu_barrier(void)
{
	might_sleep();
	if (WARN_ONCE(port_rcu_read_ongoing(),
		      "rcu_barrier() called inside an RCU read-side critical section\n"))
		return;
	port_rcu_barrier();
}

/*
 * fork(): the RCU callback threads are stopped before the allocator's locks are taken
 * (a callback may be freeing memory, and would wait for those locks), and started again
 * after they are released.
 */
void rcu_fork_prepare(void)
{
	port_rcu_fork_prepare();
	kvfree_rcu_fork_prepare();
}

void rcu_fork_parent(void)
{
	kvfree_rcu_fork_parent();
	port_rcu_fork_parent();
}

void rcu_fork_child(void)
{
	kvfree_rcu_fork_child();
	port_rcu_fork_child();
}
