/* SPDX-License-Identifier: MIT */
/*
 * fault-inject.h - fault injection's shared declarations (the kernel's
 * include/linux/fault-inject.h): struct fault_attr, should_fail_ex(), the two
 * capabilities (failslab.c, fail_page_alloc.c) and the hooks the allocators call.
 *
 * The one idea: every hook is an inline test of one global word, fault_inject_active,
 * that is zero unless some capability can fail (a probability above zero, or a thread
 * with fail-nth armed) - the stand-in for the kernel's static keys. While failslab can
 * fail, it also holds slab_hooks_get(), so that every slab allocation reaches the slow
 * path where should_failslab() is called; the fast paths themselves never test anything.
 */
#ifndef KMM_FAULT_INJECT_H
#define KMM_FAULT_INJECT_H

#include "internal.h"

/*
 * The attributes of one capability, named as debugfs names them (see
 * Documentation/fault-injection/fault-injection.rst). Written through kmm_fault_attr_set()
 * and read on every check from any thread, so every field is accessed atomically.
 */
struct fault_attr {
	unsigned long probability;   /* percent; 100 and above: always */
	unsigned long interval;	     /* only every interval-th eligible call may fail */
	_Atomic int times;	     /* failures left; -1: no limit */
	_Atomic int space;	     /* a budget of size that must be spent before any failure */
	unsigned long verbose;	     /* 0: quiet, 1: one message per failure, 2: and a stack */
	bool task_filter;	     /* only threads with make-it-fail set may fail */
	_Atomic unsigned long count; /* eligible calls so far, for interval */
	struct ratelimit_state ratelimit_state; /* of the messages; interval 0: unlimited */
	const char *dname;			/* the debugfs directory: "failslab" */
};

/* FAULT_ATTR_INITIALIZER: fail once when enabled, verbosely, messages not rate-limited. */
#define FAULT_ATTR_INITIALIZER(name)                                                   \
	{                                                                              \
		.interval = 1, .times = 1, .verbose = 2,                               \
		.ratelimit_state = { 0, 0, 0, DEFAULT_RATELIMIT_BURST }, .dname = name \
	}

enum fault_flags {
	FAULT_NOWARN = 1 << 0, /* the caller asked for silence (__GFP_NOWARN) */
};

/* "<interval>,<probability>,<space>,<times>": 1, or 0 after a warning if malformed. */
int setup_fault_attr(struct fault_attr *attr, const char *str);
bool should_fail_ex(struct fault_attr *attr, long size, int flags);
bool should_fail(struct fault_attr *attr, long size);

/* A capability's attributes beyond struct fault_attr ("ignore-gfp-wait", "min-order"). */
struct fault_extra_attr {
	const char *name;
	bool *flag;	   /* a Y/N file, or */
	unsigned int *u32; /* a number */
};

struct fault_capability {
	struct fault_attr *attr; /* its dname is the capability's name */
	const struct fault_extra_attr *extra;
	unsigned int nr_extra;
	bool slab_hooks; /* must see every slab allocation while it can fail */
};

/* failslab.c, fail_page_alloc.c */
extern const struct fault_capability failslab_capability;
extern const struct fault_capability fail_page_alloc_capability;

/* fault-inject.c: apply KMM_FAILSLAB / KMM_FAIL_PAGE_ALLOC (kmm_cfg); end of start-up. */
void fault_inject_init(void);

/* ---- the hooks ------------------------------------------------------------------------ */

extern _Atomic int fault_inject_active;

static inline bool fault_inject_enabled(void)
{
	return __builtin_expect(atomic_load_explicit(&fault_inject_active, memory_order_relaxed),
				0);
}

bool __should_failslab(struct kmem_cache *s, gfp_t gfpflags);
/* SLOB's kmalloc, which has no cache: as a cache of @size bytes without SLAB_FAILSLAB. */
bool __should_failslab_kmalloc(size_t size, gfp_t gfpflags);
bool __should_fail_alloc_page(gfp_t gfp_mask, unsigned int order);

/* slab_pre_alloc_hook()'s test: should this slab allocation fail? */
static inline bool should_failslab(struct kmem_cache *s, gfp_t gfpflags)
{
	return fault_inject_enabled() && __should_failslab(s, gfpflags);
}

static inline bool should_failslab_kmalloc(size_t size, gfp_t gfpflags)
{
	return fault_inject_enabled() && __should_failslab_kmalloc(size, gfpflags);
}

/* prepare_alloc_pages()'s test: should this page allocation fail? */
static inline bool should_fail_alloc_page(gfp_t gfp_mask, unsigned int order)
{
	return fault_inject_enabled() && __should_fail_alloc_page(gfp_mask, order);
}

#endif /* KMM_FAULT_INJECT_H */
