/* SPDX-License-Identifier: MIT */
/*
 * lock.h - kmm's locks and wait queues, built from C11 atomics and the port's
 * wait/wake pair so that the core needs no threading library.
 *
 * spinlock_t: a three-state futex lock (0 free, 1 held, 2 held with waiters) that spins
 * briefly before it blocks: in user space a lock holder can be preempted, so pure
 * spinning would burn the other CPU. struct mutex is the same lock under its kernel
 * name, for the places where the kernel sleeps. spin_lock_irqsave() also marks the
 * calling thread's emulated interrupt state, as kernel code expects.
 *
 * struct wait_queue_head: a sequence number. A waiter samples it, re-checks its
 * condition, then sleeps while the number is unchanged; wake_up_all() bumps it. No
 * wake-up is lost: one that comes between the check and the sleep changes the number.
 */
#ifndef KMM_LOCK_H
#define KMM_LOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "port.h"

typedef struct {
	_Atomic unsigned int state;
} spinlock_t;

#define SPIN_LOCK_UNLOCKED \
	{                  \
		0          \
	}
#define SPIN_SPINS_BEFORE_SLEEP 100

static inline void spin_lock_init(spinlock_t *lock)
{
	atomic_store_explicit(&lock->state, 0, memory_order_relaxed);
}

static inline int spin_trylock(spinlock_t *lock)
{
	unsigned int free = 0;

	return atomic_compare_exchange_strong_explicit(&lock->state, &free, 1, memory_order_acquire,
						       memory_order_relaxed);
}

void spin_lock_contended(spinlock_t *lock);

static inline void spin_lock(spinlock_t *lock)
{
	if (__builtin_expect(!spin_trylock(lock), 0))
		spin_lock_contended(lock);
}

static inline void spin_unlock(spinlock_t *lock)
{
	if (__builtin_expect(atomic_exchange_explicit(&lock->state, 0, memory_order_release) == 2,
			     0))
		port_wake((const unsigned int *)&lock->state, 1);
}

static inline int spin_is_locked(spinlock_t *lock)
{
	return atomic_load_explicit(&lock->state, memory_order_relaxed) != 0;
}

/* Interrupt-state twins: see context.c for the emulated irq flags. */
unsigned long kmm_local_irq_save(void);
void kmm_local_irq_restore(unsigned long flags);

#define spin_lock_irqsave(lock, flags)          \
	do {                                    \
		(flags) = kmm_local_irq_save(); \
		spin_lock(lock);                \
	} while (0)

#define spin_unlock_irqrestore(lock, flags)   \
	do {                                  \
		spin_unlock(lock);            \
		kmm_local_irq_restore(flags); \
	} while (0)

struct mutex {
	spinlock_t lock;
};

#define DEFINE_MUTEX(name) struct mutex name = { SPIN_LOCK_UNLOCKED }

static inline void mutex_lock(struct mutex *m)
{
	spin_lock(&m->lock);
}

static inline void mutex_unlock(struct mutex *m)
{
	spin_unlock(&m->lock);
}

struct wait_queue_head {
	_Atomic unsigned int seq;
	_Atomic unsigned int waiters;
};

static inline unsigned int wait_prepare(struct wait_queue_head *wq)
{
	atomic_fetch_add_explicit(&wq->waiters, 1, memory_order_seq_cst);
	return atomic_load_explicit(&wq->seq, memory_order_seq_cst);
}

/* Sleep until woken (or @timeout_ns, 0 for none) unless a wake-up came since @seq. */
static inline void wait_sleep(struct wait_queue_head *wq, unsigned int seq, uint64_t timeout_ns)
{
	port_wait((const unsigned int *)&wq->seq, seq, timeout_ns);
	atomic_fetch_sub_explicit(&wq->waiters, 1, memory_order_relaxed);
}

static inline void wait_cancel(struct wait_queue_head *wq)
{
	atomic_fetch_sub_explicit(&wq->waiters, 1, memory_order_relaxed);
}

static inline void wake_up_all(struct wait_queue_head *wq)
{
	atomic_fetch_add_explicit(&wq->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&wq->waiters, memory_order_seq_cst))
		port_wake((const unsigned int *)&wq->seq, INT32_MAX);
}

static inline int waitqueue_active(struct wait_queue_head *wq)
{
	return atomic_load_explicit(&wq->waiters, memory_order_seq_cst) != 0;
}

#endif /* KMM_LOCK_H */
