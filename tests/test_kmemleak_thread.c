/* kmm-test: labels=unit,debug env=KMM_RAM=256M,KMM_NR_CPUS=2,KMM_KMEMLEAK=on,KMM_KMEMLEAK_SCAN=1,KMM_KMEMLEAK_MIN_AGE=0 timeout=60 */
/*
 * test_kmemleak_thread.c - kmemleak's automatic scan (the "kmemleak" thread, every
 * KMM_KMEMLEAK_SCAN seconds; the kernel's default is 600): a leak is found with no
 * call to kmm_kmemleak_scan(), and announced in the log as the kernel does.
 */
#include <linux/slab.h>

#include "kmm_test.h"

#define DISGUISE 0x5a5a5a5a5a5a5a5aUL

static unsigned long disguised;

__attribute__((noinline)) void leak_for_the_thread(void)
{
	disguised = (unsigned long)kmalloc(40, GFP_KERNEL) ^ DISGUISE;
}

/*
 * Uninstrumented, so that ASan puts no red zones around the buffer: it then covers the
 * whole frame, and no dead slot keeps its old value.
 */
__attribute__((noinline, no_sanitize_address)) void scrub_stack(void)
{
	volatile char buf[32768];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

static void leak_and_wait(void *arg)
{
	char header[64], *report = NULL;

	leak_for_the_thread();
	scrub_stack();
	snprintf(header, sizeof(header), "unreferenced object 0x%08lx (size ",
		 disguised ^ DISGUISE);
	/* two scans a second apart see it unchanged: reported after the second */
	for (int i = 0; i < 100; i++) {
		usleep(100 * 1000);
		free(report);
		report = NULL;
		CAPTURE(report, kmm_report(out, "kmemleak"));
		if (strstr(report, header))
			break;
	}
	usleep(300 * 1000); /* the thread logs its count after it lets the report be read */
	fputs(report, stdout);
	free(report);
}

TEST(the_scan_thread_finds_a_leak_by_itself)
{
	int status;
	char *out = kmm_run_child(leak_and_wait, NULL, &status);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_CONTAINS(out, "kmemleak: 1 new suspected memory leaks (see "
				"/sys/kernel/debug/kmemleak)\n");
	CHECK_STR_CONTAINS(out, "\n    leak_for_the_thread+0x");
	free(out);
}

int main(void)
{
	return kmm_test_main();
}
