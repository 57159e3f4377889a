/* SPDX-License-Identifier: MIT */
/*
 * port.h - everything the kmm core needs from the platform, and nothing more.
 *
 * The core (the files directly in src/) is portable C11 built with the compiler's freestanding headers
 * alone; whatever touches an operating system goes through the functions below. Each
 * platform supplies one implementation: src/port/hosted.c runs kmm inside an ordinary
 * Linux process; a hobby kernel implements the same list over its own page tables,
 * per-CPU data and scheduler.
 *
 * Physical memory. The port owns "RAM": nr_pages page frames, numbered 0..nr_pages-1,
 * that the core manages page by page. The port also provides the direct map, one linear
 * mapping of all of it at a fixed virtual base, so that __va(pfn << PAGE_SHIFT) is
 * direct_map + (pfn << PAGE_SHIFT) and back, exactly as a kernel's direct map.
 * RAM reads as zero until written, and port_ram_discard() may return the backing of a
 * free range to the host (contents are then zero again).
 *
 * Virtual windows. vmalloc reserves address ranges that fault on access, then maps page
 * frames into them (aliasing the direct map) and unmaps them again.
 *
 * Waiting. Locks and sleeps are built in the core from C11 atomics plus a futex-like
 * pair: port_wait() blocks while *addr == expected, port_wake() wakes waiters. Spurious
 * wake-ups are allowed; the core always re-checks its condition.
 *
 * Context of every function: callable from any thread, without any core lock held
 * unless the comment says so; none of them allocates through kmm, and none changes
 * errno (the core may run inside the C library's free(), which must not).
 */
#ifndef KMM_PORT_H
#define KMM_PORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- physical memory -------------------------------------------------------- */

struct port_ram {
	void *direct_map;	/* virtual address of pfn 0; the whole RAM is mapped linearly */
	unsigned long nr_pages; /* page frames 0..nr_pages-1 exist */
};

/*
 * Create RAM of @bytes (rounded down to whole pages) and its direct map. Called once,
 * from kmm initialisation. Returns 0, or a negative errno-style code with nothing
 * created. Start-up cost must not grow with @bytes: RAM is sparse until touched.
 */
int port_ram_init(unsigned long long bytes, struct port_ram *ram);

/* Default RAM size when the user configured none: the host's physical memory. */
unsigned long long port_default_ram_bytes(void);

/*
 * The page frames [pfn, pfn + nr) are free and their contents may be thrown away: the
 * port returns their backing to the host (hole punching). Afterwards they read as zero.
 * Never called with a core lock held. Best effort: may do nothing.
 */
void port_ram_discard(unsigned long pfn, unsigned long nr);

/*
 * Place the page frames [pfn, pfn + nr) on one NUMA node of the host: the @node-th of
 * the host nodes the process may use, counted round-robin, so that kmm's node @node is
 * backed by real memory of one host node (KMM_NUMA_BIND=1). Called once per kmm node at
 * start-up. Returns 0, or a negative errno-style code with nothing changed (-ENOSYS: the
 * host has no NUMA). Best effort: a port may always return -ENOSYS.
 */
int port_ram_bind_node(unsigned long pfn, unsigned long nr, unsigned int node);

/*
 * Zero-filled memory for the core's own metadata (mem_map, per-CPU areas), populated
 * lazily where the platform can, never returned. NULL when it cannot be had.
 * @bytes is rounded up to whole pages.
 */
void *port_metadata_alloc(size_t bytes);

/* Return metadata from port_metadata_alloc() (the same @bytes) to the platform. */
void port_metadata_free(void *addr, size_t bytes);

/* ---- virtual windows (vmalloc, kmap) ------------------------------------------ */

/*
 * Reserve @bytes of address space aligned to @align (a power of two, at least a page)
 * that faults on any access. NULL on failure.
 */
void *port_vm_reserve(size_t bytes, size_t align);

/* Release a window from port_vm_reserve() (all of it). */
void port_vm_release(void *va, size_t bytes);

enum port_prot {
	PORT_PROT_NONE = 0,
	PORT_PROT_READ = 1,
	PORT_PROT_WRITE = 2,
	PORT_PROT_EXEC = 4,
};

/*
 * Map the page frames [pfn, pfn + nr) at @va, inside a reserved window, with @prot
 * (PORT_PROT_* bits). The mapping aliases the direct map: a write through one is seen
 * through the other. Returns 0 or a negative errno-style code (nothing mapped).
 */
int port_map_pages(void *va, unsigned long pfn, unsigned long nr, int prot);

/* Make [va, va + nr pages) fault on access again (the window stays reserved). */
void port_unmap_pages(void *va, unsigned long nr);

/* ---- page protection and faults (KFENCE) ---------------------------------------- */

/*
 * Change the access to [va, va + nr pages), pages that port_map_pages() mapped, to @prot
 * (PORT_PROT_* bits): the kernel's set_memory_*() on its page tables, which KFENCE uses
 * to turn pages into guard pages and back. Returns 0 or a negative errno-style code.
 */
int port_protect_pages(void *va, unsigned long nr, int prot);

/*
 * An access to @addr (a write if @is_write) by the instruction at @ip (NULL where the
 * port cannot tell) faulted. The handler returns true if it made the access legal (the
 * instruction is run again), false if the fault is none of the core's: the port then
 * lets it take its normal course, as if no handler were installed. The kernel's page
 * fault handler asking kfence_handle_page_fault(). It runs in the faulting thread,
 * interrupting whatever that thread was doing.
 */
typedef bool (*port_fault_handler_t)(unsigned long addr, bool is_write, void *ip);

/* Install @handler (one for the process; a later call replaces it). 0 or negative errno. */
int port_fault_handler_register(port_fault_handler_t handler);

/* ---- roots of a leak scan (kmemleak) -------------------------------------------- */

/*
 * The calling thread's stack is to be scanned by port_for_each_root() from now until
 * the thread exits. Cheap after the first call in a thread.
 */
void port_stack_register(void);

/*
 * Call fn(arg, start, end) for each range of memory that may hold the program's
 * references: the writable data and bss of every loaded object, and the stack of every
 * registered thread that is still alive (the kernel's _sdata.._edata, __bss and task
 * stacks). The ranges stay valid during the call; fn must not call back into the port.
 */
void port_for_each_root(void (*fn)(void *arg, const void *start, const void *end), void *arg);

/*
 * Does port_map_pages() alias? A port whose RAM cannot be mapped twice (the hosted
 * port's anonymous backing) moves the frames' contents into the window instead, and
 * their direct map reads as zero until the frames are freed and reused: right for
 * vmalloc, which owns its pages, wrong for vmap and kmap, which must then not use it.
 */
bool port_ram_aliases(void);

/* ---- CPUs ----------------------------------------------------------------------- */

/* Number of CPUs of the host (the default for KMM_NR_CPUS); at least 1. */
unsigned int port_nr_host_cpus(void);

/*
 * The CPU the caller runs on now, in 0..port_nr_host_cpus()-1. The answer may be stale
 * the moment it returns (threads migrate); the core folds it into its own CPU count and
 * protects per-CPU data accordingly.
 */
unsigned int port_cpu_id(void);

static inline void port_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- waiting ------------------------------------------------------------------- */

/*
 * Block while *addr == expected, for at most @timeout_ns (0: no limit). Returns early on
 * port_wake() for @addr, on timeout, or spuriously.
 */
void port_wait(const unsigned int *addr, unsigned int expected, uint64_t timeout_ns);

/* Wake up to @nr threads blocked in port_wait() on @addr (INT32_MAX: all). */
void port_wake(const unsigned int *addr, int nr);

/* Give up the CPU for a moment. */
void port_yield(void);

/* ---- threads ------------------------------------------------------------------- */

struct port_thread;

/*
 * Start a thread running fn(arg), named @name (for debuggers and reports). The thread
 * never allocates through kmm on the port's behalf. Returns 0 or negative errno-style.
 */
int port_thread_create(struct port_thread **thread, void (*fn)(void *), void *arg,
		       const char *name);

/* Wait for the thread to return from fn, and free it. */
void port_thread_join(struct port_thread *thread);

/*
 * A small per-thread record the core uses for kernel context (preempt count, irq
 * state, fault-injection state): @size bytes, zeroed at the thread's first call, stable
 * for the thread's life. Never NULL.
 */
void *port_task_area(void);
#define PORT_TASK_AREA_SIZE 256

/*
 * Storage qualifier for the core's per-thread fast-path data (one pointer per use). The
 * hosted port uses initial-exec TLS (libkmm.so), or local-exec where the objects only go
 * into executables (libkmm.a: one instruction less per access); a kernel port defines it
 * to its per-CPU storage.
 */
#ifndef PORT_TLS_MODEL
#define PORT_TLS_MODEL "initial-exec"
#endif
#ifndef port_thread_local
#define port_thread_local _Thread_local __attribute__((tls_model(PORT_TLS_MODEL)))
#endif

/*
 * When the calling thread exits, call fn(arg) in it (before its TLS goes away). One
 * hook per thread: a second call replaces the first's argument. The core passes the same
 * @fn every time.
 */
void port_task_exit_hook(void (*fn)(void *arg), void *arg);

/* A number that identifies the calling thread (its TID on Linux), for reports. */
int port_task_id(void);

/* The calling thread's name ("comm"), for reports. */
const char *port_task_comm(void);

/* ---- time, randomness ---------------------------------------------------------- */

/* Monotonic nanoseconds. */
uint64_t port_clock_ns(void);

/* 64 unpredictable bits (seeds freelist randomisation and obfuscation keys). */
uint64_t port_random_u64(void);

/* ---- output, diagnostics ------------------------------------------------------- */

/* Format like vsnprintf (the C standard's conversions); returns the would-be length. */
int port_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Write @len bytes of kernel log (printk) output. Unbuffered, no allocation. */
void port_log_write(const char *text, size_t len);

/* Fill @entries with up to @max return addresses of the caller's stack; returns count. */
int port_backtrace(void **entries, int max);

/* Write "symbol+0xoff/0xsize" (or the bare address) for @addr into @buf. */
void port_symbolize(void *addr, char *buf, size_t size);

/*
 * Write "file+0xoffset" for code address @addr: the file of the program or library
 * that holds it and the offset from where it is loaded, as addr2line takes them.
 */
void port_code_location(void *addr, char *buf, size_t size);

/* Stop the program after a fatal report (the kernel's panic). */
_Noreturn void port_panic(void);

/* ---- RCU ----------------------------------------------------------------------- */

/*
 * Grace periods are the platform's: the hosted port runs on liburcu, a kernel port
 * supplies its own RCU. struct rcu_head is the kernel's callback_head (two pointer words,
 * include/linux/kmm_types.h); from port_call_rcu() until the callback runs, its words
 * belong to the port.
 *
 * port_rcu_read_lock/unlock: a read-side critical section; sections nest. Any thread
 *   may enter one: the port makes a thread an RCU reader on its first use and forgets it
 *   when the thread exits.
 * port_rcu_read_ongoing: is the caller inside a read-side critical section?
 * port_synchronize_rcu: return once every read-side critical section that began before
 *   the call has ended. Blocks; never from inside a read-side section or a callback.
 * port_call_rcu: after a grace period, func(head) runs on a thread of the port's (which
 *   may take the core's locks and free memory). Callable from any context, with core
 *   locks held: it does not wait for a grace period.
 * port_rcu_barrier: return once every callback queued before the call has run. Blocks;
 *   never from a callback or a read-side section.
 * Across fork() the core calls port_rcu_fork_prepare() before it takes its own locks,
 * and port_rcu_fork_parent() / port_rcu_fork_child() after it released them: the port
 * keeps its callback threads quiet over the fork, and the child gets new ones; callbacks
 * pending at the fork run in both processes (each frees its own copy of the memory).
 */
struct rcu_head;
void port_rcu_read_lock(void);
void port_rcu_read_unlock(void);
bool port_rcu_read_ongoing(void);
void port_synchronize_rcu(void);
void port_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void port_rcu_barrier(void);
void port_rcu_fork_prepare(void);
void port_rcu_fork_parent(void);
void port_rcu_fork_child(void);

/* ---- memory checkers (AddressSanitizer, Valgrind's memcheck) ------------------ */

/*
 * kmm hands out memory that such tools see as one big mapping; these calls tell them
 * which bytes are objects, so that a program's own use-after-free or overflow of a kmm
 * object is caught by the tool it already runs under. A port without such tools makes
 * port_mem_checker() return false and the rest do nothing.
 */

/* True when a checker watches this process (an ASan build, or running under Valgrind). */
bool port_mem_checker(void);

/* [addr, addr + size) may be read and written (pages handed out). */
void port_mem_unpoison(const void *addr, size_t size);

/* [addr, addr + size) must not be touched (pages freed). */
void port_mem_poison(const void *addr, size_t size);

/*
 * An object handed out: [addr, addr + size) usable (defined when @zeroed), and
 * [addr + size, addr + usable) a red zone.
 */
void port_mem_object_alloc(const void *addr, size_t size, size_t usable, bool zeroed);

/* The object at @addr, @usable bytes, is freed: nothing of it may be touched. */
void port_mem_object_free(const void *addr, size_t usable);

/*
 * The allocator itself is about to touch freed memory (free pointers, block headers),
 * and is done with it. Calls nest. Valgrind is told not to report meanwhile; an ASan
 * build does not instrument the slab back-ends, as the kernel does not for KASAN.
 */
void port_mem_internal_begin(void);
void port_mem_internal_end(void);

/*
 * A value the allocator read from its own metadata inside freed memory (SLOB's size
 * prefix), at @addr: it is sound, though Valgrind may not know where it came from.
 */
void port_mem_vouch(const void *addr, size_t size);

/* ---- configuration, process events -------------------------------------------- */

/* The value of environment variable @name, or NULL. */
const char *port_getenv(const char *name);

/*
 * Callbacks around fork() so that the core can hold its locks across it and the child
 * gets memory of its own. The port calls prepare() in the parent before the fork,
 * parent() in the parent after it and child() in the child after it. Before it calls
 * child(), the port gives the child a private copy of RAM (all mappings of it, the
 * direct map and every port_map_pages() alias, keep their addresses). A port may make
 * that copy after the fork, while the parent waits before parent(): metadata from
 * port_metadata_alloc() is then as it was at the fork but RAM as it is at the copy, so
 * prepare() must stop every writer of RAM that the core controls (lock-free paths
 * too) until parent(). A later call replaces @ops; NULL removes them.
 */
struct port_fork_ops {
	void (*prepare)(void);
	void (*parent)(void);
	void (*child)(void);
};
void port_fork_register(const struct port_fork_ops *ops);

/*
 * A shared area of @bytes, zeroed, that other processes can read (kmm top): the
 * process's statistics, named for it (the hosted port: the file kmm_stats_path() names,
 * mode 0644, removed at normal exit by the process that made it). Called once, at
 * start-up. NULL if it cannot be had (a kernel port may return static memory).
 */
void *port_stats_publish(size_t bytes);

/*
 * Hosted port: nonzero while a library the port relies on (liburcu) runs on this thread
 * on kmm's behalf; the malloc shim then makes that library's malloc() never fail.
 */
extern port_thread_local unsigned int port_runtime_alloc;

/* Called by the port once, when the process exits normally (atexit), if registered. */
void port_exit_register(void (*fn)(void));
/* End the process now with @status, running nothing more (from an exit callback). */
_Noreturn void port_exit(int status);

#endif /* KMM_PORT_H */
