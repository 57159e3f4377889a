/* SPDX-License-Identifier: MIT */
/*
 * context.c - kernel context, emulated per thread: the preempt count (preemption,
 * softirq and hardirq parts), the local interrupt flag, kmm_run_in_interrupt(), and
 * might_sleep()'s "BUG: sleeping function called from invalid context" report.
 *
 * The one idea: every thread is a "task" whose context lives in struct kmm_task, in the
 * port's per-thread area (current_task()). Nothing here is shared between threads except
 * the table of might_sleep() call sites already reported, so context changes are plain
 * stores to the caller's own record, as cheap as the kernel's per-CPU preempt count.
 *
 * current_task()->flags carries the kernel's PF_* task flags. The page allocator uses
 * PF_MEMALLOC the kernel's way: a thread that reclaims sets it around the reclaim, so
 * that allocations made by reclaim itself ignore the watermarks (ALLOC_NO_WATERMARKS)
 * and never recurse into reclaim. kswapd threads carry PF_KSWAPD as well.
 */
#include <linux/hardirq.h>

#include "internal.h"

/* x86's EFLAGS.IF: local_irq_save() hands back the old flags word as the kernel does. */
#define X86_EFLAGS_IF 0x200UL

unsigned int *kmm_preempt_count_ptr(void)
{
	return &current_task()->preempt_count;
}

bool irqs_disabled(void)
{
	return current_task()->irqs_disabled != 0;
}

unsigned long kmm_local_irq_save(void)
{
	struct kmm_task *t = current_task();
	unsigned long flags = t->irqs_disabled ? 0 : X86_EFLAGS_IF;

	t->irqs_disabled = 1;
	return flags;
}

void kmm_local_irq_restore(unsigned long flags)
{
	current_task()->irqs_disabled = !(flags & X86_EFLAGS_IF);
}

void local_irq_disable(void)
{
	current_task()->irqs_disabled = 1;
}

void local_irq_enable(void)
{
	current_task()->irqs_disabled = 0;
}

void irq_enter(void)
{
	*kmm_preempt_count_ptr() += HARDIRQ_OFFSET;
}

void irq_exit(void)
{
	*kmm_preempt_count_ptr() -= HARDIRQ_OFFSET;
}

/*
 * An interrupt arrives with interrupts off and leaves the interrupted context as it
 * found it. A handler that leaks a preempt_disable() is reported and repaired, as the
 * kernel does for timer callbacks ("preempt leak").
 */
void kmm_run_in_interrupt(void (*fn)(void *arg), void *arg)
{
	unsigned long flags = kmm_local_irq_save();
	unsigned int count;

	irq_enter();
	count = preempt_count();
	fn(arg);
	if (WARN_ONCE(preempt_count() != count,
		      "kmm: interrupt handler %p preempt leak: %08x -> %08x\n", (void *)fn, count,
		      preempt_count()))
		*kmm_preempt_count_ptr() = count;
	irq_exit();
	kmm_local_irq_restore(flags);
}

bool kmm_context_may_sleep(void)
{
	return !in_atomic() && !irqs_disabled();
}

/* ---- might_sleep() ------------------------------------------------------------------ */

/*
 * Each call site is reported once. The kernel rate-limits its report to one a second
 * (prev_jiffy); reporting every site once is more useful to a test suite and as quiet.
 * The table is fixed so that reporting never allocates: the report may come from
 * inside the allocator. Past MIGHT_SLEEP_SITES sites kmm falls back to the kernel's own
 * rule, one report a second.
 */
#define MIGHT_SLEEP_SITES	 64
#define MIGHT_SLEEP_RATELIMIT_NS 1000000000ULL /* HZ worth of jiffies */

struct might_sleep_site {
	const char *file;
	int line;
	unsigned long caller; /* the allocation's caller, for sites inside the allocator */
};

static struct might_sleep_site reported_sites[MIGHT_SLEEP_SITES];
static unsigned int nr_reported_sites;
/* Guards the table; held for a few loads and stores, never while printing. */
static atomic_flag sites_lock = ATOMIC_FLAG_INIT;
static _Atomic uint64_t last_overflow_report_ns;

static bool same_site(const struct might_sleep_site *s, const char *file, int line,
		      unsigned long caller)
{
	/* __FILE__ of one site is usually one string; an inline in a header may have several */
	return s->line == line && s->caller == caller &&
	       (s->file == file || !strcmp(s->file, file));
}

/* Record the site; false if it was reported before (or the fallback limit says no). */
static bool might_sleep_first_report(const char *file, int line, unsigned long caller)
{
	bool seen = false, full = false;
	uint64_t now, last;

	while (atomic_flag_test_and_set_explicit(&sites_lock, memory_order_acquire))
		port_cpu_relax();
	for (unsigned int i = 0; i < nr_reported_sites && !seen; i++)
		seen = same_site(&reported_sites[i], file, line, caller);
	if (!seen && nr_reported_sites < MIGHT_SLEEP_SITES)
		reported_sites[nr_reported_sites++] =
			(struct might_sleep_site){ file, line, caller };
	else if (!seen)
		full = true;
	atomic_flag_clear_explicit(&sites_lock, memory_order_release);
	if (seen)
		return false;
	if (!full)
		return true;
	now = port_clock_ns();
	last = atomic_load_explicit(&last_overflow_report_ns, memory_order_relaxed);
	if (last && now - last < MIGHT_SLEEP_RATELIMIT_NS)
		return false;
	return atomic_compare_exchange_strong(&last_overflow_report_ns, &last, now ? now : 1);
}

/*
 * The kernel's __might_resched() with no expected offsets: a caller that may sleep must
 * be preemptible. kmm has no preemptible RCU readers and no non_block sections, so those
 * figures are printed as 0, as a kernel prints them when all is well with them.
 */
noinline void __might_sleep(const char *file, int line)
{
	__might_sleep_caller(file, line, 0);
}

/*
 * The same check for a site inside the allocator, reported once per @caller: every
 * allocation passes through the same might_alloc() line, as in the kernel, but each
 * caller that allocates in atomic context deserves its own report.
 */
noinline void __might_sleep_caller(const char *file, int line, unsigned long caller)
{
	unsigned int count = preempt_count();
	bool irqs_off = irqs_disabled();

	if (count == 0 && !irqs_off)
		return;
	if (!might_sleep_first_report(file, line, caller))
		return;
	pr_err("BUG: sleeping function called from invalid context at %s:%d\n", file, line);
	pr_err("in_atomic(): %d, irqs_disabled(): %d, non_block: %d, pid: %d, name: %s\n",
	       count != 0, irqs_off, 0, port_task_id(), port_task_comm());
	pr_err("preempt_count: %x, expected: %x\n", count, 0);
	pr_err("RCU nest depth: %d, expected: %u\n", 0, 0);
	dump_stack();
	add_taint(TAINT_WARN);
}
