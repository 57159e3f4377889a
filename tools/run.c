/* SPDX-License-Identifier: MIT */
/*
 * run.c - `kmm run [--slab=slub|slab|slob] [--report=NAME,...] [--output=FILE] -- CMD
 * ARGS...`: run CMD with build/libkmm-malloc.so preloaded, and print kmm's reports of it
 * once it has exited.
 *
 * The reports can only come from inside the program (its kmm is its own), so the shim
 * writes them as the program exits (shim/report.c: KMM_REPORT, KMM_REPORT_FILE with %p
 * for the process ID) into a private directory, and this command copies the one of its
 * own child to stderr, or to --output FILE ("-": stdout). The program's stdout and stderr
 * stay its own: nothing is mixed into them. The exit status is the program's (128 + the
 * signal if one killed it), 127 if it could not be started.
 *
 * The shim is found as KMM_SHIM (a path), else beside the kmm binary (the build
 * directory), else in the installed library directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

#define SHIM_NAME	"libkmm-malloc.so"
#define DEFAULT_REPORTS "slabinfo,meminfo"

struct run_options {
	const char *slab;
	const char *reports;
	const char *output;
	char **cmd;
};

static int run_usage(void)
{
	fprintf(stderr, "usage: kmm run [--slab=slub|slab|slob] [--report=NAME,...] "
			"[--output=FILE|-] -- CMD [ARGS...]\n");
	return 2;
}

static const char *option_value(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(arg, name, len) && arg[len] == '=' ? arg + len + 1 : NULL;
}

static int parse_options(int argc, char **argv, struct run_options *o)
{
	int i;

	*o = (struct run_options){ .reports = DEFAULT_REPORTS };
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *v;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if ((v = option_value(argv[i], "--slab")))
			o->slab = v;
		else if ((v = option_value(argv[i], "--report")))
			o->reports = v;
		else if ((v = option_value(argv[i], "--output")))
			o->output = v;
		else
			return -1;
	}
	if (i >= argc)
		return -1;
	o->cmd = argv + i;
	return 0;
}

/* "@dir/@name" into @path if it fits and names a readable file. */
static bool readable(char *path, size_t size, const char *dir, const char *name)
{
	int n = snprintf(path, size, "%s%s%s", dir, name ? "/" : "", name ? name : "");

	return n > 0 && (size_t)n < size && access(path, R_OK) == 0;
}

/* KMM_SHIM, else beside this binary, else the installed library directory. */
static bool find_shim(char *path, size_t size)
{
	const char *env = getenv("KMM_SHIM");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return readable(path, size, env, NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (readable(path, size, self, SHIM_NAME))
				return true;
		}
	}
	return readable(path, size, KMM_LIBDIR, SHIM_NAME);
}

/* The shim first in LD_PRELOAD, whatever the caller preloads after it. */
static void set_preload(const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	char buf[8192];

	if (old && *old)
		snprintf(buf, sizeof(buf), "%s:%s", shim, old);
	else
		snprintf(buf, sizeof(buf), "%s", shim);
	setenv("LD_PRELOAD", buf, 1);
}

static _Noreturn void exec_child(const struct run_options *o, const char *shim,
				 const char *report_file)
{
	set_preload(shim);
	if (o->slab)
		setenv("KMM_SLAB", o->slab, 1);
	setenv("KMM_REPORT", o->reports, 1);
	setenv("KMM_REPORT_FILE", report_file, 1);
	execvp(o->cmd[0], o->cmd);
	fprintf(stderr, "kmm run: %s: %s\n", o->cmd[0], strerror(errno));
	_exit(127);
}

static int wait_child(pid_t pid)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status;

	/* as system(): the terminal's ^C is for the program, and we report after it */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int copy_file(const char *from, FILE *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "r");

	if (!in)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, to);
	fclose(in);
	return 0;
}

/* Copy the child's reports to their destination; remove every report file of the run. */
static int deliver_reports(const struct run_options *o, const char *dir, pid_t pid, int status)
{
	char path[PATH_MAX];
	FILE *out = stderr;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/report.%d", dir, (int)pid);
	if (o->output && strcmp(o->output, "-"))
		out = fopen(o->output, "w");
	else if (o->output)
		out = stdout;
	if (!out) {
		fprintf(stderr, "kmm run: %s: %s\n", o->output, strerror(errno));
		ret = -1;
	} else if (copy_file(path, out) < 0) {
		fprintf(stderr, "kmm run: %s wrote no report (exit status %d)\n", o->cmd[0],
			status);
		ret = -1;
	}
	if (out && out != stderr && out != stdout)
		fclose(out);
	else if (out)
		fflush(out);
	return ret;
}

/* The run's directory holds only the report files the shim wrote: remove them and it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char file[PATH_MAX];

		if (strncmp(e->d_name, "report.", 7))
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		unlink(file);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int cmd_run(int argc, char **argv)
{
	struct run_options o;
	char shim[PATH_MAX], dir[] = "/tmp/kmm-run-XXXXXX", report_file[PATH_MAX];
	int status;
	pid_t pid;

	if (parse_options(argc, argv, &o) < 0)
		return run_usage();
	if (!find_shim(shim, sizeof(shim))) {
		fprintf(stderr, "kmm run: cannot find %s (set KMM_SHIM to its path)\n", SHIM_NAME);
		return 127;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "kmm run: mkdtemp: %s\n", strerror(errno));
		return 127;
	}
	snprintf(report_file, sizeof(report_file), "%s/report.%%p", dir);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "kmm run: fork: %s\n", strerror(errno));
		rmdir(dir);
		return 127;
	}
	if (pid == 0)
		exec_child(&o, shim, report_file);
	status = wait_child(pid);
	if (status != 127)
		deliver_reports(&o, dir, pid, status);
	remove_dir(dir);
	return status;
}
