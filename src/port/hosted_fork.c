/* SPDX-License-Identifier: MIT */
/*
 * hosted_fork.c - fork() in the hosted port: the core's prepare/parent/child callbacks,
 * and a private copy of RAM for the child.
 *
 * The problem: RAM is a memfd mapped MAP_SHARED, and a shared mapping stays shared
 * across fork(), so parent and child would write into each other's memory.
 *
 * The choice: the child re-privatises. Its fork handler creates a new memfd of the same
 * size and copies only the populated extents of the old one into it (SEEK_DATA and
 * SEEK_HOLE find them; copy_file_range copies inside the host kernel, pwrite from the
 * direct map is the fallback). It then finds every mapping of the old file by reading
 * /proc/self/maps (matched by device and inode: the direct map and every
 * port_map_pages() alias) and maps the new file over each one, at the same address and
 * offset with the same protection. Last, the new file takes over the old one's
 * descriptor number. Reading /proc/self/maps rather than keeping a registry of aliases
 * means no bookkeeping and no lock on the map/unmap path, and no mapping can be missed;
 * the price, one read of the maps file, is paid per fork.
 *
 * Ordering: prepare() takes the fork lock (one fork at a time), makes a pipe, then calls
 * the core's prepare(), which takes the core's locks. The parent waits until the child
 * has finished copying and only then calls the core's parent(), which releases them, so
 * the child copies RAM as it was at the fork as far as the core can tell. The child
 * writes one byte to the pipe when its copy is done. The parent closes its own write end
 * first, so its read also returns (end of file) if fork failed or the child died. Only
 * the forking thread waits: another parent thread writing RAM without a core lock
 * (application data in kmalloc'd memory) may or may not reach the child, as if that
 * write had raced with the fork.
 *
 * The child of a multi-threaded process may only make async-signal-safe calls until it
 * execs, so the child's path uses system calls, memchr/memmove and static buffers only.
 *
 * If the child cannot have a copy (out of memory or descriptors), it maps the old file
 * MAP_PRIVATE instead and says so on stderr: its writes never reach the parent, but it
 * sees the parent's later writes to pages it has not written itself, and it can
 * neither map aliases (port_map_pages() fails with -ENOMEM) nor discard.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "port.h"
#include "port/hosted.h"

/* Large enough for any line of /proc/self/maps (the path is at most PATH_MAX). */
#define MAPS_BUF_SIZE (16 * 1024)
/* A pass remaps what it finds; the next finds nothing. More passes mean trouble. */
#define REMAP_MAX_PASSES 4
/* copy_file_range() takes a size_t but copies at most about 2 GiB per call. */
#define COPY_CHUNK (1UL << 30)

static _Atomic(const struct port_fork_ops *) fork_ops;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static _Atomic unsigned int fork_busy; /* 1 from prepare until parent/child: one fork at a time */
static int fork_pipe[2] = { -1, -1 };  /* the child's "copy done" byte; valid under fork_busy */
static char maps_buf[MAPS_BUF_SIZE];   /* the child's only buffer */
static bool no_copy_file_range;	       /* the host refused it once: use pwrite */

/* ==== messages from the child (async-signal-safe) ====================================== */

static void fork_warn(const char *what, long err)
{
	char num[24];
	int i = sizeof(num);

	do {
		num[--i] = (char)('0' + err % 10);
		err /= 10;
	} while (err && i > 0);
	port_log_write("kmm: fork: ", 11);
	port_log_write(what, strlen(what));
	port_log_write(" (errno ", 8);
	port_log_write(num + i, sizeof(num) - (size_t)i);
	port_log_write(")\n", 2);
}

/* ==== copying RAM ===================================================================== */

static long copy_file_range_once(int from, int to, off_t pos, size_t len)
{
	long long in = pos, out = pos; /* the kernel's loff_t */
	long n;

	if (no_copy_file_range)
		return -1;
	n = syscall(SYS_copy_file_range, from, &in, to, &out, len, 0);
	if (n < 0 && errno != EINTR)
		no_copy_file_range = true;
	return n;
}

/* Copy [pos, end) of RAM into @to: in the kernel if it can, else from the direct map. */
static int ram_copy_extent(int from, int to, off_t pos, off_t end)
{
	while (pos < end) {
		size_t len = (size_t)(end - pos) < COPY_CHUNK ? (size_t)(end - pos) : COPY_CHUNK;
		long n = copy_file_range_once(from, to, pos, len);

		if (n <= 0)
			n = pwrite(to, hosted_ram.base + pos, len, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		pos += n;
	}
	return 0;
}

/* Copy the populated extents of @from into @to (same size, all holes). 0 or errno. */
static int ram_copy(int from, int to)
{
	off_t data = 0, hole;

	while (data < (off_t)hosted_ram.bytes) {
		data = lseek(from, data, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : errno; /* ENXIO: no data after this */
		hole = lseek(from, data, SEEK_HOLE);
		if (hole < 0)
			return errno;
		int err = ram_copy_extent(from, to, data, hole);
		if (err)
			return err;
		data = hole;
	}
	return 0;
}

/* ==== finding the mappings of RAM ======================================================= */

/* Each parser takes the cursor (NULL after an earlier failure) and returns the next. */
static const char *parse_num(const char *p, const char *end, unsigned int base, uint64_t *v)
{
	const char *first = p;

	*v = 0;
	for (; p && p < end; p++) {
		unsigned int digit;

		if (*p >= '0' && *p <= '9')
			digit = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (unsigned int)(*p - 'a' + 10);
		else
			break;
		*v = *v * base + digit;
	}
	return p && p > first ? p : NULL;
}

static const char *parse_char(const char *p, const char *end, char c)
{
	return p && p < end && *p == c ? p + 1 : NULL;
}

bool hosted_maps_parse(const char *p, const char *end, struct maps_line *m)
{
	p = parse_num(p, end, 16, &m->start);
	p = parse_char(p, end, '-');
	p = parse_num(p, end, 16, &m->end);
	p = parse_char(p, end, ' ');
	if (!p || end - p < 5)
		return false;
	memcpy(m->perms, p, 4);
	p = parse_char(p + 4, end, ' ');
	p = parse_num(p, end, 16, &m->offset);
	p = parse_char(p, end, ' ');
	p = parse_num(p, end, 16, &m->major);
	p = parse_char(p, end, ':');
	p = parse_num(p, end, 16, &m->minor);
	p = parse_char(p, end, ' ');
	p = parse_num(p, end, 10, &m->inode);
	return p != NULL;
}

static int host_prot_of(const char perms[4])
{
	return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* A shared mapping of the file @st? Then map @fd (@flags: MAP_SHARED or MAP_PRIVATE) over it. */
static void remap_line(const char *line, const char *end, const struct stat *st, int fd, int flags,
		       int *moved, int *failed)
{
	struct maps_line m;

	if (!hosted_maps_parse(line, end, &m) || m.perms[3] != 's' ||
	    m.inode != (uint64_t)st->st_ino || m.major != major(st->st_dev) ||
	    m.minor != minor(st->st_dev))
		return;
	if (mmap((void *)(uintptr_t)m.start, (size_t)(m.end - m.start), host_prot_of(m.perms),
		 flags | MAP_FIXED | MAP_NORESERVE, fd, (off_t)m.offset) == MAP_FAILED) {
		fork_warn("cannot remap RAM", errno);
		(*failed)++;
		return;
	}
	(*moved)++;
}

/*
 * One pass over /proc/self/maps, remapping as it reads. That is safe: the kernel resumes
 * each read at the address where the last one stopped, and a line is remapped only
 * once read, so what the kernel has still to show is not changed under it.
 * Returns -1 when the maps cannot be read.
 */
static int remap_pass(const struct stat *st, int fd, int flags, int *moved, int *failed)
{
	int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t have = 0;

	if (maps < 0)
		return -1;
	for (;;) {
		ssize_t n = read(maps, maps_buf + have, sizeof(maps_buf) - have);
		const char *line = maps_buf, *nl, *end;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		end = maps_buf + have + n;
		while ((nl = memchr(line, '\n', (size_t)(end - line)))) {
			remap_line(line, nl, st, fd, flags, moved, failed);
			line = nl + 1;
		}
		have = (size_t)(end - line);
		if (have == sizeof(maps_buf))
			have = 0; /* no line is this long: drop it */
		memmove(maps_buf, line, have);
	}
	close(maps);
	return 0;
}

/* Map @fd over every shared mapping of the file @st. Returns the mappings left over. */
static int remap_all(const struct stat *st, int fd, int flags)
{
	for (int pass = 0; pass < REMAP_MAX_PASSES; pass++) {
		int moved = 0, failed = 0;

		if (remap_pass(st, fd, flags, &moved, &failed) < 0) {
			/* No /proc: the direct map at least; aliases stay shared. */
			fork_warn("cannot read /proc/self/maps; aliases of RAM stay shared", errno);
			mmap(hosted_ram.base, hosted_ram.bytes, PROT_READ | PROT_WRITE,
			     flags | MAP_FIXED | MAP_NORESERVE, fd, 0);
			return 1;
		}
		if (failed || !moved)
			return failed;
	}
	return 1;
}

/* ==== the child's own RAM =============================================================== */

static void ram_make_private(void)
{
	int old = hosted_ram.fd, fd, err = 0;
	struct stat st;

	if (fstat(old, &st) < 0) {
		fork_warn("cannot stat RAM; it stays shared with the parent", errno);
		return;
	}
	fd = (int)syscall(SYS_memfd_create, "kmm-ram", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)hosted_ram.bytes) < 0)
		err = errno;
	else
		err = ram_copy(old, fd);
	if (err) {
		fork_warn("cannot copy RAM; the child's RAM is copy-on-write", err);
		if (fd >= 0)
			close(fd);
		remap_all(&st, old, MAP_PRIVATE);
		hosted_ram.cow_only = true;
		return;
	}
	if (remap_all(&st, fd, MAP_SHARED))
		fork_warn("some RAM mappings stay shared with the parent", EIO);
	/* Keep the descriptor number: whoever saw it before fork sees the same one. */
	if (dup3(fd, old, O_CLOEXEC) >= 0)
		close(fd);
	else
		hosted_ram.fd = fd; /* the old file stays open, unused */
}

/* ==== fork handlers ===================================================================== */

static void fork_unlock(void)
{
	atomic_store_explicit(&fork_busy, 0, memory_order_release);
	port_wake((const unsigned int *)&fork_busy, 1);
}

static void fork_prepare(void)
{
	const struct port_fork_ops *ops = atomic_load(&fork_ops);

	while (atomic_exchange_explicit(&fork_busy, 1, memory_order_acquire))
		port_wait((const unsigned int *)&fork_busy, 1, 0);
	if (hosted_ram.fd < 0 || pipe2(fork_pipe, O_CLOEXEC) < 0)
		fork_pipe[0] = fork_pipe[1] = -1; /* no RAM, or no pipe: do not wait */
	if (ops && ops->prepare)
		ops->prepare();
}

static void fork_parent(void)
{
	const struct port_fork_ops *ops = atomic_load(&fork_ops);
	int saved_errno = errno; /* fork's own, if it failed */

	if (fork_pipe[0] >= 0) {
		char done;

		close(fork_pipe[1]);
		while (read(fork_pipe[0], &done, 1) < 0 && errno == EINTR)
			;
		close(fork_pipe[0]);
		fork_pipe[0] = fork_pipe[1] = -1;
	}
	if (ops && ops->parent)
		ops->parent();
	errno = saved_errno;
	fork_unlock();
}

static void fork_child(void)
{
	const struct port_fork_ops *ops = atomic_load(&fork_ops);
	int saved_errno = errno;

	if (fork_pipe[0] >= 0)
		close(fork_pipe[0]);
	if (hosted_ram.fd >= 0 && !hosted_ram.cow_only)
		ram_make_private();
	if (fork_pipe[1] >= 0) {
		while (write(fork_pipe[1], "", 1) < 0 && errno == EINTR)
			;
		close(fork_pipe[1]);
	}
	fork_pipe[0] = fork_pipe[1] = -1;
	atomic_store_explicit(&fork_busy, 0, memory_order_relaxed); /* no one else here */
	hosted_random_forget();
	if (ops && ops->child)
		ops->child();
	errno = saved_errno;
}

static void fork_handlers_install(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void hosted_fork_init(void)
{
	pthread_once(&fork_once, fork_handlers_install);
}

void port_fork_register(const struct port_fork_ops *ops)
{
	atomic_store(&fork_ops, ops);
	hosted_fork_init();
}
