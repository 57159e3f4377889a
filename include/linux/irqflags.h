/* SPDX-License-Identifier: MIT */
/*
 * irqflags.h - the emulated local interrupt flag, per thread (see preempt.h).
 * local_irq_save() disables "interrupts" for the calling thread and remembers the old
 * state; kmm's context checks (in_atomic, might_sleep) honour it as the kernel does.
 */
#ifndef KMM_LINUX_IRQFLAGS_H
#define KMM_LINUX_IRQFLAGS_H

#include <linux/preempt.h>

unsigned long kmm_local_irq_save(void);
void kmm_local_irq_restore(unsigned long flags);
void local_irq_disable(void);
void local_irq_enable(void);

#define local_irq_save(flags)	     ((flags) = kmm_local_irq_save())
#define local_irq_restore(flags)     kmm_local_irq_restore(flags)
#define raw_local_irq_save(flags)    local_irq_save(flags)
#define raw_local_irq_restore(flags) local_irq_restore(flags)

#endif /* KMM_LINUX_IRQFLAGS_H */
