/* SPDX-License-Identifier: MIT */
/*
 * kvfree_rcu.c - kfree_rcu() and kvfree_rcu(): objects freed after a grace period, in
 * batches (the kernel's kvfree_call_rcu(), in mm/slab_common.c since 6.13, before that in
 * kernel/rcu/tree.c; CONFIG_KVFREE_RCU_BATCHED).
 *
 * The one idea: one grace period serves many objects. Each CPU has a struct
 * kfree_rcu_cpu where kvfree_call_rcu() drops the pointer into a page of pointers (a
 * struct kvfree_rcu_bulk_data, KVFREE_BULK_MAX_ENTR of them; channel 0 for slab memory,
 * channel 1 for vmalloc memory). When no page can be had, an object with an rcu_head of
 * its own is chained through it (channel 3, head); a head-less object is freed on the
 * spot after synchronize_rcu(). A monitor moves what a CPU collected into one of its two
 * batches (struct kfree_rcu_cpu_work) and queues the batch with one call_rcu(); after the
 * grace period the batch's pages go to kfree_bulk() (vfree() for vmalloc memory), and the
 * emptied pages stay cached for reuse, up to rcu_min_cached_objs per CPU.
 *
 * When: the monitor runs KFREE_DRAIN_JIFFIES (5 s) after a CPU's first queued object,
 * or one jiffy after, once the CPU holds a page's worth. The kernel's monitor is delayed
 * work; here one thread, "kfree_rcu", runs every CPU's monitor when it is due, and fills
 * the page caches that the two-argument form (which must not allocate) found empty. It
 * starts on first use. A shrinker ("slab-kvfree-rcu") runs the monitors early under
 * memory pressure, as the kernel's does.
 *
 * Differences from the kernel: it checks the grace period with polled snapshots
 * (get_state_synchronize_rcu) to free ready pages without a callback; the port's RCU has
 * no polling, so every batch waits for its call_rcu() callback. The callback runs on the
 * port's RCU thread and frees there (the kernel hands it to a workqueue, because its
 * callbacks run in softirq context).
 *
 * Locking: krcp->lock (irqs off, as the kernel's raw spinlock) guards everything in a
 * kfree_rcu_cpu and its batches. Nothing of kmm's is allocated, freed or locked under
 * it; the one call made with it held is call_rcu() for a batch (the kernel queues its
 * rcu_work there too), which never waits. krc_init_lock guards the first allocation of
 * the per-CPU array and is held, with every krcp->lock, across fork().
 */
#include <linux/kmemleak.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* HZ = 1000: a jiffy is a millisecond. */
#define JIFFY_NS 1000000ULL
/* Maximum time to wait before draining a batch: the kernel's 5 * HZ. */
#define KFREE_DRAIN_JIFFIES (5 * 1000)
#define KFREE_N_BATCHES	    2
#define FREE_N_CHANNELS	    2
/* Pages of pointers kept per CPU for reuse (the rcutree.rcu_min_cached_objs default). */
static int rcu_min_cached_objs = 5;

/* One page of pointers to free after the same grace period. */
struct kvfree_rcu_bulk_data {
	struct list_head list;
	unsigned long nr_records;
	void *records[];
};

#define KVFREE_BULK_MAX_ENTR ((PAGE_SIZE - sizeof(struct kvfree_rcu_bulk_data)) / sizeof(void *))

/* One batch waiting for its grace period; busy while any of its lists is not empty. */
struct kfree_rcu_cpu_work {
	struct rcu_head rcu_head; /* the batch's one call_rcu() */
	struct rcu_head *head_free;
	struct list_head bulk_head_free[FREE_N_CHANNELS];
	struct kfree_rcu_cpu *krcp;
};

/* A cached page, free for the next batch: the first word links the cache. */
struct bkv_cache_node {
	struct bkv_cache_node *next;
};

struct kfree_rcu_cpu {
	spinlock_t lock;
	/* objects chained through their own rcu_heads, not yet in a batch */
	struct rcu_head *head;
	int head_count;
	/* pages of pointers not yet in a batch, newest first */
	struct list_head bulk_head[FREE_N_CHANNELS];
	int bulk_count[FREE_N_CHANNELS];
	struct kfree_rcu_cpu_work krw_arr[KFREE_N_BATCHES];
	uint64_t monitor_expires; /* when the monitor is due, port_clock_ns(); 0: not queued */
	struct bkv_cache_node *bkvcache;
	int nr_bkv_objs;
	bool page_cache_wanted; /* the cache ran dry: the kfree_rcu thread refills it */
};

/* nr_cpu_ids of them, allocated on first use; NULL until then. */
static struct kfree_rcu_cpu *_Atomic krc;
static spinlock_t krc_init_lock = SPIN_LOCK_UNLOCKED;
/* Batches queued with call_rcu() whose callback has not returned. */
static _Atomic int batches_in_flight;

static struct port_thread *reclaim_thread;
static _Atomic bool reclaim_running;
static struct wait_queue_head reclaim_wait;
static struct shrinker *kfree_rcu_shrinker;

static void kfree_rcu_shrinker_register(void);

/* ==== per-CPU state ========================================================================== */

static void krc_setup(struct kfree_rcu_cpu *krcp)
{
	spin_lock_init(&krcp->lock);
	for (int i = 0; i < KFREE_N_BATCHES; i++) {
		krcp->krw_arr[i].krcp = krcp;
		for (int j = 0; j < FREE_N_CHANNELS; j++)
			INIT_LIST_HEAD(&krcp->krw_arr[i].bulk_head_free[j]);
	}
	for (int i = 0; i < FREE_N_CHANNELS; i++)
		INIT_LIST_HEAD(&krcp->bulk_head[i]);
}

/* The kernel's kvfree_rcu_init(), on first use. NULL if there is no memory for it. */
static noinline struct kfree_rcu_cpu *krc_init(void)
{
	struct kfree_rcu_cpu *all;

	kmm_ensure_init();
	spin_lock(&krc_init_lock);
	all = atomic_load_explicit(&krc, memory_order_acquire);
	if (!all) {
		all = port_metadata_alloc(sizeof(*all) * nr_cpu_ids);
		if (all) {
			for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
				krc_setup(&all[cpu]);
			atomic_store_explicit(&krc, all, memory_order_release);
		}
	}
	spin_unlock(&krc_init_lock);
	return all;
}

static inline struct kfree_rcu_cpu *krc_all(void)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire);

	return likely(all) ? all : krc_init();
}

#define for_each_krcp(krcp, all) for (krcp = (all); krcp < (all) + nr_cpu_ids; krcp++)

static struct kfree_rcu_cpu *krc_this_cpu_lock(struct kfree_rcu_cpu *all, unsigned long *flags)
{
	struct kfree_rcu_cpu *krcp = &all[smp_processor_id()];

	spin_lock_irqsave(&krcp->lock, *flags);
	return krcp;
}

static int krc_count(struct kfree_rcu_cpu *krcp)
{
	int sum = krcp->head_count;

	for (int i = 0; i < FREE_N_CHANNELS; i++)
		sum += krcp->bulk_count[i];
	return sum;
}

/* Objects not yet in a batch (krcp->lock held). */
static bool need_offload_krc(struct kfree_rcu_cpu *krcp)
{
	for (int i = 0; i < FREE_N_CHANNELS; i++)
		if (!list_empty(&krcp->bulk_head[i]))
			return true;
	return krcp->head != NULL;
}

/* The batch still holds objects of an earlier grace period (krcp->lock held). */
static bool need_wait_for_krwp_work(struct kfree_rcu_cpu_work *krwp)
{
	for (int i = 0; i < FREE_N_CHANNELS; i++)
		if (!list_empty(&krwp->bulk_head_free[i]))
			return true;
	return krwp->head_free != NULL;
}

/* ==== the page cache ========================================================================== */

static struct kvfree_rcu_bulk_data *get_cached_bnode(struct kfree_rcu_cpu *krcp)
{
	struct bkv_cache_node *node = krcp->bkvcache;

	if (!node)
		return NULL;
	krcp->bkvcache = node->next;
	krcp->nr_bkv_objs--;
	return (struct kvfree_rcu_bulk_data *)node;
}

static bool put_cached_bnode(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode)
{
	struct bkv_cache_node *node = (struct bkv_cache_node *)bnode;

	if (krcp->nr_bkv_objs >= rcu_min_cached_objs)
		return false;
	node->next = krcp->bkvcache;
	krcp->bkvcache = node;
	krcp->nr_bkv_objs++;
	return true;
}

/* A page for pointers: light reclaim at most, no reserves, no warning (there is a fallback). */
static struct kvfree_rcu_bulk_data *bnode_alloc(void)
{
	void *page = (void *)__get_free_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOMEMALLOC |
					     __GFP_NOWARN);

	/*
	 * Held only from the per-CPU state, which is port metadata that kmemleak does not
	 * read (the kernel's kmemleak scans per-CPU areas and does not track pages): never a
	 * leak, and its pointers keep the objects that wait for a grace period referenced.
	 */
	kmemleak_not_leak(page);
	return page;
}

/* fill_page_cache_func(): top the cache up to rcu_min_cached_objs pages. */
static void fill_page_cache(struct kfree_rcu_cpu *krcp)
{
	unsigned long flags;
	bool pushed;

	for (int i = READ_ONCE(krcp->nr_bkv_objs); i < rcu_min_cached_objs; i++) {
		struct kvfree_rcu_bulk_data *bnode = bnode_alloc();

		if (!bnode)
			break;
		spin_lock_irqsave(&krcp->lock, flags);
		pushed = put_cached_bnode(krcp, bnode);
		spin_unlock_irqrestore(&krcp->lock, flags);
		if (!pushed) {
			free_page((unsigned long)bnode);
			break;
		}
	}
}

/* Give the cached pages back (the shrinker). Returns the pages freed. */
static int drain_page_cache(struct kfree_rcu_cpu *krcp)
{
	struct bkv_cache_node *list, *next;
	unsigned long flags;
	int freed = 0;

	spin_lock_irqsave(&krcp->lock, flags);
	list = krcp->bkvcache;
	krcp->bkvcache = NULL;
	krcp->nr_bkv_objs = 0;
	spin_unlock_irqrestore(&krcp->lock, flags);
	for (; list; list = next, freed++) {
		next = list->next;
		free_page((unsigned long)list);
	}
	return freed;
}

/* ==== after the grace period ====================================================================== */

static void kvfree_rcu_bulk(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode, int idx)
{
	unsigned long flags;

	if (idx == 0) {
		kfree_bulk(bnode->nr_records, bnode->records);
	} else {
		for (unsigned long i = 0; i < bnode->nr_records; i++)
			vfree(bnode->records[i]);
	}
	spin_lock_irqsave(&krcp->lock, flags);
	if (put_cached_bnode(krcp, bnode))
		bnode = NULL;
	spin_unlock_irqrestore(&krcp->lock, flags);
	if (bnode)
		free_page((unsigned long)bnode);
}

/* Channel 3: each rcu_head's func word holds the object it is part of. */
static void kvfree_rcu_list(struct rcu_head *head)
{
	struct rcu_head *next;

	for (; head; head = next) {
		void *ptr = (void *)head->func;

		next = head->next;
		kvfree(ptr);
	}
}

/* A batch's grace period is over (the kernel's kfree_rcu_work, on the RCU thread). */
static void kfree_rcu_work(struct rcu_head *rcu)
{
	struct kfree_rcu_cpu_work *krwp = container_of(rcu, struct kfree_rcu_cpu_work, rcu_head);
	struct kfree_rcu_cpu *krcp = krwp->krcp;
	struct list_head bulk_head[FREE_N_CHANNELS];
	struct kvfree_rcu_bulk_data *bnode, *n;
	struct rcu_head *head;
	unsigned long flags;

	spin_lock_irqsave(&krcp->lock, flags);
	for (int i = 0; i < FREE_N_CHANNELS; i++) {
		INIT_LIST_HEAD(&bulk_head[i]);
		list_splice_init(&krwp->bulk_head_free[i], &bulk_head[i]);
	}
	head = krwp->head_free;
	krwp->head_free = NULL;
	spin_unlock_irqrestore(&krcp->lock, flags);

	for (int i = 0; i < FREE_N_CHANNELS; i++)
		list_for_each_entry_safe(bnode, n, &bulk_head[i], list)
			kvfree_rcu_bulk(krcp, bnode, i);
	kvfree_rcu_list(head);
	atomic_fetch_sub_explicit(&batches_in_flight, 1, memory_order_release);
}

/* ==== batching ====================================================================================== */

/*
 * Move what @krcp collected into a free batch and queue the batch for a grace period.
 * Returns true if a batch was queued; false if there was nothing, or no free batch.
 */
static bool kvfree_rcu_queue_batch(struct kfree_rcu_cpu *krcp)
{
	unsigned long flags;
	bool queued = false;

	spin_lock_irqsave(&krcp->lock, flags);
	for (int i = 0; i < KFREE_N_BATCHES && need_offload_krc(krcp); i++) {
		struct kfree_rcu_cpu_work *krwp = &krcp->krw_arr[i];

		if (need_wait_for_krwp_work(krwp))
			continue;
		for (int j = 0; j < FREE_N_CHANNELS; j++) {
			krcp->bulk_count[j] = 0;
			list_splice_init(&krcp->bulk_head[j], &krwp->bulk_head_free[j]);
		}
		krwp->head_free = krcp->head;
		krcp->head_count = 0;
		krcp->head = NULL;
		atomic_fetch_add_explicit(&batches_in_flight, 1, memory_order_relaxed);
		call_rcu(&krwp->rcu_head, kfree_rcu_work);
		queued = true;
		break;
	}
	spin_unlock_irqrestore(&krcp->lock, flags);
	return queued;
}

/*
 * Queue the monitor for @krcp (krcp->lock held): in KFREE_DRAIN_JIFFIES, or in one jiffy
 * once a page's worth waits. Returns true if the kfree_rcu thread must be woken.
 */
static bool __schedule_delayed_monitor_work(struct kfree_rcu_cpu *krcp)
{
	bool full = krc_count(krcp) >= (int)KVFREE_BULK_MAX_ENTR;
	uint64_t expires;

	/* already queued, and at most KFREE_DRAIN_JIFFIES away: the common case */
	if (krcp->monitor_expires && !full)
		return false;
	expires = port_clock_ns() + (full ? 1 : KFREE_DRAIN_JIFFIES) * JIFFY_NS;
	if (krcp->monitor_expires && krcp->monitor_expires <= expires)
		return false;
	krcp->monitor_expires = expires;
	return true;
}

/* The kernel's kfree_rcu_monitor(): batch what waits; come back while something still does. */
static void kfree_rcu_monitor(struct kfree_rcu_cpu *krcp)
{
	unsigned long flags;

	kvfree_rcu_queue_batch(krcp);
	spin_lock_irqsave(&krcp->lock, flags);
	/* both batches busy: try again later, as the kernel re-arms its work */
	if (need_offload_krc(krcp))
		__schedule_delayed_monitor_work(krcp);
	spin_unlock_irqrestore(&krcp->lock, flags);
}

/* ==== the kfree_rcu thread ============================================================================ */

/* Run the monitors that are due and the wanted cache refills; the next due time, or 0. */
static uint64_t reclaim_run_due(struct kfree_rcu_cpu *all)
{
	struct kfree_rcu_cpu *krcp;
	uint64_t next = 0;

	for_each_krcp(krcp, all)
	{
		uint64_t now = port_clock_ns(), expires;
		bool due, fill;
		unsigned long flags;

		spin_lock_irqsave(&krcp->lock, flags);
		expires = krcp->monitor_expires;
		due = expires && expires <= now;
		if (due)
			krcp->monitor_expires = 0;
		fill = krcp->page_cache_wanted;
		krcp->page_cache_wanted = false;
		spin_unlock_irqrestore(&krcp->lock, flags);

		if (fill)
			fill_page_cache(krcp);
		if (due)
			kfree_rcu_monitor(krcp);
		spin_lock_irqsave(&krcp->lock, flags);
		expires = krcp->monitor_expires;
		spin_unlock_irqrestore(&krcp->lock, flags);
		if (expires && (!next || expires < next))
			next = expires;
	}
	return next;
}

static void kfree_rcu_thread(void *arg)
{
	struct kfree_rcu_cpu *all = arg;

	/* here, not at the first kfree_rcu(), which may come from atomic context */
	if (!kfree_rcu_shrinker)
		kfree_rcu_shrinker_register();
	while (atomic_load_explicit(&reclaim_running, memory_order_acquire)) {
		unsigned int seq = wait_prepare(&reclaim_wait);
		uint64_t next = reclaim_run_due(all), now = port_clock_ns();

		if (next && next <= now) {
			wait_cancel(&reclaim_wait);
			continue;
		}
		wait_sleep(&reclaim_wait, seq, next ? next - now : 0);
	}
}

/* Start the thread on first use (never with a lock held), then wake it. */
static void reclaim_kick(struct kfree_rcu_cpu *all)
{
	if (unlikely(!atomic_load_explicit(&reclaim_running, memory_order_acquire))) {
		bool expected = false;

		if (atomic_compare_exchange_strong(&reclaim_running, &expected, true)) {
			if (port_thread_create(&reclaim_thread, kfree_rcu_thread, all,
					       "kfree_rcu")) {
				atomic_store(&reclaim_running, false);
				pr_err("kmm: cannot start the kfree_rcu thread\n");
			}
		}
	}
	wake_up_all(&reclaim_wait);
}

/* ==== kvfree_call_rcu() ================================================================================ */

/*
 * Record @ptr in a page of this CPU's; krcp->lock is held on return. Only the head-less
 * form may allocate a page (it may sleep); the other takes a cached one or fails.
 */
static bool add_ptr_to_bulk_krc_lock(struct kfree_rcu_cpu *all, struct kfree_rcu_cpu **krcp,
				     unsigned long *flags, void *ptr, bool can_alloc)
{
	struct kvfree_rcu_bulk_data *bnode;
	int idx = is_vmalloc_addr(ptr);

	*krcp = krc_this_cpu_lock(all, flags);
	bnode = list_first_entry_or_null(&(*krcp)->bulk_head[idx], struct kvfree_rcu_bulk_data,
					 list);
	if (!bnode || bnode->nr_records == KVFREE_BULK_MAX_ENTR) {
		bnode = get_cached_bnode(*krcp);
		if (!bnode && can_alloc) {
			spin_unlock_irqrestore(&(*krcp)->lock, *flags);
			bnode = bnode_alloc();
			spin_lock_irqsave(&(*krcp)->lock, *flags);
		}
		if (!bnode)
			return false;
		bnode->nr_records = 0;
		list_add(&bnode->list, &(*krcp)->bulk_head[idx]);
	}
	bnode->records[bnode->nr_records++] = ptr;
	(*krcp)->bulk_count[idx]++;
	return true;
}

/* Without the per-CPU state (no memory for it): what a kernel without batching does. */
static void kvfree_rcu_cb(struct rcu_head *head)
{
	kvfree((void *)head->func);
}

void kvfree_call_rcu(struct rcu_head *head, void *ptr)
{
	struct kfree_rcu_cpu *all, *krcp;
	unsigned long flags;
	bool success, kick = false;

	/* the head-less form waits for a grace period when it has no page: it may sleep */
	if (!head)
		might_sleep();
	all = krc_all();
	if (unlikely(!all)) {
		success = head != NULL;
		if (head) {
			head->func = (rcu_callback_t)ptr;
			call_rcu(head, kvfree_rcu_cb);
		}
		goto out;
	}
	success = add_ptr_to_bulk_krc_lock(all, &krcp, &flags, ptr, !head);
	if (!success) {
		krcp->page_cache_wanted = true;
		kick = true;
		if (!head)
			goto unlock_return;
		head->func = (rcu_callback_t)ptr;
		head->next = krcp->head;
		krcp->head = head;
		krcp->head_count++;
		success = true;
	}
	kick |= __schedule_delayed_monitor_work(krcp);
unlock_return:
	spin_unlock_irqrestore(&krcp->lock, flags);
	if (kick)
		reclaim_kick(all);
out:
	if (!success) {
		synchronize_rcu();
		kvfree(ptr);
	}
}

/*
 * Wait until every object queued before the call is freed: batch what every CPU holds
 * (after its earlier batches, if both are busy), then wait for the callbacks.
 */
void kvfree_rcu_barrier(void)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;
	unsigned long flags;

	if (!all)
		return;
	might_sleep();
	for_each_krcp(krcp, all)
	{
		for (;;) {
			bool pending;

			if (kvfree_rcu_queue_batch(krcp))
				break;
			spin_lock_irqsave(&krcp->lock, flags);
			pending = need_offload_krc(krcp);
			spin_unlock_irqrestore(&krcp->lock, flags);
			if (!pending)
				break;
			rcu_barrier(); /* both batches in flight: let them finish */
		}
	}
	if (atomic_load_explicit(&batches_in_flight, memory_order_acquire))
		rcu_barrier();
}

/* ==== the shrinker ======================================================================================= */

static unsigned long kfree_rcu_shrink_count(struct shrinker *shrink, struct shrink_control *sc)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;
	unsigned long count = 0;

	if (!all)
		return SHRINK_EMPTY;
	for_each_krcp(krcp, all)
	{
		unsigned long flags;

		spin_lock_irqsave(&krcp->lock, flags);
		count += (unsigned long)krc_count(krcp) + (unsigned long)krcp->nr_bkv_objs;
		spin_unlock_irqrestore(&krcp->lock, flags);
	}
	return count ? count : SHRINK_EMPTY;
}

static unsigned long kfree_rcu_shrink_scan(struct shrinker *shrink, struct shrink_control *sc)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;
	unsigned long freed = 0;

	if (!all)
		return SHRINK_STOP;
	for_each_krcp(krcp, all)
	{
		unsigned long flags, count;

		spin_lock_irqsave(&krcp->lock, flags);
		count = (unsigned long)krc_count(krcp);
		spin_unlock_irqrestore(&krcp->lock, flags);
		count += (unsigned long)drain_page_cache(krcp);
		kfree_rcu_monitor(krcp);
		freed += count;
		if (count >= sc->nr_to_scan)
			break;
		sc->nr_to_scan -= count;
	}
	return freed ? freed : SHRINK_STOP;
}

static void kfree_rcu_shrinker_register(void)
{
	kfree_rcu_shrinker = shrinker_alloc(0, "slab-kvfree-rcu");
	if (!kfree_rcu_shrinker) {
		pr_err("Failed to allocate kfree_rcu() shrinker!\n");
		return;
	}
	kfree_rcu_shrinker->count_objects = kfree_rcu_shrink_count;
	kfree_rcu_shrinker->scan_objects = kfree_rcu_shrink_scan;
	shrinker_register(kfree_rcu_shrinker);
}

/* ==== fork ==================================================================================================== */

/* Every CPU's lists are consistent across fork(): their locks are held over it. */
void kvfree_rcu_fork_prepare(void)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;

	spin_lock(&krc_init_lock);
	if (all)
		for_each_krcp(krcp, all) spin_lock(&krcp->lock);
}

static void krc_unlock_all(void)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;

	if (all)
		for_each_krcp(krcp, all) spin_unlock(&krcp->lock);
	spin_unlock(&krc_init_lock);
}

void kvfree_rcu_fork_parent(void)
{
	krc_unlock_all();
}

/*
 * The child has no kfree_rcu thread: it starts again on the next kick, and now if the
 * child inherited objects waiting for their monitor.
 */
void kvfree_rcu_fork_child(void)
{
	struct kfree_rcu_cpu *all = atomic_load_explicit(&krc, memory_order_acquire), *krcp;
	bool pending = false;

	krc_unlock_all();
	reclaim_thread = NULL;
	atomic_store(&reclaim_running, false);
	atomic_store(&reclaim_wait.waiters, 0);
	if (!all)
		return;
	for_each_krcp(krcp, all) pending |= krcp->monitor_expires != 0;
	if (pending)
		reclaim_kick(all);
}
