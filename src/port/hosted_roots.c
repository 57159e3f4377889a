/* SPDX-License-Identifier: MIT */
/*
 * hosted_roots.c - where a leak scan looks for references in a Linux process: the
 * writable segments of every loaded object (dl_iterate_phdr) and the stacks of the
 * threads that registered.
 *
 * The one idea: a thread registers one address inside its stack (a thread-local record,
 * linked on a list), and a scan finds each stack's bounds afresh in /proc/self/maps as
 * the mapping that contains that address, so a main stack that grew is seen whole and
 * nothing is read that is not mapped. The list lock is held across the scan of the
 * stacks, and a thread leaving takes it to unlink itself, so no stack disappears while
 * it is read. Nothing here allocates: kmm may be the process's malloc.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "port.h"
#include "port/hosted.h"

struct stack_record {
	struct stack_record *next, *prev;
	uintptr_t inside; /* an address in the thread's stack */
};

static struct stack_record stacks = { &stacks, &stacks, 0 };
static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t stacks_key;
static pthread_once_t stacks_once = PTHREAD_ONCE_INIT;
static _Thread_local struct stack_record this_stack;
static char roots_maps_buf[8192]; /* under stacks_lock */

static void stack_unregister(void *arg)
{
	struct stack_record *rec = arg;

	pthread_mutex_lock(&stacks_lock);
	rec->prev->next = rec->next;
	rec->next->prev = rec->prev;
	rec->next = rec->prev = NULL;
	pthread_mutex_unlock(&stacks_lock);
}

static void stacks_key_create(void)
{
	pthread_key_create(&stacks_key, stack_unregister);
}

void port_stack_register(void)
{
	char here;

	if (this_stack.next)
		return;
	pthread_once(&stacks_once, stacks_key_create);
	this_stack.inside = (uintptr_t)&here;
	pthread_mutex_lock(&stacks_lock);
	this_stack.next = stacks.next;
	this_stack.prev = &stacks;
	stacks.next->prev = &this_stack;
	stacks.next = &this_stack;
	pthread_mutex_unlock(&stacks_lock);
	pthread_setspecific(stacks_key, &this_stack);
}

struct root_walk {
	void (*fn)(void *arg, const void *start, const void *end);
	void *arg;
};

static int data_segments(struct dl_phdr_info *info, size_t size, void *p)
{
	struct root_walk *walk = p;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && ph->p_memsz)
			walk->fn(walk->arg, (const void *)start,
				 (const void *)(start + ph->p_memsz));
	}
	return 0;
}

/* The mapping [m->start, m->end) holds registered stacks: scan it once. */
static void stacks_in_mapping(const struct maps_line *m, struct root_walk *walk)
{
	for (struct stack_record *rec = stacks.next; rec != &stacks; rec = rec->next) {
		if (rec->inside >= m->start && rec->inside < m->end && m->perms[0] == 'r') {
			walk->fn(walk->arg, (const void *)(uintptr_t)m->start,
				 (const void *)(uintptr_t)m->end);
			return;
		}
	}
}

/* stacks_lock held: one pass over /proc/self/maps. */
static void stack_roots(struct root_walk *walk)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t have = 0;

	if (fd < 0)
		return;
	for (;;) {
		ssize_t n = read(fd, roots_maps_buf + have, sizeof(roots_maps_buf) - have);
		const char *line = roots_maps_buf, *nl, *end;
		struct maps_line m;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		end = roots_maps_buf + have + n;
		while ((nl = memchr(line, '\n', (size_t)(end - line)))) {
			if (hosted_maps_parse(line, nl, &m))
				stacks_in_mapping(&m, walk);
			line = nl + 1;
		}
		have = (size_t)(end - line);
		if (have == sizeof(roots_maps_buf))
			have = 0; /* no line is this long: drop it */
		memmove(roots_maps_buf, line, have);
	}
	close(fd);
}

void port_for_each_root(void (*fn)(void *arg, const void *start, const void *end), void *arg)
{
	struct root_walk walk = { fn, arg };

	dl_iterate_phdr(data_segments, &walk);
	pthread_mutex_lock(&stacks_lock);
	stack_roots(&walk);
	pthread_mutex_unlock(&stacks_lock);
}
