/* kmm-test: labels=unit */
/* SPDX-License-Identifier: MIT */
/*
 * test_port.c - the hosted port (src/port/hosted*.c) against its contract in port.h:
 * sparse RAM and its direct map, aliases in reserved windows, discard, metadata,
 * futex waiting, threads and task state, CPUs, time, output, backtraces, exit hooks and
 * fork, which must give the child RAM of its own.
 *
 * Each test uses its own page frames of one shared RAM (port_ram_init() runs once per
 * process), so any test can run alone (KMM_TEST_ONLY=name). Faults are checked in child
 * processes: a sanitizer may turn the SIGSEGV into a report, so "SEGV" in the child's
 * output counts too.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmm_test.h"
#include "port.h"

#define PAGE	  4096UL
#define RAM_BYTES ((1ULL << 30) + 123) /* 1 GiB, and a tail that must be rounded away */

/* Page frames each test owns. */
#define PFN_DIRECT	1
#define PFN_ALIAS	1000
#define PFN_RO		1100
#define PFN_DISCARD	2000
#define PFN_FORK	3000
#define PFN_FORK_CHILD	3100
#define PFN_FORK_LATE	3200
#define PFN_FORK_THREAD 3300
#define PFN_FORK_NESTED 3400
#define PFN_FORK_COW	3500

static struct port_ram ram;
static bool ram_ready;
static long init_rss_growth = -1; /* pages: RSS growth across port_ram_init() */

static long rss_pages(void)
{
	char buf[128];
	long size = 0, rss = -1;
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		sscanf(buf, "%ld %ld", &size, &rss);
	}
	return rss;
}

static void ram_setup(void)
{
	if (!ram_ready) {
		long before = rss_pages();
		int err = port_ram_init(RAM_BYTES, &ram);

		init_rss_growth = rss_pages() - before;
		if (err) {
			fprintf(stderr, "port_ram_init: %d\n", err);
			exit(1);
		}
		ram_ready = true;
	}
}

static char *pfn_va(unsigned long pfn)
{
	return (char *)ram.direct_map + pfn * PAGE;
}

/* The descriptor of RAM's memfd, found as a user would: in /proc/self/fd. */
static int ram_fd(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int fd = -1;

	while (dir && (de = readdir(dir))) {
		char target[256];
		ssize_t n = readlinkat(dirfd(dir), de->d_name, target, sizeof(target) - 1);

		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "memfd:kmm-ram")) {
			fd = atoi(de->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	return fd;
}

static struct stat ram_stat(void)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	fstat(ram_fd(), &st);
	return st;
}

static void fill(char *p, int c, size_t len)
{
	memset(p, c, len);
}

static bool all(const char *p, int c, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (char)c)
			return false;
	return true;
}

/* A fault in the child: killed by SIGSEGV, or a sanitizer's report of one. */
static bool died_of_segv(int status, const char *out)
{
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS))
		return true;
	return out && strstr(out, "SEGV");
}

static void child_touch(void *addr)
{
	*(volatile char *)addr = 1;
	printf("no fault\n");
}

static void check_child_ok(int status, char *out)
{
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "child status %#x, output:\n%s\n", status, out);
	free(out);
}

/* Ends a child that ran CHECKs: its exit status says whether they passed. */
static void child_exit(int failures_before)
{
	fflush(NULL);
	_exit(kmm_failures != failures_before);
}

/* ==== RAM ============================================================================== */

TEST(ram_init_sparse)
{
	bool first = !ram_ready;
	struct port_ram again;

	ram_setup();
	CHECK_EQ(ram.nr_pages, (1UL << 30) / PAGE);
	CHECK_EQ((uintptr_t)ram.direct_map & ((2UL << 20) - 1), 0);
	CHECK_EQ(port_ram_init(RAM_BYTES, &again), -EBUSY);
	if (first) {
		/* 1 GiB of RAM, and nothing of it resident or allocated. */
		CHECK(init_rss_growth < 256);
		CHECK(ram_stat().st_blocks * 512 < (1 << 20));
	}
	CHECK_EQ(ram_stat().st_size, (1LL << 30));

	fill(pfn_va(PFN_DIRECT), 0x5a, PAGE);
	CHECK(all(pfn_va(PFN_DIRECT), 0x5a, PAGE));
	/* The last page exists and reads as zero until written. */
	CHECK(all(pfn_va(ram.nr_pages - 1), 0, PAGE));
	pfn_va(ram.nr_pages - 1)[PAGE - 1] = 7;
	CHECK_EQ(pfn_va(ram.nr_pages - 1)[PAGE - 1], 7);
}

TEST(default_ram_bytes)
{
	unsigned long long bytes = port_default_ram_bytes();

	CHECK_EQ(bytes, (unsigned long long)sysconf(_SC_PHYS_PAGES) * (unsigned long long)PAGE);
}

/* ==== windows and aliases ================================================================ */

TEST(window_alias_both_ways)
{
	char *win;

	ram_setup();
	win = port_vm_reserve(32 * PAGE, 64 * 1024);
	REQUIRE(win);
	CHECK_EQ((uintptr_t)win % (64 * 1024), 0);

	fill(pfn_va(PFN_ALIAS), 0x11, 16 * PAGE);
	/* Window pages 8..23 show page frames PFN_ALIAS..PFN_ALIAS+15. */
	CHECK_EQ(port_map_pages(win + 8 * PAGE, PFN_ALIAS, 16, PORT_PROT_READ | PORT_PROT_WRITE),
		 0);
	CHECK(all(win + 8 * PAGE, 0x11, 16 * PAGE));
	win[8 * PAGE + 3 * PAGE + 5] = 0x22; /* alias -> direct map */
	CHECK_EQ(pfn_va(PFN_ALIAS + 3)[5], 0x22);
	pfn_va(PFN_ALIAS + 15)[PAGE - 1] = 0x33; /* direct map -> alias */
	CHECK_EQ(win[24 * PAGE - 1], 0x33);

	/* Physically scattered: map one frame at another place of the window. */
	CHECK_EQ(port_map_pages(win, PFN_ALIAS + 3, 1, PORT_PROT_READ), 0);
	CHECK_EQ(win[5], 0x22);

	/* Unmapped: the window faults again but stays reserved. */
	port_unmap_pages(win + 8 * PAGE, 16);
	int status;
	char *out = kmm_run_child(child_touch, win + 10 * PAGE, &status);
	CHECK(died_of_segv(status, out));
	free(out);
	CHECK(mmap(win + 10 * PAGE, PAGE, PROT_READ,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0) == MAP_FAILED);		    /* still reserved: nobody else gets the range */
	CHECK(all(pfn_va(PFN_ALIAS + 3), 0x11, 5)); /* the page itself is untouched */
	CHECK_EQ(pfn_va(PFN_ALIAS + 3)[5], 0x22);

	/* The unmapped range takes a new mapping. */
	CHECK_EQ(port_map_pages(win + 8 * PAGE, PFN_ALIAS + 15, 1, PORT_PROT_READ), 0);
	CHECK_EQ(win[9 * PAGE - 1], 0x33);
	port_unmap_pages(win, 32);
	port_vm_release(win, 32 * PAGE);
}

TEST(window_read_only_alias_faults_on_write)
{
	char *win;

	ram_setup();
	win = port_vm_reserve(PAGE, PAGE);
	REQUIRE(win);
	pfn_va(PFN_RO)[0] = 9;
	CHECK_EQ(port_map_pages(win, PFN_RO, 1, PORT_PROT_READ), 0);
	CHECK_EQ(win[0], 9);
	int status;
	char *out = kmm_run_child(child_touch, win, &status);
	CHECK(died_of_segv(status, out));
	free(out);
	port_vm_release(win, PAGE);
}

TEST(map_pages_rejects_bad_arguments)
{
	char *win;

	ram_setup();
	win = port_vm_reserve(4 * PAGE, PAGE);
	REQUIRE(win);
	CHECK_EQ(port_map_pages(win, ram.nr_pages, 1, PORT_PROT_READ), -EINVAL);
	CHECK_EQ(port_map_pages(win, ram.nr_pages - 1, 2, PORT_PROT_READ), -EINVAL);
	CHECK_EQ(port_map_pages(win, ~0UL, 2, PORT_PROT_READ), -EINVAL);
	CHECK_EQ(port_map_pages(win + 1, 0, 1, PORT_PROT_READ), -EINVAL);
	CHECK_EQ(port_map_pages(win, 0, 0, PORT_PROT_READ), -EINVAL);
	port_vm_release(win, 4 * PAGE);
}

TEST(vm_reserve_aligns_and_faults)
{
	size_t aligns[] = { PAGE, 2UL << 20, 1UL << 30 };

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		char *p = port_vm_reserve(3 * PAGE + 1, aligns[i]);

		REQUIRE(p);
		CHECK_EQ((uintptr_t)p % aligns[i], 0);
		int status;
		char *out = kmm_run_child(child_touch, p + 3 * PAGE, &status);
		CHECK(died_of_segv(status, out));
		free(out);
		port_vm_release(p, 3 * PAGE + 1);
	}
	CHECK(port_vm_reserve(PAGE, 3 * PAGE) == NULL); /* not a power of two */
}

/* ==== discard, metadata ================================================================= */

TEST(discard_zeroes_and_frees)
{
	const unsigned long nr = 64;
	char *win;
	blkcnt_t before, filled, after;

	ram_setup();
	win = port_vm_reserve(nr * PAGE, PAGE);
	REQUIRE(win);
	CHECK_EQ(port_map_pages(win, PFN_DISCARD, nr, PORT_PROT_READ | PORT_PROT_WRITE), 0);
	before = ram_stat().st_blocks;
	fill(pfn_va(PFN_DISCARD), 0x77, nr * PAGE);
	filled = ram_stat().st_blocks;
	CHECK(filled - before >= (blkcnt_t)(nr * PAGE / 512));

	port_ram_discard(PFN_DISCARD, nr);
	after = ram_stat().st_blocks;
	CHECK(filled - after >= (blkcnt_t)(nr * PAGE / 512));
	CHECK(all(pfn_va(PFN_DISCARD), 0, nr * PAGE));
	CHECK(all(win, 0, nr * PAGE)); /* the alias lost the pages too */

	/* Out-of-range requests are ignored. */
	port_ram_discard(ram.nr_pages, 1);
	port_ram_discard(0, 0);
	port_vm_release(win, nr * PAGE);
}

TEST(metadata_zeroed_and_lazy)
{
	const size_t bytes = 64UL << 20;
	long before = rss_pages();
	char *a = port_metadata_alloc(bytes);
	char *b = port_metadata_alloc(1);

	REQUIRE(a && b);
	CHECK(a != b);
	CHECK_EQ((uintptr_t)a % PAGE, 0);
	for (size_t off = 0; off < bytes; off += 1 << 20)
		CHECK_EQ(a[off], 0);
	CHECK(rss_pages() - before < 1024); /* 64 MiB, 64 pages read: far less resident */
	a[bytes - 1] = 1;
	b[PAGE - 1] = 1; /* rounded up to a whole page */
	CHECK_EQ(a[bytes - 1] + b[PAGE - 1], 2);
}

/* ==== waiting, threads, task state ======================================================== */

struct waiter {
	_Atomic unsigned int word;
	_Atomic int woke;
};

static void waiter_fn(void *arg)
{
	struct waiter *w = arg;

	while (atomic_load(&w->word) == 0)
		port_wait((const unsigned int *)&w->word, 0, 0);
	atomic_store(&w->woke, 1);
}

TEST(futex_wait_wake)
{
	struct waiter w = { 0, 0 };
	struct port_thread *t;
	uint64_t start;

	REQUIRE(port_thread_create(&t, waiter_fn, &w, "kmm-waiter") == 0);
	for (int i = 0; i < 20; i++)
		port_yield(); /* let it reach the futex (not required for correctness) */
	CHECK_EQ(atomic_load(&w.woke), 0);
	atomic_store(&w.word, 1);
	port_wake((const unsigned int *)&w.word, INT32_MAX);
	port_thread_join(t);
	CHECK_EQ(atomic_load(&w.woke), 1);

	/* No wait when the value differs; a timed wait returns by itself. */
	unsigned int word = 5;
	port_wait(&word, 4, 0);
	start = port_clock_ns();
	port_wait(&word, 5, 20 * 1000 * 1000);
	CHECK(port_clock_ns() >= start);
	port_wake(&word, 1); /* nobody waits: harmless */
}

struct task_probe {
	char comm[32];
	int tid;
	unsigned char *area;
	bool area_zero;
	unsigned int cpu;
};

static void task_probe_fn(void *arg)
{
	struct task_probe *p = arg;

	snprintf(p->comm, sizeof(p->comm), "%s", port_task_comm());
	p->tid = port_task_id();
	p->area = port_task_area();
	p->area_zero = all((char *)p->area, 0, PORT_TASK_AREA_SIZE);
	memset(p->area, 0xee, PORT_TASK_AREA_SIZE);
	CHECK(port_task_area() == p->area); /* stable */
	p->cpu = port_cpu_id();
}

TEST(thread_name_and_task_area)
{
	struct task_probe probe = { .tid = 0 };
	struct port_thread *t;
	unsigned char *mine = port_task_area();

	memset(mine, 0x12, 16);
	REQUIRE(port_thread_create(&t, task_probe_fn, &probe, "kmm-test-thread-long-name") == 0);
	port_thread_join(t);
	CHECK(strcmp(probe.comm, "kmm-test-thread") == 0); /* 15 characters kept */
	CHECK(probe.tid > 0 && probe.tid != port_task_id());
	CHECK_EQ(port_task_id(), getpid()); /* the main thread's TID is the PID */
	CHECK(probe.area && probe.area != mine);
	CHECK(probe.area_zero);
	CHECK(all((char *)mine, 0x12, 16)); /* another thread's writes stay there */
	CHECK((uintptr_t)mine % 16 == 0);
	CHECK(probe.cpu < port_nr_host_cpus());
	memset(mine, 0, 16);
	CHECK(strlen(port_task_comm()) > 0);
}

TEST(cpus)
{
	cpu_set_t set;
	unsigned int n = port_nr_host_cpus();

	CHECK(n >= 1);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		CHECK_EQ(n, CPU_COUNT(&set));
	for (int i = 0; i < 10000; i++) {
		unsigned int cpu = port_cpu_id();

		if (cpu >= n) {
			CHECK(cpu < n);
			break;
		}
	}
}

/* ==== time, randomness, output ============================================================= */

TEST(clock_and_random)
{
	uint64_t t0 = port_clock_ns(), t1 = port_clock_ns();
	uint64_t r[4];

	CHECK(t1 >= t0);
	CHECK(t0 > 0);
	for (int i = 0; i < 4; i++)
		r[i] = port_random_u64();
	CHECK(r[0] != r[1] || r[1] != r[2] || r[2] != r[3]);
}

static int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = port_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void log_child(void *arg)
{
	port_log_write("<3>hello ", 9);
	port_log_write("log\n", 4);
}

TEST(vsnprintf_and_log)
{
	char buf[8];
	int status;

	CHECK_EQ(format(buf, sizeof(buf), "%s-%d", "abc", 12345), 9);
	CHECK(strcmp(buf, "abc-123") == 0);
	char *out = kmm_run_child(log_child, NULL, &status);
	CHECK_STR_CONTAINS(out, "<3>hello log\n");
	free(out);
}

__attribute__((noinline)) static int backtrace_here(void **entries, int max)
{
	int n = port_backtrace(entries, max);

	__asm__ __volatile__("" ::: "memory"); /* keep the call from becoming a tail call */
	return n;
}

TEST(backtrace_and_symbolize)
{
	void *entries[32];
	char buf[128];
	int n = backtrace_here(entries, 32);

	CHECK(n > 2);
	/* The first entry is a return address inside backtrace_here. */
	CHECK((char *)entries[0] > (char *)backtrace_here &&
	      (char *)entries[0] < (char *)backtrace_here + 512);
	CHECK_EQ(backtrace_here(entries, 1), 1);
	CHECK_EQ(port_backtrace(entries, 0), 0);

	port_symbolize((void *)printf, buf, sizeof(buf));
	CHECK_STR_CONTAINS(buf, "printf+0x0/0x");
	port_symbolize((char *)(void *)printf + 4, buf, sizeof(buf));
	CHECK_STR_CONTAINS(buf, "printf+0x4/0x");
	port_symbolize((void *)0x1000, buf, sizeof(buf));
	CHECK(strcmp(buf, "0x1000") == 0);
	port_symbolize((void *)printf, buf, 4);
	CHECK_EQ(strlen(buf), 3);
}

/* ==== configuration, process events ========================================================= */

TEST(getenv)
{
	setenv("KMM_PORT_TEST_VAR", "42", 1);
	CHECK(port_getenv("KMM_PORT_TEST_VAR") &&
	      strcmp(port_getenv("KMM_PORT_TEST_VAR"), "42") == 0);
	unsetenv("KMM_PORT_TEST_VAR");
	CHECK(port_getenv("KMM_PORT_TEST_VAR") == NULL);
}

static void exit_hook(void)
{
	port_log_write("exit hook ran\n", 14);
}

static void exit_child(void *arg)
{
	port_exit_register(exit_hook);
	exit(0);
}

static void panic_child(void *arg)
{
	port_panic();
}

TEST(exit_hook_and_panic)
{
	int status;
	char *out = kmm_run_child(exit_child, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "exit hook ran");
	free(out);
	out = kmm_run_child(panic_child, NULL, &status);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	free(out);
}

/* ==== fork ================================================================================== */

static _Atomic int fork_prepared, fork_parented, fork_childed;

static void count_prepare(void)
{
	fork_prepared++;
}

static void count_parent(void)
{
	fork_parented++;
}

static void count_child(void)
{
	fork_childed++;
}

static const struct port_fork_ops counting_ops = {
	.prepare = count_prepare,
	.parent = count_parent,
	.child = count_child,
};

struct fork_case {
	char *win;	    /* window: pages 0..7 alias PFN_FORK..+7 */
	struct stat parent; /* the parent's memfd */
};

static void fork_child_fn(void *arg)
{
	struct fork_case *fc = arg;
	int before = kmm_failures;
	struct stat st = ram_stat();
	char *mine;

	CHECK_EQ(fork_childed, 1);	       /* the core's child() ran */
	CHECK(st.st_ino != fc->parent.st_ino); /* RAM of its own */
	CHECK_EQ(st.st_size, fc->parent.st_size);

	/* The parent's data from before the fork, through both views. */
	CHECK(all(pfn_va(PFN_FORK), 0xaa, 8 * PAGE));
	CHECK(all(fc->win, 0xaa, 8 * PAGE));

	/* Writes of its own, still aliased both ways. */
	fill(pfn_va(PFN_FORK), 0xcc, 4 * PAGE);
	fill(fc->win + 4 * PAGE, 0xdd, 4 * PAGE);
	CHECK(all(fc->win, 0xcc, 4 * PAGE));
	CHECK(all(pfn_va(PFN_FORK + 4), 0xdd, 4 * PAGE));

	/* New aliases and discards work in the child. */
	CHECK_EQ(port_map_pages(fc->win + 8 * PAGE, PFN_FORK_CHILD, 4,
				PORT_PROT_READ | PORT_PROT_WRITE),
		 0);
	fill(fc->win + 8 * PAGE, 0xee, 4 * PAGE);
	CHECK(all(pfn_va(PFN_FORK_CHILD), 0xee, 4 * PAGE));
	port_ram_discard(PFN_FORK_CHILD + 3, 1);
	CHECK(all(fc->win + 11 * PAGE, 0, PAGE));

	/* And so does fresh address space. */
	mine = port_vm_reserve(PAGE, PAGE);
	CHECK(mine && port_map_pages(mine, PFN_FORK, 1, PORT_PROT_READ) == 0);
	CHECK(mine && all(mine, 0xcc, PAGE));
	child_exit(before);
}

TEST(fork_gives_child_its_own_ram)
{
	struct fork_case fc;
	int status;
	char *out;

	ram_setup();
	port_fork_register(&counting_ops);
	fc.win = port_vm_reserve(16 * PAGE, PAGE);
	REQUIRE(fc.win);
	REQUIRE(port_map_pages(fc.win, PFN_FORK, 8, PORT_PROT_READ | PORT_PROT_WRITE) == 0);
	fill(fc.win, 0xaa, 8 * PAGE);
	fc.parent = ram_stat();
	fork_prepared = fork_parented = fork_childed = 0;

	out = kmm_run_child(fork_child_fn, &fc, &status);
	check_child_ok(status, out);

	CHECK_EQ(fork_prepared, 1);
	CHECK_EQ(fork_parented, 1);
	CHECK_EQ(fork_childed, 0);
	/* None of the child's writes reached the parent. */
	CHECK(all(pfn_va(PFN_FORK), 0xaa, 8 * PAGE));
	CHECK(all(fc.win, 0xaa, 8 * PAGE));
	CHECK(all(pfn_va(PFN_FORK_CHILD), 0, 4 * PAGE));
	CHECK_EQ(ram_stat().st_ino, fc.parent.st_ino);
	port_fork_register(NULL);
	port_vm_release(fc.win, 16 * PAGE);
}

TEST(fork_parent_writes_after_fork_stay_in_parent)
{
	int to_child[2], to_parent[2];
	char byte = 0;
	pid_t pid;
	int status;

	ram_setup();
	fill(pfn_va(PFN_FORK_LATE), 0x01, PAGE);
	REQUIRE(pipe(to_child) == 0 && pipe(to_parent) == 0);
	fflush(NULL);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int before = kmm_failures;

		/* Wait until the parent has written, then look. */
		CHECK(read(to_child[0], &byte, 1) == 1);
		CHECK(all(pfn_va(PFN_FORK_LATE), 0x01, PAGE));
		fill(pfn_va(PFN_FORK_LATE) + PAGE / 2, 0x03, PAGE / 2);
		CHECK(write(to_parent[1], &byte, 1) == 1);
		child_exit(before);
	}
	fill(pfn_va(PFN_FORK_LATE), 0x02, PAGE / 2);
	CHECK(write(to_child[1], &byte, 1) == 1);
	CHECK(read(to_parent[0], &byte, 1) == 1);
	CHECK(all(pfn_va(PFN_FORK_LATE), 0x02, PAGE / 2));
	CHECK(all(pfn_va(PFN_FORK_LATE) + PAGE / 2, 0x01, PAGE / 2));
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* A thread that keeps writing RAM while the main thread forks. */
struct writer {
	_Atomic int stop;
	_Atomic unsigned long rounds;
};

static void writer_fn(void *arg)
{
	struct writer *w = arg;
	volatile unsigned long *p = (unsigned long *)pfn_va(PFN_FORK_THREAD);

	while (!atomic_load(&w->stop)) {
		p[0]++;
		atomic_fetch_add(&w->rounds, 1);
	}
}

static void nested_child(void *arg)
{
	int before = kmm_failures;

	CHECK(all(pfn_va(PFN_FORK_NESTED), 0x42, PAGE));
	fill(pfn_va(PFN_FORK_NESTED), 0x43, PAGE);
	child_exit(before);
}

static void threaded_fork_child(void *arg)
{
	int before = kmm_failures;
	volatile unsigned long *p = (unsigned long *)pfn_va(PFN_FORK_THREAD);
	unsigned long seen = p[0];
	int status;
	char *out;

	/* The writer thread is not in the child: the counter holds still. */
	for (int i = 0; i < 1000; i++)
		port_yield();
	CHECK_EQ(p[0], seen);
	CHECK(all(pfn_va(PFN_FORK_NESTED), 0x42, PAGE));

	/* A grandchild gets its own copy again. */
	out = kmm_run_child(nested_child, NULL, &status);
	check_child_ok(status, out);
	CHECK(all(pfn_va(PFN_FORK_NESTED), 0x42, PAGE));
	child_exit(before);
}

TEST(fork_from_threaded_parent)
{
	struct writer w = { 0, 0 };
	struct port_thread *t;
	int status;
	char *out;

	ram_setup();
	fill(pfn_va(PFN_FORK_NESTED), 0x42, PAGE);
	REQUIRE(port_thread_create(&t, writer_fn, &w, "kmm-writer") == 0);
	while (atomic_load(&w.rounds) < 1000)
		port_yield();
	out = kmm_run_child(threaded_fork_child, NULL, &status);
	check_child_ok(status, out);
	unsigned long rounds = atomic_load(&w.rounds);
	while (atomic_load(&w.rounds) < rounds + 1000)
		port_yield(); /* the writer lives on in the parent */
	atomic_store(&w.stop, 1);
	port_thread_join(t);
	CHECK(all(pfn_va(PFN_FORK_NESTED), 0x42, PAGE));
}

/* The grandchild could not copy RAM: it runs on a private view of its parent's. */
static void cow_grandchild(char *win)
{
	int before = kmm_failures;

	CHECK(all(pfn_va(PFN_FORK_COW), 0x61, 2 * PAGE));
	CHECK(all(win, 0x61, 2 * PAGE));
	fill(pfn_va(PFN_FORK_COW), 0x62, PAGE);
	fill(win + PAGE, 0x63, PAGE);
	CHECK(all(pfn_va(PFN_FORK_COW), 0x62, PAGE));
	CHECK(all(win + PAGE, 0x63, PAGE));
	CHECK_EQ(port_map_pages(win + 2 * PAGE, PFN_FORK_COW, 1, PORT_PROT_READ), -ENOMEM);
	child_exit(before);
}

static void cow_child(void *arg)
{
	struct rlimit small = { 4096, 4096 };
	int before = kmm_failures, status = 0;
	char *win = port_vm_reserve(4 * PAGE, PAGE);
	pid_t pid;

	CHECK(win && port_map_pages(win, PFN_FORK_COW, 2, PORT_PROT_READ | PORT_PROT_WRITE) == 0);
	fill(pfn_va(PFN_FORK_COW), 0x61, 2 * PAGE);
	/* The grandchild's new RAM cannot be sized: ftruncate fails with EFBIG. */
	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		cow_grandchild(win);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(all(pfn_va(PFN_FORK_COW), 0x61, 2 * PAGE));
	CHECK(all(win, 0x61, 2 * PAGE));
	child_exit(before);
}

TEST(fork_without_room_for_a_copy_is_copy_on_write)
{
	int status;
	char *out;

	ram_setup();
	out = kmm_run_child(cow_child, NULL, &status);
	CHECK_STR_CONTAINS(out, "kmm: fork: cannot copy RAM");
	check_child_ok(status, out);
}

int main(void)
{
	return kmm_test_main();
}
