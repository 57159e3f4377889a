#!/bin/sh
# install-packages.sh WHAT PACKAGE...: install Debian packages with apt-get when run as
# root, or print the exact command and fail. The one place kmm's scripts install things.
set -e
what=$1
shift
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "kmm: installing $what: $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
else
	echo "kmm: missing $what: $*" >&2
	echo "kmm: run: sudo apt-get install -y $*" >&2
	exit 1
fi
