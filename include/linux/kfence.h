/* SPDX-License-Identifier: MIT */
/*
 * kfence.h - KFENCE, the sampling memory-safety error detector, as the kernel's
 * include/linux/kfence.h: is_kfence_address() and the hooks the slab layer calls.
 *
 * Every sample_interval ms (KMM_KFENCE_SAMPLE_INTERVAL, kfence.sample_interval; 0, the
 * default, leaves KFENCE off) the next slab allocation is served from the KFENCE pool:
 * an object alone in its page, at a random end of it, between guard pages, so that an
 * out-of-bounds or use-after-free access faults and is reported. Objects come back
 * through kfree()/kmem_cache_free() as any other.
 */
#ifndef KMM_LINUX_KFENCE_H
#define KMM_LINUX_KFENCE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/gfp_types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kmem_cache;

/* The pool: (CONFIG_KFENCE_NUM_OBJECTS + 1) * 2 pages; NULL while KFENCE is off. */
extern char *__kfence_pool;
extern unsigned long kfence_pool_size;

/* Is @addr in the KFENCE pool (an object, its canaries or a guard page)? */
static inline bool is_kfence_address(const void *addr)
{
	return __builtin_expect((unsigned long)((const char *)addr - __kfence_pool) <
						kfence_pool_size &&
					__kfence_pool,
				0);
}

/* The size the object at @addr was allocated with (ksize()), or 0 if it is none. */
size_t kfence_ksize(const void *addr);

/* The start of the KFENCE object that contains @addr, or NULL. */
void *kfence_object_start(const void *addr);

/* Free a KFENCE object (the caller checked is_kfence_address()); reports bad frees. */
void __kfence_free(void *addr);

/* Free @addr if it is a KFENCE object: true if it was (then the caller does nothing). */
static inline bool kfence_free(void *addr)
{
	if (!is_kfence_address(addr))
		return false;
	__kfence_free(addr);
	return true;
}

/*
 * A faulting access to @addr: report it and make the page accessible if it is in the
 * pool (true), or leave it (false). The port's fault handler calls it.
 */
bool kfence_handle_page_fault(unsigned long addr, bool is_write, void *ip);

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_KFENCE_H */
