/* kmm-test: labels=reliability timeout=120 env=KMM_RAM=128M backends=all */
/*
 * test_kasan - the memory checkers see kmm objects as allocations (src/kasan.c): a
 * program's use-after-free or overflow of a kmalloc object, a cache object or freed
 * pages is reported by AddressSanitizer in an ASan build, and by Valgrind's memcheck
 * when the program runs under Valgrind (run here on this test binary itself when
 * valgrind is installed and the build is not an ASan build, which Valgrind cannot run).
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kmm_test.h"
#include "port.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN_BUILD 1
#endif
#endif

/* Keep the compiler from proving the bad access away. */
static unsigned char touch(unsigned char *p, size_t offset)
{
	__asm__ __volatile__("" : "+r"(p));
	return *(volatile unsigned char *)(p + offset);
}

static void kmalloc_use_after_free(void *arg)
{
	unsigned char *p = kmalloc(40, GFP_KERNEL);

	CHILD_REQUIRE(p);
	kfree(p);
	printf("read %d\n", touch(p, 8));
}

static void kmalloc_overflow(void *arg)
{
	unsigned char *p = kmalloc(37, GFP_KERNEL);

	CHILD_REQUIRE(p);
	/* the object has room (kmalloc-64, SLOB's 8-byte units), but not for byte 37 */
	printf("read %d\n", touch(p, 37));
	kfree(p);
}

static void cache_use_after_free(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("test_kasan", 100, 0, 0, NULL);
	unsigned char *p;

	CHILD_REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHILD_REQUIRE(p);
	kmem_cache_free(s, p);
	printf("read %d\n", touch(p, 50));
}

static void page_use_after_free(void *arg)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned char *p;

	CHILD_REQUIRE(page);
	p = page_address(page);
	__free_pages(page, 2);
	printf("read %d\n", touch(p, 3 * PAGE_SIZE));
}

/* Threads that allocate and free, so that thread exit hands their caches back. */
static void *cache_worker(void *arg)
{
	struct kmem_cache *s = arg;
	void *p[300];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 300; i++) {
			p[i] = i & 1 ? kmalloc((size_t)i + 1, GFP_KERNEL) :
				       kmem_cache_alloc(s, GFP_KERNEL);
			CHILD_REQUIRE(p[i]); /* ends the child (clean_workload) */
			memset(p[i], i, i & 1 ? (size_t)i + 1 : 100);
		}
		for (int i = 0; i < 300; i++) {
			if (i & 1)
				kfree(p[i]);
			else
				kmem_cache_free(s, p[i]);
		}
	}
	return NULL;
}

/*
 * The allocator's own traffic through freed objects is not reported: frees in any
 * order, ksize(), threads exiting, a cache shrunk, validated and destroyed.
 */
static void clean_workload(void *arg)
{
	struct kmem_cache *s = kmem_cache_create("test_kasan_clean", 100, 0, 0, NULL);
	pthread_t threads[3];
	void *p[512];

	CHILD_REQUIRE(s);
	for (int i = 0; i < 3; i++)
		pthread_create(&threads[i], NULL, cache_worker, s);
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	kmem_cache_shrink(s);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	kmem_cache_destroy(s);

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 512; i++) {
			p[i] = kmalloc((size_t)(i % 300) + 1,
				       GFP_KERNEL | (i & 1 ? __GFP_ZERO : 0));
			CHILD_REQUIRE(p[i]);
			memset(p[i], i, (size_t)(i % 300) + 1);
		}
		for (int i = 0; i < 512; i += 2)
			kfree(p[i]);
		for (int i = 1; i < 512; i += 2)
			kfree(p[i]);
	}
	p[0] = kmalloc(50, GFP_KERNEL);
	CHILD_REQUIRE(p[0]);
	CHECK(ksize(p[0]) >= 50);
	memset(p[0], 1, ksize(p[0])); /* ksize() callers may use all of it */
	kfree(p[0]);
	printf("clean\n");
}

static const struct bad_access {
	const char *name;
	void (*fn)(void *);
} bad_accesses[] __attribute__((unused)) = {
	{ "kmalloc_use_after_free", kmalloc_use_after_free },
	{ "kmalloc_overflow", kmalloc_overflow },
	{ "cache_use_after_free", cache_use_after_free },
	{ "page_use_after_free", page_use_after_free },
};

#ifdef ASAN_BUILD

/*
 * ASan marks memory in 8-byte granules, of which only a prefix can be addressable.
 * SLOB packs blocks at 2-byte units, so the bytes of a kmalloc object past its size
 * share a granule with what follows and cannot be poisoned: ASan sees SLOB's
 * use-after-free, not its overflows within the last granule (Valgrind sees both).
 */
static bool asan_can_see(const struct bad_access *bad)
{
	const char *slab = getenv("KMM_SLAB");

	return !(slab && !strcmp(slab, "slob") && bad->fn == kmalloc_overflow);
}

TEST(asan_reports_bad_accesses)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_accesses); i++) {
		int status;
		char *out;

		if (!asan_can_see(&bad_accesses[i]))
			continue;
		out = kmm_run_child(bad_accesses[i].fn, NULL, &status);

		if (!strstr(out, "ERROR: AddressSanitizer: use-after-poison"))
			fprintf(stderr, "%s:\n", bad_accesses[i].name);
		CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
		CHECK_STR_CONTAINS(out, "ERROR: AddressSanitizer: use-after-poison");
		free(out);
	}
}

TEST(asan_clean_workload)
{
	int status;
	char *out = kmm_run_child(clean_workload, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "clean");
	free(out);
}

/* KMM_KASAN=off: the kernel's kasan=off - no annotations, the bad read goes unseen. */
static void uaf_with_kasan_off(void *arg)
{
	setenv("KMM_KASAN", "off", 1);
	kmalloc_use_after_free(arg);
}

TEST(asan_kasan_off)
{
	int status;
	char *out = kmm_run_child(uaf_with_kasan_off, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "read ");
	free(out);
}

#elif defined(TSAN_BUILD) /* Valgrind cannot run a TSan binary */

/* Run the clean workload in a child that starts kmm with @env set (NULL: none). */
static void clean_workload_child(void *arg)
{
	const char *env = arg;

	if (env)
		setenv(env, "1", 1);
	CHECK(!port_mem_checker());
	clean_workload(NULL);
	fflush(NULL);
	_exit(kmm_failures ? 1 : 0);
}

static void run_clean_workload(const char *env)
{
	int status;
	char *out = kmm_run_child(clean_workload_child, (void *)env, &status);

	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "%s", out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "clean");
	free(out);
}

/* No checker watches a TSan build: the hooks stay off, the fast paths serve. */
TEST(tsan_no_checker_clean_workload)
{
	run_clean_workload(NULL);
}

/* The hooks on (init_on_free), for TSan to watch them on several threads. */
TEST(tsan_hooks_clean_workload)
{
	run_clean_workload("KMM_INIT_ON_FREE");
}

#else /* neither: Valgrind runs this binary */

static const char *self_path;

static bool have_valgrind(void)
{
	return system("valgrind --version >/dev/null 2>&1") == 0;
}

/*
 * One memcheck run of this binary ("--child"): the clean workload, then every bad
 * access in turn (memcheck reports and carries on). Returns its output and status.
 */
static char *run_under_valgrind(int *status)
{
	char cmd[1024], *out = NULL;
	size_t len = 0;
	FILE *f, *mem;
	int c;

	snprintf(cmd, sizeof(cmd),
		 "valgrind -q --error-exitcode=9 --leak-check=no --num-callers=8 %s --child 2>&1",
		 self_path);
	f = popen(cmd, "r");
	mem = open_memstream(&out, &len);
	while (f && (c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(mem);
	*status = f ? pclose(f) : -1;
	return out;
}

static void valgrind_child(void)
{
	clean_workload(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bad_accesses); i++) {
		printf("%s:\n", bad_accesses[i].name);
		fflush(stdout);
		bad_accesses[i].fn(NULL);
		fflush(stdout);
	}
}

TEST(valgrind_sees_kmm_objects)
{
	int status, reports = 0;
	char *out, *clean, *at;

	REQUIRE(have_valgrind()); /* scripts/deps.sh installs it */
	out = run_under_valgrind(&status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	clean = strstr(out, "clean\n");
	REQUIRE(clean);
	/* nothing reported while kmm went about its own business */
	CHECK(!memmem(out, (size_t)(clean - out), "==", 2));
	for (size_t i = 0; i < ARRAY_SIZE(bad_accesses); i++)
		CHECK_STR_CONTAINS(clean, bad_accesses[i].name);
	for (at = clean; (at = strstr(at, "Invalid read of size 1")); at++)
		reports++;
	CHECK_EQ(reports, ARRAY_SIZE(bad_accesses));
	if (kmm_failures)
		fprintf(stderr, "%s\n", out);
	free(out);
}

#endif /* ASAN_BUILD, TSAN_BUILD */

int main(int argc, char **argv)
{
#if !defined(ASAN_BUILD) && !defined(TSAN_BUILD)
	self_path = argv[0];
	if (argc == 2 && !strcmp(argv[1], "--child")) {
		valgrind_child();
		return kmm_failures ? 1 : 0;
	}
#endif
	return kmm_test_main();
}
