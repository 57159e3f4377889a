/* SPDX-License-Identifier: MIT */
/*
 * report.c - the shim's reports at exit, for `kmm run`: the process writes the reports
 * named in KMM_REPORT (comma-separated kmm_report() names: slabinfo,meminfo,...) to the
 * file KMM_REPORT_FILE as it exits, from inside itself, since only it sees its own kmm.
 *
 * "%p" in the file name becomes the process ID, so that the processes of a pipeline or
 * a build each write their own file and `kmm run` picks its child's. Written with
 * open/write, never stdio: by then the program may have closed its streams.
 *
 * A process ends either through exit(), which runs the shim's destructor, or through
 * _exit() (shells do: dash ends that way), which runs nothing: so while KMM_REPORT is
 * set, the shim's own _exit and _Exit write the reports first. Unset, they are the
 * system call and nothing else.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static void emit_fd(void *ctx, const char *text, size_t len)
{
	int fd = *(int *)ctx;

	while (len) {
		ssize_t n = write(fd, text, len);

		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

/* @pattern with each "%p" replaced by the process ID; false if it does not fit. */
static bool expand_pid(const char *pattern, char *out, size_t size)
{
	size_t used = 0;

	for (const char *p = pattern; *p; p++) {
		int n = 1;

		if (p[0] == '%' && p[1] == 'p') {
			n = snprintf(out + used, size - used, "%d", (int)getpid());
			p++;
		} else if (used + 1 < size) {
			out[used] = *p;
		}
		if (n < 0 || used + (size_t)n >= size)
			return false;
		used += (size_t)n;
	}
	out[used] = '\0';
	return true;
}

static void write_reports(int fd, const char *names)
{
	char name[64];

	while (*names) {
		size_t len = strcspn(names, ",");

		if (len && len < sizeof(name)) {
			memcpy(name, names, len);
			name[len] = '\0';
			if (kmm_report_write(name, emit_fd, &fd))
				dprintf(fd, "kmm: no report named \"%s\"\n", name);
		}
		names += len + (names[len] == ',');
	}
}

__attribute__((destructor)) static void shim_report_at_exit(void)
{
	static _Atomic bool reported;
	const char *names = getenv("KMM_REPORT"), *file = getenv("KMM_REPORT_FILE");
	char path[4096];
	int fd;

	if (!names || !*names || !file || !expand_pid(file, path, sizeof(path)))
		return;
	if (atomic_exchange(&reported, true))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	shim_start();
	write_reports(fd, names);
	close(fd);
}

SHIM_EXPORT _Noreturn void _exit(int status)
{
	shim_report_at_exit();
	for (;;)
		syscall(SYS_exit_group, status);
}

SHIM_EXPORT _Noreturn void _Exit(int status)
{
	_exit(status);
}
