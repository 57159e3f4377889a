/* SPDX-License-Identifier: MIT */
/*
 * kmm_test.h - the whole test harness: checks that report file:line and the values,
 * a registry of test cases run in order, and death tests that run a function in a
 * child process and capture what it wrote to stderr (kmm's printk output).
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { return kmm_test_main(); }
 */
#ifndef KMM_TEST_H
#define KMM_TEST_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kmm.h>

struct kmm_test_case {
	const char *name;
	void (*fn)(void);
};

#define KMM_MAX_TESTS 256
static struct kmm_test_case kmm_tests[KMM_MAX_TESTS];
static int kmm_nr_tests;
static int kmm_failures;
static const char *kmm_current_test;

#define TEST(name)                                                                        \
	static void test_##name(void);                                                    \
	__attribute__((constructor)) static void register_##name(void)                    \
	{                                                                                 \
		kmm_tests[kmm_nr_tests++] = (struct kmm_test_case){ #name, test_##name }; \
	}                                                                                 \
	static void test_##name(void)

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, \
				kmm_current_test, #cond);                                    \
			kmm_failures++;                                                      \
		}                                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long kmm_a_ = (long long)(a), kmm_b_ = (long long)(b);                     \
		if (kmm_a_ != kmm_b_) {                                                         \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: %lld != %lld\n", __FILE__, \
				__LINE__, kmm_current_test, #a, #b, kmm_a_, kmm_b_);            \
			kmm_failures++;                                                         \
		}                                                                               \
	} while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                          \
	do {                                                                                     \
		const char *kmm_h_ = (hay), *kmm_n_ = (needle);                                  \
		if (!kmm_h_ || !strstr(kmm_h_, kmm_n_)) {                                        \
			fprintf(stderr, "%s:%d: %s: expected \"%s\" in:\n%s\n", __FILE__,        \
				__LINE__, kmm_current_test, kmm_n_, kmm_h_ ? kmm_h_ : "(null)"); \
			kmm_failures++;                                                          \
		}                                                                                \
	} while (0)

/* Stop the current test (after a failed CHECK that later steps depend on). */
#define REQUIRE(cond)                            \
	do {                                     \
		int kmm_before_ = kmm_failures;  \
		CHECK(cond);                     \
		if (kmm_failures != kmm_before_) \
			return;                  \
	} while (0)

/*
 * In a function run by kmm_run_child(): end the child when an allocation it depends on
 * came back NULL (fault injection), saying what failed. Its parent then misses the
 * output it expects, and fails its own checks.
 */
#define CHILD_REQUIRE(cond)                                                                     \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			printf("%s:%d: CHILD_REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); \
			fflush(NULL);                                                           \
			_exit(3);                                                               \
		}                                                                               \
	} while (0)

/*
 * Run fn(arg) in a child process with stderr captured. Returns the child's output
 * (malloc'd, NUL-terminated; free it), or NULL if malloc failed (under the malloc shim
 * with fault injection), and its wait status in *status.
 */
static inline char *kmm_run_child(void (*fn)(void *), void *arg, int *status)
{
	char path[] = "/tmp/kmm-test-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;

	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	unlink(path);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		dup2(fd, 1);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	waitpid(pid, status, 0);
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)len + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	if (pread(fd, buf, (size_t)len, 0) != len)
		len = 0;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * Run fn(arg) in this process with stderr (kmm's printk output) captured; returns what
 * it wrote (malloc'd, NUL-terminated; free it; NULL if malloc failed). For code that must not fork: a child of
 * a process with threads cannot start threads of its own under ThreadSanitizer.
 */
static inline char *kmm_capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *buf;
	long len;

	if (!tmp || saved < 0) {
		perror("kmm_capture_stderr");
		exit(2);
	}
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	len = (long)lseek(fileno(tmp), 0, SEEK_END); /* written through the descriptor */
	if (len < 0)
		len = 0;
	buf = malloc((size_t)len + 1);
	if (buf && pread(fileno(tmp), buf, (size_t)len, 0) != len)
		len = 0;
	if (buf)
		buf[len] = '\0';
	fclose(tmp);
	return buf;
}

/* Run a shell command; its stdout (malloc'd, NUL-terminated; NULL if malloc failed) and wait status. */
static inline char *kmm_run_capture(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	char chunk[4096];

	*status = -1;
	if (!p)
		return NULL;
	bool failed = false;

	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (!failed && len + n + 1 > cap) {
			char *more = realloc(buf, (len + n + 1) * 2);

			failed = !more; /* read on to the end all the same */
			if (more) {
				buf = more;
				cap = (len + n + 1) * 2;
			}
		}
		if (failed)
			continue;
		memcpy(buf + len, chunk, n);
		len += n;
	}
	*status = pclose(p);
	if (failed) {
		free(buf);
		return NULL;
	}
	if (!buf)
		buf = calloc(1, 1);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* A program of the build, by name (build/kmm beside build/tests/), or NULL if absent. */
static inline const char *kmm_test_binary(const char *name)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 64);
	char *slash;

	if (n <= 0)
		return NULL;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	slash = strrchr(path, '/');
	if (!slash || strlen(name) > 48)
		return NULL;
	strcpy(slash + 1, name);
	return access(path, X_OK) ? NULL : path;
}

/* Read everything a report or FILE-writing function produced, via a memory stream. */
#define CAPTURE(buf, expr)                                        \
	do {                                                      \
		size_t kmm_len_;                                  \
		FILE *kmm_f_ = open_memstream(&(buf), &kmm_len_); \
		FILE *out = kmm_f_;                               \
		(void)out;                                        \
		expr;                                             \
		fclose(kmm_f_);                                   \
	} while (0)

/* A meminfo value in kB ("SReclaimable:     123 kB"), from kmm's meminfo report. */
static inline unsigned long meminfo_kb(const char *key)
{
	char *buf = NULL, pat[64];
	unsigned long val = ~0UL;
	const char *at;

	CAPTURE(buf, kmm_report(out, "meminfo"));
	snprintf(pat, sizeof(pat), "%s:", key);
	/* the key at the start of a line (MemTotal is the first) */
	for (at = strstr(buf, pat); at && at != buf && at[-1] != '\n'; at = strstr(at + 1, pat))
		;
	if (at)
		val = strtoul(at + strlen(pat), NULL, 10);
	else
		CHECK_STR_CONTAINS(buf, pat);
	free(buf);
	return val;
}

static inline int kmm_test_main(void)
{
	const char *only = getenv("KMM_TEST_ONLY");

	for (int i = 0; i < kmm_nr_tests; i++) {
		int before = kmm_failures;

		if (only && strcmp(only, kmm_tests[i].name))
			continue;
		kmm_current_test = kmm_tests[i].name;
		kmm_tests[i].fn();
		printf("%s %s\n", kmm_failures == before ? "ok  " : "FAIL", kmm_tests[i].name);
		fflush(stdout);
	}
	if (kmm_failures)
		printf("%d check(s) failed\n", kmm_failures);
	return kmm_failures ? 1 : 0;
}

#endif /* KMM_TEST_H */
