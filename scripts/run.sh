#!/bin/sh
# `make run`: kmm's main job. Replays the kernel allocation trace the project ships
# (a real ftrace capture of kmem events, read directly from .xz) on the SLUB, SLAB and
# SLOB back-ends, one child process each, and prints the comparison side by side.
# Usage: scripts/run.sh [BUILD-DIR [kmm replay options...]], e.g. --report=slabinfo.
set -e
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ $# -gt 0 ] && shift
exec "$BUILD/kmm" replay --slab=all --ram="${KMM_RAM:-2G}" "$@" data/kernel-kmem-trace-A.txt.xz
