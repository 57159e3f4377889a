#!/bin/sh
# Snapshot this machine's /sys/kernel/slab for kmm's SLUB geometry test
# (tests/test_slub_geometry.c), written to stdout:
#
#   sh scripts/snapshot-sys-slab.sh > tests/data/sys_kernel_slab.txt
#
# Format: '#' lines are comments; "key value" lines describe the machine (kernel, CPU
# counts, page and cache-line size); the "fields" line names the columns of the "cache"
# lines that follow, one per real cache. Aliases (merged caches, which sysfs shows as
# symlinks to the cache they merged into) are left out: they have no geometry of their
# own. Attributes a kernel lacks are written as "-". Flag attributes are 0/1 as sysfs
# shows them; ctor is 1 when the cache has a constructor (sysfs prints its symbol).
set -eu

SLAB=${SLAB:-/sys/kernel/slab}
CPU=/sys/devices/system/cpu
FIELDS="object_size slab_size align order objs_per_slab cpu_partial min_partial ctor \
reclaim_account hwcache_align cache_dma destroy_by_rcu red_zone poison store_user \
sanity_checks trace sheaf_capacity usersize aliases"

if [ ! -d "$SLAB" ]; then
	echo "snapshot-sys-slab: $SLAB does not exist (not SLUB, or no sysfs)" >&2
	exit 1
fi

# Number of CPUs in a sysfs CPU list such as "0-3,8,10-11".
count_cpus() {
	echo "$1" | tr ',' '\n' | awk -F- '
		NF == 1 && $1 != "" { n += 1 }
		NF == 2 { n += $2 - $1 + 1 }
		END { print n + 0 }'
}

possible=$(cat "$CPU/possible")
present=$(cat "$CPU/present")
line=$(cat "$CPU/cpu0/cache/index0/coherency_line_size" 2>/dev/null || echo -)

echo "# /sys/kernel/slab snapshot taken $(date -u +%Y-%m-%d) by scripts/snapshot-sys-slab.sh"
echo "kernel $(uname -r)"
echo "machine $(uname -m)"
echo "nr_cpu_ids $(count_cpus "$possible")"
echo "nr_present_cpus $(count_cpus "$present")"
echo "page_size $(getconf PAGESIZE)"
echo "cache_line_size $line"
echo "fields name $FIELDS" | tr -s ' \t' ' '

for dir in "$SLAB"/*; do
	[ -d "$dir" ] && [ ! -L "$dir" ] || continue
	row="cache ${dir##*/}"
	for f in $FIELDS; do
		if [ ! -r "$dir/$f" ]; then
			v=-
		elif [ "$f" = ctor ]; then
			# sysfs prints the constructor's symbol, or nothing.
			if [ -n "$(tr -d ' \n' <"$dir/$f")" ]; then v=1; else v=0; fi
		else
			# Per-node attributes print "N N0=N ..."; the total comes first.
			v=$(awk '{ print $1; exit }' "$dir/$f")
			[ -n "$v" ] || v=-
		fi
		row="$row $v"
	done
	echo "$row"
done
