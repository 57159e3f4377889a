/* kmm-test: labels=unit */
/*
 * test_notifier.c - blocking notifier chains: priority order (equal priorities in
 * registration order), NOTIFY_STOP_MASK ending a call, register/unregister results, and
 * the errno encoding helpers.
 */
#include <linux/notifier.h>

#include "internal.h"
#include "kmm_test.h"

struct recorder {
	struct notifier_block nb;
	char id;
	int ret;
};

static char calls[32];
static int nr_calls;

static int record_call(struct notifier_block *nb, unsigned long action, void *data)
{
	struct recorder *r = (struct recorder *)nb; /* nb is the first member */

	calls[nr_calls++] = r->id;
	calls[nr_calls] = '\0';
	*(unsigned long *)data += action;
	return r->ret;
}

static void reset_calls(void)
{
	nr_calls = 0;
	calls[0] = '\0';
}

#define RECORDER(name, prio, ret_val)                                                        \
	struct recorder name = { .nb = { .notifier_call = record_call, .priority = (prio) }, \
				 .id = #name[0],                                             \
				 .ret = (ret_val) }

TEST(notifier_empty_chain)
{
	BLOCKING_NOTIFIER_HEAD(chain);
	unsigned long sum = 0;

	CHECK_EQ(blocking_notifier_call_chain(&chain, 1, &sum), NOTIFY_DONE);
	CHECK_EQ(sum, 0);
}

TEST(notifier_priority_order)
{
	BLOCKING_NOTIFIER_HEAD(chain);
	RECORDER(a, 0, NOTIFY_OK);
	RECORDER(b, 10, NOTIFY_OK);
	RECORDER(c, -5, NOTIFY_DONE);
	RECORDER(d, 10, NOTIFY_OK);
	RECORDER(e, 0, NOTIFY_OK);
	unsigned long sum = 0;

	CHECK_EQ(blocking_notifier_chain_register(&chain, &a.nb), 0);
	CHECK_EQ(blocking_notifier_chain_register(&chain, &b.nb), 0);
	CHECK_EQ(blocking_notifier_chain_register(&chain, &c.nb), 0);
	CHECK_EQ(blocking_notifier_chain_register(&chain, &d.nb), 0);
	CHECK_EQ(blocking_notifier_chain_register(&chain, &e.nb), 0);
	reset_calls();
	/* highest priority first; equal priorities in the order they registered */
	CHECK_EQ(blocking_notifier_call_chain(&chain, 2, &sum), NOTIFY_DONE);
	CHECK(!strcmp(calls, "bdaec"));
	CHECK_EQ(sum, 10);

	CHECK_EQ(blocking_notifier_chain_unregister(&chain, &d.nb), 0);
	CHECK_EQ(blocking_notifier_chain_unregister(&chain, &d.nb), -2 /* -ENOENT */);
	reset_calls();
	/* the last callback's value is the chain's */
	CHECK_EQ(blocking_notifier_call_chain(&chain, 0, &sum), NOTIFY_DONE);
	CHECK(!strcmp(calls, "baec"));
}

TEST(notifier_stop_ends_the_call)
{
	BLOCKING_NOTIFIER_HEAD(chain);
	RECORDER(a, 3, NOTIFY_OK);
	RECORDER(s, 2, NOTIFY_STOP);
	RECORDER(z, 1, NOTIFY_OK);
	RECORDER(v, 4, NOTIFY_BAD);
	unsigned long sum = 0;

	blocking_notifier_chain_register(&chain, &z.nb);
	blocking_notifier_chain_register(&chain, &s.nb);
	blocking_notifier_chain_register(&chain, &a.nb);
	reset_calls();
	CHECK_EQ(blocking_notifier_call_chain(&chain, 1, &sum), NOTIFY_STOP);
	CHECK(!strcmp(calls, "as"));

	/* a veto (NOTIFY_BAD) also carries the stop bit */
	blocking_notifier_chain_register(&chain, &v.nb);
	reset_calls();
	CHECK_EQ(blocking_notifier_call_chain(&chain, 1, &sum), NOTIFY_BAD);
	CHECK(!strcmp(calls, "v"));
}

TEST(notifier_unique_priority)
{
	BLOCKING_NOTIFIER_HEAD(chain);
	RECORDER(a, 5, NOTIFY_OK);
	RECORDER(b, 5, NOTIFY_OK);
	RECORDER(c, 6, NOTIFY_OK);

	CHECK_EQ(blocking_notifier_chain_register_unique_prio(&chain, &a.nb), 0);
	CHECK_EQ(blocking_notifier_chain_register_unique_prio(&chain, &b.nb), -16 /* -EBUSY */);
	CHECK_EQ(blocking_notifier_chain_register_unique_prio(&chain, &c.nb), 0);
}

static void register_twice(void *arg)
{
	struct blocking_notifier_head chain;
	RECORDER(a, 0, NOTIFY_OK);

	(void)arg;
	BLOCKING_INIT_NOTIFIER_HEAD(&chain);
	blocking_notifier_chain_register(&chain, &a.nb);
	printf("second=%d\n", blocking_notifier_chain_register(&chain, &a.nb));
	fflush(stdout);
}

TEST(notifier_double_register_warns)
{
	int status;
	char *out = kmm_run_child(register_twice, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "already registered");
	CHECK_STR_CONTAINS(out, "WARNING: CPU: ");
	CHECK_STR_CONTAINS(out, "second=-17\n");
	free(out);
}

TEST(notifier_errno_encoding)
{
	CHECK_EQ(notifier_from_errno(0), NOTIFY_OK);
	CHECK_EQ(notifier_from_errno(-1 /* -EPERM */), NOTIFY_BAD);
	CHECK_EQ(notifier_to_errno(NOTIFY_BAD), -1);
	CHECK_EQ(notifier_to_errno(notifier_from_errno(-12)), -12);
	CHECK_EQ(notifier_to_errno(NOTIFY_OK), 0);
	CHECK_EQ(notifier_to_errno(NOTIFY_STOP), 0);
}

int main(void)
{
	return kmm_test_main();
}
