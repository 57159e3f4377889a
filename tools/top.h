/* SPDX-License-Identifier: MIT */
/* top.h - `kmm top` (top.c): a live view of another process's published kmm statistics. */
#ifndef KMM_TOOLS_TOP_H
#define KMM_TOOLS_TOP_H

int cmd_top(int argc, char **argv);

#endif /* KMM_TOOLS_TOP_H */
