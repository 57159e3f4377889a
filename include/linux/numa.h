/* SPDX-License-Identifier: MIT */
/*
 * numa.h - the NUMA limits (the kernel's include/linux/numa.h): how many nodes there
 * can be and the "any node" marker that allocation functions accept.
 */
#ifndef KMM_LINUX_NUMA_H
#define KMM_LINUX_NUMA_H

/* 64 nodes, as x86-64's CONFIG_NODES_SHIFT=6: the node number fits page->flags. */
#define NODES_SHIFT  6
#define MAX_NUMNODES (1 << NODES_SHIFT)
#define NUMA_NO_NODE (-1)

#endif /* KMM_LINUX_NUMA_H */
