/* kmm-test: labels=unit env=KMM_RAM=256M timeout=120 backends=all */
/*
 * test_top.c - the statistics a process publishes with KMM_STATS=1 (src/stats_area.c,
 * src/port/hosted_stats.c) and `kmm top` (tools/top.c), which reads them.
 *
 * A child process (this program again, run with KMM_STATS=1) fills a cache of its own
 * and waits until the kmm thread has refreshed its statistics once more; then:
 *  - its file is where kmm_stats_path() says, a regular file of the child's user, mode
 *    0644: readable by everyone, writable by its owner only;
 *  - `kmm top -p PID -n 1 -b` shows slabtop's header and table, the child's back-end,
 *    and the child's cache with the objects it holds (slabinfo's active objects, which
 *    count SLUB's CPU slabs whole); -n 2 shows two frames;
 *  - the file goes away when the child exits.
 * Without KMM_STATS (this process) or with KMM_STATS=0, nothing is published, and
 * `kmm top` says so. Files go to a directory of the test's own (KMM_STATS_DIR).
 */
#include "kmm_test.h"

#include <errno.h>
#include <linux/slab.h>
#include <sys/stat.h>

#define NR_OBJS 1000

/* The child: a cache with NR_OBJS objects, "ready" once published, exit on EOF. */
static int child_main(void)
{
	struct kmem_cache *c = kmem_cache_create("top_test_cache", 100, 0, 0, NULL);
	char path[4096], byte;
	int waited = 0;

	if (!c)
		return 1;
	for (int i = 0; i < NR_OBJS; i++)
		if (!kmem_cache_alloc(c, GFP_KERNEL))
			return 1;
	kmm_stats_path(getpid(), path, sizeof(path));
	/* the refresher's next round sees the objects: wait for a second update */
	while (strcmp(getenv("KMM_STATS"), "0")) {
		FILE *f = fopen(path, "r");
		struct kmm_stats_area a;
		size_t got = f ? fread(&a, sizeof(a), 1, f) : 0;

		if (f)
			fclose(f);
		if (got == 1 && a.updates >= 2 && !(a.seq & 1))
			break;
		if (++waited > 500)
			return 2;
		usleep(10000);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &byte, 1) > 0)
		;
	return 0;
}

struct child {
	pid_t pid;
	int to, from; /* its stdin, its stdout */
};

/* This program again with KMM_STATS=@stats, as a child on pipes. */
static void child_start(struct child *ch, const char *stats)
{
	int in[2], out[2];

	REQUIRE(!pipe(in) && !pipe(out));
	fflush(NULL);
	ch->pid = fork();
	if (ch->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		setenv("KMM_TOP_TEST_CHILD", "1", 1);
		setenv("KMM_STATS", stats, 1);
		execl("/proc/self/exe", "test_top", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	ch->to = in[1];
	ch->from = out[0];
}

static bool child_ready(struct child *ch)
{
	char buf[16] = "";
	ssize_t n = read(ch->from, buf, sizeof(buf) - 1);

	return n > 0 && !strncmp(buf, "ready", 5);
}

static int child_stop(struct child *ch)
{
	int status = -1;

	close(ch->to);
	close(ch->from);
	waitpid(ch->pid, &status, 0);
	return status;
}

static char *kmm_top(const char *args, int *status)
{
	char cmd[4096 + 256];

	snprintf(cmd, sizeof(cmd), "'%s' top %s 2>&1", kmm_test_binary("kmm"), args);
	return kmm_run_capture(cmd, status);
}

/* The row of @name in kmm top's table: its OBJS and ACTIVE columns. */
static bool top_row(const char *out, const char *name, unsigned long *objs, unsigned long *active)
{
	for (const char *line = out; line && *line; line = strchr(line, '\n'), line += !!line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line), nlen = strlen(name);

		if (len > nlen && !strncmp(line + len - nlen, name, nlen) &&
		    line[len - nlen - 1] == ' ')
			return sscanf(line, "%lu %lu", objs, active) == 2;
	}
	return false;
}

TEST(top_shows_a_child_process)
{
	struct child ch;
	char path[4096], args[64], want[128];
	unsigned long objs = 0, active = 0;
	const char *slab = getenv("KMM_SLAB") ? getenv("KMM_SLAB") : "slub";
	struct stat st;
	char *out;
	int status;

	REQUIRE(kmm_test_binary("kmm"));
	child_start(&ch, "1");
	REQUIRE(child_ready(&ch));
	REQUIRE(kmm_stats_path(ch.pid, path, sizeof(path)) > 0);
	REQUIRE(stat(path, &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644); /* owner rw, others read, nobody else writes */
	CHECK_EQ(st.st_uid, getuid());
	CHECK(st.st_size >= (off_t)sizeof(struct kmm_stats_area));

	snprintf(args, sizeof(args), "-p %d -n 1 -b", ch.pid);
	out = kmm_top(args, &status);
	CHECK_EQ(status, 0);
	snprintf(want, sizeof(want), "kmm top - pid %d, %s, refreshed ", ch.pid, slab);
	CHECK_STR_CONTAINS(out, want);
	CHECK_STR_CONTAINS(out, " Active / Total Objects (% used)    : ");
	CHECK_STR_CONTAINS(out, " Minimum / Average / Maximum Object : ");
	CHECK_STR_CONTAINS(out, "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME\n");
	CHECK(top_row(out, "top_test_cache", &objs, &active));
	/* slabinfo's active objects: SLUB counts its CPU slabs as wholly in use */
	CHECK(active >= NR_OBJS && active <= objs);
	CHECK(objs < 2 * NR_OBJS);
	CHECK(!strstr(out, "stale"));
	free(out);

	snprintf(args, sizeof(args), "-p %d -n 2 -d 0.1 -r 3", ch.pid);
	out = kmm_top(args, &status);
	CHECK_EQ(status, 0);
	CHECK(strstr(out, "kmm top - pid") &&
	      strstr(strstr(out, "kmm top - pid") + 1, "kmm top - pid"));
	free(out);

	CHECK_EQ(child_stop(&ch), 0);
	CHECK(stat(path, &st) != 0 && errno == ENOENT); /* removed at exit */
}

TEST(nothing_is_published_unless_asked)
{
	struct child ch;
	char path[4096], args[64];
	struct stat st;
	char *out;
	int status;

	/* this process runs kmm without KMM_STATS */
	kfree(kmalloc(64, GFP_KERNEL));
	REQUIRE(kmm_stats_path(getpid(), path, sizeof(path)) > 0);
	CHECK(stat(path, &st) != 0);
	snprintf(args, sizeof(args), "-p %d -n 1 -b", getpid());
	out = kmm_top(args, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	CHECK_STR_CONTAINS(out, "KMM_STATS=1");
	free(out);

	/* KMM_STATS=0: the child runs on kmm and publishes nothing */
	child_start(&ch, "0");
	CHECK(child_ready(&ch));
	kmm_stats_path(ch.pid, path, sizeof(path));
	CHECK(stat(path, &st) != 0);
	CHECK_EQ(child_stop(&ch), 0);
}

int main(void)
{
	static char dir[] = "/tmp/kmm-top-test-XXXXXX";
	int rc;

	if (getenv("KMM_TOP_TEST_CHILD"))
		return child_main();
	if (!mkdtemp(dir))
		return 2;
	setenv("KMM_STATS_DIR", dir, 1);
	unsetenv("KMM_STATS");
	rc = kmm_test_main();
	rmdir(dir);
	return rc;
}
