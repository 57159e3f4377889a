/* SPDX-License-Identifier: MIT */
/* hardirq.h - in_interrupt() and friends; see preempt.h for the emulated context. */
#ifndef KMM_LINUX_HARDIRQ_H
#define KMM_LINUX_HARDIRQ_H

#include <linux/irqflags.h>
#include <linux/preempt.h>

#endif /* KMM_LINUX_HARDIRQ_H */
