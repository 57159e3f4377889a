/* kmm-test: labels=unit;debug;reliability timeout=180 */
/*
 * init_on_free together with slab_debug on the kmalloc caches. SLUB keeps a kmalloc
 * object's requested size (orig_size, with store-user) and fills the slack past it with
 * the kmalloc red zone (with red zones): the kernel's slab_free_hook() zeroes only the
 * requested bytes and the metadata, keeping red zones and orig_size, so that a freed
 * object still checks clean. Here: kmalloc of sizes that leave slack in their class,
 * freed and reallocated under init_on_free with each debug flag set that has a red zone
 * or stores users, on SLUB and SLAB; every cache must then validate with no error, the
 * reallocated objects must hold nothing of what was written (zero, or in SLUB's slack
 * past a previous, smaller request its kmalloc red zone, as in the kernel), and a write
 * past the requested size must still be reported as the red zone the kernel reports.
 *
 * Each configuration runs in a child that initialises kmm with it.
 */
#include <stdint.h>

#include <linux/slab.h>

#include "kmm_test.h"

#define NR_OBJECTS	48
#define FILL		0x5a
#define SLUB_RED_ACTIVE 0xcc /* include/linux/poison.h */

/* Sizes that leave slack in their kmalloc class (8, 16, 32, 64, 96, 128, 192, ... 8192). */
static const size_t sizes[] = { 1,   5,	  13,  20,  33,	  50,	70,   100, 130,
				200, 300, 500, 700, 1000, 1500, 3000, 5000 };

struct debug_run {
	const char *slab, *debug;
};

static int child_errors;

/*
 * Fill, free, allocate again, and count the bytes of the request that are not zero, and
 * those that are neither zero nor SLUB's kmalloc red zone (the slack past a previous,
 * smaller request keeps it, as in the kernel: init_on_free clears the bytes that were
 * asked for).
 */
static void churn(size_t size, int *not_zero, int *not_zero_or_red)
{
	unsigned char *p[NR_OBJECTS];

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NR_OBJECTS; i++) {
			p[i] = kmalloc(size, GFP_KERNEL);
			if (!p[i]) {
				printf("kmalloc(%zu) failed\n", size);
				child_errors++;
				return;
			}
			for (size_t b = 0; round && b < size; b++) {
				*not_zero += p[i][b] != 0;
				*not_zero_or_red += p[i][b] != 0 && p[i][b] != SLUB_RED_ACTIVE;
			}
			memset(p[i], FILL, size);
		}
		for (int i = 0; i < NR_OBJECTS; i++)
			kfree(p[i]);
	}
}

static void debug_init_on_free_child(void *arg)
{
	const struct debug_run *run = arg;
	struct kmm_config cfg = {
		.ram = 256ULL << 20, .slab = run->slab, .debug = run->debug, .init_on_free = 1
	};
	int not_zero = 0, not_zero_or_red = 0;

	if (kmm_init(&cfg)) {
		fprintf(stderr, "kmm_init failed\n");
		_exit(2);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		churn(sizes[i], &not_zero, &not_zero_or_red);
	printf("not zero after free: %d\n", not_zero);
	printf("neither zero nor red zone after free: %d\n", not_zero_or_red);
	printf("validate: %d\n", kmm_slab_validate(NULL));
	fflush(NULL);
	_exit(child_errors ? 1 : 0);
}

/* One byte past the request (in the class's slack), then kfree. */
static void write_past_request_child(void *arg)
{
	const struct debug_run *run = arg;
	struct kmm_config cfg = {
		.ram = 256ULL << 20, .slab = run->slab, .debug = run->debug, .init_on_free = 1
	};
	unsigned char *p;

	if (kmm_init(&cfg)) {
		fprintf(stderr, "kmm_init failed\n");
		_exit(2);
	}
	p = kmalloc(50, GFP_KERNEL); /* kmalloc-64 */
	CHILD_REQUIRE(p);
	__asm__("" : "+r"(p)); /* the compiler must not know the size: we write past it */
	p[50] = 0x77;
	kfree(p);
	printf("validate: %d\n", kmm_slab_validate(NULL));
	fflush(NULL);
	_exit(0);
}

static char *run_child(void (*fn)(void *), struct debug_run *run)
{
	int status;
	char *out = kmm_run_child(fn, run, &status);

	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "slab=%s debug=%s:\n%s", run->slab, run->debug, out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
}

enum zeroed { NOT_ZEROED, ZEROED, ZEROED_BUT_RED_ZONE };

/* No report, every cache valid, and what was freed reads zero where init_on_free applies. */
static void check_clean(const char *slab, const char *debug, enum zeroed zeroed)
{
	struct debug_run run = { slab, debug };
	char *out = run_child(debug_init_on_free_child, &run);

	if (zeroed == ZEROED)
		CHECK_STR_CONTAINS(out, "not zero after free: 0\n");
	if (zeroed != NOT_ZEROED)
		CHECK_STR_CONTAINS(out, "neither zero nor red zone after free: 0\n");
	CHECK_STR_CONTAINS(out, "validate: 0\n");
	if (strstr(out, "BUG ") || strstr(out, "Slab corruption"))
		fprintf(stderr, "slab=%s debug=%s:\n%s", slab, debug, out);
	CHECK(!strstr(out, "BUG "));
	CHECK(!strstr(out, "Slab corruption"));
	free(out);
}

/* Red zones and stored users: the kmalloc red zone past each request. */
TEST(slub_red_zone_and_store_user)
{
	check_clean("slub", "FZU", ZEROED_BUT_RED_ZONE);
}

TEST(slub_store_user_alone)
{
	check_clean("slub", "U", ZEROED);
}

TEST(slub_red_zone_alone)
{
	check_clean("slub", "Z", ZEROED);
}

/* Poisoning caches are left alone by init_on_free (slab_want_init_on_free()). */
TEST(slub_full_debugging)
{
	check_clean("slub", "FZPU", NOT_ZEROED);
}

TEST(slab_red_zone_and_store_user)
{
	check_clean("slab", "FZU", ZEROED);
}

TEST(slab_full_debugging)
{
	check_clean("slab", "FZPU", NOT_ZEROED);
}

TEST(slub_write_past_the_request_is_the_kmalloc_red_zone)
{
	struct debug_run run = { "slub", "FZU" };
	char *out = run_child(write_past_request_child, &run);

	CHECK_STR_CONTAINS(out, "[kmalloc Redzone overwritten] 0x");
	CHECK_STR_CONTAINS(out, ". First byte 0x77 instead of 0xcc\n");
	CHECK_STR_CONTAINS(out, "BUG kmalloc-64 (Not tainted): Object corrupt\n");
	CHECK_STR_CONTAINS(out, "FIX kmalloc-64: Restoring kmalloc Redzone 0x");
	/* repaired at the free: nothing left for validate */
	CHECK_STR_CONTAINS(out, "validate: 0\n");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
