/* SPDX-License-Identifier: MIT */
/*
 * slab.h - the slab layer's internals (the kernel's mm/slab.h): struct slab overlaid on
 * struct page, struct kmem_cache, and the contract between the front end
 * (slab_common.c: cache creation, merging, kmalloc, kfree, reports) and the three
 * back-ends (slub.c, slab.c, slob.c), each of which exports one struct slab_ops and
 * nothing else.
 *
 * Who owns what: the front end creates and names caches, keeps slab_caches under
 * slab_mutex, merges compatible caches, picks kmalloc caches, handles large kmalloc
 * through the page allocator, and prints slabinfo. A back-end lays out objects, keeps
 * slabs, per-CPU state and node lists, and allocates and frees objects. Lock order:
 * slab_mutex, then the back-end's locks (node list_lock, then slab_lock), then the page
 * allocator's.
 *
 * "CPU" state in user space is per thread (slab_thread_area below): a thread's cached
 * slabs need no lock and no atomic on the hot path. A thread that exits hands its state
 * back through slab_ops.flush_thread.
 */
#ifndef KMM_SLAB_INTERNAL_H
#define KMM_SLAB_INTERNAL_H

#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "internal.h"

/*
 * struct slab: the same memory as the struct page of the slab's first page, with the
 * fields named for the slab allocator. Tail pages of a multi-page slab are ordinary
 * compound tails; virt_to_slab() goes through compound_head().
 */
struct slab {
	unsigned long __page_flags;
	struct kmem_cache *slab_cache; /* overlays page->lru.next (bit 0 clear: not a tail) */
	union {
		struct {
			union {
				struct list_head slab_list; /* on a node's partial/full list */
				struct {		    /* SLUB per-CPU partial list */
					struct slab *next;
					int slabs; /* slabs on the rest of the list */
				};
			};
			/* SLUB: the slab's own freelist and counters, updated together */
			void *freelist;
			union {
				unsigned long counters;
				struct {
					unsigned inuse : 16;
					unsigned objects : 15;
					unsigned frozen : 1; /* owned by a CPU: not on node lists */
				};
			};
		};
		struct { /* SLAB (mm/slab.c) */
			struct list_head slab_list_slab;
			unsigned int *freelist_idx; /* the free object indices */
			void *s_mem;		    /* first object, after colour and management */
		};
		struct { /* SLOB (mm/slob.c) */
			struct list_head slob_list;
			void *slob_free; /* first free block */
			long units;	 /* free units left in the page */
		};
		/* SLAB_TYPESAFE_BY_RCU: the slab, off every list, waits for a grace period */
		struct rcu_head rcu_head;
	};
	unsigned int __page_type; /* PGTY_slab */
	atomic_t __page_refcount;
	struct kmem_cache *__page_slab_cache; /* page->page_slab_cache, in every page */
};

_Static_assert(sizeof(struct slab) == sizeof(struct page), "struct slab overlays struct page");
_Static_assert(__builtin_offsetof(struct slab, slab_cache) == __builtin_offsetof(struct page, lru),
	       "slab_cache must share the word compound_head uses");
_Static_assert(__builtin_offsetof(struct slab, __page_type) ==
		       __builtin_offsetof(struct page, page_type),
	       "page_type stays where the page allocator looks");
_Static_assert(__builtin_offsetof(struct slab, __page_slab_cache) ==
		       __builtin_offsetof(struct page, page_slab_cache),
	       "kfree() reads the cache from any page of a slab");
_Static_assert(__builtin_offsetof(struct slab, __page_refcount) ==
		       __builtin_offsetof(struct page, _refcount),
	       "_refcount stays where the page allocator looks");

static inline struct slab *page_slab(const struct page *page)
{
	return (struct slab *)page;
}

static inline struct page *slab_page(const struct slab *slab)
{
	return (struct page *)slab;
}

static inline void *slab_address(const struct slab *slab)
{
	return page_address(slab_page(slab));
}

static inline unsigned int slab_order(const struct slab *slab)
{
	return compound_order(slab_page(slab));
}

static inline size_t slab_size(const struct slab *slab)
{
	return PAGE_SIZE << slab_order(slab);
}

/* The slab an address of kmm's direct map belongs to, or NULL if it is not a slab page. */
static inline struct slab *virt_to_slab(const void *addr)
{
	struct page *page = compound_head(virt_to_page(addr));

	return PageSlab(page) ? page_slab(page) : NULL;
}

/* order and objects per slab packed as the kernel's kmem_cache_order_objects */
struct kmem_cache_order_objects {
	unsigned int x;
};
#define OO_SHIFT 16
#define OO_MASK	 ((1U << OO_SHIFT) - 1)

static inline struct kmem_cache_order_objects oo_make(unsigned int order, unsigned int objects)
{
	return (struct kmem_cache_order_objects){ (order << OO_SHIFT) + objects };
}

static inline unsigned int oo_order(struct kmem_cache_order_objects x)
{
	return x.x >> OO_SHIFT;
}

static inline unsigned int oo_objects(struct kmem_cache_order_objects x)
{
	return x.x & OO_MASK;
}

/* SLUB: full and empty sheaves kept per node, for CPUs to exchange (6.18's struct node_barn). */
struct node_barn {
	spinlock_t lock;
	struct list_head sheaves_full;
	struct list_head sheaves_empty;
	unsigned int nr_full;
	unsigned int nr_empty;
};

/* Per-node state of a cache. */
struct kmem_cache_node {
	spinlock_t list_lock;
	unsigned long nr_partial;
	struct list_head partial;
	struct list_head full; /* SLUB with SLAB_STORE_USER; SLAB's slabs_full */
	struct list_head free; /* SLAB's slabs_free */
	atomic_long nr_slabs;
	atomic_long total_objects;
	unsigned long free_objects; /* SLAB */
	unsigned int free_limit;    /* SLAB */
	unsigned int colour_next;   /* SLAB */
	void *shared;		    /* SLAB: struct array_cache * */
	struct node_barn barn;	    /* SLUB: sheaves shared by the node's CPUs */
};

/*
 * Per-CPU (per thread, see above) state of a cache. First the window on the thread's
 * main sheaf, the array of free objects that the fast paths pop from and push to in the
 * front end: objects are [base, top), room up to end. A cache or thread without a sheaf
 * keeps all three NULL, so both fast paths fall through to the back-end. Then SLUB's
 * kmem_cache_cpu proper, or another back-end's per-CPU structure.
 */
struct kmem_cache_cpu {
	void **top;
	void **base;
	void **end;
	union {
		struct {		      /* SLUB */
			void *freelist;	      /* next free object of the active slab, lockless */
			struct slab *slab;    /* the active ("CPU") slab */
			struct slab *partial; /* frozen partial slabs kept by this CPU */
			struct slab_sheaf *spare; /* the other sheaf: empty, full or NULL */
		};
		void *backend; /* SLAB: struct array_cache * */
	};
};

/*
 * A thread's per-cache state, indexed by kmem_cache.cpu_index. The area is reserved at
 * its full size (SLAB_MAX_CACHES) and backed lazily, so an index is always in range.
 */
#define SLAB_MAX_CACHES 4096
struct slab_thread_area {
	struct kmem_cache_cpu cpu[SLAB_MAX_CACHES];
	struct list_head list;		     /* on slab_thread_areas, under slab_mutex */
	struct slab_thread_area **fast_slot; /* the thread's slab_fast_area */
};

struct kmem_cache {
	/* hot: read on every allocation and free */
	unsigned long
		cpu_offset; /* of cpu[cpu_index] in a slab_thread_area: first, for the fast paths */
	unsigned int cpu_index;	     /* slot in each thread's slab_thread_area */
	unsigned int sheaf_capacity; /* objects per sheaf; 0: no per-CPU sheaves */
	slab_flags_t flags;
	unsigned int size; /* the stride: object and metadata, aligned */
	unsigned int object_size;
	unsigned int offset;  /* where the free pointer lives in a free object */
	unsigned long random; /* CONFIG_SLAB_FREELIST_HARDENED key */

	struct kmem_cache_order_objects oo;  /* preferred slab order and objects */
	struct kmem_cache_order_objects min; /* fallback when the order cannot be had */
	gfp_t allocflags;		     /* GFP bits every slab allocation gets */
	unsigned long min_partial;
	unsigned int cpu_partial;
	unsigned int cpu_partial_slabs;
	unsigned int inuse;
	unsigned int align;
	unsigned int red_left_pad;
	unsigned int *random_seq; /* CONFIG_SLAB_FREELIST_RANDOM: shuffled start order */

	/* common */
	const char *name;
	int refcount; /* the cache itself plus merged aliases */
	void (*ctor)(void *);
	unsigned int useroffset;
	unsigned int usersize;
	struct list_head list; /* on slab_caches, newest first */
	struct kmem_cache_node *node[MAX_NUMNODES];
	void *backend; /* back-end private data (SLAB tunables, ...) */
};

/* ---- the back-end contract ----------------------------------------------------------- */

/* Figures for a slabinfo row (mm/slab.h's struct slabinfo). */
struct slabinfo {
	unsigned long active_objs;
	unsigned long num_objs;
	unsigned long active_slabs;
	unsigned long num_slabs;
	unsigned long shared_avail;
	unsigned int limit;
	unsigned int batchcount;
	unsigned int shared;
	unsigned int objects_per_slab;
	unsigned int cache_order;
};

struct slab_ops {
	const char *name; /* "slub", "slab", "slob" */
	/*
	 * The kmalloc size classes this back-end keeps caches for: 1 << kmalloc_shift_low up
	 * to 1 << kmalloc_shift_high bytes, plus the 96 and 192 byte classes (SLUB 3..13,
	 * SLAB 5..13). Sizes above go to the page allocator. SLOB has no kmalloc caches
	 * (both 0) and serves kmalloc itself through .kmalloc.
	 */
	unsigned int kmalloc_shift_low;
	unsigned int kmalloc_shift_high;
	/* Compatible caches share one (find_mergeable); SLOB never merged. */
	bool mergeable;
	/*
	 * SLOB only (NULL otherwise): any kmalloc, of any size. kfree/ksize of what it returns
	 * reach .free/.ksize with a NULL cache when the page is a slab page.
	 */
	void *(*kmalloc)(size_t size, gfp_t gfp, int node, unsigned long caller);
	/* Once, before any cache: set up the back-end. */
	void (*init)(void);
	/* Once, when the kmalloc caches exist (optional). */
	void (*init_late)(void);
	/* Lay out @s (name, object_size, align, flags, ctor set) and set it up; 0 or -errno. */
	int (*cache_create)(struct kmem_cache *s, const struct kmem_cache_args *args);
	/* Free every empty slab; nonzero if objects remain (the back-end reports them). */
	int (*cache_shutdown)(struct kmem_cache *s);
	/* Release the back-end's structures of a shut-down cache. */
	void (*cache_release)(struct kmem_cache *s);
	/* Give back empty slabs and per-CPU caches; 0 if the cache is now empty. */
	int (*cache_shrink)(struct kmem_cache *s);
	/*
	 * Allocate one object (node: NUMA_NO_NODE or a node id). @orig_size is what the caller
	 * asked for (kmalloc), for debugging. Honours __GFP_ZERO.
	 */
	void *(*alloc)(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller,
		       size_t orig_size);
	/* Free @obj, known to belong to @slab of @s. */
	void (*free)(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
	int (*alloc_bulk)(struct kmem_cache *s, gfp_t gfp, size_t nr, void **p);
	void (*free_bulk)(struct kmem_cache *s, size_t nr, void **p);
	/* Usable size of an object of @s (ksize). */
	size_t (*ksize)(struct kmem_cache *s, const void *obj);
	void (*get_slabinfo)(struct kmem_cache *s, struct slabinfo *sinfo);
	/* One per-cache attribute value (sysfs text), or -ENOENT. */
	int (*attr_show)(struct kmem_cache *s, const char *attr, char *buf, size_t size);
	/* Walk and check every slab of @s; returns problems found. */
	int (*validate)(struct kmem_cache *s);
	/* The calling thread exits: give its per-CPU state back. */
	void (*flush_thread)(struct slab_thread_area *area);
	/*
	 * fork(): the front end holds slab_mutex and every listed cache's node list_locks
	 * across it; a back-end with locks of its own takes them in .fork_prepare and
	 * releases them in .fork_parent and .fork_child (all optional). Threads do not
	 * survive into the child: .fork_child restarts what needs a thread.
	 */
	void (*fork_prepare)(void);
	void (*fork_parent)(void);
	void (*fork_child)(void);
	/* slab_debug: who allocated and freed @obj last (SLAB_STORE_USER), or nothing. Optional. */
	void (*print_tracking)(struct kmem_cache *s, void *obj);
	/* Is @obj the start of an object of @slab? (the back-ends' own checks, and tests) */
	bool (*obj_valid)(struct kmem_cache *s, struct slab *slab, const void *obj);
	/*
	 * init_on_free: clear @obj of @s before it is freed, as the back-end's free hook
	 * does, leaving what its debug checks still read. Optional: the object's bytes
	 * (object_size) are cleared otherwise.
	 */
	void (*init_on_free)(struct kmem_cache *s, void *obj);
};

extern const struct slab_ops slub_ops;
extern const struct slab_ops slab_allocator_ops; /* mm/slab.c ("slab_ops" is the pointer) */
extern const struct slab_ops slob_ops;
extern const struct slab_ops *slab_ops; /* the back-end in use */

/* ---- slab_common.c, for the back-ends ------------------------------------------------------ */

extern struct mutex slab_mutex;
extern struct list_head slab_caches;
extern struct kmem_cache *kmem_cache; /* the cache of struct kmem_cache */
/* A cache that owns nothing, its sheaf window always empty and full (slab_common.c). */
extern struct kmem_cache kmalloc_boot_cache;
extern unsigned int slab_nr_cpus; /* CPUs the geometry is computed for */

/*
 * Every thread's area, registered at creation and removed when the thread exits, so
 * that a cache being destroyed can take back what each thread holds of it. Walk the list
 * with slab_mutex and slab_areas_lock held (kmem_cache_destroy and thread exit do); the
 * owner must not be using that cache meanwhile, as in the kernel.
 */
extern struct list_head slab_thread_areas;
extern spinlock_t slab_areas_lock;
/* The live cache with this cpu_index, or NULL (slab_mutex held). */
struct kmem_cache *slab_cache_by_index(unsigned int cpu_index);
#define for_each_slab_thread_area(area) list_for_each_entry(area, &slab_thread_areas, list)

/* The calling thread's slab state, created on first use. */
struct slab_thread_area *slab_thread_area_slow(void);
extern port_thread_local struct slab_thread_area *slab_thread_area_current;

static inline struct kmem_cache_cpu *this_cpu_slab(struct kmem_cache *s)
{
	struct slab_thread_area *area = slab_thread_area_current;

	if (__builtin_expect(!area, 0))
		area = slab_thread_area_slow();
	return &area->cpu[s->cpu_index];
}

/*
 * The fast paths' view of the calling thread's state: its area, or slab_null_area (all
 * sheaf windows NULL) while the thread has none or while allocation hooks must see every
 * operation, so the fast paths need no test of their own for either case. Written by
 * other threads only to switch between the two (slab_fast_paths_enable()).
 */
extern port_thread_local struct slab_thread_area *slab_fast_area;

static __always_inline struct kmem_cache_cpu *fast_cpu_slab(const struct kmem_cache *s)
{
	char *area = (char *)__atomic_load_n(&slab_fast_area, __ATOMIC_RELAXED);

	return (struct kmem_cache_cpu *)(area + s->cpu_offset);
}

/* Allocation hooks need every operation while held (see slab_common.c). */
void slab_hooks_get(void);
void slab_hooks_put(void);

/*
 * Push @object onto the thread's main sheaf of @s; false if the sheaf is full or absent,
 * or if @object is already its newest object - the naive double free, which the slow
 * path reports. Below an empty sheaf's objects lies its header's cache pointer, never
 * a free object, so top[-1] is always safe to compare.
 */
static __always_inline bool sheaf_push(const struct kmem_cache *s, void *object)
{
	struct kmem_cache_cpu *c = fast_cpu_slab(s);
	void **top = c->top;

	if (__builtin_expect(top >= c->end, 0) || __builtin_expect(top[-1] == object, 0))
		return false;
	*top = object;
	c->top++;
	return true;
}

/*
 * The fast paths of every allocation and of kfree(), inline for the front end's own
 * functions and for the malloc shim; false means the slow path must do the work.
 */
static __always_inline bool slab_alloc_fast(const struct kmem_cache *s, void **objectp)
{
	struct kmem_cache_cpu *c = fast_cpu_slab(s);
	void **top = c->top;

	if (__builtin_expect(top == c->base, 0))
		return false;
	c->top--;
	*objectp = top[-1];
	return true;
}

/*
 * One unsigned comparison checks that @object is in the direct map: below PAGE_OFFSET
 * (NULL and ZERO_SIZE_PTR included) the subtraction wraps to a frame number far beyond
 * max_low_pfn. Every page of a slab, tail pages too, names its cache in page_slab_cache
 * (slab_set_page_type()), and no other page has one: one load, no compound_head() and
 * no PageSlab(). SLOB's heap pages name a cache whose sheaf is always full.
 */
static __always_inline bool kfree_fast(const void *object)
{
	unsigned long pfn = ((unsigned long)object - PAGE_OFFSET) >> PAGE_SHIFT;
	const struct kmem_cache *s;

	if (__builtin_expect(pfn >= max_low_pfn, 0))
		return false;
	s = pfn_to_page(pfn)->page_slab_cache;
	if (__builtin_expect(!s, 0))
		return false;
	return sheaf_push(s, (void *)object);
}

/* Account a new or freed slab of @order pages in the node's Slab counters. */
void slab_account(struct kmem_cache *s, struct slab *slab, int sign);
/* Mark the pages of a new slab as a slab of @s / clear them before freeing. */
void slab_set_page_type(struct slab *slab, struct kmem_cache *s);
void slab_clear_page_type(struct slab *slab);
/* "BUG %s (%s): %s" / "Slab ... " style reports are formatted by the back-ends. */

/* A large kmalloc straight from the page allocator (PGTY_large_kmalloc), for SLOB. */
void *slab_kmalloc_large(size_t size, gfp_t flags, int node, unsigned long caller);

/* ksize() without telling the memory checkers (mm/slab.h's __ksize). */
size_t __ksize(const void *object);

/* kmalloc caches and helpers */
struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags);
void create_kmalloc_caches(void);
int slab_init(void);

#endif /* KMM_SLAB_INTERNAL_H */
