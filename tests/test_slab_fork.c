/* kmm-test: labels=unit env=KMM_RAM=512M,KMM_NR_CPUS=2 backends=all timeout=120 */
/*
 * fork() with the slab layer busy: a second thread keeps allocating and freeing while
 * the main thread forks; every child must find consistent caches (it allocates, frees
 * and validates), and its memory must be its own.
 */
#include "kmm_test.h"

#include <pthread.h>
#include <stdatomic.h>

#include <kmm.h>
#include <linux/slab.h>

static _Atomic bool stop;

static void *churn(void *arg)
{
	void *slots[64] = { 0 };
	unsigned int i = 0;

	while (!atomic_load(&stop)) {
		unsigned int k = i++ % 64;

		kfree(slots[k]);
		slots[k] = kmalloc(16 + (i % 700), GFP_KERNEL);
		if (slots[k])
			memset(slots[k], 0x5a, 16);
	}
	for (int k = 0; k < 64; k++)
		kfree(slots[k]);
	return NULL;
}

static int child_work(char *shared_obj)
{
	void *p[500];

	for (int i = 0; i < 500; i++) {
		p[i] = kmalloc(8 + i, GFP_KERNEL);
		if (!p[i])
			return 2;
		memset(p[i], i & 0xff, 8 + i);
	}
	for (int i = 0; i < 500; i++) {
		unsigned char *b = p[i];

		if (b[0] != (i & 0xff) || b[7 + i] != (i & 0xff))
			return 3;
		kfree(p[i]);
	}
	strcpy(shared_obj, "child");
	return kmm_slab_validate(NULL) ? 4 : 0;
}

TEST(children_of_a_busy_parent_get_consistent_caches_of_their_own)
{
	pthread_t t;
	char *obj = kmalloc(64, GFP_KERNEL);

	REQUIRE(obj != NULL);
	strcpy(obj, "parent");
	pthread_create(&t, NULL, churn, NULL);
	for (int i = 0; i < 20; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(child_work(obj));
		REQUIRE(pid > 0);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status));
		CHECK_EQ(WEXITSTATUS(status), 0);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	CHECK(strcmp(obj, "parent") == 0);
	CHECK_EQ(kmm_slab_validate(NULL), 0);
	kfree(obj);
}

int main(void)
{
	return kmm_test_main();
}
