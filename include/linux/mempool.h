/* SPDX-License-Identifier: MIT */
/*
 * mempool.h - memory pools (the kernel's include/linux/mempool.h, 6.x): a reserve of
 * min_nr preallocated elements that guarantees forward progress. mempool_alloc() first
 * asks the pool's allocator without direct reclaim or IO, then takes a reserved element,
 * then retries with the caller's full mask, and then waits for an element to be given
 * back; with a mask that may sleep it never fails. mempool_free() refills the reserve
 * before it gives anything back to the allocator.
 *
 * Ready-made pools: slab (a kmem_cache), kmalloc (a size), kvmalloc (a size) and page
 * (an order) pools, with the kernel's helper names.
 *
 * The pool's lock and wait queue are kmm's spinlock_t and struct wait_queue_head
 * (src/lock.h), kept here as their words (zero when idle) so that this public header
 * needs no internal one; only kmm touches them.
 */
#ifndef KMM_LINUX_MEMPOOL_H
#define KMM_LINUX_MEMPOOL_H

#include <linux/gfp_types.h>
#include <linux/kmm_types.h>

struct kmem_cache;

typedef void *(mempool_alloc_t)(gfp_t gfp_mask, void *pool_data);
typedef void(mempool_free_t)(void *element, void *pool_data);

typedef struct mempool_s {
	unsigned int lock; /* spinlock_t: protects min_nr, curr_nr, elements */
	int min_nr;	   /* nr of elements at *elements */
	int curr_nr;	   /* Current nr of elements at *elements */
	void **elements;

	void *pool_data;
	mempool_alloc_t *alloc;
	mempool_free_t *free;
	unsigned int wait[2]; /* struct wait_queue_head: allocators waiting for an element */
} mempool_t;

/* True once mempool_init() succeeded, until mempool_exit(). */
static inline bool mempool_initialized(mempool_t *pool)
{
	return pool->elements != NULL;
}

/* True while the reserve is full. */
static inline bool mempool_is_saturated(mempool_t *pool)
{
	return __atomic_load_n(&pool->curr_nr, __ATOMIC_RELAXED) >=
	       __atomic_load_n(&pool->min_nr, __ATOMIC_RELAXED);
}

/* Returns 0, or -ENOMEM (-12) with @pool left uninitialised. */
int mempool_init_node(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
		      mempool_free_t *free_fn, void *pool_data, gfp_t gfp_mask, int node_id);
int mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
		 void *pool_data);
/* Free the reserved elements (all elements must have been returned) and the array. */
void mempool_exit(mempool_t *pool);

/* NULL on failure. */
mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
			  void *pool_data);
mempool_t *mempool_create_node(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
			       void *pool_data, gfp_t gfp_mask, int nid);
/* mempool_exit() and free the pool; NULL is ignored. */
void mempool_destroy(mempool_t *pool);

/* Change min_nr (> 0; may sleep). Returns 0, or -ENOMEM with the pool unchanged. */
int mempool_resize(mempool_t *pool, int new_min_nr);

void *mempool_alloc(mempool_t *pool, gfp_t gfp_mask) __malloc;
/* A reserved element, never the allocator; NULL if the reserve is empty. */
void *mempool_alloc_preallocated(mempool_t *pool) __malloc;
void mempool_free(void *element, mempool_t *pool);

/*
 * A mempool_alloc_t and mempool_free_t that get memory from the slab cache specified by
 * pool_data (a struct kmem_cache *).
 */
void *mempool_alloc_slab(gfp_t gfp_mask, void *pool_data);
void mempool_free_slab(void *element, void *pool_data);

static inline int mempool_init_slab_pool(mempool_t *pool, int min_nr, struct kmem_cache *kc)
{
	return mempool_init(pool, min_nr, mempool_alloc_slab, mempool_free_slab, (void *)kc);
}

static inline mempool_t *mempool_create_slab_pool(int min_nr, struct kmem_cache *kc)
{
	return mempool_create(min_nr, mempool_alloc_slab, mempool_free_slab, (void *)kc);
}

/* kmalloc()/kfree() of the size in pool_data ((void *)size). */
void *mempool_kmalloc(gfp_t gfp_mask, void *pool_data);
void mempool_kfree(void *element, void *pool_data);

static inline int mempool_init_kmalloc_pool(mempool_t *pool, int min_nr, size_t size)
{
	return mempool_init(pool, min_nr, mempool_kmalloc, mempool_kfree, (void *)size);
}

static inline mempool_t *mempool_create_kmalloc_pool(int min_nr, size_t size)
{
	return mempool_create(min_nr, mempool_kmalloc, mempool_kfree, (void *)size);
}

/* kvmalloc()/kvfree() of the size in pool_data ((void *)size). */
void *mempool_kvmalloc(gfp_t gfp_mask, void *pool_data);
void mempool_kvfree(void *element, void *pool_data);

static inline mempool_t *mempool_create_kvmalloc_pool(int min_nr, size_t size)
{
	return mempool_create(min_nr, mempool_kvmalloc, mempool_kvfree, (void *)size);
}

/* Pages of the order in pool_data ((void *)(long)order); elements are struct page *. */
void *mempool_alloc_pages(gfp_t gfp_mask, void *pool_data);
void mempool_free_pages(void *element, void *pool_data);

static inline int mempool_init_page_pool(mempool_t *pool, int min_nr, int order)
{
	return mempool_init(pool, min_nr, mempool_alloc_pages, mempool_free_pages,
			    (void *)(long)order);
}

static inline mempool_t *mempool_create_page_pool(int min_nr, int order)
{
	return mempool_create(min_nr, mempool_alloc_pages, mempool_free_pages, (void *)(long)order);
}

#endif /* KMM_LINUX_MEMPOOL_H */
