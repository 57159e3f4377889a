/* SPDX-License-Identifier: MIT */
/*
 * malloc.c - the C library's allocation functions on kmm, for LD_PRELOAD
 * (build/libkmm-malloc.so): malloc, free, calloc, realloc, reallocarray, memalign,
 * posix_memalign, aligned_alloc, valloc, pvalloc, malloc_usable_size, cfree,
 * malloc_trim, and the __libc_* names glibc's own code and some programs call.
 *
 * How sizes map (see shim.h for the fast path):
 *   1..8192 bytes        the kmalloc cache kmalloc_slab() names, through the tables;
 *   up to INT_MAX        kvmalloc(): kmalloc caches, then whole pages, then vmalloc;
 *   up to PTRDIFF_MAX    vmalloc() (kvmalloc refuses more than INT_MAX, as the kernel);
 *   more                 ENOMEM at once, as glibc (no object may span half the space).
 * malloc(0) is malloc(1): a unique pointer, never ZERO_SIZE_PTR.
 *
 * Alignment. Every kmalloc size class of 16 bytes or more is 16-byte aligned on SLUB and
 * SLAB (8 is the one smaller class). A power-of-two kmalloc size is naturally aligned,
 * and a block of pages is aligned to its own size, so an alignment A for size N is the
 * kmalloc of the next power of two >= max(N, A) while that fits a cache, whole pages up
 * to KMALLOC_MAX_SIZE, and vmalloc with A above. SLOB aligns only power-of-two sizes
 * beyond 8 bytes, so on SLOB every malloc above 8 bytes takes the aligned way.
 *
 * Conventions kept (those users of other allocators have filed bugs about): free and
 * posix_memalign leave errno alone (the hosted port's calls save it too), failures set
 * ENOMEM, posix_memalign leaves *memptr untouched on any failure, malloc_usable_size(NULL)
 * is 0, free() of an address kmm never handed out is ignored.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/vmalloc.h>

#include "shim.h"

/*
 * RAM for a malloc is private anonymous memory unless KMM_RAM_BACKING says otherwise:
 * fork() is the host's copy-on-write (no copy of RAM per fork, no race with the
 * parent's other threads), and transparent huge pages apply (see src/port/hosted.c).
 */
const char kmm_ram_backing_default[] = "anon";

/*
 * Free page reporting for a process, not a VM (the kernel's page_reporting_order= and
 * PAGE_REPORTING_DELAY are sized for a hypervisor round trip per batch; here a report
 * is one madvise): freed blocks of PAGE_ALLOC_COSTLY_ORDER (32 KiB) and up go back to
 * the host 1 ms after they pile up, so that RSS follows what the program holds, as
 * glibc's trimming and munmap make it do. KMM_PAGE_REPORTING_ORDER and
 * KMM_PAGE_REPORTING_DELAY override these; the library keeps max-order blocks and 2 s.
 */
const unsigned int kmm_page_reporting_order_default = PAGE_ALLOC_COSTLY_ORDER;
const unsigned long kmm_page_reporting_delay_ms_default = 1;

_Atomic(struct kmem_cache *) shim_small_cache[SHIM_SLOTS] = {
	[0 ... SHIM_SLOTS - 1] = &kmalloc_boot_cache, /* until kmm is up; for ever with SLOB */
};
/* Slot 0 (sizes up to 1 KiB) is the first table's: it stays the boot cache. */
_Atomic(struct kmem_cache *) shim_page_cache[SHIM_PAGE_SLOTS] = {
	[0 ... SHIM_PAGE_SLOTS - 1] = &kmalloc_boot_cache,
};
/* SLOB: kmalloc aligns non-power-of-two sizes to 8 bytes only. */
static bool kmalloc_align_small;
static _Atomic bool shim_ready;

/* ---- start-up ------------------------------------------------------------------------ */

/*
 * Bringing kmm up starts its threads, and pthread_create() allocates (the new thread's
 * TLS vector) before kmm can: the thread doing the bring-up takes such memory from a
 * static arena instead. Arena blocks carry their size in front, for realloc; free()
 * ignores them, as any address kmm never handed out.
 */
#define BOOT_ARENA_SIZE (64 * 1024)
static _Alignas(SHIM_MALLOC_ALIGN) unsigned char boot_arena[BOOT_ARENA_SIZE];
static _Atomic size_t boot_arena_used;
static _Thread_local bool shim_initialising;

static void *boot_alloc(size_t size, size_t align)
{
	size_t used = atomic_load_explicit(&boot_arena_used, memory_order_relaxed), start;

	if (align < SHIM_MALLOC_ALIGN)
		align = SHIM_MALLOC_ALIGN;
	do {
		start = ALIGN(used + SHIM_MALLOC_ALIGN, align);
		if (size > BOOT_ARENA_SIZE || start > BOOT_ARENA_SIZE - size)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(
		&boot_arena_used, &used, start + size, memory_order_relaxed, memory_order_relaxed));
	memcpy(boot_arena + start - sizeof(size_t), &size, sizeof(size_t));
	return boot_arena + start; /* zero: the arena is never reused */
}

static bool is_boot_block(const void *p)
{
	return (const unsigned char *)p >= boot_arena &&
	       (const unsigned char *)p < boot_arena + BOOT_ARENA_SIZE;
}

static size_t boot_block_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - sizeof(size_t), sizeof(size_t));
	return size;
}

/* Each slot of @table (@step bytes each, from @first) gets the cache of its largest size. */
static void shim_fill_table(_Atomic(struct kmem_cache *) *table, unsigned int first,
			    unsigned int slots, size_t step)
{
	for (unsigned int slot = first; slot < slots; slot++) {
		struct kmem_cache *s = kmalloc_slab((slot + 1) * step, SHIM_GFP);

		atomic_store_explicit(&table[slot], s ? s : &kmalloc_boot_cache,
				      memory_order_relaxed);
	}
}

/*
 * Bring kmm up and fill the tables with kmalloc_slab()'s answers. Concurrent callers
 * store the same values; the release store publishes them to the fast path.
 */
static noinline void shim_init(void)
{
	shim_initialising = true;
	kmm_ensure_init();
	shim_initialising = false;
	kmalloc_align_small = slab_ops->kmalloc != NULL;
	if (!kmalloc_align_small) {
		shim_fill_table(shim_small_cache, 0, SHIM_SLOTS, 8);
		shim_fill_table(shim_page_cache, SHIM_SMALL_MAX / 1024, SHIM_PAGE_SLOTS, 1024);
	}
	atomic_store_explicit(&shim_ready, true, memory_order_release);
}

static inline void shim_ensure_init(void)
{
	if (unlikely(!atomic_load_explicit(&shim_ready, memory_order_acquire)))
		shim_init();
}

void shim_start(void)
{
	shim_ensure_init();
}

/* ---- allocation ------------------------------------------------------------------------ */

static inline size_t roundup_pow_of_two(size_t n)
{
	return n <= 1 ? 1 : (size_t)1 << (64 - __builtin_clzl(n - 1));
}

static void *set_enomem(void)
{
	errno = ENOMEM;
	return NULL;
}

/* Above kvmalloc's INT_MAX: vmalloc itself, whose only limit is the RAM. */
static void *shim_alloc_huge(size_t size, size_t align, gfp_t gfp)
{
	return __vmalloc_node(size, align, gfp, NUMA_NO_NODE, __builtin_return_address(0));
}

void *shim_alloc_aligned(size_t align, size_t size, gfp_t gfp)
{
	size_t n;
	void *p;

	if (unlikely(size > PTRDIFF_MAX || align > PTRDIFF_MAX))
		return set_enomem();
	if (unlikely(shim_initialising))
		return boot_alloc(size, align) ?: set_enomem();
	shim_ensure_init();
	n = max(max(size, align), (size_t)1);
	if (n <= KMALLOC_MAX_CACHE_SIZE)
		p = kmalloc(roundup_pow_of_two(n), gfp);
	else if (n <= KMALLOC_MAX_SIZE)
		p = kmalloc(n, gfp); /* whole pages: a block is aligned to its size */
	else
		p = shim_alloc_huge(size, max(align, (size_t)PAGE_SIZE), gfp);
	return p ? p : set_enomem();
}

/*
 * The sheaf was empty: the front end refills it, or the slow path says why not (errno).
 * Above a page kvmalloc() asks kmalloc() not to retry hard (vmalloc is its fallback): the
 * slow path's.
 */
noinline void *shim_alloc_cache(struct kmem_cache *s, size_t size, gfp_t gfp)
{
	void *p;

	if (unlikely(s == &kmalloc_boot_cache) || size > PAGE_SIZE)
		return shim_alloc_slow(size, gfp); /* the table is not filled, or kvmalloc's */
	p = __kmalloc_cache(s, gfp, size);

	return likely(p) ? p : shim_alloc_slow(size, gfp);
}

void *shim_alloc_slow(size_t size, gfp_t gfp)
{
	void *p;

	if (unlikely(size > PTRDIFF_MAX))
		return set_enomem();
	if (!size)
		size = 1;
	if (unlikely(shim_initialising))
		return boot_alloc(size, SHIM_MALLOC_ALIGN) ?: set_enomem();
	shim_ensure_init();
	if (unlikely(port_runtime_alloc))
		gfp |= __GFP_NOFAIL; /* liburcu on kmm's behalf: it gives up the process on NULL */
	if (unlikely(kmalloc_align_small) && size > 8)
		return shim_alloc_aligned(SHIM_MALLOC_ALIGN, size, gfp);
	p = size <= INT_MAX ? kvmalloc(size, gfp) : shim_alloc_huge(size, PAGE_SIZE, gfp);
	return p ? p : set_enomem();
}

/* ---- free, usable size ---------------------------------------------------------------- */

void shim_free_slow(void *p)
{
	int saved_errno = errno;

	if (is_vmalloc_addr(p))
		vfree(p);
	/* else: not kmm's, from before the shim was loaded; it is not ours to free */
	errno = saved_errno;
}

size_t shim_usable_size(const void *p)
{
	if (shim_in_direct_map(p))
		return ksize(p);
	if (is_vmalloc_addr(p)) {
		struct vm_struct *vm = find_vm_area(p);

		/* vrealloc() copies requested_size bytes: no more may be promised */
		return vm && vm->addr == p ? vm->requested_size : 0;
	}
	return is_boot_block(p) ? boot_block_size(p) : 0;
}

/* ---- the C library's functions ----------------------------------------------------------- */

SHIM_EXPORT void *malloc(size_t size)
{
	return shim_alloc(size, SHIM_GFP);
}

SHIM_EXPORT void free(void *p)
{
	shim_free(p);
}

/* Removed from glibc's headers, still called by old programs. */
void cfree(void *p);
SHIM_EXPORT void cfree(void *p)
{
	shim_free(p);
}

SHIM_EXPORT void *calloc(size_t n, size_t size)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return set_enomem();
	return shim_alloc(bytes, SHIM_GFP | __GFP_ZERO);
}

/*
 * Keep the block while the new size fits it and uses more than half of it; otherwise
 * move, so that shrinking a large block gives its memory back.
 */
SHIM_EXPORT void *realloc(void *p, size_t size)
{
	size_t old;
	void *n;

	if (!p)
		return shim_alloc(size, SHIM_GFP);
	if (!size) {
		shim_free(p);
		return NULL;
	}
	if (unlikely(size > PTRDIFF_MAX))
		return set_enomem();
	old = shim_usable_size(p);
	if (size <= old && size > old / 2)
		return p;
	n = shim_alloc(size, SHIM_GFP);
	if (!n)
		return size <= old ? p : NULL;
	memcpy(n, p, min(old, size));
	shim_free(p);
	return n;
}

SHIM_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return set_enomem();
	return realloc(p, bytes);
}

SHIM_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? shim_usable_size(p) : 0;
}

static bool is_power_of_2(size_t n)
{
	return n && !(n & (n - 1));
}

/* glibc's memalign: a non-power-of-two alignment is rounded up to one. */
SHIM_EXPORT void *memalign(size_t align, size_t size)
{
	if (align <= ARCH_KMALLOC_MINALIGN)
		return malloc(size);
	if (align <= SHIM_MALLOC_ALIGN)
		return malloc(max(size, align)); /* the 8-byte class is the one less aligned */
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	return shim_alloc_aligned(roundup_pow_of_two(align), size, SHIM_GFP);
}

/* C11: a power-of-two alignment; anything else is EINVAL, as glibc 2.38 has it. */
SHIM_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!is_power_of_2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return memalign(align, size);
}

SHIM_EXPORT int posix_memalign(void **memptr, size_t align, size_t size)
{
	int saved_errno = errno;
	void *p;

	if (!is_power_of_2(align) || align % sizeof(void *))
		return EINVAL;
	p = memalign(align, size);
	errno = saved_errno;
	if (!p)
		return ENOMEM;
	*memptr = p;
	return 0;
}

SHIM_EXPORT void *valloc(size_t size)
{
	return memalign(PAGE_SIZE, size);
}

/* Whole pages: the size rounded up to one (0 is one page). */
SHIM_EXPORT void *pvalloc(size_t size)
{
	if (size > PTRDIFF_MAX)
		return set_enomem();
	return memalign(PAGE_SIZE, size ? ALIGN(size, PAGE_SIZE) : PAGE_SIZE);
}

/* Give free memory back to the host now: kmm's free page reporting, flushed. */
SHIM_EXPORT int malloc_trim(size_t pad)
{
	shim_ensure_init();
	return kmm_page_reporting_flush() != 0;
}

/* glibc's internal names, which its own code and a few programs call directly. */
#define SHIM_ALIAS(libc_name, name) \
	extern __typeof__(name) libc_name SHIM_EXPORT __attribute__((alias(#name), copy(name)))
SHIM_ALIAS(__libc_malloc, malloc);
SHIM_ALIAS(__libc_free, free);
SHIM_ALIAS(__libc_calloc, calloc);
SHIM_ALIAS(__libc_realloc, realloc);
SHIM_ALIAS(__libc_memalign, memalign);
SHIM_ALIAS(__libc_valloc, valloc);
SHIM_ALIAS(__libc_pvalloc, pvalloc);
