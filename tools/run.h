/* SPDX-License-Identifier: MIT */
/*
 * run.h - `kmm run`: run a program with kmm as its malloc (run.c).
 */
#ifndef KMM_TOOLS_RUN_H
#define KMM_TOOLS_RUN_H

/* kmm run [--slab=...] [--report=NAME,...] [--output=FILE] -- CMD ARGS...; argv[0] is "run". */
int cmd_run(int argc, char **argv);

#endif /* KMM_TOOLS_RUN_H */
