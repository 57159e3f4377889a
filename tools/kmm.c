/* SPDX-License-Identifier: MIT */
/*
 * kmm.c - the kmm command. Subcommands:
 *   kmm demo              exercise the page allocator and show its reports
 *   kmm report NAME...    print /proc-style reports (buddyinfo, zoneinfo, meminfo, ...)
 *   kmm slab CACHE [ATTR...]
 *                         a slab cache's attributes, as /sys/kernel/slab/CACHE/ATTR
 *   kmm replay [--slab=slub|slab|slob|all] TRACE
 *                         replay a kernel kmem trace on kmm (replay.c)
 *   kmm map [--slab=...] [--ram=SIZE] [--cell=PAGES] [-o FILE.svg] [TRACE]
 *                         the memory map (SVG), after replaying TRACE if one is given
 *   kmm top [-p PID] [-n COUNT] [-d SECONDS] [-b] [-r ROWS]
 *                         a live slabtop-like view of a process on kmm (top.c)
 *   kmm run [--slab=...] [--report=NAME,...] [--output=FILE] -- CMD ARGS...
 *                         run CMD with kmm as its malloc, then print the reports (run.c)
 * The command is a thin shell over the library's public API (<kmm.h>, <linux/gfp.h>):
 * whatever it shows, a program linking libkmm can get the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "replay.h"
#include "top.h"
#include "run.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kmm demo\n"
		"       kmm slab CACHE [ATTR...]\n"
		"       kmm replay [--slab=slub|slab|slob|all] [--ram=SIZE] [--report=NAME,...] "
		"TRACE[.gz|.xz]\n"
		"       kmm map [--slab=slub|slab|slob|all] [--ram=SIZE] [--cell=PAGES] [-o "
		"FILE.svg] "
		"[TRACE]\n"
		"       kmm top [-p PID] [-n COUNT] [-d SECONDS] [-b] [-r ROWS]\n"
		"       kmm run [--slab=slub|slab|slob] [--report=NAME,...] [--output=FILE|-] -- "
		"CMD [ARGS...]\n"
		"       kmm report NAME...   (");
	for (const char *const *n = kmm_report_names; *n; n++)
		fprintf(out, "%s, ", *n);
	fprintf(out, "nodeN/{meminfo,numastat,vmstat,distance})\n");
}

static int cmd_report(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (kmm_report(stdout, argv[i])) {
			fprintf(stderr, "kmm: no report named '%s'\n", argv[i]);
			status = 2;
		}
	}
	return status;
}

static int cmd_slab(int argc, char **argv)
{
	char buf[4096];
	int status = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (argc == 2) {
		for (const char *const *a = kmm_slab_attr_names; *a; a++)
			if (kmm_slab_attr(argv[1], *a, buf, sizeof(buf)) >= 0)
				printf("%-20s %s", *a, buf);
			else if (a == kmm_slab_attr_names)
				break;
		if (kmm_slab_attr(argv[1], "object_size", buf, sizeof(buf)) < 0) {
			fprintf(stderr, "kmm: no slab cache named '%s'\n", argv[1]);
			return 2;
		}
		return 0;
	}
	for (int i = 2; i < argc; i++) {
		/* sysfs's validate is written to; here it runs and says what it found */
		if (!strcmp(argv[i], "validate") &&
		    kmm_slab_attr(argv[1], "object_size", buf, sizeof(buf)) >= 0) {
			printf("%d\n", kmm_slab_validate(argv[1]));
			continue;
		}
		if (kmm_slab_attr(argv[1], argv[i], buf, sizeof(buf)) < 0) {
			fprintf(stderr, "kmm: %s has no attribute '%s'\n", argv[1], argv[i]);
			status = 2;
			continue;
		}
		fputs(buf, stdout);
	}
	return status;
}

/*
 * `kmm map`: with a trace, `kmm replay --map` (the map drawn after the replay, before
 * what the trace left live is freed), written to FILE (default kmm-map.svg, and
 * kmm-map-slub.svg... for --slab=all); without one, the map of kmm as it starts.
 */
static int cmd_map(int argc, char **argv)
{
	const char *out = NULL, *trace = NULL, *slab = NULL, *ram = NULL;
	struct kmm_map_options opt = { 0 };
	char arg_slab[64], arg_ram[64], arg_cell[64], arg_map[4096];
	char *args[16];
	int n = 0, err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--slab=", 7))
			slab = a + 7;
		else if (!strncmp(a, "--ram=", 6))
			ram = a + 6;
		else if (!strncmp(a, "--cell=", 7))
			opt.cell_pages = strtoul(a + 7, NULL, 0);
		else if (!strcmp(a, "-o") && i + 1 < argc)
			out = argv[++i];
		else if (a[0] == '-' && a[1]) {
			usage(stderr);
			return 2;
		} else
			trace = a;
	}
	if (trace) {
		snprintf(arg_slab, sizeof(arg_slab), "--slab=%s", slab ? slab : "slub");
		snprintf(arg_map, sizeof(arg_map), "--map=%s", out ? out : "kmm-map.svg");
		snprintf(arg_cell, sizeof(arg_cell), "--map-cell=%lu", opt.cell_pages);
		args[n++] = "replay";
		args[n++] = arg_slab;
		args[n++] = arg_map;
		args[n++] = arg_cell;
		if (ram) {
			snprintf(arg_ram, sizeof(arg_ram), "--ram=%s", ram);
			args[n++] = arg_ram;
		}
		args[n++] = "--quiet";
		args[n++] = (char *)trace;
		args[n] = NULL;
		return cmd_replay(n, args);
	}
	if (slab)
		setenv("KMM_SLAB", slab, 1);
	if (ram)
		setenv("KMM_RAM", ram, 1);
	FILE *f = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		perror(out);
		return 2;
	}
	err = kmm_map(f, &opt);
	if (f != stdout && fclose(f))
		err = -1;
	if (err)
		fprintf(stderr, "kmm map: cannot write the map (%d)\n", err);
	return err ? 1 : 0;
}

/*
 * Fragment memory on purpose: take many blocks of mixed orders, free every other one,
 * and show how the free areas look then and after everything is freed and merged.
 */
static int cmd_demo(void)
{
	enum { N = 4096 };
	static struct page *pages[N];
	static unsigned int orders[N];
	struct kmm_page_stats st;

	kmm_page_stats(&st);
	printf("kmm page allocator: %lu pages managed (%lu MiB), %lu free\n\n", st.total,
	       st.total >> 8, st.free);
	printf("== buddyinfo at start ==\n");
	kmm_report(stdout, "buddyinfo");
	for (int i = 0; i < N; i++) {
		orders[i] = (unsigned int)(i % 4);
		pages[i] = alloc_pages(i % 3 ? GFP_KERNEL : GFP_DMA32, orders[i]);
	}
	for (int i = 0; i < N; i += 2) {
		__free_pages(pages[i], orders[i]);
		pages[i] = NULL;
	}
	drain_all_pages(NULL);
	printf("\n== buddyinfo with every other block of %d freed ==\n", N);
	kmm_report(stdout, "buddyinfo");
	for (int i = 1; i < N; i += 2)
		__free_pages(pages[i], orders[i]);
	drain_all_pages(NULL);
	printf("\n== buddyinfo after freeing everything (blocks merged back) ==\n");
	kmm_report(stdout, "buddyinfo");
	printf("\n== pagetypeinfo ==\n");
	kmm_report(stdout, "pagetypeinfo");
	printf("\n== meminfo ==\n");
	kmm_report(stdout, "meminfo");
	return kmm_check_page_alloc() ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "demo"))
		return cmd_demo();
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "slab"))
		return cmd_slab(argc - 1, argv + 1);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "map"))
		return cmd_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "top"))
		return cmd_top(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "kmm: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
