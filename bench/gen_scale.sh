#!/usr/bin/env bash
# gen_scale.sh N LAB [conf|ip-up|ip-down] [DATAPLANE]
# A lab of N namespaces on one kernel switch with a gateway, each with a
# default route through it: as an nsfast topology (conf), or as the
# equivalent plain iproute2 script (ip-up / ip-down) that the classic
# recipes would run.
set -euo pipefail
n=${1:?N}; lab=${2:?LAB}; what=${3:-conf}; dp=${4:-kernel}
[ "$n" -ge 1 ] && [ "$n" -le 1000 ] || { echo "N must be 1..1000" >&2; exit 2; }
addr() { echo "10.77.$(( ($1 + 2) / 250 )).$(( ($1 + 2) % 250 ))"; }
case $what in
conf)
	echo "# $n namespaces on one switch (bench/gen_scale.sh $n $lab)"
	echo "lab $lab"
	echo "switch sw0 dataplane $dp"
	echo "    gateway 10.77.0.1/16"
	for i in $(seq 0 $((n - 1))); do
		echo "ns n$i"
		echo "    link eth0 switch sw0 addr $(addr "$i")/16"
		echo "    route default via 10.77.0.1"
	done ;;
ip-up)
	echo "set -e"
	echo "ip link add $lab-sw0 type bridge"
	echo "ip link set $lab-sw0 up"
	echo "ip addr add 10.77.0.1/16 dev $lab-sw0"
	for i in $(seq 0 $((n - 1))); do
		cat <<EOS
ip netns add $lab-n$i
ip -n $lab-n$i link set lo up
ip link add $lab-n$i-eth0 type veth peer name eth0 netns $lab-n$i
ip link set $lab-n$i-eth0 master $lab-sw0 up
ip -n $lab-n$i link set eth0 up
ip -n $lab-n$i addr add $(addr "$i")/16 dev eth0
ip -n $lab-n$i route add default via 10.77.0.1
EOS
	done ;;
ip-down)
	for i in $(seq 0 $((n - 1))); do
		echo "ip link del $lab-n$i-eth0 2>/dev/null; ip netns del $lab-n$i 2>/dev/null"
	done
	echo "ip link del $lab-sw0 2>/dev/null"
	echo "true" ;;
*) echo "unknown output '$what', expected conf, ip-up or ip-down" >&2; exit 2 ;;
esac
