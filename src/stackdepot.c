/* SPDX-License-Identifier: MIT */
/*
 * stackdepot.c - the stack depot, as the kernel's lib/stackdepot.c: stack traces saved
 * once and named by a 32-bit handle, so that a record that wants a stack (SLUB's
 * struct track) keeps four bytes instead of the frames. Equal traces share one record.
 *
 * Records are appended to one pool of metadata memory, reserved at first use and
 * populated as it fills, and never freed (the kernel's depot without eviction). A hash
 * table of chains finds an existing record. Handles are the record's offset in the pool
 * in words, plus one, so 0 means "no stack". When the pool is full, saving returns 0.
 * Lookups walk chains under depot_lock; a handle, once returned, names its record for
 * the life of the process.
 */
#include "internal.h"

#define DEPOT_POOL_SIZE	   (8UL << 20) /* sparse: only the records written take memory */
#define DEPOT_HASH_BUCKETS (1U << 14)

struct stack_record {
	u32 next; /* handle of the next record in the bucket, 0: none */
	u32 hash;
	u32 size; /* frames in entries[] */
	u32 reserved;
	unsigned long entries[];
};

static spinlock_t depot_lock = SPIN_LOCK_UNLOCKED;
static u32 *depot_buckets; /* DEPOT_HASH_BUCKETS heads, then the records */
static unsigned long *depot_pool;
static size_t depot_used; /* words of depot_pool in use */
static bool depot_full_reported;

/* jhash2 stands in the kernel; any good mix of the frames will do. */
static u32 hash_stack(const unsigned long *entries, unsigned int size)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ size;

	for (unsigned int i = 0; i < size; i++) {
		h ^= entries[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return (u32)(h ^ (h >> 32));
}

static struct stack_record *depot_record(depot_stack_handle_t handle)
{
	return (struct stack_record *)(depot_pool + (handle - 1));
}

/* depot_lock held */
static bool depot_init_locked(void)
{
	size_t table = DEPOT_HASH_BUCKETS * sizeof(u32);

	if (depot_buckets)
		return true;
	depot_buckets = port_metadata_alloc(table + DEPOT_POOL_SIZE);
	if (!depot_buckets)
		return false;
	depot_pool = (unsigned long *)((char *)depot_buckets + table);
	depot_used = 0;
	return true;
}

/* depot_lock held */
static depot_stack_handle_t depot_find(u32 bucket, u32 hash, const unsigned long *entries,
				       unsigned int size)
{
	for (u32 h = depot_buckets[bucket]; h; h = depot_record(h)->next) {
		struct stack_record *r = depot_record(h);

		if (r->hash == hash && r->size == size &&
		    !memcmp(r->entries, entries, size * sizeof(unsigned long)))
			return h;
	}
	return 0;
}

/* depot_lock held */
static depot_stack_handle_t depot_add(u32 bucket, u32 hash, const unsigned long *entries,
				      unsigned int size)
{
	size_t words = sizeof(struct stack_record) / sizeof(unsigned long) + size;
	depot_stack_handle_t handle;
	struct stack_record *r;

	if ((depot_used + words) * sizeof(unsigned long) > DEPOT_POOL_SIZE) {
		if (!depot_full_reported)
			pr_warn("Stack depot reached limit capacity\n");
		depot_full_reported = true;
		return 0;
	}
	handle = (depot_stack_handle_t)(depot_used + 1);
	depot_used += words;
	r = depot_record(handle);
	r->hash = hash;
	r->size = size;
	memcpy(r->entries, entries, size * sizeof(unsigned long));
	r->next = depot_buckets[bucket];
	depot_buckets[bucket] = handle;
	return handle;
}

depot_stack_handle_t stack_depot_save(unsigned long *entries, unsigned int nr_entries,
				      gfp_t alloc_flags)
{
	u32 hash = hash_stack(entries, nr_entries), bucket = hash & (DEPOT_HASH_BUCKETS - 1);
	depot_stack_handle_t handle = 0;

	(void)alloc_flags; /* the pool is reserved up front: nothing to allocate */
	if (!nr_entries)
		return 0;
	spin_lock(&depot_lock);
	if (depot_init_locked()) {
		handle = depot_find(bucket, hash, entries, nr_entries);
		if (!handle)
			handle = depot_add(bucket, hash, entries, nr_entries);
	}
	spin_unlock(&depot_lock);
	return handle;
}

unsigned int stack_depot_fetch(depot_stack_handle_t handle, unsigned long **entries)
{
	struct stack_record *r;

	*entries = NULL;
	if (!handle || !depot_pool)
		return 0;
	r = depot_record(handle);
	*entries = r->entries;
	return r->size;
}

void stack_trace_print(const unsigned long *entries, unsigned int nr_entries, int spaces)
{
	char sym[256];

	for (unsigned int i = 0; i < nr_entries; i++) {
		port_symbolize((void *)entries[i], sym, sizeof(sym));
		printk("%*c%s\n", 1 + spaces, ' ', sym);
	}
}

void stack_depot_print(depot_stack_handle_t stack)
{
	unsigned long *entries;
	unsigned int nr_entries = stack_depot_fetch(stack, &entries);

	if (nr_entries > 0)
		stack_trace_print(entries, nr_entries, 0);
	else
		pr_err("(stack is not available)\n");
}

/*
 * kernel/stacktrace.c: the caller's stack, leaving out @skipnr frames above the caller
 * of this function (the bookkeeping between it and the interesting code).
 */
noinline unsigned int stack_trace_save(unsigned long *store, unsigned int size, unsigned int skipnr)
{
	void *frames[64 + 8];
	int want = (int)min(size + skipnr + 1, (unsigned int)ARRAY_SIZE(frames));
	int nr = port_backtrace(frames, want);
	unsigned int out = 0;

	/* frames[0] lies in this function, frames[1] in its caller: skip from there */
	for (int i = (int)skipnr + 1; i < nr && out < size; i++)
		store[out++] = (unsigned long)frames[i];
	return out;
}

/* Across fork() the depot's lock is held, so that the child never inherits it taken. */
void stack_depot_fork_prepare(void)
{
	spin_lock(&depot_lock);
}

void stack_depot_fork_release(void)
{
	spin_unlock(&depot_lock);
}
