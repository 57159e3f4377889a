/* SPDX-License-Identifier: MIT */
/*
 * rcupdate.h - read-copy update as kernel code sees it (the kernel's
 * include/linux/rcupdate.h): read-side critical sections, grace periods, callbacks,
 * the pointer-publishing macros, and kfree_rcu()/kvfree_rcu().
 *
 * Grace periods come from the platform (src/port.h; liburcu in a hosted process). As in
 * a kernel built without CONFIG_PREEMPT_RCU, rcu_read_lock() disables preemption: an
 * allocation that may sleep inside a read-side critical section is reported as the
 * kernel reports it, and made non-blocking.
 *
 * kfree_rcu(ptr, field) frees an object after a grace period through the struct rcu_head
 * named field inside it, from any context. kfree_rcu(ptr) and kfree_rcu_mightsleep(ptr)
 * need no rcu_head but may sleep (they wait for a grace period themselves when no memory
 * can be had for the batch). The objects are batched per CPU as the kernel batches
 * them (src/kvfree_rcu.c). The two-argument and one-argument forms of kfree_rcu() and
 * kvfree_rcu() are those of Linux 5.9 to 6.2; later kernels keep only the two-argument
 * form and name the other kfree_rcu_mightsleep().
 */
#ifndef KMM_LINUX_RCUPDATE_H
#define KMM_LINUX_RCUPDATE_H

#include <linux/kmm_types.h>

/* ---- read side -------------------------------------------------------------------------- */

void rcu_read_lock(void);
void rcu_read_unlock(void);
/* Is the caller inside rcu_read_lock()? (lockdep's answer, without lockdep) */
int rcu_read_lock_held(void);

/* The _bh and _sched flavours are one RCU since Linux 5.0. */
void rcu_read_lock_bh(void);
void rcu_read_unlock_bh(void);
void rcu_read_lock_sched(void);
void rcu_read_unlock_sched(void);

/* ---- grace periods and callbacks -------------------------------------------------------- */

/* Wait until every read-side critical section begun before the call has ended. */
void synchronize_rcu(void);
/* func(head) runs after a grace period, on an RCU thread. Any context. */
void call_rcu(struct rcu_head *head, rcu_callback_t func);
/* Wait until every callback queued by call_rcu() before the call has run. */
void rcu_barrier(void);

static inline void synchronize_rcu_expedited(void)
{
	synchronize_rcu();
}

/* ---- publishing and reading pointers ---------------------------------------------------- */

#ifndef __rcu
#define __rcu
#endif

#define RCU_INITIALIZER(v)	      ((__typeof__(*(v)) __force __rcu *)(v))
#define RCU_INIT_POINTER(p, v)	      __atomic_store_n(&(p), RCU_INITIALIZER(v), __ATOMIC_RELAXED)
#define RCU_POINTER_INITIALIZER(p, v) .p = RCU_INITIALIZER(v)

/* Publish @v at @p: whatever was written to *v before is seen by readers that find v. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), RCU_INITIALIZER(v), __ATOMIC_RELEASE)

/*
 * Read an RCU-protected pointer. A consume load, which every compiler makes an acquire:
 * what the publisher wrote before rcu_assign_pointer() is visible through it.
 */
#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_protected(p, c) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_dereference_raw(p)		rcu_dereference(p)
#define rcu_dereference_bh(p)		rcu_dereference(p)
#define rcu_dereference_sched(p)	rcu_dereference(p)
/* The value only, not to be dereferenced (a comparison with NULL, say). */
#define rcu_access_pointer(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)

/* Swap in a new pointer and hand back the old one (the updater holds its lock). */
#define rcu_replace_pointer(rcu_ptr, ptr, c)                                     \
	({                                                                       \
		__typeof__(ptr) __tmp = rcu_dereference_protected(rcu_ptr, (c)); \
		rcu_assign_pointer((rcu_ptr), (ptr));                            \
		__tmp;                                                           \
	})

/* ---- freeing after a grace period --------------------------------------------------------- */

/*
 * Queue @ptr for kvfree() after a grace period. @head is the rcu_head inside the object,
 * or NULL for the head-less form, which may sleep (mm/slab_common.c's kvfree_call_rcu).
 */
void kvfree_call_rcu(struct rcu_head *head, void *ptr);
/* Wait until every object queued by kvfree_call_rcu() before the call has been freed. */
void kvfree_rcu_barrier(void);

#define kvfree_rcu_arg_2(ptr, rhf)                                                         \
	do {                                                                               \
		__typeof__(ptr) ___p = (ptr);                                              \
                                                                                           \
		if (___p) {                                                                \
			_Static_assert(__builtin_offsetof(__typeof__(*(ptr)), rhf) < 4096, \
				       "rcu_head too far inside the object");              \
			kvfree_call_rcu(&((___p)->rhf), (void *)(___p));                   \
		}                                                                          \
	} while (0)

#define kvfree_rcu_arg_1(ptr)                                  \
	do {                                                   \
		__typeof__(ptr) ___p = (ptr);                  \
                                                               \
		if (___p)                                      \
			kvfree_call_rcu(NULL, (void *)(___p)); \
	} while (0)

#define KVFREE_GET_MACRO(_1, _2, NAME, ...) NAME
/* kfree_rcu(ptr, rhf) from any context; kfree_rcu(ptr) where sleeping is allowed. */
#define kfree_rcu(...) \
	KVFREE_GET_MACRO(__VA_ARGS__, kvfree_rcu_arg_2, kvfree_rcu_arg_1)(__VA_ARGS__)
#define kvfree_rcu(...) \
	KVFREE_GET_MACRO(__VA_ARGS__, kvfree_rcu_arg_2, kvfree_rcu_arg_1)(__VA_ARGS__)
#define kfree_rcu_mightsleep(ptr)  kvfree_rcu_arg_1(ptr)
#define kvfree_rcu_mightsleep(ptr) kvfree_rcu_arg_1(ptr)

#endif /* KMM_LINUX_RCUPDATE_H */
