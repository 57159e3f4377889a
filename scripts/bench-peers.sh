# Sourced by scripts/bench.sh and scripts/bench-workloads.sh: the malloc libraries kmm is
# compared with. Sets $found, "label=path" of each peer present ("glibc=" for glibc, whose
# malloc needs no preloading), and $missing, the labels of those not installed
# (scripts/bench-deps.sh installs them).

# The peers: label and the soname to preload (glibc: none).
PEERS="glibc: jemalloc:libjemalloc.so.2 mimalloc:libmimalloc.so.2 tcmalloc:libtcmalloc_minimal.so.4"

# peer_path SONAME: the library's path, or nothing.
peer_path() {
	p=$(ldconfig -p 2>/dev/null | awk -v so="$1" '$1 == so { print $NF; exit }')
	if [ -z "$p" ]; then
		for dir in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
			[ -e "$dir/$1" ] && p="$dir/$1" && break
		done
	fi
	echo "$p"
}

found="" # "label=path" of each peer present ("glibc=" for glibc)
missing=""
for peer in $PEERS; do
	name=${peer%%:*}
	so=${peer#*:}
	if [ -z "$so" ]; then
		found="$found $name="
	elif path=$(peer_path "$so") && [ -n "$path" ]; then
		found="$found $name=$path"
	else
		missing="$missing $name"
	fi
done

