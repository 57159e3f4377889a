/* SPDX-License-Identifier: MIT */
/*
 * hosted.c - port.h for an ordinary Linux process: RAM, the direct map, virtual
 * windows, CPUs, futex waiting, threads, per-thread task state, time, randomness, log
 * output and backtraces. Fork handling is in hosted_fork.c.
 *
 * RAM is one memfd ("kmm-ram"), ftruncate'd to the configured size and therefore
 * sparse: a page of it exists only once written. The direct map is one
 * MAP_SHARED|MAP_NORESERVE mapping of the whole file on a 1 GiB boundary, and
 * port_map_pages() maps more views of the same file offsets into reserved windows, so a
 * write through one view is seen through every other, as with kernel page tables.
 * port_ram_discard() punches holes in the file; the host drops the pages from every
 * view and they read as zero again.
 *
 * KMM_RAM_BACKING=anon (the malloc shim's default, through kmm_ram_backing_default)
 * backs RAM with private anonymous memory instead: no descriptor, fork() is the host's
 * copy-on-write, transparent huge pages apply, discard is MADV_DONTNEED. Nothing can
 * alias it, so port_map_pages() moves the frames' pages into the window (mremap; a copy
 * where the host refuses) and port_ram_aliases() is false: vmap and kmap do without.
 *
 * Rules this file keeps:
 *  - Nothing here calls malloc: the process's malloc may be kmm itself (the LD_PRELOAD
 *    shim). Thread records are mmap'd, per-thread state is static TLS, the unwinder is
 *    libgcc's _Unwind_Backtrace (glibc's backtrace() may dlopen and malloc).
 *  - Errors come back as negative errno values; nothing is left half-created; errno
 *    itself is left as the caller had it (the core may be running inside free()).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "port.h"
#include "port/hosted.h"

/*
 * The direct map starts on a 1 GiB boundary, as the kernel's page_offset_base does: a
 * block's virtual address is then as aligned as its physical one for every order, and
 * huge pages can back it.
 */
#define DIRECT_MAP_ALIGN (1UL << 30)

struct hosted_ram hosted_ram = { .fd = -1 };

/*
 * The backing when KMM_RAM_BACKING is not set: "memfd", unless the program linking kmm
 * defines this (the malloc shim says "anon").
 */
extern const char kmm_ram_backing_default[] __attribute__((weak));

/* 1: anonymous, 0: memfd, -1: KMM_RAM_BACKING names neither. */
static int ram_backing_is_anon(void)
{
	const char *v = getenv("KMM_RAM_BACKING");

	if (!v || !*v)
		v = kmm_ram_backing_default ? kmm_ram_backing_default : "memfd";
	if (!strcmp(v, "anon"))
		return 1;
	return strcmp(v, "memfd") ? -1 : 0;
}

/* kmm's page size is the host's: port_ram_init() refuses a host where it is not. */
static size_t round_up_pages(size_t bytes)
{
	return (bytes + RAM_PAGE_SIZE - 1) & ~(RAM_PAGE_SIZE - 1);
}

/* ==== physical memory ================================================================= */

static void unwinder_warm_up(void);

static int ram_init_done(char *base, size_t size, struct port_ram *ram)
{
	hosted_ram.base = base;
	hosted_ram.bytes = size;
	ram->direct_map = base;
	ram->nr_pages = (unsigned long)(size >> RAM_PAGE_SHIFT);
	hosted_fork_init();
	unwinder_warm_up();
	return 0;
}

/* Private anonymous RAM: the direct map is all there is of it. */
static int ram_init_anon(size_t size, struct port_ram *ram)
{
	char *base = port_vm_reserve(size, DIRECT_MAP_ALIGN);

	if (!base ||
	    mmap(base, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED) {
		if (base)
			port_vm_release(base, size);
		return -ENOMEM;
	}
	hosted_ram.anon = true;
	return ram_init_done(base, size, ram);
}

int port_ram_init(unsigned long long bytes, struct port_ram *ram)
{
	long host_page = sysconf(_SC_PAGESIZE);
	size_t size;
	char *base;
	int fd;

	if (hosted_ram.base)
		return -EBUSY;
	if (host_page != (long)RAM_PAGE_SIZE) {
		char msg[96];
		int len = snprintf(msg, sizeof(msg), "kmm: host page size %ld, kmm needs %lu\n",
				   host_page, RAM_PAGE_SIZE);

		port_log_write(msg, (size_t)len);
		return -EINVAL;
	}
	bytes &= ~(unsigned long long)(RAM_PAGE_SIZE - 1);
	if (!bytes)
		return -EINVAL;
	if (bytes > SIZE_MAX - DIRECT_MAP_ALIGN || bytes > (unsigned long long)INT64_MAX)
		return -ENOMEM;
	size = (size_t)bytes;
	switch (ram_backing_is_anon()) {
	case 1:
		return ram_init_anon(size, ram);
	case -1:
		port_log_write("kmm: KMM_RAM_BACKING: expected memfd or anon\n", 46);
		return -EINVAL;
	}

	fd = memfd_create("kmm-ram", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	base = port_vm_reserve(size, DIRECT_MAP_ALIGN);
	if (!base || mmap(base, size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0) == MAP_FAILED) {
		if (base)
			port_vm_release(base, size);
		close(fd);
		return -ENOMEM;
	}
	hosted_ram.fd = fd;
	return ram_init_done(base, size, ram);
}

unsigned long long port_default_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page <= 0)
		return 1ULL << 30; /* cannot tell: 1 GiB */
	return (unsigned long long)pages * (unsigned long long)page;
}

/* [pfn, pfn + nr) lies inside RAM. */
static bool pfn_range_valid(unsigned long pfn, unsigned long nr)
{
	unsigned long nr_pages = (unsigned long)(hosted_ram.bytes >> RAM_PAGE_SHIFT);

	return hosted_ram.base && nr && pfn < nr_pages && nr <= nr_pages - pfn;
}

/* Host node masks as get_mempolicy() and mbind() take them: enough for any kernel. */
#define HOST_MAX_NODES 1024
#define BITS_PER_ULONG (8 * sizeof(unsigned long))

/* The @node-th (round-robin) of the host nodes this process may allocate from. */
static int host_node_for(unsigned int node)
{
	unsigned long allowed[HOST_MAX_NODES / BITS_PER_ULONG] = { 0 };
	unsigned int count = 0, want;

	if (syscall(SYS_get_mempolicy, NULL, allowed, HOST_MAX_NODES, NULL, MPOL_F_MEMS_ALLOWED))
		return -errno;
	for (unsigned int i = 0; i < HOST_MAX_NODES / BITS_PER_ULONG; i++)
		count += (unsigned int)__builtin_popcountl(allowed[i]);
	if (!count)
		return -ENOSYS;
	want = node % count;
	for (unsigned int bit = 0; bit < HOST_MAX_NODES; bit++)
		if (((allowed[bit / BITS_PER_ULONG] >> (bit % BITS_PER_ULONG)) & 1) && !want--)
			return (int)bit;
	return -ENOSYS;
}

int port_ram_bind_node(unsigned long pfn, unsigned long nr, unsigned int node)
{
	unsigned long mask[HOST_MAX_NODES / BITS_PER_ULONG] = { 0 };
	int host = host_node_for(node);

	if (!pfn_range_valid(pfn, nr))
		return -EINVAL;
	if (host < 0)
		return host;
	mask[(unsigned int)host / BITS_PER_ULONG] |= 1UL << ((unsigned int)host % BITS_PER_ULONG);
	/* the memfd's shared policy: every view of these frames follows it */
	if (syscall(SYS_mbind, hosted_ram.base + (pfn << RAM_PAGE_SHIFT), nr << RAM_PAGE_SHIFT,
		    MPOL_BIND, mask, HOST_MAX_NODES + 1, 0))
		return -errno;
	return 0;
}

void port_ram_discard(unsigned long pfn, unsigned long nr)
{
	int saved_errno = errno;

	if (!pfn_range_valid(pfn, nr) || hosted_ram.cow_only)
		return;
	if (hosted_ram.anon)
		madvise(hosted_ram.base + (pfn << RAM_PAGE_SHIFT), nr << RAM_PAGE_SHIFT,
			MADV_DONTNEED);
	else
		fallocate(hosted_ram.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)pfn << RAM_PAGE_SHIFT, (off_t)nr << RAM_PAGE_SHIFT);
	errno = saved_errno;
}

void *port_metadata_alloc(size_t bytes)
{
	int saved_errno = errno;
	void *p;

	if (bytes > SIZE_MAX - RAM_PAGE_SIZE)
		return NULL;
	bytes = round_up_pages(bytes ? bytes : 1);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	errno = saved_errno;
	return p == MAP_FAILED ? NULL : p;
}

void port_metadata_free(void *addr, size_t bytes)
{
	int saved_errno = errno;

	if (addr)
		munmap(addr, round_up_pages(bytes ? bytes : 1));
	errno = saved_errno;
}

/* ==== virtual windows ================================================================= */

void *port_vm_reserve(size_t bytes, size_t align)
{
	int saved_errno = errno;
	uintptr_t start, aligned;
	size_t span;
	void *p;

	if (align < RAM_PAGE_SIZE)
		align = RAM_PAGE_SIZE;
	if (align & (align - 1))
		return NULL;
	if (!bytes || bytes > SIZE_MAX - align)
		return NULL;
	bytes = round_up_pages(bytes);
	span = bytes + align - RAM_PAGE_SIZE; /* room to slide to the alignment */
	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	errno = saved_errno;
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	if (start + span > aligned + bytes)
		munmap((void *)(aligned + bytes), start + span - (aligned + bytes));
	errno = saved_errno;
	return (void *)aligned;
}

void port_vm_release(void *va, size_t bytes)
{
	int saved_errno = errno;

	if (va && bytes)
		munmap(va, round_up_pages(bytes));
	errno = saved_errno;
}

static int host_prot(int prot)
{
	return (prot & PORT_PROT_READ ? PROT_READ : 0) | (prot & PORT_PROT_WRITE ? PROT_WRITE : 0) |
	       (prot & PORT_PROT_EXEC ? PROT_EXEC : 0);
}

/*
 * Anonymous RAM: move the frames' pages to @va, page tables and all (MREMAP_DONTUNMAP
 * leaves the direct map in place, empty); a host that refuses gets a copy instead.
 */
static int ram_move_pages(void *va, unsigned long pfn, size_t len, int prot)
{
	char *from = hosted_ram.base + (pfn << RAM_PAGE_SHIFT);

	if (mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, va) ==
	    MAP_FAILED) {
		if (mmap(va, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
			 0) == MAP_FAILED)
			return -errno;
		memcpy(va, from, len);
		madvise(from, len, MADV_DONTNEED);
	}
	if (host_prot(prot) != (PROT_READ | PROT_WRITE))
		mprotect(va, len, host_prot(prot));
	return 0;
}

static int map_pages(void *va, unsigned long pfn, unsigned long nr, int prot)
{
	if (((uintptr_t)va & (RAM_PAGE_SIZE - 1)) || !pfn_range_valid(pfn, nr))
		return -EINVAL;
	if (hosted_ram.cow_only)
		return -ENOMEM; /* an alias of a private view would not alias */
	if (hosted_ram.anon)
		return ram_move_pages(va, pfn, (size_t)nr << RAM_PAGE_SHIFT, prot);
	if (mmap(va, (size_t)nr << RAM_PAGE_SHIFT, host_prot(prot),
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, hosted_ram.fd,
		 (off_t)pfn << RAM_PAGE_SHIFT) == MAP_FAILED)
		return -errno;
	return 0;
}

int port_map_pages(void *va, unsigned long pfn, unsigned long nr, int prot)
{
	int saved_errno = errno, err = map_pages(va, pfn, nr, prot);

	/* A failed MAP_FIXED may have unmapped the range: reserve it again. */
	if (err && err != -EINVAL)
		port_unmap_pages(va, nr);
	errno = saved_errno;
	return err;
}

void port_unmap_pages(void *va, unsigned long nr)
{
	size_t len = (size_t)nr << RAM_PAGE_SHIFT;
	int saved_errno = errno;

	if (!nr)
		return;
	/* Replace the alias with a fresh reservation: the window stays ours. */
	if (mmap(va, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		mprotect(va, len, PROT_NONE); /* out of mappings: at least make it fault */
	errno = saved_errno;
}

bool port_ram_aliases(void)
{
	if (hosted_ram.base)
		return !hosted_ram.anon;
	return ram_backing_is_anon() != 1;
}

/* ==== CPUs ============================================================================ */

/*
 * Host CPU numbers need not be dense (an affinity mask of {4, 5}), so the CPUs this
 * process may run on are numbered 0..n-1 in mask order, once; a CPU outside the mask
 * (the affinity changed later) folds in modulo n.
 */
static _Atomic unsigned int nr_cpus;
static unsigned short cpu_index[CPU_SETSIZE];
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;

static void cpus_init(void)
{
	cpu_set_t set;
	unsigned int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set))
				cpu_index[cpu] = (unsigned short)n++;
	}
	if (!n) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		n = online > 0 ? (unsigned int)online : 1;
		CPU_ZERO(&set);
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (!CPU_ISSET(cpu, &set))
			cpu_index[cpu] = (unsigned short)((unsigned int)cpu % n);
	atomic_store_explicit(&nr_cpus, n, memory_order_release);
}

unsigned int port_nr_host_cpus(void)
{
	unsigned int n = atomic_load_explicit(&nr_cpus, memory_order_acquire);

	if (__builtin_expect(!n, 0)) {
		pthread_once(&cpus_once, cpus_init);
		n = atomic_load_explicit(&nr_cpus, memory_order_acquire);
	}
	return n;
}

unsigned int port_cpu_id(void)
{
	unsigned int n = port_nr_host_cpus();
	int cpu = sched_getcpu(); /* glibc reads it from rseq: no system call */

	if (cpu < 0)
		return 0;
	if (cpu < CPU_SETSIZE)
		return cpu_index[cpu];
	return (unsigned int)cpu % n;
}

/* ==== waiting ========================================================================= */

void port_wait(const unsigned int *addr, unsigned int expected, uint64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;

	int saved_errno = errno;

	if (timeout_ns) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		tsp = &ts;
	}
	/* EAGAIN (value changed), EINTR and ETIMEDOUT all just return: the caller re-checks. */
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
	errno = saved_errno;
}

void port_wake(const unsigned int *addr, int nr)
{
	int saved_errno = errno;

	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, nr, NULL, NULL, 0);
	errno = saved_errno;
}

void port_yield(void)
{
	sched_yield();
}

/* ==== threads ========================================================================= */

/* mmap'd, never malloc'd: kmm may be the process's malloc. */
struct port_thread {
	pthread_t handle;
	void (*fn)(void *);
	void *arg;
	char name[16]; /* the kernel's TASK_COMM_LEN: 15 characters and a NUL */
};

static void *thread_start(void *p)
{
	struct port_thread *thread = p;

	/* Named from inside, so that the name is in place before fn runs. */
	pthread_setname_np(pthread_self(), thread->name);
	thread->fn(thread->arg);
	return NULL;
}

int port_thread_create(struct port_thread **thread, void (*fn)(void *), void *arg, const char *name)
{
	struct port_thread *t;
	sigset_t block, old;
	int err;

	t = mmap(NULL, round_up_pages(sizeof(*t)), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	strncpy(t->name, name ? name : "kmm", sizeof(t->name) - 1);

	/*
	 * kmm's threads take no asynchronous signals: the application's handlers expect
	 * to run on its own threads. Faults are still delivered.
	 */
	sigfillset(&block);
	sigdelset(&block, SIGSEGV);
	sigdelset(&block, SIGBUS);
	sigdelset(&block, SIGFPE);
	sigdelset(&block, SIGILL);
	sigdelset(&block, SIGTRAP);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	err = pthread_create(&t->handle, NULL, thread_start, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		munmap(t, round_up_pages(sizeof(*t)));
		return -err;
	}
	*thread = t;
	return 0;
}

void port_thread_join(struct port_thread *thread)
{
	pthread_join(thread->handle, NULL);
	munmap(thread, round_up_pages(sizeof(*thread)));
}

/* ==== per-thread task state =========================================================== */

static _Thread_local _Alignas(64) unsigned char task_area[PORT_TASK_AREA_SIZE];
static _Thread_local char task_comm[16];

void *port_task_area(void)
{
	return task_area;
}

/*
 * Thread exit hooks ride on one pthread key: its value is the hook's argument, and the
 * key's destructor runs the core's hook with it as the thread exits.
 */
static pthread_key_t task_exit_key;
static pthread_once_t task_exit_once = PTHREAD_ONCE_INIT;
static void (*_Atomic task_exit_fn)(void *);

static void task_exit_destructor(void *arg)
{
	void (*fn)(void *) = atomic_load_explicit(&task_exit_fn, memory_order_acquire);

	if (fn)
		fn(arg);
}

static void task_exit_key_create(void)
{
	pthread_key_create(&task_exit_key, task_exit_destructor);
}

void port_task_exit_hook(void (*fn)(void *arg), void *arg)
{
	pthread_once(&task_exit_once, task_exit_key_create);
	atomic_store_explicit(&task_exit_fn, fn, memory_order_release);
	pthread_setspecific(task_exit_key, arg);
}

int port_task_id(void)
{
	return (int)syscall(SYS_gettid); /* not cached: a fork child's TID differs */
}

const char *port_task_comm(void)
{
	if (!task_comm[0] && (prctl(PR_GET_NAME, task_comm, 0, 0, 0) != 0 || !task_comm[0]))
		strcpy(task_comm, "?");
	return task_comm;
}

/* ==== time, randomness ================================================================ */

uint64_t port_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Random values come from the host in batches, as the kernel's get_random_u64() serves
 * them from a per-CPU batch: one getrandom() per RANDOM_BATCH values, not one each (the
 * start-up of the slab layer takes one per cache). The batch is the thread's own; a fork
 * child drops it, or it would repeat the values the parent goes on to use.
 */
#define RANDOM_BATCH 16
static _Thread_local uint64_t random_batch[RANDOM_BATCH];
static _Thread_local unsigned int random_left;

void hosted_random_forget(void)
{
	random_left = 0;
}

static bool random_batch_take(uint64_t *v)
{
	if (!random_left) {
		if (getrandom(random_batch, sizeof(random_batch), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(random_batch))
			return false;
		random_left = RANDOM_BATCH;
	}
	random_left--;
	*v = random_batch[random_left];
	random_batch[random_left] = 0; /* a value handed out is not kept */
	return true;
}

uint64_t port_random_u64(void)
{
	static _Atomic uint64_t fallback_seq;
	int saved_errno = errno;
	uint64_t v;

	if (random_batch_take(&v))
		return v;
	errno = saved_errno;
	/* No entropy yet (early boot) or no getrandom: mix what differs per call and run. */
	v = port_clock_ns() ^ ((uint64_t)(uintptr_t)&v << 16) ^ ((uint64_t)getpid() << 48) ^
	    atomic_fetch_add_explicit(&fallback_seq, 0x9e3779b97f4a7c15ULL, memory_order_relaxed);
	return mix64(v);
}

/* ==== output, diagnostics ============================================================= */

int port_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

void port_log_write(const char *text, size_t len)
{
	int saved_errno = errno;

	while (len) {
		ssize_t n = write(STDERR_FILENO, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		text += n;
		len -= (size_t)n;
	}
	errno = saved_errno;
}

struct backtrace_state {
	void **entries;
	int max;
	int nr;
	int skip; /* frames of our own still to skip */
};

static _Unwind_Reason_Code backtrace_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct backtrace_state *state = arg;
	uintptr_t ip = _Unwind_GetIP(ctx);

	if (!ip)
		return _URC_END_OF_STACK;
	if (state->skip) {
		state->skip--;
		return _URC_NO_REASON;
	}
	state->entries[state->nr++] = (void *)ip;
	return state->nr < state->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

__attribute__((noinline)) int port_backtrace(void **entries, int max)
{
	struct backtrace_state state = { .entries = entries, .max = max, .skip = 1 };

	if (max <= 0)
		return 0;
	/* libgcc's unwinder reads .eh_frame: no frame pointers needed, no malloc. */
	_Unwind_Backtrace(backtrace_frame, &state);
	return state.nr;
}

/* The unwinder's first use binds symbols lazily: do it at start-up, not in a report. */
static void unwinder_warm_up(void)
{
	void *entries[4];

	port_backtrace(entries, 4);
}

void port_symbolize(void *addr, char *buf, size_t size)
{
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (!buf || !size)
		return;
	if (dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_sname &&
	    info.dli_saddr) {
		unsigned long off = (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_saddr);

		if (sym && sym->st_size)
			snprintf(buf, size, "%s+0x%lx/0x%lx", info.dli_sname, off,
				 (unsigned long)sym->st_size);
		else
			snprintf(buf, size, "%s+0x%lx", info.dli_sname, off);
		return;
	}
	snprintf(buf, size, "0x%lx", (unsigned long)(uintptr_t)addr);
}

void port_code_location(void *addr, char *buf, size_t size)
{
	Dl_info info;

	if (!buf || !size)
		return;
	if (dladdr(addr, &info) && info.dli_fbase) {
		/* the main program has no name of its own here: /proc/self/exe is its file */
		const char *file = info.dli_fname && *info.dli_fname ? info.dli_fname : "exe";
		char self[4096];
		ssize_t n;

		if (!strcmp(file, "exe") || !strcmp(file, program_invocation_name) ||
		    !strchr(file, '/')) {
			n = readlink("/proc/self/exe", self, sizeof(self) - 1);
			if (n > 0) {
				self[n] = 0;
				file = self;
			}
		}
		snprintf(buf, size, "%s+0x%lx", file,
			 (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
		return;
	}
	snprintf(buf, size, "0x%lx", (unsigned long)(uintptr_t)addr);
}

_Noreturn void port_panic(void)
{
	abort();
}

/* ==== configuration, process events =================================================== */

const char *port_getenv(const char *name)
{
	return getenv(name);
}

void port_exit_register(void (*fn)(void))
{
	atexit(fn);
}

_Noreturn void port_exit(int status)
{
	fflush(stdout);
	fflush(stderr);
	_exit(status);
}
