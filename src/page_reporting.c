/* SPDX-License-Identifier: MIT */
/*
 * page_reporting.c - free page reporting (the kernel's mm/page_reporting.c): free
 * blocks of page_reporting_order and up (max-order by default) are given back to the
 * host so that memory freed by the program is memory the machine gets back, as a
 * balloon driver reports free pages to a hypervisor.
 *
 * A freed block that merges up to page_reporting_order bumps a pending count
 * (zone->lock is held then, so nothing else happens there). Once
 * PAGE_REPORTING_CAPACITY blocks are pending, the next lock-free point requests a
 * report; it waits the reporting delay (the kernel's PAGE_REPORTING_DELAY, 2 s) so that
 * short-lived frees are not reported, then isolates unreported blocks one at a time,
 * lowest order first as the kernel (taking them off the free lists, so nobody allocates
 * them meanwhile), discards their backing through the port with no lock held, and puts
 * them back marked PG_reported. A reported block that gets allocated loses the mark.
 * The order and the delay are settings (kmm_config, KMM_PAGE_REPORTING_ORDER and
 * KMM_PAGE_REPORTING_DELAY); the malloc shim chooses smaller ones than a VM's.
 *
 * The request is the kernel's three-state machine (__page_reporting_request()): idle,
 * requested, active. Only the step from idle wakes the worker; every other request is
 * one atomic load, so a program that frees large blocks in a loop does not wake the
 * worker on each free, and a request made while a report runs is served by one more
 * report after the delay.
 */
#include "internal.h"

#define PAGE_REPORTING_CAPACITY 32
#define NSEC_PER_MSEC		1000000ULL

enum page_reporting_state {
	PAGE_REPORTING_IDLE,
	PAGE_REPORTING_REQUESTED,
	PAGE_REPORTING_ACTIVE,
};

_Atomic int page_reporting_pending;
static _Atomic int reporting_state; /* enum page_reporting_state */
static _Atomic int reporting_enabled;
static _Atomic bool reporting_stop;
static struct wait_queue_head reporting_wait;
static struct port_thread *reporting_thread;
static _Atomic bool worker_started;
/* page_reporting.page_reporting_order= and the delay, from kmm_cfg at start-up */
static unsigned int page_reporting_order = MAX_PAGE_ORDER;
static uint64_t reporting_delay_ns = 2000 * NSEC_PER_MSEC;

void page_reporting_notify_free(unsigned int order)
{
	if (order < page_reporting_order ||
	    !atomic_load_explicit(&reporting_enabled, memory_order_relaxed))
		return;
	atomic_fetch_add_explicit(&page_reporting_pending, 1, memory_order_relaxed);
}

static unsigned long report_free_list(struct zone *zone, unsigned int order)
{
	unsigned long reported = 0;

	for (;;) {
		struct page *page;
		int mt;

		spin_lock(&zone->lock);
		page = page_alloc_isolate_unreported(zone, order, &mt);
		spin_unlock(&zone->lock);
		if (!page)
			break;
		port_ram_discard(page_to_pfn(page), 1UL << order);
		spin_lock(&zone->lock);
		page_alloc_putback_reported(zone, page, order, mt);
		spin_unlock(&zone->lock);
		reported += 1UL << order;
	}
	return reported;
}

/* page_reporting_process_zone(): each free list from page_reporting_order up. */
static unsigned long report_zone(struct zone *zone)
{
	unsigned long reported = 0;

	for (unsigned int order = page_reporting_order; order <= MAX_PAGE_ORDER; order++)
		reported += report_free_list(zone, order);
	return reported;
}

unsigned long page_reporting_process(void)
{
	struct zone *zone;
	unsigned long reported = 0;

	kmm_ensure_init();
	atomic_store(&page_reporting_pending, 0);
	for_each_populated_zone(zone)
		reported += report_zone(zone);
	return reported;
}

unsigned long kmm_page_reporting_flush(void)
{
	drain_all_pages(NULL);
	return page_reporting_process();
}

/*
 * Let short-lived frees be reallocated before their memory is given away: a full
 * delay, whatever kicks arrive meanwhile (only a stop cuts it short).
 */
static void reporting_delay(void)
{
	uint64_t end = port_clock_ns() + reporting_delay_ns, now;

	while (!atomic_load(&reporting_stop) && (now = port_clock_ns()) < end) {
		unsigned int seq = wait_prepare(&reporting_wait);

		wait_sleep(&reporting_wait, seq, end - now);
	}
}

/* The report is done: idle again, unless a request came meanwhile (then report again). */
static bool reporting_requested_again(void)
{
	int state = PAGE_REPORTING_ACTIVE;

	return !atomic_compare_exchange_strong(&reporting_state, &state, PAGE_REPORTING_IDLE);
}

static void page_reporting_worker(void *arg)
{
	while (!atomic_load(&reporting_stop)) {
		unsigned int seq = wait_prepare(&reporting_wait);

		if (atomic_load(&reporting_state) != PAGE_REPORTING_REQUESTED) {
			wait_sleep(&reporting_wait, seq, 0);
			continue;
		}
		wait_cancel(&reporting_wait);
		do {
			reporting_delay();
			if (atomic_load(&reporting_stop))
				return;
			atomic_store(&reporting_state, PAGE_REPORTING_ACTIVE);
			page_reporting_process();
		} while (reporting_requested_again());
	}
}

/*
 * Started on first need, not at start-up: most programs never free a max-order block.
 * False if it cannot be started (the next request tries again).
 */
static bool start_worker(void)
{
	if (!atomic_exchange(&worker_started, true) &&
	    port_thread_create(&reporting_thread, page_reporting_worker, NULL, "page_reporting")) {
		atomic_store(&worker_started, false);
		return false;
	}
	return true;
}

/* __page_reporting_request(): only a request that finds the worker idle wakes it. */
void page_reporting_kick_slow(void)
{
	if (atomic_load(&page_reporting_pending) < PAGE_REPORTING_CAPACITY ||
	    atomic_load_explicit(&reporting_state, memory_order_relaxed) ==
		    PAGE_REPORTING_REQUESTED ||
	    atomic_exchange(&reporting_state, PAGE_REPORTING_REQUESTED) != PAGE_REPORTING_IDLE)
		return;
	if (!atomic_load(&worker_started) && !start_worker()) {
		atomic_store(&reporting_state, PAGE_REPORTING_IDLE);
		return;
	}
	wake_up_all(&reporting_wait);
}

void page_reporting_init(void)
{
	page_reporting_order =
		kmm_cfg.page_reporting_order > 0 ? (unsigned int)kmm_cfg.page_reporting_order : 0;
	reporting_delay_ns = kmm_cfg.page_reporting_delay_ms > 0 ?
				     (uint64_t)kmm_cfg.page_reporting_delay_ms * NSEC_PER_MSEC :
				     0;
	atomic_store(&reporting_enabled, kmm_cfg.page_reporting > 0);
}

void page_reporting_forget(void)
{
	reporting_thread = NULL;
	atomic_store(&worker_started, false);
	atomic_store(&reporting_state, PAGE_REPORTING_IDLE);
	atomic_store(&reporting_wait.waiters, 0);
}
