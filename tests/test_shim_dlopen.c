/* kmm-test: labels=preload timeout=60 */
/*
 * test_shim_dlopen - the malloc shim loaded with dlopen(RTLD_LOCAL) into a running
 * program instead of preloaded: its TLS (initial-exec by default, global-dynamic with
 * -DKMM_SHIM_TLS_MODEL=global-dynamic) must be there for every thread, and its malloc
 * and free, reached through dlsym, work beside the C library's.
 */
#include <pthread.h>

#include "shim_test.h"

static void *(*kmm_malloc)(size_t);
static void (*kmm_free)(void *);
static size_t (*kmm_usable)(void *);

static void *use_shim(void *arg)
{
	long bad = 0;

	for (int round = 0; round < 1000; round++) {
		char *p = kmm_malloc((size_t)(1 + round % 700));

		if (!p)
			return (void *)1;
		memset(p, round & 0xff, (size_t)(1 + round % 700));
		bad += kmm_usable(p) < (size_t)(1 + round % 700);
		kmm_free(p);
	}
	return (void *)bad;
}

TEST(dlopen_local_and_use_from_threads)
{
	void *h = dlopen(SHIM_PATH, RTLD_NOW | RTLD_LOCAL);
	pthread_t t[4];

	if (!h)
		fprintf(stderr, "dlopen: %s\n", dlerror());
	REQUIRE(h);
	kmm_malloc = dlsym(h, "malloc");
	kmm_free = dlsym(h, "free");
	kmm_usable = dlsym(h, "malloc_usable_size");
	REQUIRE(kmm_malloc && kmm_free && kmm_usable);
	CHECK(kmm_malloc != (void *)malloc); /* the program's own malloc stays the C library's */
	CHECK(use_shim(NULL) == NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, use_shim, NULL);
	for (int i = 0; i < 4; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		CHECK(ret == NULL);
	}
}

int main(void)
{
	return kmm_test_main();
}
