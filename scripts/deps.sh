#!/bin/sh
# Install what kmm needs to build and test, or say exactly how. Quiet when all is there.
# Packages: compiler and build tools, liblzma and zlib (trace reading), python3 (the
# memory map tests parse SVG with xml.etree), valgrind (bench, and memcheck's
# client-request headers for the annotations), clang (the fuzz harness).
# liburcu-dev: RCU grace periods in the hosted port (src/port/hosted_rcu.c).
# python3, sqlite3: real programs the malloc shim's tests run on kmm.
# binutils: addr2line, with which scripts/faultinj-suite.py finds who leaked.
set -e
need=""
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v c++ >/dev/null 2>&1 || need="$need g++"
command -v make >/dev/null 2>&1 || need="$need make"
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v python3 >/dev/null 2>&1 || need="$need python3" # tests read SVG maps with xml.etree
[ -f /usr/include/lzma.h ] || need="$need liblzma-dev"
[ -f /usr/include/zlib.h ] || need="$need zlib1g-dev"
pkg-config --exists liburcu-bp 2>/dev/null || need="$need liburcu-dev"
[ -x /usr/bin/python3 ] || need="$need python3"
command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
[ -f /usr/include/valgrind/memcheck.h ] || need="$need valgrind"
command -v clang >/dev/null 2>&1 || need="$need clang"
command -v addr2line >/dev/null 2>&1 || need="$need binutils"
exec sh "$(dirname "$0")/install-packages.sh" "build dependencies" $need
