#!/bin/sh
# `make run`: kmm's main job. Until the trace replayer lands (issue 6), a demonstration
# of the page allocator on 1 GiB of RAM with its /proc-style reports.
set -e
BUILD=${1:-build}
KMM_RAM=${KMM_RAM:-1G} exec "$BUILD/kmm" demo
