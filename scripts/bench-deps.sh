#!/bin/sh
# Install what `make bench` compares kmm with, or say exactly how. Quiet when all is there.
# The peers are Debian's malloc libraries, run by LD_PRELOAD (see scripts/bench.sh):
#   libjemalloc2          /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
#   libmimalloc2.0        /usr/lib/x86_64-linux-gnu/libmimalloc.so.2
#   libtcmalloc-minimal4  /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
# and valgrind for the instruction counts, time (/usr/bin/time: the workloads' peak RSS)
# and gnuplot-nox (their plots). glibc's malloc is always there. The bench runs
# without any of them and reports what it could not find as missing; this script never
# fails the bench: it exits 1 only to say that something is still missing.
set -e

# lib SONAME: is the shared library known to the dynamic linker?
lib() {
	ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$1 " && return 0
	for dir in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
		[ -e "$dir/$1" ] && return 0
	done
	return 1
}

need=""
lib libjemalloc.so.2 || need="$need libjemalloc2"
lib libmimalloc.so.2 || need="$need libmimalloc2.0"
lib libtcmalloc_minimal.so.4 || need="$need libtcmalloc-minimal4"
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
[ -x /usr/bin/time ] || need="$need time"
command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot-nox"
exec sh "$(dirname "$0")/install-packages.sh" "benchmark peers" $need
