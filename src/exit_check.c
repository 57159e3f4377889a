/* SPDX-License-Identifier: MIT */
/*
 * exit_check.c - KMM_CHECK_AT_EXIT: when the process exits normally, kmm checks itself.
 *
 * A kernel never exits, so it has no such check; a test program does, and its end is the
 * one moment when "is everything consistent, and what was lost?" has a sharp answer.
 * The check runs the allocators' own consistency checks (buddy lists, every slab, the
 * vmap trees), hands back everything that is only cached (RCU callbacks run, lazily freed
 * vmalloc areas purged, every cache shrunk, the per-CPU page lists drained) and, with
 * kmemleak on, names each object lost - the roots of what nothing points to any more -
 * with the caller that asked for it:
 *
 *   kmm: exit check: unreferenced object 0x7f...(size 128) from leak+0x1a/0x33 [/path/prog+0xcb6a]
 *   kmm: exit check: 44 pages in use (37 after start-up): slab 41, vmalloc 1, other 2; 0 problems, 1 leaks
 *
 * The file and offset are for addr2line: scripts/faultinj-suite.py tells kmm's own leaks
 * (a caller in src/) from the program's by them. The one idea: the check is silent when
 * all is well, so a program's output stays its own. The exit status becomes 125 when the
 * consistency checks found a problem; with KMM_CHECK_AT_EXIT=strict also when anything
 * leaked or more pages are in use than at the end of start-up.
 */
#include <linux/rcupdate.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "slab.h"

#define EXIT_CHECK_STATUS 125 /* the exit status of a failed check */

static unsigned long pages_after_startup;

/* One pass of handing back what is only cached; returns the pages still allocated. */
static unsigned long hand_back_cached(void)
{
	static struct kmem_cache *caches[SLAB_MAX_CACHES];
	struct kmm_page_stats st;
	struct kmem_cache *s;
	int n = 0;

	vm_unmap_aliases();
	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list)
		caches[n++] = s;
	mutex_unlock(&slab_mutex);
	for (int i = 0; i < n; i++)
		kmem_cache_shrink(caches[i]);
	drain_all_pages(NULL);
	kmm_page_stats(&st);
	return st.allocated;
}

/*
 * Until nothing changes: shrinking one cache frees objects (a sheaf, a vmap_area) to
 * another, and RCU callbacks queued by the frees free more.
 */
unsigned long pages_in_use_quiesced(void)
{
	unsigned long last = ~0UL, now = 0;

	for (int i = 0; i < 10; i++) {
		rcu_barrier();
		kvfree_rcu_barrier();
		now = hand_back_cached();
		if (now == last)
			break;
		last = now;
	}
	return now;
}

/* The caches that still have objects in use, as slabinfo names them. */
static void show_caches_in_use(void)
{
	struct kmem_cache *s;

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		struct slabinfo sinfo = { 0 };

		slab_ops->get_slabinfo(s, &sinfo);
		if (sinfo.active_objs)
			pr_err("kmm: exit check:   %s: %lu objects in use, %lu slabs\n", s->name,
			       sinfo.active_objs, sinfo.num_slabs);
	}
	mutex_unlock(&slab_mutex);
}

static int run_consistency_checks(void)
{
	int problems = kmm_check_page_alloc() + kmm_slab_validate(NULL);

	if (vmap_tree_check(NULL))
		problems++;
	return problems;
}

/* "unreferenced object 0x... (size N) from caller+0x12/0x40 [file+0x1234]" */
static void show_leak(unsigned long ptr, size_t size, unsigned long caller)
{
	char sym[128], where[256];

	port_symbolize((void *)caller, sym, sizeof(sym));
	port_code_location((void *)caller, where, sizeof(where));
	pr_err("kmm: exit check: unreferenced object 0x%lx (size %zu) from %s [%s]\n", ptr, size,
	       sym, where);
}

/*
 * The checks and the hand-back leave page and object addresses in dead frames below
 * this one, and kmemleak reads the whole stack from where it runs: clear them first.
 * Uninstrumented, so that no sanitizer red zone leaves part of the buffer unwritten.
 */
static noinline __attribute__((no_sanitize_address)) void clear_dead_stack(void)
{
	volatile unsigned char frames[16384];

	for (size_t i = 0; i < sizeof(frames); i++)
		frames[i] = 0;
}

static void exit_check(void)
{
	bool strict = kmm_cfg.check_at_exit > 1;
	/* first, on the state the program left: shrinking a damaged slab would spread it */
	int problems = run_consistency_checks();
	unsigned long pages = pages_in_use_quiesced();
	unsigned long slab = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
			     global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	unsigned long vmalloc = global_node_page_state(NR_VMALLOC);
	bool held = strict && pages > pages_after_startup;
	int leaks;

	clear_dead_stack();
	leaks = kmemleak_exit_leaks(show_leak);
	if (!problems && !held && !leaks)
		return; /* silent when all is well: the program's own output stays its own */
	pr_err("kmm: exit check: %lu pages in use (%lu after start-up): slab %lu, vmalloc %lu, "
	       "other %lu; %d problems, %d leaks\n",
	       pages, pages_after_startup, slab, vmalloc, pages - min(pages, slab + vmalloc),
	       problems, leaks);
	if (held)
		show_caches_in_use();
	if (problems || (strict && (held || leaks)))
		port_exit(EXIT_CHECK_STATUS);
}

void exit_check_init(void)
{
	if (kmm_cfg.check_at_exit <= 0)
		return;
	pages_after_startup = pages_in_use_quiesced();
	port_exit_register(exit_check);
}
