/* kmm-test: labels=reliability env=KMM_RAM=256M,KMM_NR_CPUS=2,KMM_KFENCE_SAMPLE_INTERVAL=1,KMM_KFENCE_NUM_OBJECTS=15,KMM_INIT_ON_ALLOC=1 timeout=120 */
/*
 * test_kfence_meminit.c - init_on_alloc on KFENCE objects, as the kernel's
 * kfence_guarded_alloc() does it: KFENCE zeroes the size asked for itself, and the slab
 * hooks leave its objects alone (zeroing the cache's whole object_size would write over
 * the canaries after a kmalloc object, which KFENCE reports at free).
 */
#include <linux/kfence.h>
#include <linux/slab.h>

#include "kmm_test.h"

#define SIZE 40 /* kmalloc-64: 24 bytes of canary after the object */

static char *kfence_kmalloc(void)
{
	for (int tries = 0; tries < 200000; tries++) {
		char *p = kmalloc(SIZE, GFP_KERNEL);

		if (is_kfence_address(p))
			return p;
		kfree(p);
		if (tries % 64 == 63)
			usleep(200); /* let the sample timer open the gate */
	}
	return NULL;
}

TEST(reused_kfence_objects_are_zeroed_and_their_canaries_survive)
{
	char *buf = NULL;
	int dirty = 0;

	/* 15 slots: 60 rounds reuse each one, holding what the last round wrote */
	for (int round = 0; round < 60; round++) {
		char *p = kfence_kmalloc();

		REQUIRE(p);
		for (int i = 0; i < SIZE; i++)
			dirty += p[i] != 0;
		memset(p, 0xaa, SIZE);
		kfree(p);
	}
	CHECK_EQ(dirty, 0);
	CAPTURE(buf, kmm_report(out, "kfence"));
	CHECK_STR_CONTAINS(buf, "total bugs: 0\n");
	free(buf);
}

int main(void)
{
	return kmm_test_main();
}
