/* SPDX-License-Identifier: MIT */
/*
 * shrinker.h - caches that can give memory back under pressure register a shrinker;
 * reclaim (kswapd and direct reclaim) asks each how many objects it could free
 * (count_objects) and then asks it to free a batch (scan_objects), with the kernel's
 * 6.7+ API: shrinker_alloc(), shrinker_register(), shrinker_free().
 */
#ifndef KMM_LINUX_SHRINKER_H
#define KMM_LINUX_SHRINKER_H

#include <linux/kmm_types.h>
#include <linux/list.h>

struct mem_cgroup;

struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	/* objects to scan; the shrinker may lower nr_scanned to what it really scanned */
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
	struct mem_cgroup *memcg;
};

#define SHRINK_STOP  (~0UL)
#define SHRINK_EMPTY (~0UL - 1)

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *sc);
	long batch; /* reclaim batch size, 0 = default (SHRINK_BATCH) */
	int seeks;  /* cost of recreating an object: DEFAULT_SEEKS */
	unsigned flags;
	void *private_data;
	/* owned by kmm */
	struct list_head list;
	long nr_deferred;
	char name[32];
};

#define DEFAULT_SEEKS 2
#define SHRINK_BATCH  128

#define SHRINKER_REGISTERED  (1 << 0)
#define SHRINKER_ALLOCATED   (1 << 1)
#define SHRINKER_NUMA_AWARE  (1 << 2)
#define SHRINKER_MEMCG_AWARE (1 << 3)
#define SHRINKER_NONSLAB     (1 << 4)

__printf(2, 3) struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...);
void shrinker_register(struct shrinker *shrinker);
void shrinker_free(struct shrinker *shrinker);

#endif /* KMM_LINUX_SHRINKER_H */
