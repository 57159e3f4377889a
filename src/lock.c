/* SPDX-License-Identifier: MIT */
/*
 * lock.c - the contended half of spinlock_t (see lock.h): spin a little, since most
 * critical sections are short, then mark the lock contended (state 2) and sleep in the
 * port until the holder's unlock wakes us.
 */
#include "lock.h"

void spin_lock_contended(spinlock_t *lock)
{
	unsigned int state;

	for (int i = 0; i < SPIN_SPINS_BEFORE_SLEEP; i++) {
		port_cpu_relax();
		state = atomic_load_explicit(&lock->state, memory_order_relaxed);
		if (state == 0 && spin_trylock(lock))
			return;
	}
	/* From here on we may sleep, so leave the lock marked contended when we get it. */
	while (atomic_exchange_explicit(&lock->state, 2, memory_order_acquire) != 0)
		port_wait((const unsigned int *)&lock->state, 2, 0);
}
