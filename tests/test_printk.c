/* kmm-test: labels=unit */
/*
 * test_printk.c - the kernel log: level filtering, KERN_CONT lines, truncation,
 * scnprintf, and the shape of dump_stack(), WARN and BUG reports. Everything that prints
 * runs in a child whose stderr the harness captures.
 */
#include <errno.h>
#include <stdarg.h>

#include <linux/printk.h>

#include "internal.h"
#include "kmm_test.h"

static char *run(void (*fn)(void *), int *status)
{
	int st;
	char *out = kmm_run_child(fn, NULL, &st);

	if (status)
		*status = st;
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		CHECK(!"child exited abnormally");
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define CHECK_OUT(out, expected)                                                          \
	do {                                                                              \
		if (strcmp(out, expected)) {                                              \
			fprintf(stderr, "%s:%d: %s: got:\n[%s]\nwant:\n[%s]\n", __FILE__, \
				__LINE__, kmm_current_test, out, expected);               \
			kmm_failures++;                                                   \
		}                                                                         \
	} while (0)

/* ---- levels ----------------------------------------------------------------------------- */

static void print_levels(void *arg)
{
	(void)arg;
	printk(KERN_DEBUG "debug\n");
	printk(KERN_INFO "info\n");
	pr_err("err\n");
	printk("plain\n");
	pr_notice("notice\n");
	pr_debug("pr_debug\n");
}

TEST(printk_default_level_hides_debug)
{
	char *out = run(print_levels, NULL);

	CHECK_OUT(out, "info\nerr\nplain\nnotice\n");
	free(out);
}

static void print_levels_at_8(void *arg)
{
	console_loglevel = 8;
	print_levels(arg);
}

static void print_levels_at_4(void *arg)
{
	console_loglevel = 4;
	print_levels(arg);
}

TEST(printk_console_loglevel_filters)
{
	char *out = run(print_levels_at_8, NULL);

	CHECK_OUT(out, "debug\ninfo\nerr\nplain\nnotice\npr_debug\n");
	free(out);
	/* messages without a level have default_message_loglevel, 4: hidden at 4 */
	out = run(print_levels_at_4, NULL);
	CHECK_OUT(out, "err\n");
	free(out);
}

/* Run only as the re-executed child of printk_kmm_loglevel_env. */
TEST(printk_env_child)
{
	if (!getenv("KMM_TEST_PRINTK_ENV_CHILD"))
		return;
	pr_debug("debug-visible\n");
	pr_err("err-visible\n");
}

static void reexec_with_loglevel(void *level)
{
	setenv("KMM_LOGLEVEL", level, 1);
	setenv("KMM_TEST_PRINTK_ENV_CHILD", "1", 1);
	setenv("KMM_TEST_ONLY", "printk_env_child", 1);
	execl("/proc/self/exe", "test_printk", (char *)NULL);
	_exit(127);
}

TEST(printk_kmm_loglevel_env)
{
	int status;
	char *out = kmm_run_child(reexec_with_loglevel, "8", &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "debug-visible\n");
	CHECK_STR_CONTAINS(out, "err-visible\n");
	free(out);

	out = kmm_run_child(reexec_with_loglevel, "3", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strstr(out, "debug-visible"));
	CHECK(!strstr(out, "err-visible"));
	free(out);
}

/* ---- lines ------------------------------------------------------------------------------ */

static void print_cont(void *arg)
{
	(void)arg;
	pr_info("a");
	pr_cont("b");
	pr_cont("c\n");
	/* a continuation of a hidden line stays hidden */
	pr_debug("hidden");
	pr_cont(" also hidden\n");
	/* a new message ends a line left open */
	pr_info("open");
	pr_info("next\n");
	/* a level inside the arguments counts, as in the kernel */
	printk("%sargs\n", KERN_DEBUG);
	printk("%sshown\n", KERN_ERR);
}

TEST(printk_kern_cont)
{
	char *out = run(print_cont, NULL);

	CHECK_OUT(out, "abc\nopen\nnext\nshown\n");
	free(out);
}

static void print_return_values(void *arg)
{
	(void)arg;
	printf("ret=%d\n", printk(KERN_INFO "hello\n"));
	printf("ret=%d\n", printk(KERN_DEBUG "%d\n", 12345));
	fflush(stdout);
}

TEST(printk_returns_text_length)
{
	char *out = run(print_return_values, NULL);

	/* the kernel counts the text without its level prefix and trailing newline */
	CHECK_OUT(out, "hello\nret=5\nret=5\n");
	free(out);
}

static void print_long(void *arg)
{
	char big[2000];

	(void)arg;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	printk("%s\n", big);
	/* 1022 ASCII bytes, then a two-byte character cut in half by the limit */
	memset(big, 'y', 1022);
	strcpy(big + 1022, "\xc3\xa9zzz");
	printk("%s\n", big);
	/* the kernel's limit counts the level prefix too, before it is stripped */
	printk(KERN_ERR "%s\n", big);
}

TEST(printk_truncates_cleanly)
{
	char *out = run(print_long, NULL);
	const char *p = out;

	CHECK_EQ(strspn(p, "x"), 1023);
	p += strspn(p, "x");
	REQUIRE(*p++ == '\n');
	CHECK_EQ(strspn(p, "y"), 1022);
	p += strspn(p, "y");
	REQUIRE(*p++ == '\n');
	CHECK_EQ(strspn(p, "y"), 1021);
	p += strspn(p, "y");
	CHECK(!strcmp(p, "\n"));
	free(out);
}

TEST(scnprintf_counts_what_it_wrote)
{
	char buf[8];

	CHECK_EQ(scnprintf(buf, sizeof(buf), "%s", "hello world"), 7);
	CHECK(!strcmp(buf, "hello w"));
	CHECK_EQ(scnprintf(buf, sizeof(buf), "%d", 1234567), 7);
	CHECK(!strcmp(buf, "1234567"));
	CHECK_EQ(scnprintf(buf, sizeof(buf), "%d", 42), 2);
	CHECK_EQ(scnprintf(buf, 0, "%d", 42), 0);
	CHECK_EQ(scnprintf(buf, 1, "%d", 42), 0);
	CHECK_EQ(buf[0], '\0');
}

/* ---- stacks, WARN, BUG -------------------------------------------------------------- */

static void call_dump_stack(void *arg)
{
	(void)arg;
	dump_stack();
}

TEST(dump_stack_shape)
{
	char *out = run(call_dump_stack, NULL);
	char expect[128];

	CHECK(!strncmp(out, "CPU: ", 5));
	CHECK_STR_CONTAINS(out, " UID: 0 PID: ");
	/* the thread's name, which Linux keeps to 15 characters */
	snprintf(expect, sizeof(expect), " Comm: %.15s Not tainted kmm\nCall Trace:\n <TASK>\n ",
		 program_invocation_short_name);
	CHECK_STR_CONTAINS(out, expect);
	CHECK_STR_CONTAINS(out, "\n </TASK>\n");
	/* dump_stack's own frame is not shown */
	CHECK(!strstr(out, " dump_stack+"));
	free(out);
}

/* The child says where its WARN is: the line of the statement after this call. */
static void say_next_line(const char *file, int line)
{
	printf("site %s:%d\n", file, line + 1);
	fflush(stdout);
}

/* " at FILE:LINE" for the site a child announced with say_next_line(). */
static void site_of(const char *out, char *at, size_t size)
{
	const char *p = strstr(out, "site ");
	size_t n = p ? strcspn(p + 5, "\n") : 0;

	snprintf(at, size, " at %.*s", (int)n, p ? p + 5 : "");
}

static void call_warn_on(void *arg)
{
	(void)arg;
	say_next_line(__FILE__, __LINE__);
	if (!WARN_ON(1))
		printf("WARN_ON(1) returned false\n");
	if (WARN_ON(0))
		printf("WARN_ON(0) returned true\n");
	fflush(stdout);
}

TEST(warn_on_report_shape)
{
	char at[512];
	char *out = run(call_warn_on, NULL);
	const char *report = strstr(out, "------------[ cut here ]");

	site_of(out, at, sizeof(at));
	REQUIRE(report);
	CHECK(!strncmp(report, "------------[ cut here ]------------\nWARNING: CPU: ", 51));
	CHECK_STR_CONTAINS(report, at);
	CHECK_STR_CONTAINS(report, "\nCPU: ");
	CHECK_STR_CONTAINS(report, " Not tainted kmm\nCall Trace:\n <TASK>\n");
	CHECK_STR_CONTAINS(report, " </TASK>\n---[ end trace 0000000000000000 ]---\n");
	CHECK(!strstr(out, "returned"));
	CHECK_EQ(count(out, "cut here"), 1);
	free(out);
}

static void call_warn_fmt(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		WARN_ONCE(1, "kmm test warning %d\n", 42);
	/* after a warning the kernel is tainted: the next header says so */
	dump_stack();
}

TEST(warn_message_comes_first_and_taints)
{
	char *out = run(call_warn_fmt, NULL);

	/* x86: __warn_printk() prints the message before the trap's WARNING line */
	CHECK(!strncmp(
		out,
		"------------[ cut here ]------------\nkmm test warning 42\nWARNING: CPU: ", 70));
	CHECK_EQ(count(out, "kmm test warning"), 1);
	CHECK_STR_CONTAINS(out, " Tainted: G        W           kmm\nTainted: [W]=WARN\n"
				"Call Trace:\n");
	free(out);
}

static void print_once(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		pr_warn_once("only once\n");
}

TEST(pr_warn_once_prints_once)
{
	char *out = run(print_once, NULL);

	CHECK_OUT(out, "only once\n");
	free(out);
}

static void call_bug(void *arg)
{
	(void)arg;
	say_next_line(__FILE__, __LINE__);
	BUG();
}

TEST(bug_kills_the_child)
{
	char at[512], expect[1024];
	int status;
	char *out = run(call_bug, &status);
	const char *report = strstr(out, "------------[ cut here ]");

	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
	site_of(out, at, sizeof(at));
	REQUIRE(report);
	snprintf(expect, sizeof(expect),
		 "------------[ cut here ]------------\nkernel BUG%s!\n"
		 "Oops: invalid opcode: 0000 [#1] SMP\nCPU: ",
		 at);
	CHECK(!strncmp(report, expect, strlen(expect)));
	CHECK_STR_CONTAINS(report, "Call Trace:\n <TASK>\n");
	CHECK_STR_CONTAINS(report, " </TASK>\n---[ end trace 0000000000000000 ]---\n");
	free(out);
}

static void bug_on_false(void *arg)
{
	(void)arg;
	BUG_ON(0);
	printf("survived\n");
	fflush(stdout);
}

TEST(bug_on_false_is_silent)
{
	char *out = run(bug_on_false, NULL);

	CHECK_OUT(out, "survived\n");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
