/* kmm-test: labels=unit env=KMM_RAM=2G timeout=300 */
/*
 * test_replay.c - `kmm replay` (tools/replay.c): the trace parser, the replay engine and
 * the command.
 *
 * The engine is compiled into this test (tools/replay.c included with
 * REPLAY_PLAIN_ONLY, so that the test links libkmm alone, without zlib and liblzma) and
 * checked in this process on the back-end the environment picks (SLUB by default):
 *  - GFP flags by name, every form the kernel prints, and bad ones;
 *  - the line reader across chunk boundaries, with a last line without newline;
 *  - malformed lines (bad number, truncated line, bad GFP name, no event at all), an
 *    unknown event, header lines: counted, and named by line number on stderr;
 *  - a small synthetic trace with exact expected counts: frees paired by ptr= and pfn=,
 *    kfree(NULL), unpaired frees, a lost free, a failed traced allocation, adjusted GFP;
 *  - the shipped trace, decompressed by the xz command: every line parses (zero
 *    malformed, every event kind known), and its replay has no allocation failure and
 *    gives every page back once what it left live is freed.
 * The built command (build/kmm beside build/tests/) is run as a child for what needs
 * zlib and liblzma or several processes: .xz, .gz and plain input give the same result,
 * and --slab=all prints the comparison.
 */
#define REPLAY_PLAIN_ONLY
#include "../tools/replay.c"

#include "kmm_test.h"

#include <limits.h>

#define SHIPPED_TRACE KMM_TEST_DIR "/../data/kernel-kmem-trace-A.txt.xz"
#define DATA(name)    KMM_TEST_DIR "/data/" name

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

TEST(gfp_names)
{
	gfp_t g = 0;

	CHECK_EQ(replay_parse_gfp("GFP_KERNEL", 10, &g), 0);
	CHECK_EQ(g, GFP_KERNEL);
	CHECK_EQ(replay_parse_gfp("GFP_KERNEL_ACCOUNT|__GFP_ZERO", 29, &g), 0);
	CHECK_EQ(g, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	const char *s =
		"GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|"
		"__GFP_HARDWALL";
	CHECK_EQ(replay_parse_gfp(s, strlen(s), &g), 0);
	CHECK_EQ(g, GFP_NOFS | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN | __GFP_NORETRY |
			    __GFP_COMP | __GFP_HARDWALL);
	CHECK_EQ(replay_parse_gfp("GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP", 42, &g), 0);
	CHECK_EQ(g, GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP);
	CHECK_EQ(replay_parse_gfp("GFP_NOWAIT|__GFP_NORETRY|__GFP_COMP|__GFP_THISNODE", 50, &g), 0);
	CHECK_EQ(g, GFP_NOWAIT | __GFP_NORETRY | __GFP_COMP | __GFP_THISNODE);
	CHECK_EQ(replay_parse_gfp("0x400cc0", 8, &g), 0);
	CHECK_EQ(g, 0x400cc0);
	CHECK_EQ(replay_parse_gfp("GFP_ATOMIC|0x4000000", 20, &g), 0);
	CHECK_EQ(g, GFP_ATOMIC | 0x4000000);
	CHECK_EQ(replay_parse_gfp("none", 4, &g), 0);
	CHECK_EQ(g, 0);
	CHECK_EQ(replay_parse_gfp("GFP_BOGUS", 9, &g), -1);
	CHECK_EQ(replay_parse_gfp("GFP_KERNEL|", 11, &g), -1);
	CHECK_EQ(replay_parse_gfp("|GFP_KERNEL", 11, &g), -1);
	CHECK_EQ(replay_parse_gfp("", 0, &g), -1);
}

TEST(parse_formats)
{
	struct trace_event ev;
	const char *why;
	const char *l;

	l = "  <idle>-0       [001] d.s2.  6223.190259: kmem_cache_alloc: call_site=x+0x1/0x2 "
	    "ptr=0000000069b3f543 name=maple_node bytes_req=256 bytes_alloc=256 "
	    "gfp_flags=GFP_NOWAIT node=-1 accounted=false";
	CHECK_EQ(replay_parse_line(l, strlen(l), &ev, &why), PARSE_EVENT);
	CHECK_EQ(ev.kind, EV_CACHE_ALLOC);
	CHECK_EQ(ev.ptr, 0x69b3f543);
	CHECK_EQ(ev.bytes_req, 256);
	CHECK_EQ(ev.name_len, 10);
	CHECK(!memcmp(ev.name, "maple_node", 10));
	CHECK_EQ(ev.node, -1);
	/* trace-cmd report: no flags column, a symbol in parentheses */
	l = "            gcc-12307 [001]  6223.191035: kmalloc:              (alloc_fdtable+0x55) "
	    "call_site=alloc_fdtable+0x55/0x140 ptr=0xffff888004a1b2c0 bytes_req=56 "
	    "bytes_alloc=64 gfp_flags=GFP_KERNEL_ACCOUNT node=0 accounted=true";
	CHECK_EQ(replay_parse_line(l, strlen(l), &ev, &why), PARSE_EVENT);
	CHECK_EQ(ev.kind, EV_KMALLOC);
	CHECK_EQ(ev.ptr, 0xffff888004a1b2c0ULL);
	CHECK_EQ(ev.gfp, GFP_KERNEL_ACCOUNT);
	CHECK_EQ(ev.node, 0);
	CHECK(ev.accounted);
	l = "   kworker/u4:2-55 [000] .....  6223.1: mm_page_alloc: page=00000000a57281fa "
	    "pfn=0x11d04a order=2 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP";
	CHECK_EQ(replay_parse_line(l, strlen(l), &ev, &why), PARSE_EVENT);
	CHECK_EQ(ev.kind, EV_PAGE_ALLOC);
	CHECK_EQ(ev.pfn, 0x11d04a);
	CHECK_EQ(ev.order, 2);
	l = "a-1 [000] ..... 1.5: mm_page_free_batched: page=0000000012345678 pfn=1167434 order=0";
	CHECK_EQ(replay_parse_line(l, strlen(l), &ev, &why), PARSE_EVENT);
	CHECK_EQ(ev.kind, EV_PAGE_FREE);
	CHECK_EQ(ev.pfn, 1167434);
	l = "a-1 [000] ..... 1.5: kfree: call_site=x ptr=(null)";
	CHECK_EQ(replay_parse_line(l, strlen(l), &ev, &why), PARSE_EVENT);
	CHECK_EQ(ev.ptr, 0);
	CHECK_EQ(replay_parse_line("", 0, &ev, &why), PARSE_IGNORE);
	CHECK_EQ(replay_parse_line("# tracer: nop", 13, &ev, &why), PARSE_IGNORE);
	CHECK_EQ(replay_parse_line("CPU 1 is empty", 14, &ev, &why), PARSE_IGNORE);
}

/* A plain file bigger than the reader's chunk, lines of every length, no final newline. */
TEST(line_reader)
{
	char path[] = "/tmp/kmm-replay-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct trace_input *in;
	const char *why;
	unsigned long n = 0, bad = 0;
	size_t len;
	char *line;

	REQUIRE(f);
	for (unsigned long i = 0; i < 20000; i++)
		fprintf(f, "%lu %.*s%s", i, (int)(i % 97),
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			i == 19999 ? "" : "\n");
	fclose(f);
	in = trace_input_open(path, &why);
	REQUIRE(in);
	while ((line = trace_input_getline(in, &len, &why))) {
		char *end;
		unsigned long i = strtoul(line, &end, 10);

		if (i != n || len != (size_t)(end - line) + 1 + i % 97 || strlen(line) != len)
			bad++;
		n++;
	}
	CHECK(!why);
	CHECK_EQ(n, 20000);
	CHECK_EQ(bad, 0);
	trace_input_close(in);
	unlink(path);
	CHECK(!trace_input_open("/nonexistent/trace.txt", &why));
	CHECK(why != NULL);
}

TEST(malformed_lines)
{
	char *text = read_file(DATA("replay-malformed.txt")), *msgs = NULL;
	struct replay_summary sum;
	struct replay *r;
	size_t msgs_len;
	FILE *msg = open_memstream(&msgs, &msgs_len);

	REQUIRE(text && msg);
	r = replay_create(&(struct replay_options){ .msg = msg });
	REQUIRE(r);
	replay_text(r, text);
	replay_finish(r, &sum);
	replay_release(r, &sum);
	replay_destroy(r);
	fclose(msg);
	CHECK_EQ(sum.lines, 13);
	CHECK_EQ(sum.ignored, 3);
	CHECK_EQ(sum.malformed, 6);
	CHECK_EQ(sum.unknown_events, 1);
	CHECK_EQ(sum.kind[EV_KMALLOC].seen, 1);
	CHECK_EQ(sum.kind[EV_KMALLOC].replayed, 1);
	CHECK_EQ(sum.kind[EV_KFREE].seen, 2);
	CHECK_EQ(sum.kind[EV_KFREE].replayed, 1);
	CHECK_EQ(sum.kind[EV_KFREE].unknown, 1);
	CHECK_EQ(sum.failures, 0);
	CHECK_EQ(sum.pages_not_returned, 0);
	CHECK_STR_CONTAINS(msgs, "line 3: malformed (bad number in bytes_req=)");
	CHECK_STR_CONTAINS(msgs, "line 4: malformed (missing bytes_alloc=)");
	CHECK_STR_CONTAINS(msgs, "line 5: event 'sched_switch' is not replayed");
	CHECK_STR_CONTAINS(msgs, "line 6: malformed (bad gfp_flags=)");
	CHECK_STR_CONTAINS(msgs, "line 7: malformed (no \"TIMESTAMP: EVENT:\"");
	CHECK_STR_CONTAINS(msgs, "line 8: malformed (bad number in pfn=)");
	CHECK_STR_CONTAINS(msgs, "line 13: malformed (missing order=)");
	free(msgs);
	free(text);
}

TEST(synthetic_trace)
{
	char *text = read_file(DATA("replay-synthetic.txt"));
	struct replay_summary sum;
	struct replay *r;
	bool slub = !strcmp(kmm_slab_allocator(), "slub");

	REQUIRE(text);
	r = replay_create(&(struct replay_options){ .sample_every = 1 });
	REQUIRE(r);
	replay_text(r, text);
	replay_finish(r, &sum);
	CHECK_EQ(sum.malformed, 0);
	CHECK_EQ(sum.unknown_events, 0);
	CHECK_EQ(sum.kind[EV_KMALLOC].seen, 6);
	CHECK_EQ(sum.kind[EV_KMALLOC].replayed, 5);
	CHECK_EQ(sum.kind[EV_KMALLOC].traced_failed, 1);
	CHECK_EQ(sum.kind[EV_KFREE].seen, 3);
	CHECK_EQ(sum.kind[EV_KFREE].replayed, 2);
	CHECK_EQ(sum.kind[EV_KFREE].unknown, 1);
	CHECK_EQ(sum.kind[EV_CACHE_ALLOC].seen, 3);
	CHECK_EQ(sum.kind[EV_CACHE_ALLOC].replayed, 3);
	CHECK_EQ(sum.kind[EV_CACHE_FREE].seen, 2);
	CHECK_EQ(sum.kind[EV_CACHE_FREE].replayed, 1);
	CHECK_EQ(sum.kind[EV_CACHE_FREE].unknown, 1);
	CHECK_EQ(sum.kind[EV_PAGE_ALLOC].replayed, 3);
	CHECK_EQ(sum.kind[EV_PAGE_FREE].seen, 3);
	CHECK_EQ(sum.kind[EV_PAGE_FREE].replayed, 2);
	CHECK_EQ(sum.kind[EV_PAGE_FREE].unknown, 1);
	CHECK_EQ(sum.null_frees, 1);
	CHECK_EQ(sum.implicit_frees, 1);
	CHECK_EQ(sum.gfp_adjusted, 1); /* __GFP_HIGHMEM on kmalloc */
	CHECK_EQ(sum.caches, 2);
	CHECK_EQ(sum.failures, 0);
	CHECK_EQ(sum.pages_peak, 11);
	CHECK_EQ(sum.pages_final, 8);
	CHECK_EQ(sum.cls[7].allocs, 1); /* kmalloc-128: 100 bytes */
	CHECK_EQ(sum.cls[7].requested, 100);
	CHECK_EQ(sum.cls[3].requested, 8);
	CHECK_EQ(sum.cls[4].requested, 16);
	CHECK_EQ(sum.cls[6].requested, 60);
	CHECK_EQ(sum.cls[REPLAY_CLASS_LARGE].requested, 20000);
	CHECK_EQ(sum.cls[REPLAY_CLASS_LARGE].granted, 32768); /* order-3 pages */
	if (slub) {
		CHECK_EQ(sum.cls[7].granted, 128);
		CHECK_EQ(sum.cls[6].granted, 64);
	}
	CHECK(sum.slab_final > 0);
	CHECK(sum.largest_free_order >= 0);
	replay_release(r, &sum);
	replay_destroy(r);
	CHECK_EQ(sum.left_live, 6); /* a02, a03, a04, b02, b03 and pfn 0x2000 */
	CHECK_EQ(sum.pages_not_returned, 0);
	CHECK_EQ(sum.check_problems, 0);
	free(text);
}

/* The shipped trace, decompressed by xz(1): this test links neither liblzma nor zlib. */
static FILE *open_shipped_trace(void)
{
	if (access(SHIPPED_TRACE, R_OK) || system("xz --version >/dev/null 2>&1")) {
		printf("skip: needs %s and the xz command\n", SHIPPED_TRACE);
		return NULL;
	}
	return popen("xz -dc '" SHIPPED_TRACE "'", "r");
}

TEST(shipped_trace_parses)
{
	FILE *f = open_shipped_trace();
	unsigned long kinds[NR_EV_KINDS] = { 0 }, events = 0, bad = 0, lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct trace_event ev;
		const char *why;
		enum parse_result res;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		res = replay_parse_line(line, (size_t)len, &ev, &why);
		if (res == PARSE_EVENT) {
			kinds[ev.kind]++;
			events++;
		} else if (res != PARSE_IGNORE && bad++ < 5) {
			fprintf(stderr, "line %lu: %s: %s\n", lineno, why ? why : "unknown event",
				line);
		}
	}
	free(line);
	CHECK_EQ(pclose(f), 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(events, 175072); /* "entries-in-buffer/entries-written: 175072/175072" */
	CHECK_EQ(kinds[EV_KMALLOC], 15944);
	CHECK_EQ(kinds[EV_KFREE], 23914);
	CHECK_EQ(kinds[EV_CACHE_ALLOC], 48358);
	CHECK_EQ(kinds[EV_CACHE_FREE], 34775);
	CHECK_EQ(kinds[EV_PAGE_ALLOC], 35256);
	CHECK_EQ(kinds[EV_PAGE_FREE], 16825);
}

TEST(shipped_trace_replays)
{
	FILE *f = open_shipped_trace();
	struct replay_summary sum;
	struct replay *r;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int failures = kmm_failures;

	if (!f)
		return;
	r = replay_create(NULL);
	REQUIRE(r);
	while ((len = getline(&line, &cap, f)) > 0)
		replay_line(r, line, (size_t)len - (line[len - 1] == '\n'));
	free(line);
	CHECK_EQ(pclose(f), 0);
	replay_finish(r, &sum);
	CHECK_EQ(sum.malformed, 0);
	CHECK_EQ(sum.unknown_events, 0);
	CHECK_EQ(sum.failures, 0);
	CHECK_EQ(sum.kind[EV_KMALLOC].replayed, 15944);
	CHECK_EQ(sum.kind[EV_CACHE_ALLOC].replayed, 48358);
	CHECK_EQ(sum.kind[EV_PAGE_ALLOC].replayed, 35256);
	CHECK(sum.slab_peak >= sum.slab_final && sum.slab_final > 0);
	CHECK(sum.pages_peak >= sum.pages_final && sum.pages_final > 0);
	CHECK(sum.eff_final > 0.0 && sum.eff_final <= 1.0);
	replay_release(r, &sum);
	replay_destroy(r);
	CHECK(sum.left_live > 0); /* the capture ends with allocations still live */
	CHECK_EQ(sum.pages_not_returned, 0);
	CHECK_EQ(sum.check_problems, 0);
	if (kmm_failures != failures)
		replay_print(stdout, &sum, "kernel-kmem-trace-A");
}

/* The command's report without the lines that differ between runs. */
static char *stable_output(const char *out)
{
	char *copy = strdup(out), *res = calloc(1, strlen(out) + 1), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "throughput") || !strncmp(l, "==", 2))
			continue;
		strcat(res, l);
		strcat(res, "\n");
	}
	free(copy);
	return res;
}

TEST(command_reads_xz_gz_and_plain_alike)
{
	const char *kmm = kmm_test_binary("kmm");
	const char *const files[] = { "replay-synthetic.txt", "replay-synthetic.txt.xz",
				      "replay-synthetic.txt.gz" };
	char *first = NULL;

	if (!kmm) {
		printf("skip: no kmm command beside the tests\n");
		return;
	}
	for (int i = 0; i < 3; i++) {
		char cmd[PATH_MAX * 2];
		char *out, *stable;
		int status;

		snprintf(cmd, sizeof(cmd), "%s replay --slab=slub --no-progress '%s%s' 2>&1", kmm,
			 DATA(""), files[i]);
		out = kmm_run_capture(cmd, &status);
		REQUIRE(out);
		CHECK_EQ(status, 0);
		CHECK_STR_CONTAINS(out,
				   "20 events, 6 comments/headers, 0 of other events, 0 malformed");
		CHECK_STR_CONTAINS(out, "allocation failures: none");
		CHECK_STR_CONTAINS(out, "0 pages not returned");
		stable = stable_output(out);
		if (!first)
			first = stable;
		else if (strcmp(first, stable)) {
			fprintf(stderr, "%s differs from %s:\n%s\n---\n%s\n", files[i], files[0],
				stable, first);
			kmm_failures++;
			free(stable);
		} else {
			free(stable);
		}
		free(out);
	}
	free(first);
}

TEST(command_shipped_trace_and_all_backends)
{
	const char *kmm = kmm_test_binary("kmm");
	char cmd[PATH_MAX * 2];
	char *out;
	int status;

	if (!kmm) {
		printf("skip: no kmm command beside the tests\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s replay --slab=slub --no-progress '%s' 2>&1", kmm,
		 SHIPPED_TRACE);
	out = kmm_run_capture(cmd, &status);
	REQUIRE(out);
	CHECK_EQ(status, 0);
	CHECK_STR_CONTAINS(out,
			   "175072 events, 12 comments/headers, 0 of other events, 0 malformed");
	CHECK_STR_CONTAINS(out, "allocation failures: none");
	CHECK_STR_CONTAINS(out, ": 0 pages not returned");
	free(out);
	/* --slab=all: one child per back-end and the comparison; SLUB must come out ok */
	snprintf(cmd, sizeof(cmd), "%s replay --no-progress '%s' 2>&1", kmm,
		 DATA("replay-synthetic.txt"));
	out = kmm_run_capture(cmd, &status);
	REQUIRE(out);
	CHECK_STR_CONTAINS(out, "== comparison:");
	CHECK_STR_CONTAINS(out, "== slub:");
	CHECK_STR_CONTAINS(out, "  outcome                                          ok");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
