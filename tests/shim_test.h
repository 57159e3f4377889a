/* SPDX-License-Identifier: MIT */
/*
 * shim_test.h - helpers for the malloc shim's tests: run the test program itself under
 * build/libkmm-malloc.so, tell whether malloc really is the shim's, read the process's
 * memory figures, and run commands under `kmm run` with their output captured.
 */
#ifndef KMM_SHIM_TEST_H
#define KMM_SHIM_TEST_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmm_test.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define SHIM_PATH KMM_BUILD_DIR "/libkmm-malloc.so"
#define KMM_CLI	  KMM_BUILD_DIR "/kmm"

/*
 * Start the test again with the shim preloaded (once: the marker variable says it is
 * done), so that every malloc of the test, the C library's included, is kmm's.
 */
static inline void shim_reexec(char **argv)
{
	if (getenv("KMM_SHIM_TEST_PRELOADED"))
		return;
	setenv("KMM_SHIM_TEST_PRELOADED", "1", 1);
	setenv("LD_PRELOAD", SHIM_PATH, 1);
	execv("/proc/self/exe", argv);
	perror("execv /proc/self/exe");
	exit(2);
}

/* The library that defines the function at @fn, as the dynamic linker bound it. */
static inline const char *defining_library(void *fn)
{
	Dl_info info;

	return dladdr(fn, &info) && info.dli_fname ? info.dli_fname : "?";
}

static inline bool shim_is_malloc(void)
{
	return strstr(defining_library((void *)malloc), "libkmm-malloc.so") != NULL;
}

/*
 * main() of a test that runs with the shim as its malloc: re-executed with it preloaded,
 * then the tests, or status 1 if malloc is someone else's.
 */
static inline int shim_test_main(char **argv)
{
	shim_reexec(argv);
	if (!shim_is_malloc()) {
		fprintf(stderr, "malloc is %s's, not the shim's\n",
			defining_library((void *)malloc));
		return 1;
	}
	return kmm_test_main();
}

/* A figure of /proc/self/status in kB ("VmRSS", "RssAnon", "RssShmem"), or -1. */
static inline long proc_status_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/*
 * VmRSS once free page reporting, which runs in the background, has given back three
 * quarters of what was allocated since @start_kb (at most 10 s); prints the three figures.
 */
static inline long rss_after_frees_kb(long start_kb, long peak_kb)
{
	long end = proc_status_kb("VmRSS");

	for (int tries = 0; tries < 100 && end - start_kb >= (peak_kb - start_kb) / 4; tries++) {
		usleep(100 * 1000);
		end = proc_status_kb("VmRSS");
	}
	printf("VmRSS: %ld kB at the start, %ld kB at the peak, %ld kB after the frees\n", start_kb,
	       peak_kb, end);
	return end;
}

/* Everything @cmd (a shell command) wrote to stdout and stderr; its wait status in *status. */
static inline char *shell_output(const char *cmd, int *status)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *f = popen(cmd, "r");
	FILE *out = open_memstream(&buf, &len);

	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (out)
			fwrite(chunk, 1, n, out);
	*status = f ? pclose(f) : -1;
	if (out)
		fclose(out);
	return buf;
}

/* The contents of a file (malloc'd, NUL-terminated), or NULL. */
static inline char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *f = fopen(path, "r");
	FILE *out;

	if (!f)
		return NULL;
	out = open_memstream(&buf, &len);
	while (out && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(f);
	if (out)
		fclose(out);
	return buf;
}

/* A meminfo figure in kB ("Slab") from a report's text, or -1. */
static inline long report_meminfo_kb(const char *report, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	at = report ? strstr(report, pat) : NULL;
	return at ? strtol(at + strlen(pat), NULL, 10) : -1;
}

/*
 * Run @cmd (a command line, split by /bin/sh) under `kmm run` with the slabinfo and
 * meminfo reports written to a file; checks that it exited with 0, that its output
 * contains @expect, and that its meminfo shows slab memory in use at its exit (proof
 * that kmm served it). Returns the output.
 */
static inline char *kmm_run_checked(const char *cmd, const char *expect)
{
	char report[] = "/tmp/kmm-shim-report-XXXXXX", line[8192];
	char *out, *report_text;
	int fd = mkstemp(report), status;

	close(fd);
	snprintf(line, sizeof(line), "%s run --report=slabinfo,meminfo --output=%s -- %s 2>&1",
		 KMM_CLI, report, cmd);
	out = shell_output(line, &status);
	CHECK_EQ(status, 0);
	CHECK_STR_CONTAINS(out, expect);
	report_text = read_file(report);
	CHECK_STR_CONTAINS(report_text, "slabinfo - version: 2.1");
	CHECK(report_meminfo_kb(report_text, "Slab") > 0);
	if (kmm_failures)
		fprintf(stderr, "command: %s\noutput:\n%s\n", line, out);
	free(report_text);
	unlink(report);
	return out;
}

/*
 * Run @cmd as it is and under `kmm run`: the same output both ways (and everything
 * kmm_run_checked() checks). @expect must be in the plain run's output too.
 */
static inline void check_same_output(const char *cmd, const char *expect)
{
	int status;
	char line[8192];
	char *plain, *shim;

	snprintf(line, sizeof(line), "%s 2>&1", cmd);
	plain = shell_output(line, &status);
	REQUIRE(status == 0);
	CHECK_STR_CONTAINS(plain, expect);
	shim = kmm_run_checked(cmd, expect);
	CHECK(shim && !strcmp(plain, shim));
	if (shim && strcmp(plain, shim))
		fprintf(stderr, "plain:\n%s\nunder kmm run:\n%s\n", plain, shim);
	free(plain);
	free(shim);
}

#endif /* KMM_SHIM_TEST_H */
