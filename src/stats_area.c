/* SPDX-License-Identifier: MIT */
/*
 * stats_area.c - the statistics a process on kmm publishes for `kmm top`: page
 * allocator figures and a slabinfo row per cache, in a struct kmm_stats_area that the
 * port shares read-only with other processes (port_stats_publish()).
 *
 * The one idea: nothing on the allocation paths knows about it. With KMM_STATS=1 a kmm
 * thread ("kmm_stats") takes the figures once a second the way the reports do (slabinfo
 * under slab_mutex, the page counters) and writes them under a seqcount, so a reader in
 * another process copies a consistent picture without any lock it could hold against
 * us. Off (the default), it costs one branch at start-up.
 *
 * The writer is that thread alone (the first refresh happens at start-up, before it
 * exists). It does not survive fork(), so a forked child, which still maps its parent's
 * area, never writes to it, and publishes nothing of its own.
 */
#include "slab.h"

#define STATS_INTERVAL_NS (1000ULL * 1000 * 1000) /* refreshed once a second, at most */

static struct port_thread *stats_thread;
static unsigned int stats_sleep; /* port_wait() word: the thread sleeps on it, never woken */

static void stats_copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i < KMM_STATS_NAME_LEN - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* One row per cache on slab_caches, as slabinfo lists them (slab_mutex held). */
static void stats_fill_caches_locked(struct kmm_stats_area *a)
{
	struct kmem_cache *s;
	unsigned int n = 0, left_out = 0;

	list_for_each_entry(s, &slab_caches, list) {
		struct kmm_stats_cache *c = &a->caches[n];
		struct slabinfo sinfo = { 0 };

		if (n == KMM_STATS_MAX_CACHES) {
			left_out++;
			continue;
		}
		slab_ops->get_slabinfo(s, &sinfo);
		stats_copy_name(c->name, s->name);
		c->active_objs = sinfo.active_objs;
		c->num_objs = sinfo.num_objs;
		c->active_slabs = sinfo.active_slabs;
		c->num_slabs = sinfo.num_slabs;
		c->objsize = s->size;
		c->objperslab = sinfo.objects_per_slab;
		c->pagesperslab = 1U << sinfo.cache_order;
		n++;
	}
	a->nr_caches = n;
	a->caches_left_out = left_out;
}

/* Refresh the area: a seqcount write, the counter odd while the figures change. */
static void stats_refresh(struct kmm_stats_area *a)
{
	struct kmm_page_stats pages;

	kmm_page_stats(&pages);
	/* acquire: the figures below are not written before the counter turns odd */
	__atomic_fetch_add(&a->seq, 1, __ATOMIC_ACQ_REL);
	a->pages = pages;
	a->slab_pages = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
			global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	a->vmalloc_pages = global_node_page_state(NR_VMALLOC);
	mutex_lock(&slab_mutex);
	stats_fill_caches_locked(a);
	mutex_unlock(&slab_mutex);
	a->updated_ns = port_clock_ns();
	a->updates++;
	__atomic_fetch_add(&a->seq, 1, __ATOMIC_RELEASE);
}

static void stats_thread_fn(void *arg)
{
	struct kmm_stats_area *a = arg;

	for (;;) {
		uint64_t due = port_clock_ns() + STATS_INTERVAL_NS, now;

		/* a spurious wake-up must not make it refresh sooner */
		while ((now = port_clock_ns()) < due)
			port_wait(&stats_sleep, 0, due - now);
		stats_refresh(a);
	}
}

int stats_area_init(void)
{
	struct kmm_stats_area *a;

	if (kmm_cfg.stats <= 0)
		return 0;
	a = port_stats_publish(sizeof(*a));
	if (!a) {
		pr_warn("kmm: KMM_STATS=1: cannot publish the statistics area\n");
		return 0; /* kmm works without it */
	}
	a->magic = KMM_STATS_MAGIC;
	a->version = KMM_STATS_VERSION;
	stats_copy_name(a->slab, slab_ops->name);
	a->interval_ms = STATS_INTERVAL_NS / 1000000;
	stats_refresh(a);
	if (port_thread_create(&stats_thread, stats_thread_fn, a, "kmm_stats"))
		pr_warn("kmm: KMM_STATS=1: no thread to refresh the statistics\n");
	return 0;
}
