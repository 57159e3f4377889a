#!/bin/sh
# `make bench`: every benchmark in build/bench, timings (medians) and, where valgrind is
# installed, instruction counts per operation from callgrind: the difference between a
# run of N1 and one of N2 operations, divided by N2 - N1, so set-up costs cancel out.
set -e
BUILD=${1:-build}
B=$BUILD/bench
export KMM_RAM=${KMM_RAM:-1G} KMM_PAGE_REPORTING=0

instructions() { # ORDER N -> total instructions
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B/bench_page_alloc" "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

echo "## page allocator"
"$B/bench_page_alloc"
if command -v valgrind >/dev/null 2>&1; then
	echo
	echo "| order | instructions per alloc+free pair (callgrind) |"
	echo "|------:|------:|"
	for order in 0 3; do
		a=$(instructions $order 10000)
		b=$(instructions $order 110000)
		echo "| $order | $(( (b - a) / 100000 )) |"
	done
fi
