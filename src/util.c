/* SPDX-License-Identifier: MIT */
/*
 * util.c - the kvmalloc family (the kernel's mm/util.c): memory that is physically
 * contiguous when that is cheap and only virtually contiguous otherwise.
 *
 * The rules, as a recent kernel's __kvmalloc_node() and kmalloc_gfp_adjust():
 *   1. kmalloc first. Above a page it may not be disruptive, since vmalloc is the fallback:
 *      __GFP_NOWARN, __GFP_NORETRY (unless the caller asked for __GFP_RETRY_MAYFAIL, which
 *      is already "try hard but fail"), and no __GFP_NOFAIL (vmalloc implements that).
 *   2. Success, or a request of a page or less (vmalloc would only waste a page table
 *      and a guard page on it): that is the answer.
 *   3. Non-blocking flags (no __GFP_DIRECT_RECLAIM): vmalloc may sleep, so the kmalloc
 *      answer (NULL) stands.
 *   4. More than INT_MAX bytes: NULL, with a warning unless __GFP_NOWARN.
 *   5. Else vmalloc with the caller's own flags (VM_ALLOW_HUGE_VMAP: the caller can assume
 *      nothing about the mapping anyway).
 * kvfree() tells the two kinds apart by address: is_vmalloc_addr().
 */
#include <linux/vmalloc.h>

#include "internal.h"

#define INT_MAX 0x7fffffff

static gfp_t kmalloc_gfp_adjust(gfp_t flags, size_t size)
{
	if (size > PAGE_SIZE) {
		flags |= __GFP_NOWARN;
		if (!(flags & __GFP_RETRY_MAYFAIL))
			flags |= __GFP_NORETRY;
		/* nofail semantic is implemented by the vmalloc fallback */
		flags &= ~__GFP_NOFAIL;
	}
	return flags;
}

static void *__kvmalloc_node(size_t size, gfp_t flags, int node, const void *caller)
{
	void *ret = __kmalloc_node_track_caller(size, kmalloc_gfp_adjust(flags, size), node,
						(unsigned long)caller);

	if (ret || size <= PAGE_SIZE)
		return ret;
	/* non-sleeping allocations are not supported by vmalloc */
	if (!gfpflags_allow_blocking(flags))
		return NULL;
	/* Don't even allow crazy sizes */
	if (unlikely(size > INT_MAX)) {
		WARN_ON_ONCE(!(flags & __GFP_NOWARN));
		return NULL;
	}
	return __vmalloc_node_range(size, 1, VMALLOC_START, VMALLOC_END, flags, PAGE_KERNEL,
				    VM_ALLOW_HUGE_VMAP, node, caller);
}

void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return __kvmalloc_node(size, flags, node, __builtin_return_address(0));
}

void *kvmalloc(size_t size, gfp_t flags)
{
	return __kvmalloc_node(size, flags, NUMA_NO_NODE, __builtin_return_address(0));
}

void *kvzalloc(size_t size, gfp_t flags)
{
	return __kvmalloc_node(size, flags | __GFP_ZERO, NUMA_NO_NODE, __builtin_return_address(0));
}

void *kvzalloc_node(size_t size, gfp_t flags, int node)
{
	return __kvmalloc_node(size, flags | __GFP_ZERO, node, __builtin_return_address(0));
}

void *kvmalloc_array_node(size_t n, size_t size, gfp_t flags, int node)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kvmalloc_node(bytes, flags, node, __builtin_return_address(0));
}

void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kvmalloc_node(bytes, flags, NUMA_NO_NODE, __builtin_return_address(0));
}

void *kvcalloc_node(size_t n, size_t size, gfp_t flags, int node)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kvmalloc_node(bytes, flags | __GFP_ZERO, node, __builtin_return_address(0));
}

void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return __kvmalloc_node(bytes, flags | __GFP_ZERO, NUMA_NO_NODE,
			       __builtin_return_address(0));
}

void kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		kfree(addr);
}

void kvfree_sensitive(const void *addr, size_t len)
{
	if (likely(!ZERO_OR_NULL_PTR(addr))) {
		/* memzero_explicit(): a volatile store loop the compiler cannot drop. */
		volatile unsigned char *p = (volatile unsigned char *)addr;

		for (size_t i = 0; i < len; i++)
			p[i] = 0;
		kvfree(addr);
	}
}

/*
 * 6.12's kvrealloc(): a vmalloc'd block is vrealloc'd; a kmalloc'd one krealloc'd with
 * kvmalloc's adjusted flags, falling back to a fresh kvmalloc and a copy of what ksize()
 * says the old block holds.
 */
void *kvrealloc(const void *p, size_t size, gfp_t flags)
{
	void *n;

	if (is_vmalloc_addr(p))
		return vrealloc(p, size, flags);
	n = krealloc(p, size, kmalloc_gfp_adjust(flags, size));
	if (!n) {
		/* We failed to krealloc(), fall back to kvmalloc(). */
		n = __kvmalloc_node(size, flags, NUMA_NO_NODE, __builtin_return_address(0));
		if (!n)
			return NULL;
		if (p) {
			memcpy(n, p, min(ksize(p), size));
			kfree(p);
		}
	}
	return n;
}
