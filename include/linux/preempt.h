/* SPDX-License-Identifier: MIT */
/*
 * preempt.h - emulated kernel context, per thread: the preempt count with its
 * preemption, softirq and hardirq parts, and might_sleep().
 *
 * Kernel code runs in "task" context by default. preempt_disable() and spin locks make
 * it atomic; kmm_run_in_interrupt() runs a function "in hardirq context". A blocking
 * allocation (one that may sleep) from atomic context is reported as the kernel does,
 * "BUG: sleeping function called from invalid context at FILE:LINE", once per call site,
 * and the allocation proceeds without sleeping.
 */
#ifndef KMM_LINUX_PREEMPT_H
#define KMM_LINUX_PREEMPT_H

#include <linux/kmm_types.h>

#define PREEMPT_BITS   8
#define SOFTIRQ_BITS   8
#define HARDIRQ_BITS   4
#define NMI_BITS       4
#define PREEMPT_SHIFT  0
#define SOFTIRQ_SHIFT  (PREEMPT_SHIFT + PREEMPT_BITS)
#define HARDIRQ_SHIFT  (SOFTIRQ_SHIFT + SOFTIRQ_BITS)
#define NMI_SHIFT      (HARDIRQ_SHIFT + HARDIRQ_BITS)
#define PREEMPT_OFFSET (1UL << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET (1UL << SOFTIRQ_SHIFT)
#define HARDIRQ_OFFSET (1UL << HARDIRQ_SHIFT)
#define NMI_OFFSET     (1UL << NMI_SHIFT)
#define PREEMPT_MASK   (((1UL << PREEMPT_BITS) - 1) << PREEMPT_SHIFT)
#define SOFTIRQ_MASK   (((1UL << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK   (((1UL << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT)
#define NMI_MASK       (((1UL << NMI_BITS) - 1) << NMI_SHIFT)

/* The calling thread's preempt count (a pointer into its task area). */
unsigned int *kmm_preempt_count_ptr(void);

static inline unsigned int preempt_count(void)
{
	return *kmm_preempt_count_ptr();
}

#define preempt_disable()	    ((*kmm_preempt_count_ptr()) += PREEMPT_OFFSET)
#define preempt_enable()	    ((*kmm_preempt_count_ptr()) -= PREEMPT_OFFSET)
#define preempt_enable_no_resched() preempt_enable()
#define local_bh_disable()	    ((*kmm_preempt_count_ptr()) += SOFTIRQ_OFFSET)
#define local_bh_enable()	    ((*kmm_preempt_count_ptr()) -= SOFTIRQ_OFFSET)

#define hardirq_count() (preempt_count() & HARDIRQ_MASK)
#define softirq_count() (preempt_count() & SOFTIRQ_MASK)
#define irq_count()	(preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK))
#define in_nmi()	(preempt_count() & NMI_MASK)
#define in_hardirq()	(hardirq_count())
#define in_irq()	in_hardirq()
#define in_softirq()	(softirq_count())
#define in_interrupt()	(irq_count())
#define in_task()	(!irq_count())
#define in_atomic()	(preempt_count() != 0)
#define preemptible()	(preempt_count() == 0 && !irqs_disabled())

/* The emulated interrupt flag of the calling thread. */
bool irqs_disabled(void);

/* Report "BUG: sleeping function called from invalid context" if the caller may not sleep. */
void __might_sleep(const char *file, int line);
#define might_sleep() __might_sleep(__FILE__, __LINE__)
#define might_sleep_if(cond)           \
	do {                           \
		if (cond)              \
			might_sleep(); \
	} while (0)
#define cant_sleep() WARN_ON_ONCE(!in_atomic() && !irqs_disabled())

/* hardirq entry/exit, for code that emulates an interrupt handler. */
void irq_enter(void);
void irq_exit(void);

#endif /* KMM_LINUX_PREEMPT_H */
