/* SPDX-License-Identifier: MIT */
/*
 * hosted_report.c - kmm_report(): the hosted form of kmm_report_write(), writing the
 * report's text to a stdio stream. The core stays free of stdio; this is the one place
 * where a report meets a FILE.
 */
#include <stdio.h>

#include <kmm.h>

static void report_emit_file(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, (FILE *)ctx);
}

int kmm_report(FILE *out, const char *name)
{
	return kmm_report_write(name, report_emit_file, out);
}

int kmm_map(FILE *out, const struct kmm_map_options *opt)
{
	return kmm_map_write(opt, report_emit_file, out);
}
