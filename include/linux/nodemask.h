/* SPDX-License-Identifier: MIT */
/*
 * nodemask.h - which nodes are online (the kernel's include/linux/nodemask.h, the
 * functions only: kmm's online nodes are always 0..num_online_nodes()-1, each with
 * memory, so a plain loop stands for for_each_online_node()).
 */
#ifndef KMM_LINUX_NODEMASK_H
#define KMM_LINUX_NODEMASK_H

#include <stdbool.h>

#include <linux/numa.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How many nodes this kmm instance has (KMM_NODES). */
unsigned int num_online_nodes(void);
/* Is @nid one of them? */
bool node_online(int nid);

#ifdef __cplusplus
}
#endif

#endif /* KMM_LINUX_NODEMASK_H */
