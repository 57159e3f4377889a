#!/bin/sh
# `make bench`: every benchmark in build/bench, timings (medians) and, where valgrind is
# installed, instruction counts per operation from callgrind: the difference between a
# run of N1 and one of N2 operations, divided by N2 - N1, so set-up costs cancel out.
# Prints Markdown tables, ready for the README.
#
# The slab benchmark (bench/bench_kmalloc.c) runs kmm and its peers side by side in one
# run: the same binary in kmm mode (kmalloc/kfree, kmem_cache_alloc/free) and in malloc
# mode once per peer, glibc as it is and jemalloc, mimalloc and tcmalloc by LD_PRELOAD.
# The runs are interleaved in rounds (every allocator once per round) so that the noise
# of a shared machine falls on all of them alike; a figure is the median over the rounds.
# scripts/bench-deps.sh installs the peers (as root) or says how; a peer not found is
# reported as missing and the rest still run.
#
#   scripts/bench.sh [BUILD]      BUILD defaults to build
#   ROUNDS=7 BATCH_ROUNDS=5       hot pairs are timed ROUNDS times, batches BATCH_ROUNDS
set -e
BUILD=${1:-build}
B=$BUILD/bench
export KMM_RAM=${KMM_RAM:-1G} KMM_PAGE_REPORTING=0
ROUNDS=${ROUNDS:-7}
BATCH_ROUNDS=${BATCH_ROUNDS:-5}
# Two threads each holding 10^6 objects of 1 KiB need more than the page bench's RAM.
SLAB_RAM=${SLAB_RAM:-4G}
SLOB_BATCH=${SLOB_BATCH:-20000}
N1=10000
N2=110000
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

sh "$(dirname "$0")/bench-deps.sh" || true
have_valgrind() { command -v valgrind >/dev/null 2>&1; }

# Total instructions of a command under callgrind.
instructions() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

# ---- page allocator --------------------------------------------------------------------

echo "## page allocator"
"$B/bench_page_alloc"
if have_valgrind; then
	echo
	echo "| order | instructions per alloc+free pair (callgrind) |"
	echo "|------:|------:|"
	for order in 0 3; do
		a=$(instructions "$B/bench_page_alloc" $order $N1)
		b=$(instructions "$B/bench_page_alloc" $order $N2)
		echo "| $order | $(((b - a) / (N2 - N1))) |"
	done
fi

# ---- vmalloc and kvmalloc against mmap and the peers' malloc -------------------------------

# vmalloc_table: run after the peers are known; one column per peer's malloc/free
vmalloc_table() {
	[ -x "$B/bench_vmalloc" ] || return 0
	KMM_RAM=1G "$B/bench_vmalloc" >"$TMP/vm" || return 0
	cols=""
	for peer in $found; do
		name=${peer%%=*}
		if [ -n "${peer#*=}" ]; then
			LD_PRELOAD=${peer#*=} "$B/bench_vmalloc" malloc >"$TMP/vm-$name" || continue
		else
			"$B/bench_vmalloc" malloc >"$TMP/vm-$name" || continue
		fi
		cols="$cols $name"
	done
	echo
	echo "### vmalloc and kvmalloc against mmap and malloc"
	echo
	echo "ns per allocate+free pair, memory untouched, median of 7 runs (bench/bench_vmalloc.c, KMM_RAM=1G)"
	echo
	line="| size | vmalloc | kvmalloc | mmap |"
	rule="|-----:|------:|------:|------:|"
	for c in $cols; do
		line="$line $c malloc |"
		rule="$rule------:|"
	done
	echo "$line"
	echo "$rule"
	while read -r size v kv m; do
		if [ "$size" -ge 1048576 ]; then h="$((size / 1048576)) MiB"; else h="$((size / 1024)) KiB"; fi
		row="| $h | $v | $kv | $m |"
		for c in $cols; do
			row="$row $(awk -v s="$size" '$1 == s { print $2 }' "$TMP/vm-$c") |"
		done
		echo "$row"
	done <"$TMP/vm"
}

# ---- memory efficiency on a mixed-size workload ------------------------------------------

# mixed_table: kmm on each back-end and every peer found (run after the peers are known)
mixed_table() {
	[ -x "$B/bench_slab_mem" ] || return 0
	: >"$TMP/mixed"
	for backend in slub slab slob; do
		KMM_SLAB=$backend KMM_RAM=$SLAB_RAM "$B/bench_slab_mem" kmm >>"$TMP/mixed" || true
	done
	for peer in $found; do
		if [ -n "${peer#*=}" ]; then
			LD_PRELOAD=${peer#*=} "$B/bench_slab_mem" -l "${peer%%=*}" malloc >>"$TMP/mixed" || true
		else
			"$B/bench_slab_mem" -l "${peer%%=*}" malloc >>"$TMP/mixed" || true
		fi
	done
	echo
	echo "### memory efficiency on a mixed-size workload"
	echo
	echo "300,000 objects of 8 B .. 4 KiB (log-uniform), then every other one freed; bytes"
	echo "requested per byte of memory taken (kmm: slab pages; malloc: resident growth)."
	echo
	echo "| allocator | all allocated | half freed |"
	echo "|-----------|------:|------:|"
	awk '{ v[$3, $2] = $4; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
	     END { for (i = 1; i <= n; i++) printf "| %s | %s%% | %s%% |\n", order[i], v[order[i], "all"], v[order[i], "half"] }' \
		"$TMP/mixed"
}

# ---- slab allocators and their peers -------------------------------------------------

[ -x "$B/bench_kmalloc" ] || exit 0

. "$(dirname "$0")/bench-peers.sh" # sets $found and $missing

# run_peer LABEL PATH ARGS...: bench_kmalloc in malloc mode with PATH preloaded; a peer
# whose malloc turns out not to be the one preloaded is dropped as missing.
run_peer() {
	name=$1
	path=$2
	shift 2
	if [ -n "$path" ]; then
		LD_PRELOAD=$path "$B/bench_kmalloc" "$@" -l "$name" malloc >>"$TMP/raw" 2>"$TMP/err"
	else
		"$B/bench_kmalloc" "$@" -l "$name" malloc >>"$TMP/raw" 2>"$TMP/err"
	fi
	if [ -n "$path" ] && ! grep -q "malloc is .*$(basename "$path")" "$TMP/err"; then
		echo "bench: $name: preloading $path did not replace malloc:" >&2
		cat "$TMP/err" >&2
		return 1
	fi
}

: >"$TMP/raw"
r=1
while [ $r -le "$ROUNDS" ]; do
	tests=all
	[ $r -le "$BATCH_ROUNDS" ] || tests=hot
	echo "bench: slab round $r/$ROUNDS ($tests)" >&2
	for backend in slub slab; do
		KMM_SLAB=$backend KMM_RAM=$SLAB_RAM "$B/bench_kmalloc" -t $tests kmm >>"$TMP/raw" ||
			echo "bench: bench_kmalloc kmm ($backend) failed" >&2
	done
	# SLOB's allocations slow down as a batch grows (first fit walks every page with a
	# hole too small for the request): its batches are SLOB_BATCH objects, in a table
	# of their own, with the other allocators at the same size for comparison
	KMM_SLAB=slob KMM_RAM=$SLAB_RAM "$B/bench_kmalloc" -t hot kmm >>"$TMP/raw" ||
		echo "bench: bench_kmalloc kmm (slob) failed" >&2
	if [ $r -le "$BATCH_ROUNDS" ]; then
		for backend in slub slab slob; do
			KMM_SLAB=$backend KMM_RAM=$SLAB_RAM "$B/bench_kmalloc" -t batch -n $SLOB_BATCH kmm \
				>>"$TMP/raw-small" || echo "bench: small batches ($backend) failed" >&2
		done
	fi
	for peer in $found; do
		run_peer "${peer%%=*}" "${peer#*=}" -t $tests || true
	done
	r=$((r + 1))
done

# table TEST TITLE COLUMNS: one Markdown table of medians from $TMP/raw. Every cell is
# "ns (ratio)", the ratio to the fastest peer of the row (glibc, jemalloc, mimalloc,
# tcmalloc); a column with no figure (a missing peer) says so.
table() {
	awk -v test="$1" -v title="$2" -v cols="$3" -v peers="glibc jemalloc mimalloc tcmalloc" \
		-v nopeer="${4:+1}" '
	function median(key,    n, i, j, t, a) {
		n = count[key]
		for (i = 1; i <= n; i++)
			a[i] = val[key, i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == test {
		key = $2 " " $3 " " $4
		val[key, ++count[key]] = $5
		if (!($2 in seen_size)) { seen_size[$2] = 1; sizes[++nsizes] = $2 }
		runs = count[key] > runs ? count[key] : runs
	}
	END {
		nc = split(cols, col, " ")
		np = split(peers, peer, " ")
		printf "%s (ns per pair, median of %d runs%s)\n\n", title, runs,
			nopeer ? "" : "; in brackets: relative to the fastest peer"
		line = "| size | threads |"
		rule = "|-----:|--------:|"
		for (c = 1; c <= nc; c++) {
			line = line " " col[c] " |"
			rule = rule "------:|"
		}
		print line
		print rule
		for (s = 1; s <= nsizes; s++)
			for (t = 1; t <= 2; t++) {
				best = 0
				for (p = 1; p <= np; p++) {
					key = sizes[s] " " t " " peer[p]
					if (key in count) {
						m = median(key)
						if (!best || m < best)
							best = m
					}
				}
				line = "| " sizes[s] " | " t " |"
				for (c = 1; c <= nc; c++) {
					key = sizes[s] " " t " " col[c]
					if (!(key in count))
						cell = "missing"
					else if (best)
						cell = sprintf("%.1f (%.2f)", median(key), median(key) / best)
					else
						cell = sprintf("%.1f", median(key))
					line = line " " cell " |"
				}
				print line
			}
		print ""
	}' "${4:-$TMP/raw}"
}

echo
echo "## slab allocators: kmalloc/kfree and kmem_cache_alloc/free against malloc/free"
echo
[ -z "$missing" ] || echo "Peers not found:$missing (scripts/bench-deps.sh installs them)."
[ -z "$missing" ] || echo
table hot "Hot pair: allocate one object, free it at once" \
	"kmalloc kmalloc-var kmem_cache glibc jemalloc mimalloc tcmalloc"
table fifo "Batch of 10^6 objects per thread, freed in allocation order" \
	"kmalloc kmem_cache glibc jemalloc mimalloc tcmalloc"
table random "Batch of 10^6 objects per thread, freed in random order" \
	"kmalloc kmem_cache glibc jemalloc mimalloc tcmalloc"
echo "kmalloc: constant size (the compile-time cache choice); kmalloc-var: the same size"
echo "known only at run time; kmem_cache: a cache of objects of that size."
echo
echo "### the three slab back-ends side by side"
echo
table hot "Hot pair, kmalloc and kmem_cache on SLUB, SLAB and SLOB" \
	"kmalloc kmalloc-slab kmalloc-slob kmem_cache kmem_cache-slab kmem_cache-slob"
table fifo "Batch of 10^6 objects, freed in allocation order, on SLUB and SLAB" \
	"kmalloc kmalloc-slab kmem_cache kmem_cache-slab"
table random "Batch of 10^6 objects, freed in random order, on SLUB and SLAB" \
	"kmalloc kmalloc-slab kmem_cache kmem_cache-slab"
table fifo "Batch of $SLOB_BATCH objects, freed in allocation order, on all three" \
	"kmalloc kmalloc-slab kmalloc-slob kmem_cache kmem_cache-slab kmem_cache-slob" "$TMP/raw-small"
table random "Batch of $SLOB_BATCH objects, freed in random order, on all three" \
	"kmalloc kmalloc-slab kmalloc-slob kmem_cache kmem_cache-slab kmem_cache-slob" "$TMP/raw-small"

mixed_table
vmalloc_table
sh "$(dirname "$0")/bench-workloads.sh" "$BUILD"

have_valgrind || exit 0

# Instructions per hot pair of size 64: kmm's three ways and each peer's malloc+free.
pair() { # LABEL PRELOAD OP -> "| LABEL | instructions |"
	if [ -n "$2" ]; then
		a=$(LD_PRELOAD=$2 instructions "$B/bench_kmalloc" "$3" 64 $N1)
		b=$(LD_PRELOAD=$2 instructions "$B/bench_kmalloc" "$3" 64 $N2)
	else
		a=$(instructions "$B/bench_kmalloc" "$3" 64 $N1)
		b=$(instructions "$B/bench_kmalloc" "$3" 64 $N2)
	fi
	[ -n "$a" ] && [ -n "$b" ] || return 0
	echo "$1|$(((b - a) / (N2 - N1)))" >>"$TMP/ir"
}

: >"$TMP/ir"
pair "kmm kmalloc(64) + kfree" "" kmalloc
pair "kmm kmalloc(n = 64) + kfree" "" kmalloc-var
pair "kmm kmem_cache_alloc + kmem_cache_free (64 bytes)" "" kmem_cache
[ -f "$BUILD/libkmm-malloc.so" ] && pair "kmm malloc(64) + free (libkmm-malloc.so)" "$(cd "$BUILD" && pwd)/libkmm-malloc.so" malloc
for peer in $found; do
	pair "${peer%%=*} malloc(64) + free" "${peer#*=}" malloc
done
echo
echo "Instructions per hot alloc+free pair of 64 bytes (callgrind, (Ir(N2) - Ir(N1)) / (N2 - N1),"
echo "N1 = $N1, N2 = $N2; the benchmark's loop included, the same for all)"
echo
awk -F'|' '
	{ label[NR] = $1; ir[NR] = $2 }
	$1 !~ /^kmm / && (!best || $2 < best) { best = $2 }
	END {
		print "| pair | instructions | relative to the best peer |"
		print "|------|------:|------:|"
		for (i = 1; i <= NR; i++)
			printf "| %s | %d | %s |\n", label[i], ir[i], best ? sprintf("%.2f", ir[i] / best) : "-"
	}' "$TMP/ir"
