/* SPDX-License-Identifier: MIT */
/*
 * topology.c - CPUs and nodes (the kernel's asm/topology.h with numa_init_array() and
 * the SLIT defaults of arch/x86/mm/numa.c): which node each CPU is on, which node the
 * caller runs on, how far nodes are apart, and binding a thread to one CPU.
 *
 * The one idea: the node of the caller is the node of its CPU, and its CPU is the port's
 * (folded into nr_cpu_ids) unless the thread was bound to one with kmm_set_cpu(), as a
 * task pinned with set_cpus_allowed_ptr(). CPUs go round-robin over the nodes (CPU c on
 * node c % nr_online_nodes), as numa_init_array() spread the CPUs firmware left
 * unassigned; distances are LOCAL_DISTANCE to itself and REMOTE_DISTANCE to every
 * other node, the table numa_reset_distance() leaves when firmware gives none.
 */
#include "internal.h"

port_thread_local unsigned int kmm_bound_cpu;

int __node_distance(int from, int to)
{
	return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

int cpu_to_node(int cpu)
{
	if (cpu < 0 || (unsigned int)cpu >= nr_cpu_ids || nr_online_nodes <= 1)
		return 0;
	return cpu % nr_online_nodes;
}

/* Every kmm node has memory: a CPU's nearest memory is its own node's. */
int cpu_to_mem(int cpu)
{
	return cpu_to_node(cpu);
}

int numa_node_id(void)
{
	if (likely(nr_online_nodes <= 1))
		return 0;
	return cpu_to_node((int)smp_processor_id());
}

int numa_mem_id(void)
{
	return numa_node_id();
}

unsigned int num_online_nodes(void)
{
	kmm_ensure_init();
	return (unsigned int)nr_online_nodes;
}

bool node_online(int nid)
{
	kmm_ensure_init();
	return nid >= 0 && nid < nr_online_nodes;
}

/*
 * A thread that moves to another node hands back what it caches per CPU, as a task
 * leaving a CPU leaves that CPU's caches behind: the back-ends assume a thread's cached
 * objects come from its own node.
 */
int kmm_set_cpu(int cpu)
{
	int old_nid;

	kmm_ensure_init();
	if (cpu < -1 || (cpu >= 0 && (unsigned int)cpu >= nr_cpu_ids))
		return -EINVAL;
	old_nid = numa_node_id();
	kmm_bound_cpu = cpu < 0 ? 0 : (unsigned int)cpu + 1;
	if (numa_node_id() != old_nid)
		slab_thread_migrate();
	return 0;
}

int kmm_set_node(int nid)
{
	kmm_ensure_init();
	if (nid < 0 || nid >= nr_online_nodes)
		return -EINVAL;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_to_node((int)cpu) == nid)
			return kmm_set_cpu((int)cpu);
	return -EINVAL; /* fewer CPUs than nodes: this one has none */
}
