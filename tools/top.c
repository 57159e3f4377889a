/* SPDX-License-Identifier: MIT */
/*
 * top.c - `kmm top`: a live, slabtop-like view of another process running on kmm.
 *
 * The process publishes its figures when started with KMM_STATS=1 (see <kmm.h>): a
 * struct kmm_stats_area in the file kmm_stats_path(pid) names, refreshed once a second.
 * This command maps that file read-only, copies the area under its seqcount, and prints
 * slabtop's header and table (the rows sorted by number of objects, as slabtop does by
 * default) above a line of page allocator figures, every -d seconds, -n times. Without
 * -p it looks for the processes that publish and shows the only one, or lists them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kmm.h>

#include "top.h"

struct top_options {
	int pid;	   /* 0: find one */
	long count;	   /* refreshes to show; 0: until interrupted */
	double delay;	   /* seconds between them */
	bool batch;	   /* no screen clearing (also when stdout is not a terminal) */
	unsigned int rows; /* caches shown; 0: all */
};

static void top_usage(FILE *out)
{
	fprintf(out, "usage: kmm top [-p PID] [-n COUNT] [-d SECONDS] [-b] [-r ROWS]\n"
		     "  Shows the slab caches and page figures of a process running on kmm "
		     "with\n"
		     "  KMM_STATS=1, refreshed every -d seconds (1), -n times (0: until "
		     "interrupted);\n"
		     "  -b: batch output, no screen clearing; -r: at most ROWS caches.\n");
}

/* The area of @pid, mapped read-only; NULL with a message if there is none. */
static const struct kmm_stats_area *top_map(int pid)
{
	char path[4096];
	struct stat st;
	void *p;
	int fd;

	if (kmm_stats_path(pid, path, sizeof(path)) < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
			"kmm top: %s: %s (is process %d running on kmm with KMM_STATS=1?)\n", path,
			strerror(errno), pid);
		return NULL;
	}
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(struct kmm_stats_area)) {
		fprintf(stderr, "kmm top: %s: not a kmm statistics file\n", path);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, sizeof(struct kmm_stats_area), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* The copy is read before the counter is read again (the kernel's smp_rmb()). */
static inline void read_barrier(void)
{
#ifdef __SANITIZE_THREAD__
	/* ThreadSanitizer has no fences; the writer is another process, out of its sight */
	__atomic_signal_fence(__ATOMIC_ACQUIRE);
#else
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

/* A consistent copy of the area (the seqcount read side); false if it never settles. */
static bool top_snapshot(const struct kmm_stats_area *shared, struct kmm_stats_area *copy)
{
	for (int tries = 0; tries < 1000; tries++) {
		unsigned int seq = __atomic_load_n(&shared->seq, __ATOMIC_ACQUIRE);

		if (seq & 1) {
			usleep(100);
			continue;
		}
		memcpy(copy, shared, sizeof(*copy));
		read_barrier();
		if (__atomic_load_n(&shared->seq, __ATOMIC_RELAXED) == seq)
			return copy->magic == KMM_STATS_MAGIC && copy->version == KMM_STATS_VERSION;
	}
	return false;
}

static int by_objects(const void *a, const void *b)
{
	const struct kmm_stats_cache *x = a, *y = b;

	if (x->num_objs != y->num_objs)
		return x->num_objs < y->num_objs ? 1 : -1;
	return strcmp(x->name, y->name);
}

static double cache_kib(const struct kmm_stats_cache *c)
{
	return (double)c->num_slabs * c->pagesperslab * 4.0;
}

/* slabtop's summary lines, from the same sums. */
static void print_summary(FILE *out, const struct kmm_stats_area *a)
{
	unsigned long objs = 0, active = 0, slabs = 0, active_slabs = 0, caches_active = 0;
	double size = 0, active_size = 0, min_obj = 0, max_obj = 0;

	for (unsigned int i = 0; i < a->nr_caches; i++) {
		const struct kmm_stats_cache *c = &a->caches[i];
		double obj_k = c->objsize / 1024.0;

		objs += c->num_objs;
		active += c->active_objs;
		slabs += c->num_slabs;
		active_slabs += c->active_slabs;
		caches_active += c->num_objs != 0;
		size += c->num_objs * obj_k;
		active_size += c->active_objs * obj_k;
		if (!i || obj_k < min_obj)
			min_obj = obj_k;
		if (obj_k > max_obj)
			max_obj = obj_k;
	}
	fprintf(out, " Active / Total Objects (%% used)    : %lu / %lu (%.1f%%)\n", active, objs,
		objs ? 100.0 * active / objs : 0.0);
	fprintf(out, " Active / Total Slabs (%% used)      : %lu / %lu (%.1f%%)\n", active_slabs,
		slabs, slabs ? 100.0 * active_slabs / slabs : 0.0);
	fprintf(out, " Active / Total Caches (%% used)     : %lu / %u (%.1f%%)\n", caches_active,
		a->nr_caches, a->nr_caches ? 100.0 * caches_active / a->nr_caches : 0.0);
	fprintf(out, " Active / Total Size (%% used)       : %.2fK / %.2fK (%.1f%%)\n", active_size,
		size, size > 0 ? 100.0 * active_size / size : 0.0);
	fprintf(out, " Minimum / Average / Maximum Object : %.2fK / %.2fK / %.2fK\n", min_obj,
		objs ? size / objs : 0.0, max_obj);
}

static void print_frame(FILE *out, int pid, struct kmm_stats_area *a, unsigned int rows)
{
	struct timespec now;
	double age;

	clock_gettime(CLOCK_MONOTONIC, &now);
	age = ((double)now.tv_sec * 1e9 + now.tv_nsec - (double)a->updated_ns) / 1e9;
	fprintf(out,
		"kmm top - pid %d, %s, refreshed %lu times, last %.1f s ago%s\n"
		" Pages: %lu total, %lu free, %lu on per-CPU lists, %lu allocated; slab %lu, "
		"vmalloc %lu\n",
		pid, a->slab, a->updates, age < 0 ? 0.0 : age,
		kill(pid, 0) && errno == ESRCH ? " (process gone: stale file)" : "", a->pages.total,
		a->pages.free, a->pages.pcp, a->pages.allocated, a->slab_pages, a->vmalloc_pages);
	print_summary(out, a);
	fprintf(out, "\n  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n");
	qsort(a->caches, a->nr_caches, sizeof(a->caches[0]), by_objects);
	for (unsigned int i = 0; i < a->nr_caches && (!rows || i < rows); i++) {
		const struct kmm_stats_cache *c = &a->caches[i];

		fprintf(out, "%6lu %6lu %3.0f%% %7.2fK %6lu %8u %9.0fK %s\n", c->num_objs,
			c->active_objs, c->num_objs ? 100.0 * c->active_objs / c->num_objs : 0.0,
			c->objsize / 1024.0, c->num_slabs, c->objperslab, cache_kib(c), c->name);
	}
	if (a->caches_left_out)
		fprintf(out, "(%u more caches not published)\n", a->caches_left_out);
}

/* The PIDs that publish (files named kmm-stats.<pid> beside where ours would be). */
static int top_find(int *pids, int max)
{
	char path[4096], *slash;
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (kmm_stats_path(0, path, sizeof(path)) < 0 || !(slash = strrchr(path, '/')))
		return 0;
	*slash = '\0';
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < max) {
		int pid;

		if (sscanf(d->d_name, "kmm-stats.%d", &pid) == 1 &&
		    !(kill(pid, 0) && errno == ESRCH))
			pids[n++] = pid;
	}
	closedir(dir);
	return n;
}

static int top_parse(int argc, char **argv, struct top_options *o)
{
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "p:n:d:r:bh")) != -1) {
		switch (opt) {
		case 'p':
			o->pid = atoi(optarg);
			break;
		case 'n':
			o->count = atol(optarg);
			break;
		case 'd':
			o->delay = atof(optarg);
			break;
		case 'r':
			o->rows = (unsigned int)atoi(optarg);
			break;
		case 'b':
			o->batch = true;
			break;
		case 'h':
			top_usage(stdout);
			exit(0);
		default:
			top_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || o->delay <= 0 || o->count < 0) {
		top_usage(stderr);
		return -1;
	}
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_options o = { .delay = 1.0 };
	const struct kmm_stats_area *shared;
	struct kmm_stats_area *copy;

	if (top_parse(argc, argv, &o))
		return 2;
	if (!o.pid) {
		int pids[64], n = top_find(pids, 64);

		if (n != 1) {
			fprintf(stderr,
				n ? "kmm top: several processes publish; choose one with -p:\n" :
				    "kmm top: no process publishes kmm statistics "
				    "(start one with KMM_STATS=1)\n");
			for (int i = 0; i < n; i++)
				fprintf(stderr, "  %d\n", pids[i]);
			return 2;
		}
		o.pid = pids[0];
	}
	shared = top_map(o.pid);
	copy = malloc(sizeof(*copy));
	if (!shared || !copy)
		return 2;
	if (!isatty(1))
		o.batch = true;
	for (long i = 0; !o.count || i < o.count; i++) {
		struct timespec pause = { (time_t)o.delay,
					  (long)((o.delay - (time_t)o.delay) * 1e9) };

		if (i)
			nanosleep(&pause, NULL);
		if (!top_snapshot(shared, copy)) {
			fprintf(stderr, "kmm top: pid %d: the statistics are not readable\n",
				o.pid);
			return 1;
		}
		if (!o.batch)
			fputs("\033[H\033[2J", stdout);
		else if (i)
			putchar('\n');
		print_frame(stdout, o.pid, copy, o.rows);
		fflush(stdout);
	}
	free(copy);
	return 0;
}
