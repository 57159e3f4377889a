/* SPDX-License-Identifier: MIT */
/*
 * topology.h - which node a CPU belongs to, and how far nodes are from each other (the
 * kernel's include/linux/topology.h and asm/topology.h).
 *
 * kmm's CPUs are numbered 0..nr_cpu_ids-1 (KMM_NR_CPUS); with KMM_NODES=N they are
 * spread round-robin over the nodes, CPU c on node c % N, as the kernel's
 * numa_init_array() spread CPUs the firmware left without a node. The running "CPU" is
 * the port's, unless the thread was bound to one with kmm_set_cpu() (<kmm.h>).
 * Distances are the ACPI SLIT defaults: LOCAL_DISTANCE to itself, REMOTE_DISTANCE to
 * every other node.
 */
#ifndef KMM_LINUX_TOPOLOGY_H
#define KMM_LINUX_TOPOLOGY_H

#include <linux/numa.h>

#define LOCAL_DISTANCE	10
#define REMOTE_DISTANCE 20
#define DISTANCE_BITS	8
/* Beyond this distance, node reclaim is not worth it (include/linux/topology.h). */
#define RECLAIM_DISTANCE 30

#ifdef __cplusplus
extern "C" {
#endif

/* The SLIT distance from node @from to node @to. */
int __node_distance(int from, int to);
#define node_distance(a, b) __node_distance(a, b)

/* The node of CPU @cpu (0 for a CPU kmm does not have). */
int cpu_to_node(int cpu);
/* The node with memory closest to CPU @cpu: every kmm node has memory, so its own. */
int cpu_to_mem(int cpu);
/* The node of the CPU the caller runs on. */
int numa_node_id(void);
/* The nearest node with memory to the caller's CPU: numa_node_id(). */
int numa_mem_id(void);

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_TOPOLOGY_H */
