/* SPDX-License-Identifier: MIT */
/*
 * highmem.c - temporary mappings of highmem pages (the kernel's mm/highmem.c) and the
 * page_address() of a highmem page.
 *
 * The 32-bit layout (KMM_LAYOUT=x86_32) keeps the frames above max_low_pfn out of the
 * direct map: page_address() gives NULL for them unless kmap() holds them in the pkmap
 * window. Two windows are reserved from the port on first use:
 *
 *  - pkmap: LAST_PKMAP pages. kmap_high() finds the page's entry through a small hash
 *    of frame numbers (the kernel's page_address_htable) or takes a free entry, maps the
 *    frame there with port_map_pages() and counts the users; kunmap_high() unmaps the
 *    entry when its last user goes (the kernel defers that to the next wrap of the
 *    window; unmapping at once keeps page_address() exact). When all entries are in use
 *    kmap_high() sleeps until one is freed, as the kernel's does.
 *  - kmap_local: KMAP_LOCAL_AREAS areas of KM_MAX_IDX pages. A thread claims an area
 *    when its first kmap_local mapping is made and gives it back when its last one is
 *    unmapped, so the areas stand in for the kernel's per-CPU fixmap slots without a
 *    hook at thread exit. Mappings are a stack: kunmap_local() must name the top one.
 *
 * If the port cannot alias frames (port_map_pages() fails), kmap falls back to the
 * port's direct map, which still covers all RAM in a hosted process.
 */
#include <linux/highmem.h>

#include "internal.h"

#define PA_HASH_ORDER	 7
#define PA_HASH_SIZE	 (1 << PA_HASH_ORDER)
#define KMAP_LOCAL_AREAS 64
#define KMAP_PROT	 (PORT_PROT_READ | PORT_PROT_WRITE)

unsigned long pkmap_base;
static unsigned long kmap_local_base;
static _Atomic int kmap_windows_ready;
static _Atomic bool kmap_use_direct_map;

static spinlock_t kmap_lock = SPIN_LOCK_UNLOCKED;
static struct wait_queue_head pkmap_map_wait;
static int pkmap_count[LAST_PKMAP];		/* users of each entry; 0: free */
static unsigned long pkmap_pfn[LAST_PKMAP];	/* the frame an entry maps */
static short pkmap_next[LAST_PKMAP];		/* hash chain; -1 ends it */
static short page_address_htable[PA_HASH_SIZE]; /* first entry of each chain, or -1 */
static unsigned int last_pkmap_nr;
static _Atomic unsigned int pkmap_in_use;

static _Atomic unsigned long kmap_local_areas_used[KMAP_LOCAL_AREAS / 64];
static struct wait_queue_head kmap_local_wait;
static port_thread_local int kmap_local_area = -1;
static port_thread_local int kmap_local_idx;

static unsigned int pa_hash(unsigned long pfn)
{
	return (unsigned int)((pfn * 0x9e3779b97f4a7c15UL) >> (64 - PA_HASH_ORDER));
}

/* Reserve both windows once; on failure kmap uses the direct map. */
static void kmap_windows_init(void)
{
	void *pk, *local;

	if (atomic_load_explicit(&kmap_windows_ready, memory_order_acquire))
		return;
	spin_lock(&kmap_lock);
	if (!atomic_load_explicit(&kmap_windows_ready, memory_order_relaxed)) {
		for (int i = 0; i < PA_HASH_SIZE; i++)
			page_address_htable[i] = -1;
		pk = port_vm_reserve(LAST_PKMAP * PAGE_SIZE, PAGE_SIZE);
		local = port_vm_reserve(KMAP_LOCAL_AREAS * KM_MAX_IDX * PAGE_SIZE, PAGE_SIZE);
		if (!port_ram_aliases()) { /* anonymous RAM: one mapping of a frame only */
			port_vm_release(pk, LAST_PKMAP * PAGE_SIZE);
			port_vm_release(local, KMAP_LOCAL_AREAS * KM_MAX_IDX * PAGE_SIZE);
			kmap_use_direct_map = true;
		} else if (!pk || !local) {
			pr_warn("kmm: no address space for the kmap windows: using the direct "
				"map\n");
			port_vm_release(pk, LAST_PKMAP * PAGE_SIZE);
			port_vm_release(local, KMAP_LOCAL_AREAS * KM_MAX_IDX * PAGE_SIZE);
			kmap_use_direct_map = true;
		} else {
			pkmap_base = (unsigned long)pk;
			kmap_local_base = (unsigned long)local;
		}
		atomic_store_explicit(&kmap_windows_ready, 1, memory_order_release);
	}
	spin_unlock(&kmap_lock);
}

static void direct_map_fallback(void)
{
	WARN_ONCE(1, "kmm: the port cannot alias page frames: kmap uses the direct map\n");
	kmap_use_direct_map = true;
}

/* The pkmap entry holding @pfn, or -1. Called with kmap_lock held. */
static int pkmap_lookup(unsigned long pfn)
{
	for (int nr = page_address_htable[pa_hash(pfn)]; nr >= 0; nr = pkmap_next[nr])
		if (pkmap_pfn[nr] == pfn)
			return nr;
	return -1;
}

static void pkmap_unhash(int nr)
{
	short *link = &page_address_htable[pa_hash(pkmap_pfn[nr])];

	while (*link != nr)
		link = &pkmap_next[*link];
	*link = pkmap_next[nr];
}

/* page_address() of a highmem page: its pkmap address while kmap() holds it, else NULL. */
void *page_address_highmem(const struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	void *vaddr = NULL;
	int nr;

	if (pfn >= max_pfn || !atomic_load_explicit(&pkmap_in_use, memory_order_acquire))
		return NULL;
	if (kmap_use_direct_map)
		return lowmem_page_address(page);
	spin_lock(&kmap_lock);
	nr = pkmap_lookup(pfn);
	if (nr >= 0)
		vaddr = (void *)PKMAP_ADDR(nr);
	spin_unlock(&kmap_lock);
	return vaddr;
}

/* A free entry mapped to @pfn, sleeping while the window is full. Drops kmap_lock to wait. */
static int map_new_virtual(unsigned long pfn)
{
	for (;;) {
		unsigned int seq;
		int nr;

		for (unsigned int count = LAST_PKMAP; count; count--) {
			last_pkmap_nr = (last_pkmap_nr + 1) & LAST_PKMAP_MASK;
			if (!pkmap_count[last_pkmap_nr])
				goto found;
		}
		/* Every entry is in use: wait for a kunmap(), then look again. */
		seq = wait_prepare(&pkmap_map_wait);
		spin_unlock(&kmap_lock);
		wait_sleep(&pkmap_map_wait, seq, 0);
		spin_lock(&kmap_lock);
		/* Somebody else might have mapped our page meanwhile. */
		nr = pkmap_lookup(pfn);
		if (nr >= 0)
			return nr;
		continue;
found:
		nr = (int)last_pkmap_nr;
		if (port_map_pages((void *)PKMAP_ADDR(nr), pfn, 1, KMAP_PROT))
			return -1;
		pkmap_pfn[nr] = pfn;
		pkmap_next[nr] = page_address_htable[pa_hash(pfn)];
		page_address_htable[pa_hash(pfn)] = (short)nr;
		atomic_fetch_add_explicit(&pkmap_in_use, 1, memory_order_release);
		return nr;
	}
}

void *kmap_high(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int nr;

	might_sleep();
	kmap_windows_init();
	if (kmap_use_direct_map)
		return lowmem_page_address(page);
	spin_lock(&kmap_lock);
	nr = pkmap_lookup(pfn);
	if (nr < 0)
		nr = map_new_virtual(pfn);
	if (nr < 0) {
		spin_unlock(&kmap_lock);
		direct_map_fallback();
		return lowmem_page_address(page);
	}
	pkmap_count[nr]++;
	spin_unlock(&kmap_lock);
	return (void *)PKMAP_ADDR(nr);
}

void kunmap_high(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	bool wake = false;
	int nr;

	if (kmap_use_direct_map)
		return;
	spin_lock(&kmap_lock);
	nr = pkmap_lookup(pfn);
	if (WARN_ONCE(nr < 0, "kmm: kunmap() of pfn %lx, which is not kmapped\n", pfn)) {
		spin_unlock(&kmap_lock);
		return;
	}
	if (!--pkmap_count[nr]) {
		port_unmap_pages((void *)PKMAP_ADDR(nr), 1);
		pkmap_unhash(nr);
		atomic_fetch_sub_explicit(&pkmap_in_use, 1, memory_order_release);
		wake = true;
	}
	spin_unlock(&kmap_lock);
	if (wake && waitqueue_active(&pkmap_map_wait))
		wake_up_all(&pkmap_map_wait);
}

unsigned int nr_kmapped_pages(void)
{
	return atomic_load_explicit(&pkmap_in_use, memory_order_relaxed);
}

/* ---- kmap_local ------------------------------------------------------------------------ */

static int kmap_local_claim_area(void)
{
	for (;;) {
		unsigned int seq = wait_prepare(&kmap_local_wait);

		for (int w = 0; w < KMAP_LOCAL_AREAS / 64; w++) {
			unsigned long used = atomic_load_explicit(&kmap_local_areas_used[w],
								  memory_order_relaxed);

			while (~used) {
				int bit = __builtin_ctzl(~used);

				if (atomic_compare_exchange_weak_explicit(
					    &kmap_local_areas_used[w], &used, used | (1UL << bit),
					    memory_order_acquire, memory_order_relaxed)) {
					wait_cancel(&kmap_local_wait);
					return w * 64 + bit;
				}
			}
		}
		/* More threads hold kmap_local mappings than there are areas: wait for one. */
		wait_sleep(&kmap_local_wait, seq, 1000000);
	}
}

static void kmap_local_release_area(int area)
{
	atomic_fetch_and_explicit(&kmap_local_areas_used[area / 64], ~(1UL << (area % 64)),
				  memory_order_release);
	if (waitqueue_active(&kmap_local_wait))
		wake_up_all(&kmap_local_wait);
}

static unsigned long kmap_local_slot(int area, int idx)
{
	return kmap_local_base + ((unsigned long)(area * KM_MAX_IDX + idx) << PAGE_SHIFT);
}

void *__kmap_local_page(struct page *page)
{
	unsigned long vaddr;

	if (!PageHighMem(page))
		return page_address(page);
	kmap_windows_init();
	if (kmap_use_direct_map)
		return lowmem_page_address(page);
	if (WARN_ONCE(kmap_local_idx >= KM_MAX_IDX,
		      "kmm: more than KM_MAX_IDX (%d) nested kmap_local mappings\n", KM_MAX_IDX))
		return lowmem_page_address(page);
	if (!kmap_local_idx)
		kmap_local_area = kmap_local_claim_area();
	vaddr = kmap_local_slot(kmap_local_area, kmap_local_idx);
	if (port_map_pages((void *)vaddr, page_to_pfn(page), 1, KMAP_PROT)) {
		if (!kmap_local_idx) {
			kmap_local_release_area(kmap_local_area);
			kmap_local_area = -1;
		}
		direct_map_fallback();
		return lowmem_page_address(page);
	}
	kmap_local_idx++;
	return (void *)vaddr;
}

void kunmap_local_indexed(const void *vaddr)
{
	unsigned long addr = (unsigned long)vaddr & PAGE_MASK, top;

	/* A lowmem page's (or a fallback's) address: nothing was mapped. */
	if (!kmap_local_base || addr < kmap_local_base ||
	    addr >= kmap_local_base + ((unsigned long)KMAP_LOCAL_AREAS * KM_MAX_IDX << PAGE_SHIFT))
		return;
	if (WARN_ONCE(!kmap_local_idx, "kmm: kunmap_local(%p) without a kmap_local mapping\n",
		      vaddr))
		return;
	top = kmap_local_slot(kmap_local_area, kmap_local_idx - 1);
	WARN_ONCE(addr != top, "kmm: kunmap_local(%p) is not the last mapping (%p): LIFO order\n",
		  vaddr, (void *)top);
	port_unmap_pages((void *)top, 1);
	if (!--kmap_local_idx) {
		kmap_local_release_area(kmap_local_area);
		kmap_local_area = -1;
	}
}

int kmap_local_depth(void)
{
	return kmap_local_idx;
}

/* Hold kmap_lock across fork(), so the child finds the pkmap table whole. */
void highmem_fork_prepare(void)
{
	spin_lock(&kmap_lock);
}

void highmem_fork_release(void)
{
	spin_unlock(&kmap_lock);
}
