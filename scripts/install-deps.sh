#!/bin/sh
# Install what building and testing mqfs needs on Debian 12, only if missing.
set -eu
# clang and libclang-rt-14-dev: the libFuzzer run of scripts/fuzz.sh.
PKGS="g++ meson ninja-build pkg-config libfuse3-dev fuse3 libspdlog-dev catch2 libcli11-dev scdoc python3 util-linux clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: run as root to install:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
