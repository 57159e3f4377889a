/* SPDX-License-Identifier: MIT */
/*
 * mempool.c - memory pools (the kernel's mm/mempool.c): a reserve of preallocated
 * elements that lets an allocation that may sleep always succeed eventually.
 *
 * mempool_alloc() tries, in order: the pool's allocator without direct reclaim or IO
 * (and never digging into the emergency reserves, never retrying, never warning); a
 * reserved element; the allocator with the caller's full mask; then it waits (5 s at
 * most, as the kernel's io_schedule_timeout(5*HZ)) for mempool_free() to hand an element
 * back to the reserve, and starts over. A caller that cannot sleep gets NULL instead.
 *
 * pool->lock (kmm's spinlock_t) guards min_nr, curr_nr and the elements array; nothing
 * is allocated or freed under it. curr_nr and min_nr are also read without it (the
 * kernel's READ_ONCE) for the fast checks, so every access goes through relaxed atomics.
 * Waiters sleep on pool->wait (a struct wait_queue_head), woken by mempool_free().
 */
#include <linux/mempool.h>

#include "internal.h"
#include "slab.h"

/* io_schedule_timeout(5*HZ): a waiter looks again after 5 s even without a wake-up. */
#define MEMPOOL_WAIT_NS (5ULL * 1000 * 1000 * 1000)

_Static_assert(sizeof(spinlock_t) == sizeof(((mempool_t *)0)->lock) &&
		       _Alignof(spinlock_t) <= _Alignof(unsigned int),
	       "mempool_t's lock word holds a spinlock_t");
_Static_assert(sizeof(struct wait_queue_head) == sizeof(((mempool_t *)0)->wait) &&
		       _Alignof(struct wait_queue_head) <= _Alignof(unsigned int),
	       "mempool_t's wait words hold a struct wait_queue_head");

static spinlock_t *pool_lock(mempool_t *pool)
{
	return (spinlock_t *)(void *)&pool->lock;
}

static struct wait_queue_head *pool_wait(mempool_t *pool)
{
	return (struct wait_queue_head *)(void *)pool->wait;
}

static int pool_curr_nr(const mempool_t *pool)
{
	return __atomic_load_n(&pool->curr_nr, __ATOMIC_RELAXED);
}

static int pool_min_nr(const mempool_t *pool)
{
	return __atomic_load_n(&pool->min_nr, __ATOMIC_RELAXED);
}

static void set_curr_nr(mempool_t *pool, int nr)
{
	__atomic_store_n(&pool->curr_nr, nr, __ATOMIC_RELAXED);
}

static void set_min_nr(mempool_t *pool, int nr)
{
	__atomic_store_n(&pool->min_nr, nr, __ATOMIC_RELAXED);
}

/* pool->lock held (or the pool not yet shared). */
static void add_element(mempool_t *pool, void *element)
{
	int nr = pool->curr_nr;

	BUG_ON(nr >= pool->min_nr && !(pool->min_nr == 0 && nr == 0));
	pool->elements[nr] = element;
	set_curr_nr(pool, nr + 1);
}

/* pool->lock held (or the pool no longer shared). */
static void *remove_element(mempool_t *pool)
{
	int nr = pool->curr_nr - 1;

	BUG_ON(nr < 0);
	set_curr_nr(pool, nr);
	return pool->elements[nr];
}

/**
 * mempool_exit - free the reserved elements and the array of an initialised pool.
 * Every element taken from the pool must have been given back. Safe on a pool whose
 * mempool_init() failed (or that was zeroed).
 */
void mempool_exit(mempool_t *pool)
{
	while (pool->curr_nr) {
		void *element = remove_element(pool);

		pool->free(element, pool->pool_data);
	}
	kfree(pool->elements);
	pool->elements = NULL;
}

/**
 * mempool_destroy - mempool_exit() and free a pool from mempool_create().
 * @pool: may be NULL.
 */
void mempool_destroy(mempool_t *pool)
{
	if (unlikely(!pool))
		return;
	mempool_exit(pool);
	kfree(pool);
}

int mempool_init_node(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
		      mempool_free_t *free_fn, void *pool_data, gfp_t gfp_mask, int node_id)
{
	spin_lock_init(pool_lock(pool));
	memset(pool->wait, 0, sizeof(pool->wait));
	pool->min_nr = min_nr;
	pool->curr_nr = 0;
	pool->pool_data = pool_data;
	pool->alloc = alloc_fn;
	pool->free = free_fn;

	/* At least one slot: mempool_free() keeps one element in a min_nr == 0 pool. */
	pool->elements = kmalloc_array_node(max(1, min_nr), sizeof(void *), gfp_mask, node_id);
	if (!pool->elements)
		return -ENOMEM;

	/* First pre-allocate the guaranteed number of buffers. */
	while (pool->curr_nr < pool->min_nr) {
		void *element = pool->alloc(gfp_mask, pool->pool_data);

		if (unlikely(!element)) {
			mempool_exit(pool);
			return -ENOMEM;
		}
		add_element(pool, element);
	}
	return 0;
}

/**
 * mempool_init - initialise a pool embedded in the caller's structure, with
 * GFP_KERNEL and no node preference. Returns 0 or -ENOMEM.
 */
int mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
		 void *pool_data)
{
	return mempool_init_node(pool, min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL,
				 NUMA_NO_NODE);
}

/* @caller: who asked for the pool (its kmemleak record names it, not this file). */
static mempool_t *create_pool(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
			      void *pool_data, gfp_t gfp_mask, int node_id, unsigned long caller)
{
	mempool_t *pool =
		__kmalloc_node_track_caller(sizeof(*pool), gfp_mask | __GFP_ZERO, node_id, caller);

	if (!pool)
		return NULL;
	if (mempool_init_node(pool, min_nr, alloc_fn, free_fn, pool_data, gfp_mask, node_id)) {
		kfree(pool);
		return NULL;
	}
	return pool;
}

mempool_t *mempool_create_node(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
			       void *pool_data, gfp_t gfp_mask, int node_id)
{
	return create_pool(min_nr, alloc_fn, free_fn, pool_data, gfp_mask, node_id, _RET_IP_);
}

/**
 * mempool_create - a pool of @min_nr elements from @alloc_fn, given back with
 * @free_fn; @pool_data is passed to both. NULL if the reserve cannot be filled.
 */
mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
			  void *pool_data)
{
	return create_pool(min_nr, alloc_fn, free_fn, pool_data, GFP_KERNEL, NUMA_NO_NODE,
			   _RET_IP_);
}

/**
 * mempool_resize - change the reserve to @new_min_nr elements. Shrinking frees the
 * surplus reserved elements; growing allocates a larger array and the new elements with
 * GFP_KERNEL, all outside the lock. May sleep. Returns 0, or -ENOMEM if the new array
 * could not be allocated (the pool is unchanged). As in the kernel, a failure to
 * allocate an element after the array was replaced leaves the reserve partly filled:
 * mempool_free() fills it up later.
 */
int mempool_resize(mempool_t *pool, int new_min_nr)
{
	void *element;
	void **new_elements, **old_elements;
	unsigned long flags;

	BUG_ON(new_min_nr <= 0);
	might_sleep();

	spin_lock_irqsave(pool_lock(pool), flags);
	if (new_min_nr <= pool->min_nr) {
		while (new_min_nr < pool->curr_nr) {
			element = remove_element(pool);
			spin_unlock_irqrestore(pool_lock(pool), flags);
			pool->free(element, pool->pool_data);
			spin_lock_irqsave(pool_lock(pool), flags);
		}
		set_min_nr(pool, new_min_nr);
		spin_unlock_irqrestore(pool_lock(pool), flags);
		return 0;
	}
	spin_unlock_irqrestore(pool_lock(pool), flags);

	/* Grow the pool: a new array first, outside the lock. */
	new_elements = kmalloc_array(new_min_nr, sizeof(*new_elements), GFP_KERNEL);
	if (!new_elements)
		return -ENOMEM;

	spin_lock_irqsave(pool_lock(pool), flags);
	if (unlikely(new_min_nr <= pool->min_nr)) {
		/* Raced: another resize did our work. */
		spin_unlock_irqrestore(pool_lock(pool), flags);
		kfree(new_elements);
		return 0;
	}
	memcpy(new_elements, pool->elements, (size_t)pool->curr_nr * sizeof(*new_elements));
	old_elements = pool->elements;
	pool->elements = new_elements;
	set_min_nr(pool, new_min_nr);
	spin_unlock_irqrestore(pool_lock(pool), flags);
	kfree(old_elements);

	for (;;) {
		element = pool->alloc(GFP_KERNEL, pool->pool_data);
		if (!element)
			return 0;
		spin_lock_irqsave(pool_lock(pool), flags);
		if (pool->curr_nr < pool->min_nr) {
			add_element(pool, element);
			element = NULL;
		}
		bool full = pool->curr_nr >= pool->min_nr;

		spin_unlock_irqrestore(pool_lock(pool), flags);
		if (element) {
			/* Raced: mempool_free() filled the reserve meanwhile. */
			pool->free(element, pool->pool_data);
			return 0;
		}
		if (full)
			return 0;
	}
}

/* Take a reserved element under pool->lock; NULL if there is none. */
static void *take_reserved(mempool_t *pool)
{
	void *element = NULL;
	unsigned long flags;

	spin_lock_irqsave(pool_lock(pool), flags);
	if (likely(pool->curr_nr))
		element = remove_element(pool);
	spin_unlock_irqrestore(pool_lock(pool), flags);
	return element;
}

/**
 * mempool_alloc - an element from @pool.
 * @gfp_mask: the caller's allocation mode; __GFP_ZERO is not supported.
 *
 * Never fails when @gfp_mask allows direct reclaim (__GFP_DIRECT_RECLAIM) and the caller
 * may sleep: it waits for an element to come back instead. Otherwise NULL when both the
 * allocator and the reserve come up empty.
 */
void *mempool_alloc(mempool_t *pool, gfp_t gfp_mask)
{
	struct wait_queue_head *wq = pool_wait(pool);
	void *element;
	unsigned int seq;
	gfp_t gfp_temp;

	WARN_ON_ONCE(gfp_mask & __GFP_ZERO);
	/* Reported in atomic context, and made non-blocking there. */
	gfp_mask = might_alloc(gfp_mask, _RET_IP_);

	gfp_mask |= __GFP_NOMEMALLOC; /* don't allocate emergency reserves */
	gfp_mask |= __GFP_NORETRY;    /* don't loop in __alloc_pages */
	gfp_mask |= __GFP_NOWARN;     /* failures are OK */

	gfp_temp = gfp_mask & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);

	for (;;) {
		element = pool->alloc(gfp_temp, pool->pool_data);
		if (likely(element))
			break;

		/*
		 * Announce ourselves as a waiter before looking at the reserve: an element
		 * freed after this look bumps the sequence, so the sleep below returns at
		 * once instead of missing the wake-up (the kernel's prepare_to_wait under
		 * the lock).
		 */
		seq = wait_prepare(wq);
		element = take_reserved(pool);
		if (likely(element)) {
			wait_cancel(wq);
			break;
		}

		/*
		 * The first round was without direct reclaim or IO. If that failed and the
		 * pool was empty, retry at once with the full mask.
		 */
		if (gfp_temp != gfp_mask) {
			wait_cancel(wq);
			gfp_temp = gfp_mask;
			continue;
		}

		/* We must not sleep without __GFP_DIRECT_RECLAIM. */
		if (!(gfp_mask & __GFP_DIRECT_RECLAIM)) {
			wait_cancel(wq);
			return NULL;
		}

		/* Wait for someone else to give an element back to @pool. */
		wait_sleep(wq, seq, MEMPOOL_WAIT_NS);
	}
	/* the kernel's kmemleak_update_trace(): the element is now its caller's */
	kmemleak_set_caller(element, _RET_IP_);
	return element;
}

/**
 * mempool_alloc_preallocated - a reserved element of @pool, without calling the
 * allocator and without sleeping; NULL if the reserve is empty.
 */
void *mempool_alloc_preallocated(mempool_t *pool)
{
	void *element = take_reserved(pool);

	kmemleak_set_caller(element, _RET_IP_);
	return element;
}

/* Put @element into the reserve if it is short (@min_zero: if it is empty); wake waiters. */
static bool refill(mempool_t *pool, void *element, bool min_zero)
{
	unsigned long flags;
	bool added = false;

	spin_lock_irqsave(pool_lock(pool), flags);
	if (min_zero ? pool->curr_nr == 0 : pool->curr_nr < pool->min_nr) {
		add_element(pool, element);
		added = true;
	}
	spin_unlock_irqrestore(pool_lock(pool), flags);
	if (added && waitqueue_active(pool_wait(pool)))
		wake_up_all(pool_wait(pool));
	return added;
}

/**
 * mempool_free - give back an element from mempool_alloc(). It refills the reserve
 * (and wakes allocators waiting for one) while the reserve is short; otherwise it goes
 * back to the pool's allocator. NULL is ignored.
 */
void mempool_free(void *element, mempool_t *pool)
{
	if (unlikely(element == NULL))
		return;

	/*
	 * The unlocked check is enough: an element taken from the reserve reached us
	 * through whatever handed it over, which orders the decrement before this read.
	 */
	if (unlikely(pool_curr_nr(pool) < pool_min_nr(pool)) && refill(pool, element, false))
		return;

	/*
	 * A pool with min_nr == 0 still keeps one element, so that an allocator waiting
	 * on it (it may, when its allocator fails) is woken with something to take.
	 */
	if (unlikely(pool_min_nr(pool) == 0 && pool_curr_nr(pool) == 0) &&
	    refill(pool, element, true))
		return;

	pool->free(element, pool->pool_data);
}

/* A mempool_alloc_t and mempool_free_t for a slab cache (@pool_data). */
void *mempool_alloc_slab(gfp_t gfp_mask, void *pool_data)
{
	struct kmem_cache *mem = pool_data;

	/* An element handed out from the reserve would not be constructed again. */
	WARN_ON_ONCE(mem->ctor);
	return kmem_cache_alloc(mem, gfp_mask);
}

void mempool_free_slab(void *element, void *pool_data)
{
	kmem_cache_free(pool_data, element);
}

/* kmalloc()/kfree() of the size in @pool_data. */
void *mempool_kmalloc(gfp_t gfp_mask, void *pool_data)
{
	size_t size = (size_t)pool_data;

	return kmalloc(size, gfp_mask);
}

void mempool_kfree(void *element, void *pool_data)
{
	kfree(element);
}

/* kvmalloc()/kvfree() of the size in @pool_data. */
void *mempool_kvmalloc(gfp_t gfp_mask, void *pool_data)
{
	size_t size = (size_t)pool_data;

	return kvmalloc(size, gfp_mask);
}

void mempool_kvfree(void *element, void *pool_data)
{
	kvfree(element);
}

/* Pages of the order in @pool_data; the elements are struct page *. */
void *mempool_alloc_pages(gfp_t gfp_mask, void *pool_data)
{
	int order = (int)(long)pool_data;

	return alloc_pages(gfp_mask, order);
}

void mempool_free_pages(void *element, void *pool_data)
{
	int order = (int)(long)pool_data;

	__free_pages(element, order);
}
