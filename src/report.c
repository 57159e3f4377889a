/* SPDX-License-Identifier: MIT */
/*
 * report.c - the /proc-style reports: a minimal seq_file, the table of reports, and
 * kmm_report_write(), which writes one of them through the caller's emit function.
 *
 * The one idea: a report is a show function that writes through seq_printf(), exactly
 * as the kernel's seq_file show functions do, and each piece of text goes straight to
 * the caller's emit(). Nothing is buffered beyond one line on the stack and nothing is
 * allocated, so a report can be written while kmm is the process's malloc, from a
 * freestanding port, or from a program that is out of memory.
 *
 * The show functions never hold an allocator lock while they call emit() (they take a
 * snapshot under the lock and print afterwards): emit() may well allocate, for example
 * when stdio fills its first buffer with kmm as the malloc.
 *
 * Adding a report is one line in KMM_REPORTS below. The per-node files ("nodeN/meminfo")
 * have a name per node and are looked up by node.c.
 */
#include "internal.h"

/*
 * Longest text one seq_printf() call produces; longer output is cut. The kernel's show
 * functions print one line, or one group of short lines, per call: the longest here is
 * zoneinfo's watermark block, about 250 bytes.
 */
#define SEQ_PRINTF_MAX 512

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	char buf[SEQ_PRINTF_MAX];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = port_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len <= 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	m->emit(m->ctx, buf, (size_t)len);
}

void seq_puts(struct seq_file *m, const char *s)
{
	size_t len = strlen(s);

	if (len)
		m->emit(m->ctx, s, len);
}

void seq_putc(struct seq_file *m, char c)
{
	m->emit(m->ctx, &c, 1);
}

/*
 * Every report: its name (the file under /proc) and the function that writes it.
 * An X-macro, so that the table of show functions and the public NULL-terminated name
 * list come from the same single line per report.
 */
#define KMM_REPORTS(REPORT)                              \
	REPORT("buddyinfo", vmstat_show_buddyinfo)       \
	REPORT("pagetypeinfo", vmstat_show_pagetypeinfo) \
	REPORT("zoneinfo", vmstat_show_zoneinfo)         \
	REPORT("meminfo", meminfo_show)                  \
	REPORT("vmstat", vmstat_show_vmstat)             \
	REPORT("slabinfo", slabinfo_show)                \
	REPORT("layout", layout_show)                    \
	REPORT("vmallocinfo", vmallocinfo_show)          \
	REPORT("map", page_map_show)                     \
	REPORT("kfence", kfence_stats_show)              \
	REPORT("kfence_objects", kfence_objects_show)    \
	REPORT("kmemleak", kmemleak_show)

struct kmm_report_entry {
	const char *name;
	void (*show)(struct seq_file *m);
};

/* clang-format off */
#define REPORT_ENTRY(name, show) { name, show },
#define REPORT_NAME(name, show) name,
/* clang-format on */

static const struct kmm_report_entry kmm_reports[] = { KMM_REPORTS(REPORT_ENTRY) };

const char *const kmm_report_names[] = { KMM_REPORTS(REPORT_NAME) NULL };

int kmm_report_write(const char *name, void (*emit)(void *ctx, const char *text, size_t len),
		     void *ctx)
{
	struct seq_file m = { .emit = emit, .ctx = ctx };

	if (!name)
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(kmm_reports); i++) {
		if (strcmp(kmm_reports[i].name, name))
			continue;
		kmm_ensure_init();
		kmm_reports[i].show(&m);
		return 0;
	}
	/* the per-node files, "node0/meminfo" and the like (node.c) */
	if (!strncmp(name, "node", 4)) {
		kmm_ensure_init();
		return node_report_show(&m, name);
	}
	return -ENOENT;
}
