#!/usr/bin/env bash
# bench/bench.sh [--quick] [--reps N] [--out DIR] [--dataplanes LIST] FILE
# (run as `nsfast bench ...`, or `make bench`)
#
# The topology FILE on every dataplane (LIST, default kernel,afxdp,xdp,tc),
# alternating, N repetitions (default 3): TCP 1 and 4 streams (iperf3),
# 64 B and 1500 B UDP (bench/nsgen into an nftables counter), UDP round
# trip p50/p99 (bench/nsping), the same through the uplink's SNAT, 64 B
# aggregate over 2, 8 and 32 namespaces, and `nsfast up` and `down` of
# 16, 64 and 256 namespaces against plain `ip` scripts. Writes results.json,
# results.md and results.svg to DIR (default results/YYYY-MM-DD-HHMMSS).
#
# FILE: the client is the first namespace linked to the first switch,
# the server the second; the NAT'd workloads run from the client to the
# namespace at the other end of `veth host:IFACE` when that switch has
# `uplink IFACE snat`. A dataplane on which FILE does not pass `nsfast
# check` is recorded as skipped. --quick: 1 repetition, short runs, 2
# and 8 namespaces, up and down of 16.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export NSFAST=${NSFAST:-$ROOT/nsfast}
# The tools next to the nsfast that runs us (build-san/ for build-san/nsfast),
# or, installed (ROOT is PREFIX/share/nsfast), in PREFIX/libexec/nsfast.
if [ -z "${NSFAST_BUILD:-}" ]; then
	NSFAST_BUILD=$ROOT/build
	[ -x "$ROOT/../../libexec/nsfast/nsgen" ] && NSFAST_BUILD=$(cd "$ROOT/../../libexec/nsfast" && pwd)
	[ -x "$(dirname "$NSFAST")/nsgen" ] && NSFAST_BUILD=$(dirname "$NSFAST")
fi
GEN=$NSFAST_BUILD/nsgen
PING=$NSFAST_BUILD/nsping

die() { echo "nsfast bench: $*" >&2; exit 1; }
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
# A usage error: what is wrong, then the usage line, as nsfast's own.
usage_err() {
	echo "nsfast bench: $*" >&2
	"$NSFAST" help bench 2>/dev/null | sed -n 1p >&2
	echo "Run 'nsfast bench --help' for the options." >&2
	exit 2
}

reps= quick=0 out= dps=kernel,afxdp,xdp,tc file=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--reps) [ $# -ge 2 ] || usage_err "--reps wants a value"; reps=$2; shift ;;
	--reps=*) reps=${1#*=} ;;
	--out) [ $# -ge 2 ] || usage_err "--out wants a value"; out=$2; shift ;;
	--out=*) out=${1#*=} ;;
	--dataplanes) [ $# -ge 2 ] || usage_err "--dataplanes wants a value"; dps=$2; shift ;;
	--dataplanes=*) dps=${1#*=} ;;
	-h|--help) usage ;;
	-*) usage_err "unknown option '$1'" ;;
	*) [ -z "$file" ] || usage_err "one FILE only ('$file', then '$1')"
	   file=$1 ;;
	esac
	shift
done
[ -n "$file" ] || usage_err "expected FILE, the topology"
[ -z "$reps" ] || [[ $reps =~ ^[1-9][0-9]?$ ]] || usage_err "--reps wants 1 to 99, not '$reps'"
# The dataplanes, the bridge first (the others are ratios to it), each
# once. Every comma-separated word must be one ("tc, afxdp" is refused,
# not run as tc alone).
[ -n "$dps" ] || usage_err "--dataplanes is empty"
[[ $dps != *$'\n'* ]] || usage_err "--dataplanes '$dps' holds a newline, expected a comma-separated list"
IFS=, read -ra asked <<<"$dps,"
for dp in "${asked[@]}"; do
	case $dp in kernel|afxdp|xdp|tc) ;;
	*) usage_err "unknown dataplane '$dp' in --dataplanes '$dps', expected a comma-separated list of kernel, afxdp, xdp and tc" ;;
	esac
done
DPS=()
for dp in kernel "${asked[@]}"; do
	[[ ",$dps," == *",$dp,"* ]] && [[ " ${DPS[*]} " != *" $dp "* ]] && DPS+=("$dp")
done
[[ " ${DPS[*]} " == *" kernel "* ]] || echo "nsfast bench: no kernel in --dataplanes: no ratios" >&2

[ "$(id -u)" = 0 ] || die "needs root (it creates namespaces and attaches XDP programs)"
[ -r "$file" ] || die "$file: cannot read it"
[ -x "$NSFAST" ] || die "$NSFAST missing: run make"
for t in "$GEN" "$PING"; do [ -x "$t" ] || die "$t missing: run make"; done
for t in iperf3 jq nft ethtool awk; do command -v $t >/dev/null || die "$t is not installed (make deps)"; done

rr_warm=100 # nsping's warm-up round trips, before the counted ones
if [ $quick = 1 ]; then
	reps=${reps:-1} tcp_s=1 udp_s=1 rr_n=2000 scale=(2 8) upn=(16)
else
	reps=${reps:-3} tcp_s=4 udp_s=2 rr_n=10000 scale=(2 8 32) upn=(16 64 256)
fi

# --- names, cleanup ----------------------------------------------------
# One 5-character lab per run for FILE (so generated names fit as they
# do in the tests) and one for the scaling labs.
# Never a lab that is up, nor a name that prefixes anything there (up
# would take it over, and the cleanup delete it).
name_free() {
	[ ! -e "/run/nsfast/$1" ] && [ ! -e "/run/nsfast/${1}s" ] &&
		! { ip netns list; ip -o link; } 2>/dev/null | grep -qE "(^|: )$1s?-"
}
for _ in $(seq 100); do
	LAB=b$(printf '%04x' $(( (RANDOM ^ $$) & 0xffff )))
	name_free "$LAB" && break
done
name_free "$LAB" || { echo "nsfast bench: no free lab name b0000-bffff" >&2; exit 1; }
SLAB=${LAB}s
TMP=$(mktemp -d /tmp/nsfast-bench.XXXXXX)
started=$(date +%s) stamp=$(date +%Y-%m-%d-%H%M%S)
cleanup() {
	local p ns
	trap - EXIT INT TERM
	# This shell's children still running: one already waited for may
	# have given its PID to another process since.
	for p in $(jobs -pr); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^($LAB|$SLAB)-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	"$NSFAST" down -q "$LAB" >/dev/null 2>&1
	"$NSFAST" down -q "$SLAB" >/dev/null 2>&1
	# Whatever `down` could not remove (it never should) goes by name.
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^($LAB|$SLAB)-" | xargs -r -n1 ip netns del 2>/dev/null
	ip -o link 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^($LAB|$SLAB)-" |
		xargs -r -n1 ip link del 2>/dev/null
	[ -t 2 ] && printf '\r\033[K' >&2
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "nsfast bench: interrupted, cleaning up" >&2; exit 130' INT TERM

# run_at T OUT CMD...: as run, CMD told to begin its work at the moment
# T: m0 is a cpu_mark at T, m1 one as soon as CMD ends.
run_at() {
	local t=$1 o=$2 pid rc; shift 2
	"$@" >"$o" 2>"$o.err" &
	pid=$!
	until_moment "$t"
	m0=$(cpu_mark)
	wait $pid; rc=$?
	m1=$(cpu_mark)
	echo $rc >"$o.rc"
	return $rc
}
# Run CMD in the background and wait for it, so that a signal is handled
# at once (bash runs traps only between commands) and CMD is killed by
# the cleanup: its stdout goes to the file $1, stderr to $1.err, its exit
# status to $1.rc.
run() {
	local o=$1 rc; shift
	"$@" >"$o" 2>"$o.err" &
	wait $!; rc=$?
	echo $rc >"$o.rc"
	return $rc
}
# why_tool OUT: why the tool run into OUT failed: its stderr, or when it
# said nothing (a crash), how it ended: "exit N" or "killed by SIGxxx".
why_tool() {
	local e rc
	e=$(head -c 200 "$1.err" 2>/dev/null)
	[ -z "$e" ] || { echo "$e"; return; }
	rc=$(cat "$1.rc" 2>/dev/null)
	if [ -z "$rc" ]; then echo "no exit status"
	elif [ "$rc" -gt 128 ] && kill -l $((rc - 128)) >/dev/null 2>&1; then echo "killed by SIG$(kill -l $((rc - 128)))"
	else echo "exit $rc"; fi
}

# --- the topology --------------------------------------------------------
# What the benchmark needs of FILE, from nsfast's own parser (check
# --json, bench/topo.jq): as the file is, else as any dataplane asked for
# takes it (a file for tc with jumbo ports, run on the bridge too).
for dp in "" "${DPS[@]}"; do
	"$NSFAST" check --json --lab "$LAB" ${dp:+--dataplane "$dp"} "$file" >"$TMP/topo.json" 2>"$TMP/check" &&
		break
	[ -n "$dp" ] || cp "$TMP/check" "$TMP/check.file"
done
[ -s "$TMP/topo.json" ] ||
	die "$file does not pass 'nsfast check --lab $LAB' (a 5-character lab name) on any dataplane asked for: $(head -3 "$TMP/check.file" | tr '\n' ' ')"
SW= GW= UPLINK= NSW=0 CLIENT= CLIENT_IF= CLIENT_IP= SERVER= SERVER_IF= SERVER_IP=
NAT_NS= NAT_IF= NAT_IP= FOREIGN= HOST_DEFAULT=0
facts=$(jq -r -f "$ROOT/bench/topo.jq" "$TMP/topo.json") || die "bench/topo.jq could not read 'nsfast check --json' of $file"
eval "$facts"
# Safety: the benchmark attaches XDP and sends traffic only to what it
# creates, and leaves the host's routing alone.
for u in $FOREIGN; do
	die "$file: the uplink ${u#*:} of switch ${u%%:*} is not the host end of a 'veth host:${u#*:}' in the file; the benchmark sends traffic only into namespaces it creates"
done
[ "$HOST_DEFAULT" = 0 ] || die "$file: the host block sets a default route; the benchmark does not touch the host's own routing"
[ -n "$SW" ] || die "$file: no switch: the benchmark needs one with two namespaces linked to it"
[ "$NSW" -ge 2 ] || die "$file: switch $SW (the first one) has $NSW namespace(s) linked; the benchmark needs two (client and server)"
[ -n "$CLIENT_IP" ] || die "$file: namespace $CLIENT (the client) has no IPv4 address on its link to $SW"
[ -n "$SERVER_IP" ] || die "$file: namespace $SERVER (the server) has no IPv4 address on its link to $SW"
nat=0
nat_why="$file: switch $SW has no 'uplink IFACE snat'"
if [ -n "$UPLINK" ]; then
	[ "$NAT_NS" != host ] || die "$file: the far end of uplink $UPLINK is in the host; the benchmark needs a namespace there"
	# Else the NAT workloads would go over the client's own loopback.
	[ "$NAT_NS" != "$CLIENT" ] && [ "$NAT_NS" != "$SERVER" ] ||
		die "$file: the far end of uplink $UPLINK is in $NAT_NS, the benchmark's $([ "$NAT_NS" = "$CLIENT" ] && echo client || echo server); it needs a namespace of its own there"
	[ -n "$NAT_IP" ] || die "$file: $NAT_NS:$NAT_IF (behind uplink $UPLINK) has no IPv4 address"
	nat=1 nat_why=
fi

# --- measuring -----------------------------------------------------------
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
cpu_s() { awk -v t=$(( $2 - $1 )) -v hz="$hz" 'BEGIN {printf "%.3f", t / hz}'; }
# CPU figures bracket the work only: cpu_mark reads the ticks and the
# moment (nsgen --clock: CLOCK_MONOTONIC) together, "TICKS SECONDS";
# cpu_of M0 M1 is "CPU-SECONDS SPAN-SECONDS" between two marks.
cpu_mark() { echo "$(cpu_ticks) $("$GEN" --clock)"; }
cpu_of() {
	set -- $1 $2
	echo "$(cpu_s "$1" "$3") $(awk -v a="$2" -v b="$4" 'BEGIN {printf "%.3f", b - a}')"
}
# moment_in S: the moment S seconds from now; until_moment T: sleep until T.
moment_in() { awk -v t="$("$GEN" --clock)" -v s="$1" 'BEGIN {printf "%.6f", t + s}'; }
until_moment() { sleep "$(awk -v t="$1" -v n="$("$GEN" --clock)" 'BEGIN {d = t - n; printf "%.3f", (d > 0 ? d : 0)}')"; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
mac_of() { nsx "$1" cat "/sys/class/net/$2/address"; }

# sink NS MATCH: count and drop the generator's flow at the start of
# prerouting in NS, so the receiver's cost is the same on every dataplane.
sink() {
	nsx "$1" nft -f - <<NFT
table ip nsbench {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		$2 udp dport 9 counter drop
	}
}
NFT
}
sunk() { nsx "$1" nft list chain ip nsbench pre | grep -o 'packets [0-9]*' | awk '{s += $2} END {print s + 0}'; }

# Samples, one JSON object a line: workload, dataplane, rep, value (null
# when the run failed: error says why), cpu_s, cpu_per and the tool's
# own figures.
sample() { # WORKLOAD VALUE CPU_S CPU_PER [EXTRA-JSON-OBJECT]
	jq -cn --arg w "$1" --arg d "$DP" --argjson r "$REP" --argjson v "$2" --argjson c "$3" \
		--argjson p "$4" --argjson x "${5:-{\}}" \
		'{workload: $w, dataplane: $d, rep: $r, value: $v, cpu_s: $c, cpu_per: $p} + $x' >>"$TMP/samples"
}
failed() { # WORKLOAD WHY
	jq -cn --arg w "$1" --arg d "$DP" --argjson r "$REP" --arg e "$2" \
		'{workload: $w, dataplane: $d, rep: $r, value: null, cpu_s: null, cpu_per: null, error: $e}' >>"$TMP/samples"
	nfailed=$((nfailed + 1))
}

# iperf3 from NS to ADDR (server in SNS), P streams -> a sample; with
# -R the server sends (a download).
tcp() { # WORKLOAD CNS SNS ADDR STREAMS [-R]
	local w=$1 streams=$5 c0 c1 g srv e
	nsx "$3" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	srv=$!
	for _ in $(seq 20); do nsx "$3" ss -Hltn 'sport = 5201' | grep -q . && break; sleep 0.05; done
	c0=$(cpu_mark)
	run "$TMP/iperf.json" nsx "$2" iperf3 -c "$4" -p 5201 -t "$tcp_s" -P "$5" ${6:+"$6"} -J
	c1=$(cpu_mark)
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	g=$(jq -r '.end.sum_received | select(.bytes > 0) | "\(.bits_per_second / 1e9) \(.bytes)"' "$TMP/iperf.json" 2>/dev/null)
	if [ -z "$g" ]; then
		e=$(jq -r '.error // empty' "$TMP/iperf.json" 2>/dev/null | head -1)
		failed "$w" "iperf3: ${e:-$(why_tool "$TMP/iperf.json")}"
		return
	fi
	set -- $g $(cpu_of "$c0" "$c1")
	sample "$w" "$1" "$3" "$(awk -v c="$3" -v b="$2" 'BEGIN {printf "%.4f", c / (b / 1e9)}')" \
		"{\"bytes\":$2,\"streams\":$streams,\"cpu_span_s\":$4}"
}

# nsgen for udp_s seconds -> a sample of delivered Mpps. GEN-ARGS are
# nsgen's, the sink of RNS counts.
udp() { # WORKLOAD SIZE RNS GEN-ARGS...
	local w=$1 size=$2 rns=$3 r0 r1 ip_len at
	shift 3
	ip_len=$((size - 14))
	r0=$(sunk "$rns")
	# Told to begin half a second from now: its start-up (namespace,
	# socket, program) is not in the CPU figure, from then to its end.
	at=$(moment_in 0.5)
	run_at "$at" "$TMP/gen.json" "$GEN" "$@" --size "$size" --seconds "$udp_s" --start-at "$at"
	sleep 0.2
	r1=$(sunk "$rns")
	# (jq -e on empty input exits 0.)
	if ! [ -s "$TMP/gen.json" ] || ! jq -e '.sent > 0' "$TMP/gen.json" >/dev/null 2>&1; then
		failed "$w" "nsgen: $(why_tool "$TMP/gen.json")"
		return
	fi
	if [ $((r1 - r0)) = 0 ]; then
		failed "$w" "nothing reached the receiver ($(jq -r .sent "$TMP/gen.json") sent)"
		return
	fi
	local secs sent cpu gen span
	secs=$(jq -r .seconds "$TMP/gen.json"); sent=$(jq -r .sent "$TMP/gen.json")
	gen=$(jq -r .method "$TMP/gen.json")
	read -r cpu span <<<"$(cpu_of "$m0" "$m1")"
	sample "$w" "$(awk -v d=$((r1 - r0)) -v s="$secs" 'BEGIN {printf "%.4f", d / s / 1e6}')" "$cpu" \
		"$(awk -v c="$cpu" -v d=$((r1 - r0)) 'BEGIN {printf "%.4f", c / (d / 1e6)}')" \
		"$(awk -v d=$((r1 - r0)) -v s="$secs" -v n="$sent" -v l="$ip_len" -v g="$gen" -v p="$span" 'BEGIN {
			printf "{\"gbps\":%.4f,\"delivered\":%d,\"sent\":%d,\"offered_mpps\":%.4f,\"seconds\":%s,\"generator\":\"%s\",\"cpu_span_s\":%s}",
				d / s * l * 8 / 1e9, d, n, n / s / 1e6, s, g, p }')"
}

# nsping round trips from CNS to ADDR (echo server in SNS) -> two samples.
rr() { # PREFIX CNS SNS ADDR
	local c0 c1 cpu srv span
	"$PING" --netns "$3" --server --idle 10 >/dev/null 2>&1 &
	srv=$!
	c0=$(cpu_mark)
	run "$TMP/ping.json" "$PING" --netns "$2" --client "$4" --count "$rr_n" --warmup "$rr_warm"
	c1=$(cpu_mark)
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	if ! [ -s "$TMP/ping.json" ] || ! jq -e '.count > 0' "$TMP/ping.json" >/dev/null 2>&1; then
		failed "$1_p50" "nsping: $(why_tool "$TMP/ping.json")"
		failed "$1_p99" "nsping: $(why_tool "$TMP/ping.json")"
		return
	fi
	read -r cpu span <<<"$(cpu_of "$c0" "$c1")"
	local per x
	# The warm-up round trips are in the interval: they count as work.
	per=$(jq -r --argjson c "$cpu" --argjson w "$rr_warm" '$c / ((.count + .lost + $w) / 1e6) * 1000 | round / 1000' "$TMP/ping.json")
	x=$(jq -c --argjson w "$rr_warm" --argjson p "$span" \
		'{round_trips: .count, lost, warmup: $w, min_us, mean_us, p90_us, p999_us, max_us, cpu_span_s: $p}' "$TMP/ping.json")
	sample "$1_p50" "$(jq .p50_us "$TMP/ping.json")" "$cpu" "$per" "$x"
	sample "$1_p99" "$(jq .p99_us "$TMP/ping.json")" "$cpu" "$per" "$x"
}

# --- progress ---------------------------------------------------------------
step=0 total=0
progress() {
	step=$((step + 1))
	local line
	line=$(printf '[%d/%d] %s' "$step" "$total" "$*")
	if [ -t 2 ]; then printf '\r\033[K%s ' "$line" >&2; else echo "$line ..." >&2; fi
}

# --- one repetition of FILE on dataplane DP ---------------------------------
# Brings the lab up; returns 3 when the file does not pass check on this
# dataplane (tc's MTU limit, say): nothing was made.
lab_up() {
	"$NSFAST" check -q --lab "$LAB" --dataplane "$DP" "$file" >"$TMP/up.out" 2>&1 || return 3
	"$NSFAST" up -q --lab "$LAB" --dataplane "$DP" "$file" >"$TMP/up.out" 2>&1 || return 1
}

# reach NS ADDR: ping, up to 3 times (the first may wait for ARP and learning).
reach() { local i; for i in 1 2 3; do nsx "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0; done; return 1; }
# fail_all STEPS WHY WORKLOAD...: each workload failed this repetition
# (and STEPS progress steps are skipped).
fail_all() {
	local why=$2 w
	step=$((step + $1)); shift 2
	for w in "$@"; do failed "$w" "$why"; done
}

file_workloads() {
	local dmac
	if ! reach "$LAB-$CLIENT" "$SERVER_IP"; then
		fail_all 5 "$file: $CLIENT cannot ping $SERVER ($SERVER_IP) through $SW" \
			tcp1 tcp4 udp64 udp1500 rr_p50 rr_p99
	elif ! sink "$LAB-$SERVER" "ip saddr $CLIENT_IP"; then
		fail_all 5 "nft: adding the sink in $LAB-$SERVER failed" tcp1 tcp4 udp64 udp1500 rr_p50 rr_p99
	else
		# The generator's XDP_TX lands on the switch end of the client's
		# veth, which takes XDP frames only with NAPI: GRO on (an XDP
		# program, as afxdp's, does it too). nsgen's packet method does
		# not need it; it stays on for both (with packet, on and off
		# measured the same within noise: --quick --reps 2, 64 B, bridge
		# 0.61 / 0.56 Mpps, tc 2.38x / 2.58x).
		ethtool -K "$LAB-$CLIENT-$CLIENT_IF" gro on >/dev/null 2>&1
		dmac=$(mac_of "$LAB-$SERVER" "$SERVER_IF")
		progress "$DP tcp1 rep $REP"; tcp tcp1 "$LAB-$CLIENT" "$LAB-$SERVER" "$SERVER_IP" 1
		progress "$DP tcp4 rep $REP"; tcp tcp4 "$LAB-$CLIENT" "$LAB-$SERVER" "$SERVER_IP" 4
		for size in 64 1500; do
			progress "$DP udp$size rep $REP"
			udp "udp$size" $((size == 64 ? 60 : 1514)) "$LAB-$SERVER" --netns "$LAB-$CLIENT" \
				--dev "$CLIENT_IF" --dst-mac "$dmac" --src "$CLIENT_IP" --dst "$SERVER_IP"
		done
		progress "$DP rr rep $REP"; rr rr "$LAB-$CLIENT" "$LAB-$SERVER" "$SERVER_IP"
	fi
	[ $nat = 1 ] || return 0
	if ! reach "$LAB-$CLIENT" "$NAT_IP"; then
		fail_all 4 "$file: $CLIENT cannot ping $NAT_NS ($NAT_IP) through the uplink $UPLINK (is its default route the gateway? the host's ip_forward is $(cat /proc/sys/net/ipv4/ip_forward))" \
			nat_tcp1 nat_tcp1_down nat_udp64 nat_rr_p50 nat_rr_p99
	elif ! sink "$LAB-$NAT_NS" "ip daddr $NAT_IP"; then
		fail_all 4 "nft: adding the sink in $LAB-$NAT_NS failed" nat_tcp1 nat_tcp1_down nat_udp64 \
			nat_rr_p50 nat_rr_p99
	else
		progress "$DP nat_tcp1 rep $REP"; tcp nat_tcp1 "$LAB-$CLIENT" "$LAB-$NAT_NS" "$NAT_IP" 1
		progress "$DP nat_tcp1_down rep $REP"
		tcp nat_tcp1_down "$LAB-$CLIENT" "$LAB-$NAT_NS" "$NAT_IP" 1 -R
		# Through the stack (see bench/nsgen.c): the same sender for every
		# dataplane, since the bridge drops live frames sent to its own MAC.
		progress "$DP nat_udp64 rep $REP"
		udp nat_udp64 60 "$LAB-$NAT_NS" --socket --netns "$LAB-$CLIENT" --src "$CLIENT_IP" --dst "$NAT_IP"
		progress "$DP nat_rr rep $REP"; rr nat_rr "$LAB-$CLIENT" "$LAB-$NAT_NS" "$NAT_IP"
	fi
}

# N namespaces (bench/gen_scale.sh) on one DP switch, N/2 pairs sending
# 64 B at once, n0 -> n1, n2 -> n3, ...: the aggregate delivered rate.
scale_workload() {
	local n=$1 k i pids=() r0 r1 m0 m1 sent=0 secs=0 cpu span gens=()
	addr() { echo "10.77.$(( ($1 + 2) / 250 )).$(( ($1 + 2) % 250 ))"; }
	"$ROOT/bench/gen_scale.sh" "$n" "$SLAB" conf "$DP" >"$TMP/scale.conf"
	if ! "$NSFAST" up -q "$TMP/scale.conf" >"$TMP/up.out" 2>&1; then
		failed "scale$n" "nsfast up of $n namespaces: $(head -c 200 "$TMP/up.out")"
		"$NSFAST" down -q "$SLAB" >/dev/null 2>&1
		return
	fi
	for ((k = 0; k < n; k += 2)); do
		nsx "$SLAB-n$k" ping -c 1 -W 2 "$(addr $((k + 1)))" >/dev/null &
		pids+=($!)
		ethtool -K "$SLAB-n$k-eth0" gro on >/dev/null 2>&1
		sink "$SLAB-n$((k + 1))" "ip saddr $(addr "$k")"
	done
	wait "${pids[@]}"
	pids=()
	# Every MAC before the first generator starts, and all of them told
	# to begin at one moment: started one after another, the first ones
	# would send alone for a while, and the total over one generator's
	# seconds would overstate the rate. The rate is over the span from
	# the first one's start to the last one's end.
	local macs=() at from=0 to=0
	for ((k = 0; k < n; k += 2)); do macs[k]=$(mac_of "$SLAB-n$((k + 1))" eth0); done
	r0=0; for ((k = 1; k < n; k += 2)); do r0=$((r0 + $(sunk "$SLAB-n$k"))); done
	at=$(moment_in 1)
	for ((k = 0; k < n; k += 2)); do
		"$GEN" --netns "$SLAB-n$k" --dev eth0 --dst-mac "${macs[k]}" --start-at "$at" \
			--src "$(addr "$k")" --dst "$(addr $((k + 1)))" --size 60 --seconds "$udp_s" \
			>"$TMP/gen$k.json" 2>"$TMP/gen$k.json.err" &
		pids+=($!)
	done
	# The CPU figure from the moment they begin to the end of the last.
	until_moment "$at"
	m0=$(cpu_mark)
	# Each one's exit status, for why_tool.
	for ((k = 0; k < n; k += 2)); do wait "${pids[k / 2]}"; echo $? >"$TMP/gen$k.json.rc"; done
	m1=$(cpu_mark)
	sleep 0.2
	r1=0; for ((k = 1; k < n; k += 2)); do r1=$((r1 + $(sunk "$SLAB-n$k"))); done
	for ((k = 0; k < n; k += 2)); do
		i=$(jq -r '"\(.sent) \(.from) \(.to) \(.method)"' "$TMP/gen$k.json" 2>/dev/null) || i=
		if [ -z "$i" ]; then
			failed "scale$n" "nsgen in $SLAB-n$k: $(why_tool "$TMP/gen$k.json")"
			"$NSFAST" down -q "$SLAB" >/dev/null 2>&1
			return
		fi
		set -- $i
		gens+=("$4")
		sent=$((sent + $1))
		from=$(awk -v a="$from" -v b="$2" 'BEGIN {print (a == 0 || b < a ? b : a)}')
		to=$(awk -v a="$to" -v b="$3" 'BEGIN {print (b > a ? b : a)}')
	done
	secs=$(awk -v a="$from" -v b="$to" 'BEGIN {printf "%.4f", b - a}')
	"$NSFAST" down -q "$SLAB" >/dev/null 2>&1
	if [ $((r1 - r0)) = 0 ]; then
		failed "scale$n" "nothing reached the receivers ($sent sent)"
		return
	fi
	read -r cpu span <<<"$(cpu_of "$m0" "$m1")"
	sample "scale$n" "$(awk -v d=$((r1 - r0)) -v s="$secs" 'BEGIN {printf "%.4f", d / s / 1e6}')" "$cpu" \
		"$(awk -v c="$cpu" -v d=$((r1 - r0)) 'BEGIN {printf "%.4f", c / (d / 1e6)}')" \
		"{\"namespaces\":$n,\"pairs\":$((n / 2)),\"delivered\":$((r1 - r0)),\"sent\":$sent,\"seconds\":$secs,\"generator\":\"$(printf '%s\n' "${gens[@]}" | sort -u | paste -sd+)\",\"cpu_span_s\":$span}"
}

# --- the run ---------------------------------------------------------------------
nw=$(( 5 + ${#scale[@]} + (nat ? 4 : 0) ))
total=$(( reps * ${#DPS[@]} * nw + ${#upn[@]} ))
: >"$TMP/samples"
declare -A status reason
nfailed=0
echo "nsfast bench: $file on ${DPS[*]}, $reps repetition(s), lab $LAB" >&2
# CPU figures are the whole machine's: anything else running is counted.
# How busy it is now (half a second of /proc/stat), and the load average.
read -r load _ </proc/loadavg
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
read -r b0 a0 <<<"$(busy)"; sleep 0.5; read -r b1 a1 <<<"$(busy)"
busy_before=$(awk -v b=$((b1 - b0)) -v a=$((a1 - a0)) 'BEGIN {printf "%.2f", a ? b / a : 0}')
awk -v b="$busy_before" 'BEGIN {exit !(b > 0.10)}' &&
	echo "nsfast bench: warning: the CPUs are $(awk -v b="$busy_before" 'BEGIN {printf "%d", b * 100}')% busy before the run (load average $load): CPU figures count every process" >&2
for ((REP = 1; REP <= reps; REP++)); do
	# Alternate the order too: odd repetitions forwards, even ones backwards.
	order=("${DPS[@]}")
	if ((REP % 2 == 0)); then
		order=(); for ((i = ${#DPS[@]} - 1; i >= 0; i--)); do order+=("${DPS[i]}"); done
	fi
	for DP in "${order[@]}"; do
		if [ "${status[$DP]:-}" = skipped ] || [ "${status[$DP]:-}" = failed ]; then
			step=$((step + nw)); continue
		fi
		progress "$DP up rep $REP"; step=$((step - 1))
		lab_up; rc=$?
		if [ $rc = 3 ]; then
			status[$DP]=skipped
			reason[$DP]=$(head -n 1 "$TMP/up.out" | sed 's/^nsfast: //')
			[ -t 2 ] && echo >&2
			echo "nsfast bench: $DP skipped: ${reason[$DP]}" >&2
			step=$((step + nw)); continue
		elif [ $rc != 0 ]; then
			why="nsfast up: $(head -c 300 "$TMP/up.out" | tr '\n' ' ')"
			[ -t 2 ] && echo >&2
			echo "nsfast bench: $DP failed: $why" >&2
			"$NSFAST" down -q "$LAB" >/dev/null 2>&1
			if [ "${status[$DP]:-}" = ran ]; then
				# It came up before: this repetition's samples fail.
				ids=(tcp1 tcp4 udp64 udp1500 rr_p50 rr_p99)
				[ $nat = 0 ] || ids+=(nat_tcp1 nat_tcp1_down nat_udp64 nat_rr_p50 nat_rr_p99)
				for n in "${scale[@]}"; do ids+=("scale$n"); done
				fail_all "$nw" "$why" "${ids[@]}"
			else
				status[$DP]=failed reason[$DP]=$why
				nfailed=$((nfailed + 1))
				step=$((step + nw))
			fi
			continue
		fi
		status[$DP]=ran
		file_workloads
		"$NSFAST" down -q "$LAB" >"$TMP/down.out" 2>&1 || die "nsfast down $LAB: $(cat "$TMP/down.out")"
		for n in "${scale[@]}"; do
			progress "$DP scale$n rep $REP"; scale_workload "$n"
		done
	done
done

ran=0
for dp in "${DPS[@]}"; do [ "${status[$dp]:-}" != ran ] || ran=1; done
# Nothing to tabulate: results.json would fail its own schema.
[ $ran = 1 ] || { [ -t 2 ] && echo >&2; die "no dataplane ran (said above): no results written"; }

# nsfast up against the ip script (both the Linux bridge), bench/up_scale.sh.
: >"$TMP/up_scale.jsonl"
for n in "${upn[@]}"; do
	progress "up of $n namespaces, nsfast and ip script, $reps rep(s)"
	run "$TMP/up.json" "$ROOT/bench/up_scale.sh" --reps "$reps" --json "$TMP/up1.json" "$n" ||
		die "bench/up_scale.sh $n: $(tail -3 "$TMP/up.json.err")"
	jq -c '.results[]' "$TMP/up1.json" >>"$TMP/up_scale.jsonl"
done
[ -t 2 ] && printf '\r\033[K' >&2

# --- results -----------------------------------------------------------------------
# In the source tree, its results/; installed, the current directory's.
if [ -z "$out" ]; then
	out=$PWD/results/$stamp
	[ -f "$ROOT/Makefile" ] && out=$ROOT/results/$stamp
fi
mkdir -p "$out" || die "cannot create $out"
dpjson=$(for dp in "${DPS[@]}"; do
	jq -cn --arg n "$dp" --arg s "${status[$dp]:-failed}" --arg r "${reason[$dp]:-}" \
		'{name: $n, status: $s} + (if $r == "" then {} else {reason: $r} end)'
done | jq -cs .)
# The bridge's netfilter, read after the runs (conntrack may have been
# loaded by them): with bridge-nf-call-iptables at 1, br_netfilter passes
# every bridged frame through the iptables/nftables hooks and conntrack,
# which the xdp and tc fast paths redirect around. null: no br_netfilter.
bnf() { cat "/proc/sys/net/bridge/bridge-nf-call-$1" 2>/dev/null || echo null; }
ct=false
[ -e /proc/net/nf_conntrack ] || [ -e /proc/sys/net/netfilter/nf_conntrack_count ] && ct=true
bridge_nf=$(jq -cn --argjson a "$(bnf iptables)" --argjson b "$(bnf ip6tables)" --argjson c "$(bnf arptables)" \
	--argjson ct "$ct" '{call_iptables: $a, call_ip6tables: $b, call_arptables: $c, conntrack: $ct}')
ovs='{"name":"ovs","status":"not installed"}'
if command -v ovs-vswitchd >/dev/null; then
	ovs=$(jq -cn --arg v "$(ovs-vswitchd --version | head -1)" \
		'{name: "ovs", status: "not measured", version: $v, reason: "this version of the benchmark does not set Open vSwitch up"}')
fi
jq -n \
	--slurpfile samples "$TMP/samples" --slurpfile up "$TMP/up_scale.jsonl" \
	--argjson dataplanes "$dpjson" --argjson ovs "[$ovs]" \
	--arg date "$(date -Iseconds)" --arg file "$file" --arg lab "$LAB" \
	--arg cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" --argjson ncpu "$(nproc)" \
	--arg kernel "$(uname -r)" --arg os "$(. /etc/os-release; echo "$PRETTY_NAME")" --argjson load "$load" --argjson busy "$busy_before" \
	--argjson bridge_nf "$bridge_nf" \
	--rawfile text "$file" \
	--arg virt "$(systemd-detect-virt 2>/dev/null || echo unknown)" \
	--arg nsfast "$("$NSFAST" --version | awk '{print $2}')" \
	--arg git "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
	--arg iperf3 "$(iperf3 --version 2>/dev/null | head -1 | awk '{print $2}')" \
	--arg nft "$(nft --version 2>/dev/null | awk '{print $2}')" \
	--argjson reps "$reps" --argjson quick "$quick" --argjson tcp_s "$tcp_s" --argjson udp_s "$udp_s" \
	--argjson rr_n "$rr_n" --argjson scale "$(printf '%s\n' "${scale[@]}" | jq -s .)" \
	--argjson upn "$(printf '%s\n' "${upn[@]}" | jq -s .)" --argjson elapsed $(( $(date +%s) - started )) \
	--arg client "$CLIENT" --arg server "$SERVER" --arg sw "$SW" \
	--arg nat_ns "$NAT_NS" --arg uplink "$UPLINK" --arg nat_why "$nat_why" \
	-f "$ROOT/bench/results.jq" >"$out/results.json" || die "assembling results.json failed"
jq -r -f "$ROOT/bench/table.jq" "$out/results.json" >"$out/results.md" || die "writing results.md failed"
jq -r '. as $r | .workloads[] as $w | .dataplanes[] | select(.status == "ran") | .name as $d |
	($r.summary[$w.id][$d] // {}) as $s |
	[$w.id, $w.title, $w.better, $d, $s.ratio, $s.ratio_min, $s.ratio_max, $s.ratio_partial,
			(($s.n // 0) > 0), (($r.summary[$w.id].kernel.n // 0) > 0)] | map(. // "null" | tostring) | @tsv' \
	"$out/results.json" |
	awk -F'\t' -v title="nsfast bench $(date +%Y-%m-%d)" \
		-f "$ROOT/bench/plot.awk" >"$out/results.svg" || die "writing results.svg failed"
cat "$out/results.md"
echo "written: $out/results.json $out/results.md $out/results.svg ($(( $(date +%s) - started )) s)" >&2
[ "$nfailed" = 0 ] || { echo "nsfast bench: $nfailed run(s) failed: see .samples[].error in results.json" >&2; exit 1; }
exit 0
