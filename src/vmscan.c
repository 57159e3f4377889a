/* SPDX-License-Identifier: MIT */
/*
 * vmscan.c - reclaim (the kernel's mm/vmscan.c): kswapd, one thread per node that an
 * allocation wakes when a zone falls below its low watermark and that reclaims until the
 * zones are back above high; and direct reclaim, run by an allocating thread that may
 * block. kmm has no page cache or anonymous memory, so what reclaim can free is what
 * the shrinkers give back (slab caches, and whatever kernel-style code registers).
 *
 * A node's kswapd is started by the first allocation that wakes it, not at start-up:
 * a process that never runs low on memory never pays for the thread (and a fork child
 * starts its own the same way).
 *
 * Both run the shrinkers at decreasing priority (DEF_PRIORITY down to 0: each pass scans
 * a larger share). kswapd counts a run that frees nothing as a failure; after
 * MAX_RECLAIM_RETRIES of them the node is left to direct reclaim until a reclaim frees
 * something again, as the kernel's kswapd_failures.
 */
#include "internal.h"

#define DEF_PRIORITY	 12
#define SWAP_CLUSTER_MAX 32UL

static _Atomic bool kswapd_should_stop[MAX_NUMNODES];
/* Set by the one thread that starts the node's kswapd: concurrent first wake-ups race. */
static _Atomic bool kswapd_started[MAX_NUMNODES];

/* Is any eligible zone above its high watermark for @order? */
static bool pgdat_balanced(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	bool any = false;

	for (int i = 0; i <= highest_zoneidx && i < MAX_NR_ZONES; i++) {
		struct zone *zone = pgdat->node_zones + i;

		if (!managed_zone(zone))
			continue;
		any = true;
		if (zone_watermark_ok(zone, (unsigned int)order, high_wmark_pages(zone),
				      highest_zoneidx, 0))
			return true;
	}
	/* no eligible zone has memory: nothing to balance */
	return !any;
}

static unsigned long shrink_node(pg_data_t *pgdat, gfp_t gfp_mask, int priority,
				 enum vm_event_item scan_event)
{
	unsigned long freed = shrink_slab(gfp_mask, pgdat->node_id, priority);

	vm_event_add_global(scan_event, freed);
	if (freed)
		atomic_store(&pgdat->kswapd_failures, 0);
	return freed;
}

static void balance_pgdat(pg_data_t *pgdat, int order, int highest_zoneidx)
{
	unsigned long reclaimed = 0;
	bool balanced = false;

	vm_event_add_global(PAGEOUTRUN, 1);
	for (int priority = DEF_PRIORITY; priority >= 0; priority--) {
		if (pgdat_balanced(pgdat, order, highest_zoneidx)) {
			balanced = true;
			break;
		}
		reclaimed += shrink_node(pgdat, GFP_KERNEL, priority, PGSTEAL_KSWAPD);
		/* freed pages may sit on per-CPU lists: the watermarks only see the zones */
		drain_all_pages(NULL);
	}
	if (!balanced && !pgdat_balanced(pgdat, order, highest_zoneidx) && !reclaimed)
		atomic_fetch_add(&pgdat->kswapd_failures, 1);
}

static void kswapd(void *arg)
{
	pg_data_t *pgdat = arg;
	struct kmm_task *task = current_task();

	/* kswapd allocates from the reserves and never recurses into reclaim */
	task->flags |= PF_MEMALLOC | PF_KSWAPD;
	while (!atomic_load(&kswapd_should_stop[pgdat->node_id])) {
		unsigned int seq = wait_prepare(&pgdat->kswapd_wait);
		int highest = atomic_exchange(&pgdat->kswapd_highest_zoneidx, MAX_NR_ZONES);
		int order = atomic_exchange(&pgdat->kswapd_order, 0);

		if (highest == MAX_NR_ZONES) {
			wait_sleep(&pgdat->kswapd_wait, seq, 0);
			continue;
		}
		wait_cancel(&pgdat->kswapd_wait);
		balance_pgdat(pgdat, order, highest);
	}
}

int kswapd_run(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	bool started = false;
	char name[16];
	int err;

	if (!atomic_compare_exchange_strong(&kswapd_started[nid], &started, true))
		return 0;
	atomic_store(&pgdat->kswapd_highest_zoneidx, MAX_NR_ZONES);
	atomic_store(&kswapd_should_stop[nid], false);
	scnprintf(name, sizeof(name), "kswapd%d", nid);
	err = port_thread_create(&pgdat->kswapd, kswapd, pgdat, name);
	if (err)
		atomic_store(&kswapd_started[nid], false);
	return err;
}

void kswapd_stop(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	if (!pgdat->kswapd)
		return;
	atomic_store(&kswapd_should_stop[nid], true);
	wake_up_all(&pgdat->kswapd_wait);
	port_thread_join(pgdat->kswapd);
	pgdat->kswapd = NULL;
	atomic_store(&kswapd_started[nid], false);
}

void kswapd_forget(int nid)
{
	pg_data_t *pgdat = NODE_DATA(nid);

	pgdat->kswapd = NULL;
	atomic_store(&pgdat->kswapd_wait.waiters, 0);
	atomic_store(&kswapd_started[nid], false);
}

void wakeup_kswapd(struct zone *zone, gfp_t gfp_flags, int order, enum zone_type highest_zoneidx)
{
	pg_data_t *pgdat;
	int curr;

	if (!managed_zone(zone))
		return;
	pgdat = zone->zone_pgdat;
	if (!atomic_load(&kswapd_started[pgdat->node_id]) && kswapd_run(pgdat->node_id))
		return;
	curr = atomic_load(&pgdat->kswapd_highest_zoneidx);
	if (curr == MAX_NR_ZONES || curr < (int)highest_zoneidx)
		atomic_store(&pgdat->kswapd_highest_zoneidx, (int)highest_zoneidx);
	if (atomic_load(&pgdat->kswapd_order) < order)
		atomic_store(&pgdat->kswapd_order, order);
	/* a hopeless node is left to direct reclaim; a balanced one needs nothing */
	if (atomic_load(&pgdat->kswapd_failures) >= MAX_RECLAIM_RETRIES ||
	    pgdat_balanced(pgdat, order, (int)highest_zoneidx))
		return;
	wake_up_all(&pgdat->kswapd_wait);
}

unsigned long try_to_free_pages(struct zonelist *zonelist, int order, gfp_t gfp_mask)
{
	unsigned long freed = 0;
	int nid =
		zonelist->_zonerefs[0].zone ? zonelist->_zonerefs[0].zone->zone_pgdat->node_id : 0;

	vm_event_add_global(ALLOCSTALL, 1);
	for (int priority = DEF_PRIORITY; priority >= 0; priority--) {
		freed += shrink_node(NODE_DATA(nid), gfp_mask, priority, PGSTEAL_DIRECT);
		if (freed >= SWAP_CLUSTER_MAX)
			break;
	}
	return freed;
}
