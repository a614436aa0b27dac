#!/usr/bin/env bash
# Install every Debian 12 package nsfast builds, tests and benchmarks with.
set -euo pipefail
PKGS=(
	gcc clang llvm libclang-rt-14-dev make pkg-config
	libmnl-dev libnftables-dev
	libxdp-dev libbpf-dev bpftool libelf-dev zlib1g-dev
	iproute2 iputils-ping traceroute iperf3 nftables ethtool jq netcat-openbsd
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
