/* kmm-test: labels=unit,debug env=KMM_RAM=128M,KMM_NR_CPUS=2 timeout=120 */
/*
 * test_exit_check - what kmm checks when a process exits normally (KMM_CHECK_AT_EXIT,
 * src/exit_check.c) and the fault-injection attributes of KMM_FAULT_ATTR, which the
 * fault-injection runs of the test suite (scripts/faultinj-suite.py) rely on:
 *
 *  - a clean exit is silent and keeps the program's status;
 *  - with kmemleak on, each object lost at exit is named with the caller that asked for
 *    it - the leaking function itself, through kmalloc, kvmalloc, vmalloc, pages and a
 *    mempool - and only the root of what was lost (not the pool's elements);
 *  - a slab corrupted by the program is found by the exit check's validation and the
 *    exit status becomes 125;
 *  - "strict" also fails for pages still held beyond those of start-up.
 *
 * Every case runs in a child that configures kmm by environment before its first
 * allocation, and ends with exit(), which runs the check (the parent never starts kmm).
 */
#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "slab.h"
#include "kmm_test.h"

#define DISGUISE 0x5a5a5a5a5a5a5a5aUL

volatile unsigned long disguised; /* a store the compiler must keep */
void *volatile held;		  /* stores the compiler must keep */

static char *run_exiting(void (*fn)(void *), void *env, int *status)
{
	return kmm_run_child(fn, env, status);
}

/* "A=1 B=2": each into the environment, before kmm starts. */
static void set_env(const char *list)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *kv = strtok_r(buf, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(kv, '=');

		*eq = 0;
		setenv(kv, eq + 1, 1);
	}
}

/* Overwrite dead frames below the caller, where copies of an address may linger. */
noinline __attribute__((no_sanitize_address)) void scrub_stack(void)
{
	volatile char buf[32768];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

/* ---- a clean exit ------------------------------------------------------------------------ */

static void clean_child(void *env)
{
	struct kmem_cache *s;
	void *p, *v;

	set_env(env);
	s = kmem_cache_create("exit_clean", 200, 0, 0, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	v = vmalloc(5 * PAGE_SIZE);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	vfree(v);
	kfree(kmalloc(3000, GFP_KERNEL));
	__free_pages(alloc_pages(GFP_KERNEL, 2), 2);
	printf("done\n");
	exit(7);
}

TEST(a_clean_exit_is_silent_and_keeps_its_status)
{
	int status;
	char *out = run_exiting(clean_child, "KMM_CHECK_AT_EXIT=1 KMM_KMEMLEAK=on", &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK(!strcmp(out, "done\n") || strstr(out, "kmemleak:")); /* kmemleak's banner only */
	CHECK(!strstr(out, "exit check"));
	free(out);
}

/* ---- leaks, named by who asked ------------------------------------------------------------ */

noinline void leak_by_kmalloc(void)
{
	disguised = (unsigned long)kmalloc(100, GFP_KERNEL) ^ DISGUISE;
}

noinline void leak_by_kvmalloc(void)
{
	disguised = (unsigned long)kvmalloc(3 * PAGE_SIZE, GFP_KERNEL) ^ DISGUISE;
}

noinline void leak_by_vmalloc(void)
{
	disguised = (unsigned long)vmalloc(PAGE_SIZE) ^ DISGUISE;
}

noinline void leak_by_alloc_pages(void)
{
	disguised = (unsigned long)page_address(alloc_pages(GFP_KERNEL, 1)) ^ DISGUISE;
}

/* The pool and its reserve of 4 elements: only the pool is a root of what was lost. */
noinline void leak_by_mempool(void)
{
	/* mempool_create() itself: a Debug build keeps the header's inline helper a call */
	disguised = (unsigned long)mempool_create(4, mempool_kmalloc, mempool_kfree, (void *)64) ^
		    DISGUISE;
}

void *volatile kept[2]; /* held: referenced to the end */

static void leaking_child(void *arg)
{
	void (*leak)(void) = (void (*)(void))arg;

	set_env("KMM_CHECK_AT_EXIT=1 KMM_KMEMLEAK=on");
	/*
	 * The first vmalloc area starts where the vmalloc window does, which kmm's own data
	 * points at (kmemleak is conservative): the leak is made the second.
	 */
	kept[0] = vzalloc(PAGE_SIZE); /* zeroed: no stale word in them to look like a reference */
	kept[1] = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	leak();
	scrub_stack();
	exit(0);
}

static void check_leak_named(void (*leak)(void), const char *name)
{
	char from[64];
	int status;
	char *out = run_exiting(leaking_child, (void *)leak, &status);

	snprintf(from, sizeof(from), "from %s+0x", name);
	/* the check reports; the program's own status stands (the runner judges leaks) */
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "kmm: exit check: unreferenced object 0x");
	CHECK_STR_CONTAINS(out, from);
	CHECK_STR_CONTAINS(out, "/tests/test_exit_check+0x"); /* where addr2line finds it */
	CHECK_STR_CONTAINS(out, "0 problems, 1 leaks\n");
	free(out);
}

TEST(each_lost_object_is_named_by_the_caller_that_asked_for_it)
{
	check_leak_named(leak_by_kmalloc, "leak_by_kmalloc");
	check_leak_named(leak_by_kvmalloc, "leak_by_kvmalloc");
	check_leak_named(leak_by_vmalloc, "leak_by_vmalloc");
	check_leak_named(leak_by_alloc_pages, "leak_by_alloc_pages");
	check_leak_named(leak_by_mempool, "leak_by_mempool");
}

/*
 * kmm's own code asking for memory it then loses: an allocation whose recorded caller
 * lies in src/ (the front end's internal helper takes its caller from whoever calls it;
 * here a function of the front end stands for the kmm code that would).
 */
noinline void leak_inside_kmm(void)
{
	disguised = (unsigned long)slab_kmalloc_large(3 * PAGE_SIZE, GFP_KERNEL, NUMA_NO_NODE,
						      (unsigned long)slab_kmalloc_large) ^
		    DISGUISE;
}

/* What scripts/faultinj-suite.py --classify says of @out's leaks, one word per line. */
static char *classify(const char *out)
{
	static char verdict[256];
	char path[] = "/tmp/kmm-classify-XXXXXX", cmd[512];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	if (fd < 0 || write(fd, out, strlen(out)) != (ssize_t)strlen(out))
		return NULL;
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 %s/../scripts/faultinj-suite.py --classify < %s",
		 KMM_TEST_DIR, path);
	f = popen(cmd, "r");
	n = f ? fread(verdict, 1, sizeof(verdict) - 1, f) : 0;
	verdict[n] = 0;
	if (f)
		pclose(f);
	unlink(path);
	return verdict;
}

TEST(the_suite_runner_tells_kmms_leaks_from_the_programs)
{
	int status;
	char *mine = run_exiting(leaking_child, (void *)leak_by_kvmalloc, &status);
	char *kmms = run_exiting(leaking_child, (void *)leak_inside_kmm, &status);

	CHECK_STR_CONTAINS(kmms, "0 problems, 1 leaks\n");
	CHECK_STR_CONTAINS(classify(mine), "program\n");
	CHECK(!strcmp(classify(kmms), "kmm\n"));
	free(mine);
	free(kmms);
}

/* ---- consistency ------------------------------------------------------------------------- */

static void corrupting_child(void *env)
{
	struct kmem_cache *s;
	volatile char *p;

	set_env(env);
	s = kmem_cache_create("exit_redzone", 40, 0, SLAB_RED_ZONE, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	held = (void *)p;
	p[40] = 0x42; /* past the object: the red zone */
	exit(0);
}

TEST(a_corrupted_slab_found_at_exit_makes_the_status_125)
{
	int status;
	char *out = run_exiting(corrupting_child, "KMM_CHECK_AT_EXIT=1", &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 125);
	CHECK_STR_CONTAINS(out, "exit_redzone");
	CHECK_STR_CONTAINS(out, "Right Redzone overwritten");
	CHECK_STR_CONTAINS(out, "kmm: exit check: ");
	CHECK(strstr(out, "; 0 problems") == NULL);
	free(out);

	out = run_exiting(corrupting_child, "KMM_CHECK_AT_EXIT=0", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strstr(out, "exit check"));
	free(out);
}

/* ---- strict ------------------------------------------------------------------------------ */

static void holding_child(void *env)
{
	set_env(env);
	held = alloc_pages(GFP_KERNEL, 3); /* still referenced: no leak, but held */
	exit(0);
}

TEST(strict_fails_for_pages_still_held)
{
	int status;
	char *out = run_exiting(holding_child, "KMM_CHECK_AT_EXIT=1", &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!strstr(out, "exit check"));
	free(out);

	out = run_exiting(holding_child, "KMM_CHECK_AT_EXIT=strict", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 125);
	CHECK_STR_CONTAINS(out, "kmm: exit check: ");
	CHECK_STR_CONTAINS(out, "; 0 problems, 0 leaks\n");
	CHECK_STR_CONTAINS(out, "other 8;");
	free(out);
}

/* ---- KMM_FAULT_ATTR ------------------------------------------------------------------------ */

static void fault_attr_child(void *arg)
{
	char buf[32];
	void *p;

	setenv("KMM_FAILSLAB", "1,100,0,1", 1);
	setenv("KMM_FAULT_ATTR", (const char *)arg, 1);
	p = kmalloc(64, GFP_KERNEL); /* eligible only with ignore-gfp-wait=N */
	printf("GFP_KERNEL kmalloc: %s\n", p ? "ok" : "NULL");
	kfree(p);
	kmm_fault_attr_get("failslab", "ignore-gfp-wait", buf, sizeof(buf));
	printf("ignore-gfp-wait %s", buf);
	kmm_fault_attr_get("fail_page_alloc", "min-order", buf, sizeof(buf));
	printf("min-order %s", buf);
	kmm_fault_attr_get("failslab", "verbose", buf, sizeof(buf));
	printf("verbose %s", buf);
}

TEST(fault_attributes_from_the_environment)
{
	int status;
	char *out = kmm_run_child(fault_attr_child,
				  "failslab/ignore-gfp-wait=N;fail_page_alloc/min-order=0, "
				  "failslab/verbose=0 bogus/x=1 failslab/nonsense=1 failslab",
				  &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "GFP_KERNEL kmalloc: NULL\n");
	CHECK_STR_CONTAINS(out, "ignore-gfp-wait N\nmin-order 0\nverbose 0\n");
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: bad attribute \"bogus/x=1\"");
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: bad attribute \"failslab/nonsense=1\"");
	CHECK_STR_CONTAINS(out, "FAULT_INJECTION: bad attribute \"failslab\"");
	free(out);

	out = kmm_run_child(fault_attr_child, "", &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "GFP_KERNEL kmalloc: ok\n");
	CHECK_STR_CONTAINS(out, "ignore-gfp-wait Y\nmin-order 1\nverbose 2\n");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
