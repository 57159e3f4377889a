/* SPDX-License-Identifier: MIT */
/*
 * bench_slab_mem - memory efficiency on a mixed-size workload: the bytes a program asked
 * for divided by the bytes of memory the allocator took for them (100% is no overhead).
 *
 * The workload: NR_OBJECTS objects of sizes drawn log-uniformly from 8 bytes to 4 KiB
 * (one fixed seed for everyone), each written whole; then every other one freed, which
 * leaves holes an allocator must live with. Measured after each phase:
 *   kmm     the slab layer's pages (meminfo Slab, which counts kmalloc's large pages too)
 *   malloc  the process's resident memory growth (/proc/self/statm), whatever malloc
 *           the process has (glibc, or a peer through LD_PRELOAD)
 * One line per phase: "mixed PHASE ALLOCATOR EFFICIENCY_PERCENT".
 *
 *   bench_slab_mem kmm         (KMM_SLAB picks the back-end; the label names it)
 *   bench_slab_mem -l LABEL malloc
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmm.h>
#include <linux/slab.h>

#define NR_OBJECTS 300000
#define SEED	   0x2545f4914f6cdd1dull

static void *objects[NR_OBJECTS];
static size_t sizes[NR_OBJECTS];

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 8 .. 4096 bytes, log-uniform: as many 8-16 byte objects as 2-4 KiB ones */
static size_t mixed_size(uint64_t *s)
{
	unsigned int shift = 3 + (unsigned int)(next_random(s) % 9); /* 8 .. 2048 */
	size_t base = (size_t)1 << shift;

	return base + (size_t)(next_random(s) % base);
}

static long resident_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

static long meminfo_slab_bytes(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	long kb = -1;
	const char *at;

	kmm_report(f, "meminfo");
	fclose(f);
	at = strstr(buf, "\nSlab:");
	if (at)
		kb = strtol(at + 6, NULL, 10);
	free(buf);
	return kb * 1024;
}

int main(int argc, char **argv)
{
	const char *label = NULL, *mode;
	char kmm_label[32];
	bool use_kmm;
	long base, requested = 0;
	uint64_t seed = SEED;
	int opt;

	while ((opt = getopt(argc, argv, "l:")) != -1)
		if (opt == 'l')
			label = optarg;
	if (optind != argc - 1)
		return fprintf(stderr, "usage: bench_slab_mem [-l LABEL] kmm|malloc\n"), 2;
	mode = argv[optind];
	use_kmm = !strcmp(mode, "kmm");
	if (use_kmm) {
		snprintf(kmm_label, sizeof(kmm_label), "kmm-%s", kmm_slab_allocator());
		label = kmm_label;
	} else if (!label) {
		label = "malloc";
	}
	base = use_kmm ? meminfo_slab_bytes() : resident_bytes();
	for (int i = 0; i < NR_OBJECTS; i++) {
		sizes[i] = mixed_size(&seed);
		objects[i] = use_kmm ? kmalloc(sizes[i], GFP_KERNEL) : malloc(sizes[i]);
		if (!objects[i])
			return fprintf(stderr, "bench_slab_mem: allocation %d failed\n", i), 1;
		memset(objects[i], 0x5a, sizes[i]);
		requested += (long)sizes[i];
	}
	printf("mixed all %s %.1f\n", label,
	       100.0 * (double)requested /
		       (double)((use_kmm ? meminfo_slab_bytes() : resident_bytes()) - base));
	for (int i = 0; i < NR_OBJECTS; i += 2) {
		requested -= (long)sizes[i];
		if (use_kmm)
			kfree(objects[i]);
		else
			free(objects[i]);
	}
	printf("mixed half %s %.1f\n", label,
	       100.0 * (double)requested /
		       (double)((use_kmm ? meminfo_slab_bytes() : resident_bytes()) - base));
	return 0;
}
