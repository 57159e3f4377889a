/* SPDX-License-Identifier: MIT */
/*
 * glibc_simple.c - glibc's benchtests/bench-malloc-simple, written anew: one thread
 * allocates a batch of blocks of one size and frees them all, over and over, for each
 * size from 16 to 4096 bytes and batch lengths of 25, 100 and 400 (the fast paths and
 * their caches, nothing else).
 *   glibc_simple [ROUNDS]
 */
#include "wl.h"

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 16, 32, 64, 128, 256, 512, 1024, 4096 };
	static const int batches[] = { 25, 100, 400 };
	long rounds = wl_arg(argc, argv, 1, 6000);
	static void *p[400];
	unsigned long sum = 0;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++)
			for (long r = 0; r < rounds; r++) {
				for (int i = 0; i < batches[b]; i++) {
					p[i] = wl_malloc(sizes[s]);
					*(char *)p[i] = (char)i;
				}
				for (int i = 0; i < batches[b]; i++) {
					sum += *(unsigned char *)p[i];
					free(p[i]);
				}
			}
	printf("glibc-simple: %lu\n", sum);
	return 0;
}
