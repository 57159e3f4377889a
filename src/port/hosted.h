/* SPDX-License-Identifier: MIT */
/*
 * hosted.h - state shared by the hosted Linux port's files: hosted.c (everything in
 * port.h but fork) and hosted_fork.c (fork handlers and the child's copy of RAM).
 *
 * The one idea: RAM is a single memfd, and every mapping of RAM (the direct map, each
 * port_map_pages() alias) is a MAP_SHARED mapping of it, so a page frame number is a
 * file offset and the host's page cache plays the part of physical memory.
 *
 * The second backing (KMM_RAM_BACKING=anon): RAM is private anonymous memory. fork()
 * is then the host's copy-on-write and transparent huge pages apply, but nothing can
 * alias: port_map_pages() moves the frames' contents into the window instead (their
 * direct map reads as zero until they are freed), and port_ram_aliases() says so.
 */
#ifndef KMM_PORT_HOSTED_H
#define KMM_PORT_HOSTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The core's PAGE_SHIFT (include/linux/mm.h): a pfn is a file offset >> 12. */
#define RAM_PAGE_SHIFT 12
#define RAM_PAGE_SIZE  (1UL << RAM_PAGE_SHIFT)

struct hosted_ram {
	int fd;	       /* the memfd behind RAM; -1 until port_ram_init() succeeds */
	char *base;    /* the direct map: the address of pfn 0 */
	size_t bytes;  /* nr_pages << RAM_PAGE_SHIFT; the memfd's size */
	bool cow_only; /* a fork child that could not copy RAM: its RAM is a private
			  copy-on-write view of the parent's; no new aliases, no discard */
	bool anon;     /* KMM_RAM_BACKING=anon: private anonymous RAM, fd stays -1 */
};

/* ---- hosted.c ----------------------------------------------------------------------- */

extern struct hosted_ram hosted_ram;
/* A fork child: forget the random values the parent's thread had fetched. */
void hosted_random_forget(void);

/* ---- hosted_fork.c ------------------------------------------------------------------ */

/* Install the fork handlers (once; later calls do nothing). */
void hosted_fork_init(void);

/* One line of /proc/self/maps: "start-end perms offset major:minor inode  path". */
struct maps_line {
	uint64_t start, end, offset, major, minor, inode;
	char perms[4]; /* "rw-s": read, write, exec, shared or private */
};
/* Parse the line [p, end) (no newline); false if it is not a maps line. */
bool hosted_maps_parse(const char *p, const char *end, struct maps_line *m);

#endif /* KMM_PORT_HOSTED_H */
