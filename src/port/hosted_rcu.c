/* SPDX-License-Identifier: MIT */
/*
 * hosted_rcu.c - port.h's RCU for an ordinary Linux process, on liburcu.
 *
 * The flavour is urcu-bp ("bulletproof"), with the membarrier system call: its read
 * side is a per-thread counter and compiler barriers, and grace periods pay with
 * membarrier, like urcu-memb, and no reader has to announce quiescent states, which code
 * written for the kernel never does (urcu-qsbr's price). What decides for bp is that a
 * library cannot ask the program's threads to register: bp registers a thread on its
 * first rcu_read_lock() or call_rcu() and unregisters it when it exits, keeps its
 * registry in an arena of its own (mmap'd, not malloc'd, not in the threads' TLS), and
 * prunes the threads that are gone in a fork()'s child. urcu-memb keeps each reader's
 * registry entry in that thread's TLS and has no fork handling: in a child, glibc reuses
 * the stacks of the parent's other threads, and the next grace period walks a corrupt
 * registry.
 *
 * Callbacks run on liburcu's call_rcu thread, after a grace period. Across fork() the
 * call_rcu threads are paused first (a callback may be freeing, and takes the registry
 * lock when it pauses), then the grace-period and registry locks are taken; afterwards
 * the order is reversed, and the child prunes the registry and gets a new call_rcu
 * thread.
 *
 * ThreadSanitizer cannot see liburcu's synchronisation (it is not instrumented), so a
 * TSan build tells it what RCU guarantees: every reader's unlock happens before a later
 * grace period ends, call_rcu() happens before its callback, and a callback before the
 * rcu_barrier() that waits for it. The callback's function then needs a third word, so
 * a TSan build wraps each callback in a record from the C library's malloc (the
 * sanitizer's own; kmm is never the malloc of a TSan build), and tells TSan to ignore
 * liburcu's own accesses.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <urcu/urcu-bp.h>

#include "port.h"

_Static_assert(sizeof(struct rcu_head) == 2 * sizeof(void *),
	       "liburcu's rcu_head has the size of the kernel's callback_head");

/* ==== ThreadSanitizer annotations ====================================================== */

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define HOSTED_RCU_TSAN	   1
#define tsan_acquire(addr) __tsan_acquire(addr)
#define tsan_release(addr) __tsan_release(addr)
#else
#define HOSTED_RCU_TSAN	   0
#define tsan_acquire(addr) ((void)(addr))
#define tsan_release(addr) ((void)(addr))
#endif

#if HOSTED_RCU_TSAN
/*
 * liburcu's own memory (rcu_barrier()'s completion records, its queues) is handed
 * between its threads by the same invisible synchronisation: TSan is told to ignore
 * what the library itself does (a hook the sanitizer looks up by name).
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu-bp.so\n"
	       "called_from_lib:liburcu-common.so\n";
}
#endif

static char tsan_readers;   /* released by every read unlock, acquired after a grace period */
static char tsan_callbacks; /* released after every callback, acquired by rcu_barrier() */

/* ==== read side, grace periods ========================================================== */

void port_rcu_read_lock(void)
{
	urcu_bp_read_lock(); /* registers the thread on first use */
}

void port_rcu_read_unlock(void)
{
	tsan_release(&tsan_readers);
	urcu_bp_read_unlock();
}

bool port_rcu_read_ongoing(void)
{
	return urcu_bp_read_ongoing();
}

void port_synchronize_rcu(void)
{
	urcu_bp_synchronize_rcu();
	tsan_acquire(&tsan_readers);
}

/* ==== callbacks ========================================================================== */

#if HOSTED_RCU_TSAN
struct tsan_callback {
	struct rcu_head head; /* liburcu's */
	struct rcu_head *user;
	void (*func)(struct rcu_head *head);
};

static void tsan_callback_invoke(struct rcu_head *head)
{
	struct tsan_callback *cb = caa_container_of(head, struct tsan_callback, head);

	tsan_acquire(cb);
	tsan_acquire(&tsan_readers);
	cb->func(cb->user);
	tsan_release(&tsan_callbacks);
	free(cb);
}

static void call_rcu_queue(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	struct tsan_callback *cb = malloc(sizeof(*cb));

	if (!cb)
		abort();
	cb->user = head;
	cb->func = func;
	tsan_release(cb);
	urcu_bp_call_rcu(&cb->head, tsan_callback_invoke);
}
#else
static void call_rcu_queue(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	urcu_bp_call_rcu(head, func);
}
#endif

/*
 * liburcu allocates with malloc() (a thread's call_rcu queue, rcu_barrier()'s completion
 * records) and gives up the process when that fails. Under the malloc shim that malloc
 * is kmm's: while the library runs on behalf of kmm, the shim makes it __GFP_NOFAIL.
 */
port_thread_local unsigned int port_runtime_alloc;

void port_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	port_runtime_alloc++;
	call_rcu_queue(head, func);
	port_runtime_alloc--;
}

void port_rcu_barrier(void)
{
	port_runtime_alloc++;
	urcu_bp_barrier();
	port_runtime_alloc--;
	tsan_acquire(&tsan_callbacks);
}

/* ==== fork ================================================================================ */

void port_rcu_fork_prepare(void)
{
	urcu_bp_call_rcu_before_fork();
	urcu_bp_before_fork();
}

void port_rcu_fork_parent(void)
{
	urcu_bp_after_fork_parent();
	urcu_bp_call_rcu_after_fork_parent();
}

void port_rcu_fork_child(void)
{
	port_runtime_alloc++;
	urcu_bp_after_fork_child();
	urcu_bp_call_rcu_after_fork_child();
	port_runtime_alloc--;
}
