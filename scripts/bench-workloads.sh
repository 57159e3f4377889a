#!/bin/sh
# The mimalloc-bench style workloads (bench/workloads/: cfrac, espresso, larson, mstress,
# xmalloc-test, cache-scratch, glibc-simple, glibc-thread, written anew in C) under every
# malloc at hand: kmm's malloc shim (build/libkmm-malloc.so, by LD_PRELOAD, on SLUB and
# SLAB), glibc as it is, and jemalloc, mimalloc and tcmalloc by LD_PRELOAD. Each run's
# wall time is taken to the microsecond by date(1) around it (/usr/bin/time's %e has
# 10 ms steps, too coarse for runs of a few tenths of a second) and its peak RSS by
# /usr/bin/time; the workloads' default sizes make the best peer take about 0.2-0.5 s
# each. The figures are medians of RUNS runs,
# interleaved in rounds so that a shared machine's noise falls on all alike. Prints two
# Markdown tables (time and peak RSS, each with its ratio to the best peer) and draws
# them with gnuplot as $OUT/workloads-time.svg and $OUT/workloads-rss.svg.
# `make bench` runs it last; alone:
#
#   scripts/bench-workloads.sh [BUILD]     BUILD defaults to build
#   RUNS=3 WL_TIMEOUT=60 WL_THREADS=2 WL_KMM_SLABS="slub slab" OUT=BUILD/bench
set -e
BUILD=${1:-build}
W=$BUILD/bench/workloads
OUT=${OUT:-$BUILD/bench}
RUNS=${RUNS:-3}
WL_TIMEOUT=${WL_TIMEOUT:-60}
WL_THREADS=${WL_THREADS:-2}
WL_KMM_SLABS=${WL_KMM_SLABS:-slub slab}
WORKLOADS="cfrac espresso larson mstress xmalloc_test cache_scratch glibc_simple glibc_thread"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/bench-peers.sh" # sets $found and $missing

if [ ! -x "$W/cfrac" ]; then
	echo "bench-workloads: $W not built (make)" >&2
	exit 0
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench-workloads: /usr/bin/time missing (scripts/bench-deps.sh installs it)" >&2
	exit 0
fi

# Every allocator: "label=preload=KMM_SLAB" (empty preload: glibc).
allocs=""
kmm_missing=""
if [ -e "$BUILD/libkmm-malloc.so" ]; then
	shim=$(cd "$(dirname "$BUILD/libkmm-malloc.so")" && pwd)/libkmm-malloc.so
	for slab in $WL_KMM_SLABS; do
		label=kmm
		[ "$slab" = slub ] || label=kmm-$slab
		allocs="$allocs $label=$shim=$slab"
	done
else
	kmm_missing=" kmm ($BUILD/libkmm-malloc.so not built)"
fi
for peer in $found; do
	allocs="$allocs ${peer%%=*}=${peer#*=}="
done

# args WORKLOAD: its command-line arguments (threads where it has them)
args() {
	case $1 in
	larson | mstress | glibc_thread | cache_scratch) echo "$WL_THREADS" ;;
	xmalloc_test) echo $(((WL_THREADS + 1) / 2)) ;;
	*) echo "" ;;
	esac
}

# now_ns: the wall clock in nanoseconds (GNU date)
now_ns() {
	date +%s%N
}

# run WORKLOAD LABEL PRELOAD SLAB: one timed run, "WORKLOAD LABEL SECONDS KB" into raw
run() {
	if [ -n "$3" ]; then
		set -- "$1" "$2" "$3" "$4" env LD_PRELOAD="$3" KMM_SLAB="$4" "$W/$1"
	else
		set -- "$1" "$2" "$3" "$4" "$W/$1"
	fi
	wl=$1
	name=$(echo "$1" | tr _ -) # mimalloc-bench's names: xmalloc-test, glibc-simple
	label=$2
	shift 4
	start=$(now_ns)
	# shellcheck disable=SC2046
	if timeout "$WL_TIMEOUT" /usr/bin/time -f "%M" -o "$TMP/time" "$@" $(args "$wl") \
		>/dev/null 2>"$TMP/err"; then
		end=$(now_ns)
		echo "$name $label $(((end - start) / 1000)) $(cat "$TMP/time")" >>"$TMP/raw"
	else
		echo "bench-workloads: $wl under $label failed or ran past ${WL_TIMEOUT}s:" >&2
		tail -3 "$TMP/err" >&2
		echo "$name $label fail fail" >>"$TMP/raw"
	fi
}

: >"$TMP/raw"
r=1
while [ $r -le "$RUNS" ]; do
	echo "bench: workloads round $r/$RUNS" >&2
	for wl in $WORKLOADS; do
		for a in $allocs; do
			label=${a%%=*}
			rest=${a#*=}
			run "$wl" "$label" "${rest%=*}" "${rest##*=}"
		done
	done
	r=$((r + 1))
done

labels=""
for a in $allocs; do
	labels="$labels ${a%%=*}"
done

# table FIELD TITLE UNIT SCALE: medians of column FIELD (3: microseconds, 4: KB) per workload
# and allocator, each with its ratio to the best peer (kmm columns are not peers), and
# the ratios alone into $TMP/FIELD.dat for gnuplot.
table() {
	awk -v field="$1" -v title="$2" -v unit="$3" -v scale="$4" -v labels="$labels" \
		-v runs="$RUNS" -v dat="$TMP/$1.dat" '
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
	{
		if (!($1 in seen)) { seen[$1] = 1; wls[++nw] = $1 }
		if ($field == "fail") { failed[$1, $2] = 1; next }
		key = $1 SUBSEP $2
		val[key, ++count[key]] = $field / scale
	}
	END {
		nl = split(labels, label, " ")
		printf "%s (median of %d runs; in brackets: relative to the best peer)\n\n", title, runs
		line = "| workload |"; rule = "|----------|"
		hdr = "workload"
		for (l = 1; l <= nl; l++) {
			line = line " " label[l] " |"; rule = rule "------:|"
			hdr = hdr " " label[l]
		}
		print line; print rule
		print hdr > dat
		for (w = 1; w <= nw; w++) {
			best = 0
			for (l = 1; l <= nl; l++) {
				key = wls[w] SUBSEP label[l]
				if (label[l] !~ /^kmm/ && (key in count) && (!best || median(key) < best))
					best = median(key)
			}
			line = "| " wls[w] " |"
			row = wls[w]
			for (l = 1; l <= nl; l++) {
				key = wls[w] SUBSEP label[l]
				if (key in count) {
					m = median(key)
					cell = best ? sprintf("%.2f %s (%.2f)", m, unit, m / best) : sprintf("%.2f %s", m, unit)
					row = row " " (best ? sprintf("%.3f", m / best) : "NaN")
				} else {
					cell = (wls[w], label[l]) in failed ? "failed" : "missing"
					row = row " NaN"
				}
				line = line " " cell " |"
			}
			print line
			print row > dat
		}
		print ""
	}' "$TMP/raw"
}

# plot FIELD FILE TITLE: a clustered bar chart of the ratios, one cluster per workload
plot() {
	command -v gnuplot >/dev/null 2>&1 || return 0
	n=$(echo $labels | wc -w)
	gnuplot <<EOF 2>"$TMP/gnuplot.err" || { echo "bench-workloads: gnuplot failed:" >&2; cat "$TMP/gnuplot.err" >&2; }
set terminal svg size 960,480 dynamic noenhanced font "sans,11" background rgb "white"
set output "$2"
set title "$3"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "relative to the best peer (lower is better)"
set yrange [0:*]
set grid ytics
set key top left
set xtics rotate by -20
set datafile missing "NaN"
plot for [i=2:$((n + 1))] "$TMP/$1.dat" using i:xtic(1) title columnheader(i)
EOF
}

mkdir -p "$OUT"
echo
echo "### mimalloc-bench style workloads"
echo
echo "bench/workloads/, $WL_THREADS threads where a workload has threads; kmm is its malloc"
echo "shim on each slab back-end, the peers are glibc and, by LD_PRELOAD, the others."
[ -z "$missing$kmm_missing" ] || echo "Not found:$missing$kmm_missing."
echo
table 3 "Time" s 1000000 | tee "$OUT/workloads.md"
table 4 "Peak RSS" MiB 1024 | tee -a "$OUT/workloads.md"
plot 3 "$OUT/workloads-time.svg" "mimalloc-bench style workloads: time"
plot 4 "$OUT/workloads-rss.svg" "mimalloc-bench style workloads: peak RSS"
command -v gnuplot >/dev/null 2>&1 &&
	echo "Plots: $OUT/workloads-time.svg, $OUT/workloads-rss.svg (gnuplot)." ||
	echo "(gnuplot not installed: no plots; scripts/bench-deps.sh installs it)"
