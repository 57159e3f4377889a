/* kmm-test: labels=preload timeout=120 backends=all */
/*
 * test_shim_api - the malloc shim's interface, from inside a program that preloads it:
 * the symbols it exports (nm -D), that each one is the one the program gets, and the
 * conventions of the C library's functions: malloc(0), errno, usable sizes, alignments
 * up to 8 MiB, posix_memalign's error rules, sizes near SIZE_MAX and PTRDIFF_MAX for
 * every allocation function, calloc, realloc, and C++ new/delete.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "shim_test.h"

/* Everything the shim exports, sorted as `LC_ALL=C sort` does. */
static const char *const exported[] = {
	"_Exit",
	"_ZdaPv",
	"_ZdaPvRKSt9nothrow_t",
	"_ZdaPvSt11align_val_t",
	"_ZdaPvSt11align_val_tRKSt9nothrow_t",
	"_ZdaPvm",
	"_ZdaPvmSt11align_val_t",
	"_ZdlPv",
	"_ZdlPvRKSt9nothrow_t",
	"_ZdlPvSt11align_val_t",
	"_ZdlPvSt11align_val_tRKSt9nothrow_t",
	"_ZdlPvm",
	"_ZdlPvmSt11align_val_t",
	"_Znam",
	"_ZnamRKSt9nothrow_t",
	"_ZnamSt11align_val_t",
	"_ZnamSt11align_val_tRKSt9nothrow_t",
	"_Znwm",
	"_ZnwmRKSt9nothrow_t",
	"_ZnwmSt11align_val_t",
	"_ZnwmSt11align_val_tRKSt9nothrow_t",
	"__libc_calloc",
	"__libc_free",
	"__libc_malloc",
	"__libc_memalign",
	"__libc_pvalloc",
	"__libc_realloc",
	"__libc_valloc",
	"_exit",
	"aligned_alloc",
	"calloc",
	"cfree",
	"free",
	"malloc",
	"malloc_trim",
	"malloc_usable_size",
	"memalign",
	"posix_memalign",
	"pvalloc",
	"realloc",
	"reallocarray",
	"valloc",
};

TEST(exported_symbols_are_the_malloc_family)
{
	char *out, *expect = NULL;
	size_t len = 0;
	int status;
	FILE *f = open_memstream(&expect, &len);

	REQUIRE(f);
	for (size_t i = 0; i < ARRAY_SIZE(exported); i++)
		fprintf(f, "%s\n", exported[i]);
	fclose(f);
	REQUIRE(expect);
	out = shell_output(
		"nm -D --defined-only " SHIM_PATH " | awk '{ print $3 }' | LC_ALL=C sort", &status);
	CHECK_EQ(status, 0);
	CHECK(out && !strcmp(out, expect));
	if (out && strcmp(out, expect))
		fprintf(stderr, "nm -D says:\n%s\nexpected:\n%s", out, expect);
	free(out);
	free(expect);
}

/* The program gets the shim's definition of every one of them, not the C library's. */
TEST(every_symbol_binds_to_the_shim)
{
	CHECK(shim_is_malloc());
	for (size_t i = 0; i < ARRAY_SIZE(exported); i++) {
		void *sym = dlsym(RTLD_DEFAULT, exported[i]);
		const char *lib = sym ? defining_library(sym) : "(none)";

		if (!strstr(lib, "libkmm-malloc.so")) {
			fprintf(stderr, "%s comes from %s\n", exported[i], lib);
			CHECK(strstr(lib, "libkmm-malloc.so"));
		}
	}
}

TEST(malloc_zero_is_unique)
{
	void *a = malloc(0), *b = malloc(0);

	CHECK(a && b && a != b);
	free(a);
	free(b);
	CHECK(realloc(NULL, 0) != NULL); /* realloc(NULL, 0) is malloc(0) */
}

TEST(usable_size_and_alignment)
{
	CHECK_EQ(malloc_usable_size(NULL), 0);
	for (size_t size = 1; size <= 70000; size += size < 300 ? 1 : 997) {
		unsigned char *p = malloc(size);
		size_t usable = malloc_usable_size(p);

		REQUIRE(p);
		CHECK(usable >= size);
		if (size >= 16)
			CHECK_EQ((uintptr_t)p % 16, 0);
		memset(p, 0x5a, usable); /* all of it is the program's */
		free(p);
	}
}

/* free() of small, page-sized and vmalloc'd blocks, and posix_memalign, leave errno alone. */
TEST(free_preserves_errno)
{
	size_t sizes[] = { 24, 5000, 1 << 20, 16 << 20, (size_t)INT32_MAX + 4096 };
	void *p = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = malloc(sizes[i]);
		if (!p && sizes[i] > (1u << 30))
			continue; /* KMM_RAM may be smaller than 2 GiB */
		REQUIRE(p);
		errno = 1234;
		free(p);
		CHECK_EQ(errno, 1234);
	}
	errno = 4321;
	p = NULL;
	CHECK_EQ(posix_memalign(&p, 64, 100), 0);
	CHECK_EQ(errno, 4321);
	free(p);
	errno = 99;
	free(NULL);
	CHECK_EQ(errno, 99);
}

TEST(posix_memalign_rejects_bad_alignments)
{
	size_t bad[] = { 0, 1, 2, 3, 4, 12, 24, 48, 100, 4095, SIZE_MAX, SIZE_MAX / 2 };
	void *sentinel = (void *)0x1234, *p;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		p = sentinel;
		CHECK_EQ(posix_memalign(&p, bad[i], 64), EINVAL);
		CHECK(p == sentinel);
	}
	errno = 0;
	CHECK(aligned_alloc(3, 10) == NULL);
	CHECK_EQ(errno, EINVAL);
}

/* Alignments from 8 bytes to 8 MiB, through every aligned function, with sizes around them. */
TEST(alignments_up_to_8_mib)
{
	for (size_t align = 8; align <= (8 << 20); align <<= 1) {
		size_t sizes[] = { 1, align / 2 + 1, align, align + 1, 3 * align };

		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			size_t size = sizes[i];
			void *p = NULL, *q, *r;

			CHECK_EQ(posix_memalign(&p, align, size), 0);
			q = memalign(align, size);
			r = aligned_alloc(align, size);
			REQUIRE(p && q && r);
			CHECK_EQ((uintptr_t)p % align, 0);
			CHECK_EQ((uintptr_t)q % align, 0);
			CHECK_EQ((uintptr_t)r % align, 0);
			CHECK(malloc_usable_size(p) >= size);
			memset(p, 1, size);
			memset(q, 2, size);
			memset(r, 3, size);
			CHECK(((unsigned char *)p)[size - 1] == 1);
			free(p);
			free(q);
			free(r);
		}
	}
}

TEST(valloc_and_pvalloc)
{
	void (*cfree_)(void *) = dlsym(RTLD_DEFAULT, "cfree"); /* no longer in glibc */
	long page = sysconf(_SC_PAGESIZE);
	void *v = valloc(100), *pv = pvalloc(1), *z = pvalloc(0);

	REQUIRE(v && pv && z);
	CHECK_EQ((uintptr_t)v % page, 0);
	CHECK_EQ((uintptr_t)pv % page, 0);
	CHECK(malloc_usable_size(pv) >= (size_t)page);
	CHECK(malloc_usable_size(z) >= (size_t)page);
	free(v);
	free(pv);
	cfree_(z);
}

TEST(calloc_zeroes_reused_memory)
{
	size_t sizes[] = { 8, 100, 3000, 70000, 5 << 20 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *p = malloc(sizes[i]), *q;
		size_t nonzero = 0;

		REQUIRE(p);
		memset(p, 0xaa, sizes[i]);
		free(p);
		q = calloc(1, sizes[i]);
		REQUIRE(q);
		for (size_t j = 0; j < sizes[i]; j++)
			nonzero += q[j] != 0;
		CHECK_EQ(nonzero, 0);
		free(q);
	}
}

/* Growing through every kind of block (cache, pages, vmalloc) and back keeps the bytes. */
TEST(realloc_keeps_contents)
{
	size_t steps[] = { 10, 100, 1000, 9000, 100000, 3 << 20, 9 << 20, 5000, 20 };
	size_t have = 0;
	unsigned char *p = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		size_t keep = have < steps[i] ? have : steps[i], bad = 0;

		p = realloc(p, steps[i]);
		REQUIRE(p);
		for (size_t j = 0; j < keep; j++)
			bad += p[j] != (unsigned char)(j * 31 + 7);
		CHECK_EQ(bad, 0);
		for (size_t j = 0; j < steps[i]; j++)
			p[j] = (unsigned char)(j * 31 + 7);
		have = steps[i];
	}
	CHECK(realloc(p, 0) == NULL); /* frees, as glibc */
	p = reallocarray(NULL, 100, 8);
	REQUIRE(p);
	CHECK(malloc_usable_size(p) >= 800);
	free(p);
}

/*
 * Sizes no allocation can have: every function fails with ENOMEM and changes nothing.
 * (The compiler knows realloc: that its failure leaves the block alive is the point.)
 */
#pragma GCC diagnostic ignored "-Wuse-after-free"
static void oversize_sweep(void *arg)
{
	const size_t sizes[] = {
		SIZE_MAX,
		SIZE_MAX - 1,
		SIZE_MAX - 4095,
		SIZE_MAX / 2 + 1,
		PTRDIFF_MAX,
		PTRDIFF_MAX - 4095,
		PTRDIFF_MAX / 2 + 1,
		(size_t)1 << 47, /* 128 TiB: more than any RAM */
	};
	void *(*new_nothrow)(size_t, const void *) = dlsym(RTLD_DEFAULT, "_ZnwmRKSt9nothrow_t");
	void *(*new_aligned_nothrow)(size_t, size_t, const void *) =
		dlsym(RTLD_DEFAULT, "_ZnamSt11align_val_tRKSt9nothrow_t");
	unsigned char *live = malloc(100);
	int failures = 0;

	if (!live) {
		printf("malloc(100) failed\n");
		return;
	}

#define EXPECT_ENOMEM(call)                                                               \
	do {                                                                              \
		void *r_;                                                                 \
		errno = 0;                                                                \
		r_ = (call);                                                              \
		if (r_ != NULL || errno != ENOMEM) {                                      \
			printf("%s with size %#zx: %p, errno %d\n", #call, n, r_, errno); \
			failures++;                                                       \
		}                                                                         \
	} while (0)

	memset(live, 0x77, 100);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		void *sentinel = (void *)0x5678, *p = sentinel;

		EXPECT_ENOMEM(malloc(n));
		EXPECT_ENOMEM(calloc(1, n));
		EXPECT_ENOMEM(calloc(n, 1));
		EXPECT_ENOMEM(calloc(n, 3));
		EXPECT_ENOMEM(realloc(NULL, n));
		EXPECT_ENOMEM(realloc(live, n));
		EXPECT_ENOMEM(reallocarray(NULL, n, 1));
		EXPECT_ENOMEM(reallocarray(live, 3, n));
		EXPECT_ENOMEM(memalign(16, n));
		EXPECT_ENOMEM(memalign(4096, n));
		EXPECT_ENOMEM(memalign(2 << 20, n));
		EXPECT_ENOMEM(aligned_alloc(64, n));
		EXPECT_ENOMEM(valloc(n));
		EXPECT_ENOMEM(pvalloc(n));
		if (posix_memalign(&p, 64, n) != ENOMEM || p != sentinel) {
			printf("posix_memalign with size %#zx\n", n);
			failures++;
		}
		if (new_nothrow(n, NULL) || new_aligned_nothrow(n, 64, NULL)) {
			printf("nothrow new with size %#zx\n", n);
			failures++;
		}
	}
	for (int j = 0; j < 100; j++)
		failures += live[j] != 0x77; /* realloc's failures left the block as it was */
	free(live);
	printf("failures: %d\n", failures);
}

/* In a child, so that any warning kmm printed is seen: there must be none. */
TEST(oversize_sweep_fails_with_enomem)
{
	int status;
	char *out = kmm_run_child(oversize_sweep, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "failures: 0\n"));
	if (out && strcmp(out, "failures: 0\n"))
		fprintf(stderr, "%s", out);
	free(out);
}

/*
 * In a child: a throwing new that fails (fault injection) aborts the program, as
 * cxx_new_failure_without_libstdcxx_aborts checks.
 */
static void new_and_delete(void *arg)
{
	void *(*new_)(size_t) = dlsym(RTLD_DEFAULT, "_Znwm");
	void *(*new_array)(size_t) = dlsym(RTLD_DEFAULT, "_Znam");
	void *(*new_aligned)(size_t, size_t) = dlsym(RTLD_DEFAULT, "_ZnwmSt11align_val_t");
	void (*delete_)(void *) = dlsym(RTLD_DEFAULT, "_ZdlPv");
	void (*delete_sized)(void *, size_t) = dlsym(RTLD_DEFAULT, "_ZdlPvm");
	void (*delete_array)(void *) = dlsym(RTLD_DEFAULT, "_ZdaPv");
	void (*delete_aligned)(void *, size_t, size_t) =
		dlsym(RTLD_DEFAULT, "_ZdlPvmSt11align_val_t");
	void *a, *b, *c, *d;

	if (!(new_ && new_array && new_aligned && delete_ && delete_sized && delete_array &&
	      delete_aligned)) {
		printf("a symbol is missing\n");
		return;
	}
	a = new_(24);
	b = new_array(1000);
	c = new_aligned(100, 4096);
	d = new_(0);
	if (!(a && b && c && d)) { /* a throwing new never returns NULL */
		printf("new returned NULL\n");
		return;
	}
	printf("aligned: %d\n", (uintptr_t)c % 4096 == 0);
	memset(a, 1, 24);
	memset(b, 2, 1000);
	memset(c, 3, 100);
	delete_sized(a, 24);
	delete_array(b);
	delete_aligned(c, 100, 4096);
	delete_(d);
	delete_(NULL);
}

TEST(cxx_new_and_delete)
{
	int status;
	char *out = kmm_run_child(new_and_delete, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "aligned: 1\n"));
	if (out && strcmp(out, "aligned: 1\n"))
		fprintf(stderr, "%s", out);
	free(out);
}

static void new_out_of_memory(void *arg)
{
	void *(*new_)(size_t) = dlsym(RTLD_DEFAULT, "_Znwm");

	new_(SIZE_MAX / 4);
}

/* A C program has no std::bad_alloc to throw: a failed throwing new aborts, and says why. */
TEST(cxx_new_failure_without_libstdcxx_aborts)
{
	int status;
	char *out = kmm_run_child(new_out_of_memory, NULL, &status);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_STR_CONTAINS(out, "kmm: operator new: out of memory");
	free(out);
}

static void free_foreign(void *arg)
{
	static char not_from_malloc[64];
	char *volatile p = not_from_malloc, *volatile q = not_from_malloc + 8; /* hidden from gcc */

	free(p);
	free(q);
	printf("still here\n");
}

/* Memory kmm never handed out (from before the shim was loaded) is ignored, silently. */
TEST(free_of_a_foreign_address_is_ignored)
{
	int status;
	char *out = kmm_run_child(free_foreign, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(out && !strcmp(out, "still here\n"));
	free(out);
}

int main(int argc, char **argv)
{
	(void)argc;
	return shim_test_main(argv);
}
