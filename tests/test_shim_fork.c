/* kmm-test: labels=preload timeout=180 backends=all */
/*
 * test_shim_fork - fork() under the malloc shim: every child has memory of its own and
 * can allocate, including children forked by a multi-threaded process while its other
 * threads allocate, and children forked inside a signal handler.
 *
 * Each scenario runs in a child of the test (kmm_run_child), so that the test process
 * itself stays single-threaded.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "shim_test.h"

/* Allocate and free a mix of sizes (cache, pages, vmalloc) and check the bytes. */
static int allocate_and_check(unsigned int seed)
{
	static const size_t sizes[] = { 8, 24, 64, 200, 1000, 4096, 20000, 300000, 6 << 20 };
	unsigned char *p[ARRAY_SIZE(sizes)];
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = malloc(sizes[i]);
		if (!p[i]) {
			while (i--)
				free(p[i]);
			return 1;
		}
		memset(p[i], (int)(seed + i), sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		bad += p[i][0] != (unsigned char)(seed + i) ||
		       p[i][sizes[i] - 1] != (unsigned char)(seed + i);
		free(p[i]);
	}
	return bad;
}

struct churn {
	_Atomic bool stop;
	_Atomic unsigned long rounds;
};

/* A thread that allocates and frees without pause until told to stop. */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are for the main thread */
	while (!atomic_load(&c->stop)) {
		void *v[32];

		for (int i = 0; i < 32; i++)
			v[i] = malloc((size_t)(16 << (i % 10)));
		for (int i = 0; i < 32; i++)
			free(v[i]);
		atomic_fetch_add(&c->rounds, 1);
	}
	return NULL;
}

/* Wait for @pid; true if it exited with 0. */
static bool child_ok(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- a child's memory is its own ------------------------------------------------------ */

static void own_memory(void *arg)
{
	size_t sizes[] = { 100, 1 << 20, 16 << 20 }; /* a cache object, pages, vmalloc */
	unsigned char *p[3];
	pid_t pid;
	int bad = 0;

	for (int i = 0; i < 3; i++) {
		p[i] = malloc(sizes[i]);
		if (!p[i]) {
			printf("malloc(%zu) failed\n", sizes[i]);
			while (i--)
				free(p[i]);
			return;
		}
		memset(p[i], 'A', sizes[i]);
	}
	pid = fork();
	if (pid == 0) {
		int seen = 0;

		for (int i = 0; i < 3; i++) {
			seen += p[i][sizes[i] / 2] == 'A'; /* the parent's bytes at the fork */
			memset(p[i], 'B', sizes[i]);
			free(p[i]);
		}
		_exit(seen == 3 && !allocate_and_check(1) ? 0 : 1);
	}
	if (!child_ok(pid))
		bad++;
	for (int i = 0; i < 3; i++) {
		bad += p[i][0] != 'A' || p[i][sizes[i] - 1] != 'A';
		free(p[i]);
	}
	printf("bad: %d\n", bad);
}

TEST(child_has_its_own_memory)
{
	int status;
	char *out = kmm_run_child(own_memory, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "bad: 0\n"));
	if (out && strcmp(out, "bad: 0\n"))
		fprintf(stderr, "%s", out);
	free(out);
}

/* ---- fork from a multi-threaded process, 100 times ----------------------------------- */

#define THREADED_FORKS 100
#define CHURN_THREADS  3

static void threaded_forks(void *arg)
{
	struct churn c = { 0 };
	pthread_t threads[CHURN_THREADS];
	unsigned char *mine = malloc(4096);
	int failed = 0;

	if (!mine) {
		printf("malloc(4096) failed\n");
		return;
	}
	memset(mine, 'P', 4096);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_create(&threads[i], NULL, churn_thread, &c);
	for (int i = 0; i < THREADED_FORKS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int bad = mine[100] != 'P';

			memset(mine, 'C', 4096);
			bad += allocate_and_check((unsigned int)i);
			_exit(bad ? 1 : 0);
		}
		failed += pid < 0 || !child_ok(pid);
	}
	atomic_store(&c.stop, true);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(threads[i], NULL);
	failed += mine[4095] != 'P';
	free(mine);
	printf("failed: %d, churn %s\n", failed, atomic_load(&c.rounds) ? "ran" : "did not run");
}

TEST(fork_from_a_threaded_process_100_times)
{
	int status;
	char *out = kmm_run_child(threaded_forks, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "failed: 0, churn ran\n"));
	if (out && strcmp(out, "failed: 0, churn ran\n"))
		fprintf(stderr, "%s", out);
	free(out);
}

/* ---- fork inside a signal handler ---------------------------------------------------- */

#define SIGNAL_FORKS 50
static pid_t handler_children[SIGNAL_FORKS];
static volatile sig_atomic_t nr_handler_children;

/* The child allocates from inside the handler it was born in, then leaves. */
static void fork_in_handler(int sig)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(allocate_and_check((unsigned int)nr_handler_children) ? 1 : 0);
	if (pid > 0)
		handler_children[nr_handler_children++] = pid;
}

static void signal_forks(void *arg)
{
	struct sigaction sa = { .sa_handler = fork_in_handler };
	struct churn c = { 0 };
	pthread_t thread;
	int failed = 0;

	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&thread, NULL, churn_thread, &c);
	for (int i = 0; i < SIGNAL_FORKS; i++) {
		void *p = malloc(100); /* the main thread allocates between signals too */

		raise(SIGUSR1);
		free(p);
	}
	atomic_store(&c.stop, true);
	pthread_join(thread, NULL);
	for (int i = 0; i < nr_handler_children; i++)
		failed += !child_ok(handler_children[i]);
	printf("children: %d, failed: %d\n", (int)nr_handler_children, failed);
}

TEST(fork_inside_a_signal_handler)
{
	int status;
	char *out = kmm_run_child(signal_forks, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "children: 50, failed: 0\n"));
	if (out && strcmp(out, "children: 50, failed: 0\n"))
		fprintf(stderr, "%s", out);
	free(out);
}

int main(int argc, char **argv)
{
	(void)argc;
	return shim_test_main(argv);
}
