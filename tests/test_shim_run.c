/* kmm-test: labels=preload timeout=60 */
/*
 * test_shim_run - `kmm run` itself: the program's exit status (or 128 + the signal that
 * killed it, or 127 when it cannot start) comes back, its stdout is its own, the reports
 * go to stderr by default, to a file with --output, to stdout with --output=-, and a
 * shell that ends with _exit() still leaves its reports; --slab picks the back-end.
 */
#include <sys/wait.h>

#include "shim_test.h"

static char *run(const char *args, int *code)
{
	char line[1024];
	int status;
	char *out;

	snprintf(line, sizeof(line), "%s run %s", KMM_CLI, args);
	out = shell_output(line, &status);
	*code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return out;
}

TEST(exit_status_is_the_programs)
{
	int code;

	free(run("-- /bin/sh -c 'exit 7' 2>/dev/null", &code));
	CHECK_EQ(code, 7);
	free(run("-- /bin/sh -c 'kill -9 $$' 2>/dev/null", &code));
	CHECK_EQ(code, 128 + 9);
	free(run("-- /nonexistent/program 2>/dev/null", &code));
	CHECK_EQ(code, 127);
	free(run("--bogus -- true 2>/dev/null", &code));
	CHECK_EQ(code, 2);
}

/* Reports on stderr by default: the program's stdout carries its output alone. */
TEST(stdout_stays_the_programs)
{
	int code;
	char *out = run("-- /bin/echo hello 2>/dev/null", &code);

	CHECK_EQ(code, 0);
	CHECK(out && !strcmp(out, "hello\n"));
	free(out);
	out = run("-- /bin/echo hello 2>&1 >/dev/null", &code);
	CHECK_STR_CONTAINS(out, "slabinfo - version: 2.1");
	CHECK_STR_CONTAINS(out, "MemTotal:");
	free(out);
}

TEST(output_to_stdout_when_asked)
{
	int code;
	char *out = run("--report=meminfo --output=- -- /bin/true 2>/dev/null", &code);

	CHECK_EQ(code, 0);
	CHECK(out && !strncmp(out, "MemTotal:", 9));
	CHECK(out && !strstr(out, "slabinfo"));
	free(out);
}

/* dash ends with _exit(): the shim's _exit writes the reports first. */
TEST(a_shell_ending_with_exit_reports)
{
	int code;
	char *out = run("--report=meminfo --output=- -- /bin/sh -c 'echo from-sh' 2>&1", &code);

	CHECK_EQ(code, 0);
	CHECK_STR_CONTAINS(out, "from-sh");
	CHECK_STR_CONTAINS(out, "MemTotal:");
	CHECK(out && !strstr(out, "wrote no report"));
	free(out);
}

TEST(slab_option_picks_the_back_end)
{
	int code;
	char *out = run("--slab=slab --report=slabinfo --output=- -- /bin/true 2>/dev/null", &code);

	CHECK_EQ(code, 0);
	/* SLAB's rows carry its tunables: limit 120, batchcount 60 for small caches */
	CHECK_STR_CONTAINS(out, ": tunables  120   60    8");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
