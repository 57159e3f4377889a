/* SPDX-License-Identifier: MIT */
/*
 * kmm.c - the kmm command. Subcommands:
 *   kmm demo              exercise the page allocator and show its reports
 *   kmm report NAME...    print /proc-style reports (buddyinfo, zoneinfo, meminfo, ...)
 *   kmm slab CACHE [ATTR...]
 *                         a slab cache's attributes, as /sys/kernel/slab/CACHE/ATTR
 *   kmm replay [--slab=slub|slab|slob|all] TRACE
 *                         replay a kernel kmem trace on kmm (replay.c)
 * The command is a thin shell over the library's public API (<kmm.h>, <linux/gfp.h>):
 * whatever it shows, a program linking libkmm can get the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "replay.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kmm demo\n"
		"       kmm slab CACHE [ATTR...]\n"
		"       kmm replay [--slab=slub|slab|slob|all] [--ram=SIZE] [--report=NAME,...] "
		"TRACE[.gz|.xz]\n"
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
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "kmm: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
