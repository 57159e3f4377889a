/* kmm-test: labels=unit */
/*
 * test_context.c - the emulated kernel context: preempt count and irq flag nesting, what
 * in_atomic()/in_interrupt()/irqs_disabled() say in each state, kmm_run_in_interrupt(),
 * per-thread independence, and might_sleep()'s report: its exact text, once per call
 * site, and silence where sleeping is allowed.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <kmm.h>
#include <linux/hardirq.h>

#include "internal.h"
#include "kmm_test.h"

static void check_task_context(void)
{
	CHECK_EQ(preempt_count(), 0);
	CHECK(!in_atomic());
	CHECK(!in_interrupt());
	CHECK(!in_hardirq());
	CHECK(!in_softirq());
	CHECK(in_task());
	CHECK(!irqs_disabled());
	CHECK(preemptible());
	CHECK(kmm_context_may_sleep());
}

TEST(task_context_by_default)
{
	check_task_context();
}

TEST(preempt_disable_nests)
{
	preempt_disable();
	CHECK_EQ(preempt_count(), 1);
	CHECK(in_atomic());
	CHECK(!in_interrupt());
	CHECK(in_task());
	CHECK(!preemptible());
	CHECK(!kmm_context_may_sleep());
	preempt_disable();
	CHECK_EQ(preempt_count(), 2);
	preempt_enable();
	CHECK_EQ(preempt_count(), 1);
	CHECK(in_atomic());
	preempt_enable();
	check_task_context();
}

TEST(local_bh_disable_is_softirq_context)
{
	local_bh_disable();
	CHECK_EQ(preempt_count(), SOFTIRQ_OFFSET);
	CHECK(in_softirq());
	CHECK(in_interrupt());
	CHECK(!in_hardirq());
	CHECK(!in_task());
	CHECK(in_atomic());
	local_bh_enable();
	check_task_context();
}

TEST(local_irq_save_restore_nests)
{
	unsigned long outer, inner;

	local_irq_save(outer);
	CHECK(irqs_disabled());
	/* interrupts off is not a preempt count: in_atomic() stays false, as in the kernel */
	CHECK(!in_atomic());
	CHECK(!in_interrupt());
	CHECK(!preemptible());
	CHECK(!kmm_context_may_sleep());
	local_irq_save(inner);
	CHECK(irqs_disabled());
	local_irq_restore(inner);
	CHECK(irqs_disabled());
	local_irq_restore(outer);
	check_task_context();

	local_irq_disable();
	CHECK(irqs_disabled());
	local_irq_enable();
	CHECK(!irqs_disabled());
}

TEST(spin_lock_irqsave_disables_interrupts)
{
	static spinlock_t lock = SPIN_LOCK_UNLOCKED;
	unsigned long flags;

	spin_lock_irqsave(&lock, flags);
	CHECK(irqs_disabled());
	CHECK(!kmm_context_may_sleep());
	spin_unlock_irqrestore(&lock, flags);
	check_task_context();
}

TEST(irq_enter_exit_is_hardirq_context)
{
	irq_enter();
	CHECK_EQ(preempt_count(), HARDIRQ_OFFSET);
	CHECK(in_hardirq());
	CHECK(in_irq());
	CHECK(in_interrupt());
	CHECK(!in_softirq());
	CHECK(!in_task());
	CHECK(in_atomic());
	irq_enter();
	CHECK_EQ(hardirq_count(), 2 * HARDIRQ_OFFSET);
	irq_exit();
	irq_exit();
	check_task_context();
}

struct irq_seen {
	unsigned int preempt_count;
	bool in_interrupt, in_hardirq, in_atomic, irqs_disabled, may_sleep;
};

static void record_context(void *arg)
{
	struct irq_seen *seen = arg;

	seen->preempt_count = preempt_count();
	seen->in_interrupt = in_interrupt();
	seen->in_hardirq = in_hardirq();
	seen->in_atomic = in_atomic();
	seen->irqs_disabled = irqs_disabled();
	seen->may_sleep = kmm_context_may_sleep();
}

TEST(run_in_interrupt)
{
	struct irq_seen seen = { 0 };
	unsigned long flags;

	kmm_run_in_interrupt(record_context, &seen);
	CHECK_EQ(seen.preempt_count, HARDIRQ_OFFSET);
	CHECK(seen.in_interrupt);
	CHECK(seen.in_hardirq);
	CHECK(seen.in_atomic);
	CHECK(seen.irqs_disabled);
	CHECK(!seen.may_sleep);
	check_task_context();

	/* the interrupted context comes back exactly as it was */
	preempt_disable();
	local_irq_save(flags);
	kmm_run_in_interrupt(record_context, &seen);
	CHECK_EQ(seen.preempt_count, HARDIRQ_OFFSET + 1);
	CHECK_EQ(preempt_count(), 1);
	CHECK(irqs_disabled());
	local_irq_restore(flags);
	preempt_enable();
	check_task_context();
}

/* ---- per-thread independence ------------------------------------------------------------ */

static pthread_barrier_t barrier;

struct thread_result {
	unsigned int count_at_start, count_after_other;
	bool irqs_at_start, irqs_after_other;
};

/* Each thread changes its own context while the other looks at its own. */
static void *context_thread(void *arg)
{
	struct thread_result *r = arg;
	unsigned long flags;

	r->count_at_start = preempt_count();
	r->irqs_at_start = irqs_disabled();
	pthread_barrier_wait(&barrier);
	preempt_disable();
	preempt_disable();
	local_irq_save(flags);
	pthread_barrier_wait(&barrier); /* both are atomic now */
	pthread_barrier_wait(&barrier);
	r->count_after_other = preempt_count();
	r->irqs_after_other = irqs_disabled();
	local_irq_restore(flags);
	preempt_enable();
	preempt_enable();
	return NULL;
}

TEST(context_is_per_thread)
{
	pthread_t t;
	struct thread_result other = { 0 };

	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&t, NULL, context_thread, &other);
	pthread_barrier_wait(&barrier);
	/* the other thread is about to disable; this one enters an interrupt */
	irq_enter();
	pthread_barrier_wait(&barrier);
	CHECK_EQ(preempt_count(), HARDIRQ_OFFSET);
	CHECK(!irqs_disabled());
	pthread_barrier_wait(&barrier);
	irq_exit();
	pthread_join(t, NULL);
	pthread_barrier_destroy(&barrier);

	CHECK_EQ(other.count_at_start, 0);
	CHECK(!other.irqs_at_start);
	CHECK_EQ(other.count_after_other, 2);
	CHECK(other.irqs_after_other);
	check_task_context();
}

/* ---- might_sleep ------------------------------------------------------------------------- */

/* The child's pid, written where the parent can read it after the child is gone. */
static int *child_pid;

static void name_child(void)
{
	*child_pid = getpid();
	prctl(PR_SET_NAME, "kmm-sleeper");
}

static void might_sleep_atomic(void *arg)
{
	(void)arg;
	name_child();
	preempt_disable();
	__might_sleep("mm/kmm_test.c", 42);
	preempt_enable();
}

TEST(might_sleep_report_text)
{
	char expect[1024];
	int status;
	char *out = kmm_run_child(might_sleep_atomic, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(expect, sizeof(expect),
		 "BUG: sleeping function called from invalid context at mm/kmm_test.c:42\n"
		 "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: %d, name: kmm-sleeper\n"
		 "preempt_count: 1, expected: 0\n"
		 "RCU nest depth: 0, expected: 0\n"
		 "CPU: ",
		 *child_pid);
	CHECK(!strncmp(out, expect, strlen(expect)));
	snprintf(expect, sizeof(expect),
		 " UID: 0 PID: %d Comm: kmm-sleeper Not tainted kmm\n"
		 "Call Trace:\n <TASK>\n",
		 *child_pid);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, " </TASK>\n");
	free(out);
}

static void might_sleep_irqs_off(void *arg)
{
	unsigned long flags;

	(void)arg;
	name_child();
	local_irq_save(flags);
	__might_sleep("mm/irqs_off.c", 7);
	local_irq_restore(flags);
	kmm_run_in_interrupt(might_sleep_atomic, NULL);
}

TEST(might_sleep_with_irqs_off_and_in_interrupt)
{
	char expect[512];
	int status;
	char *out = kmm_run_child(might_sleep_irqs_off, NULL, &status);

	snprintf(expect, sizeof(expect),
		 "BUG: sleeping function called from invalid context at mm/irqs_off.c:7\n"
		 "in_atomic(): 0, irqs_disabled(): 1, non_block: 0, pid: %d, name: kmm-sleeper\n"
		 "preempt_count: 0, expected: 0\n",
		 *child_pid);
	CHECK_STR_CONTAINS(out, expect);
	/* in the interrupt: hardirq count plus the handler's own preempt_disable() */
	snprintf(expect, sizeof(expect),
		 "BUG: sleeping function called from invalid context at mm/kmm_test.c:42\n"
		 "in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: %d, name: kmm-sleeper\n"
		 "preempt_count: 10001, expected: 0\n",
		 *child_pid);
	CHECK_STR_CONTAINS(out, expect);
	/* the first report tainted the kernel, as WARN does */
	CHECK_STR_CONTAINS(out, "Comm: kmm-sleeper Tainted: G        W           kmm\n"
				"Tainted: [W]=WARN\n");
	free(out);
}

static int count_reports(const char *out)
{
	int n = 0;

	for (const char *p = out; (p = strstr(p, "BUG: sleeping function")); p++)
		n++;
	return n;
}

static void sleepy(void)
{
	might_sleep();
}

static void might_sleep_twice(void *arg)
{
	(void)arg;
	preempt_disable();
	for (int i = 0; i < 3; i++)
		sleepy();
	might_sleep(); /* another call site */
	might_sleep_if(true);
	might_sleep_if(false);
	preempt_enable();
}

TEST(might_sleep_reports_each_site_once)
{
	int status;
	char *out = kmm_run_child(might_sleep_twice, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(count_reports(out), 3);
	CHECK_STR_CONTAINS(out,
			   "BUG: sleeping function called from invalid context at " __FILE__ ":");
	free(out);
}

static void might_sleep_preemptible(void *arg)
{
	(void)arg;
	might_sleep();
	sleepy();
	preempt_disable();
	preempt_enable();
	might_sleep();
}

TEST(might_sleep_silent_when_preemptible)
{
	int status;
	char *out = kmm_run_child(might_sleep_preemptible, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strcmp(out, ""));
	free(out);
}

/* Past the table of reported sites, kmm reports at most once a second, as the kernel. */
static void might_sleep_many_sites(void *arg)
{
	static char files[200][24];

	(void)arg;
	preempt_disable();
	for (int i = 0; i < 200; i++) {
		snprintf(files[i], sizeof(files[i]), "mm/f%d.c", i);
		__might_sleep(files[i], i);
	}
	preempt_enable();
}

TEST(might_sleep_many_sites_stay_bounded)
{
	int status;
	char *out = kmm_run_child(might_sleep_many_sites, NULL, &status);
	int n = count_reports(out);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(n >= 64 && n <= 64 + 3);
	free(out);
}

int main(void)
{
	child_pid = mmap(NULL, sizeof(*child_pid), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (child_pid == MAP_FAILED)
		return 2;
	return kmm_test_main();
}
