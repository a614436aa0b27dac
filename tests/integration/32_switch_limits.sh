#!/usr/bin/env bash
# The userspace switch at its limits: clear failures (a port that does not
# exist, an MTU it cannot take), a full FDB, a full fast-path map.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples

# --- failures are clear
check_out "a port that does not exist" "port nosuch0: binding an AF_XDP socket: No such device" \
	"$NSFAST" switch --name x nosuch0
printf 'lab x\nswitch s dataplane afxdp\nns a\n  link e0 switch s mtu 9300\n' >"$TMP/mtu.conf"
check_out "an MTU the switch cannot take is refused by check" "mtu.conf:4: mtu 9300 on a port of afxdp switch 's' is above 9216, the largest it takes" \
	"$NSFAST" check "$TMP/mtu.conf"

# Jumbo ports make the uplink's program multi-buffer, so the kernel no
# longer refuses a larger uplink; the daemon does.
ip link add "$PFX-j0" mtu 9000 type veth peer name "$PFX-j1" mtu 9000
ip link add "$PFX-u0" mtu 9000 type veth peer name "$PFX-u1" mtu 9000
ip addr add 10.67.1.1/24 dev "$PFX-u0"
ip link set "$PFX-u0" up
check_out "a jumbo uplink next to jumbo ports is refused by the daemon" \
	"uplink $PFX-u0: MTU 9000 is above 3506, the largest frame the switch takes from an uplink, expected 'ip link set $PFX-u0 mtu 3506' first" \
	"$NSFAST" switch --name x --gateway 10.0.0.1/24 --uplink "$PFX-u0" "$PFX-j0"
ip link del "$PFX-j0"
ip link del "$PFX-u0"

# --- a full FDB: the daemon by hand, with a quota of 2 MACs per port;
# one namespace shows up with three MACs, the third is refused, counted
# and logged, and the switch goes on forwarding
ip netns add "$PFX-fa" && ip netns add "$PFX-fb"
ip link add "$PFX-fa-p" type veth peer name eth0 netns "$PFX-fa"
ip link add "$PFX-fb-p" type veth peer name eth0 netns "$PFX-fb"
for n in fa fb; do
	ip link set "$PFX-$n-p" up
	ip -n "$PFX-$n" link set eth0 up
done
ip -n "$PFX-fa" addr add 10.174.0.1/24 dev eth0
ip -n "$PFX-fb" addr add 10.174.0.2/24 dev eth0
"$NSFAST" switch --name full --socket "$TMP/full.sock" --fdb-port-max 2 \
	"$PFX-fa-p" "$PFX-fb-p" >"$TMP/full.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 30); do [ -S "$TMP/full.sock" ] && break; sleep 0.1; done
nsx fb ping1 10.174.0.1 >/dev/null
for m in 02:00:00:00:0f:01 02:00:00:00:0f:02; do
	nsx fa ip link set eth0 address "$m"
	nsx fa ping -c 1 -W 1 10.174.0.2 >/dev/null
done
full_json() { printf json | nc -U -q 1 "$TMP/full.sock"; }
check_out "full FDB: the third MAC of a port is refused and counted" '"refused_port":[1-9]' full_json
check_out "full FDB: and said in the daemon's log" \
	"not learned: FDB at [0-9]+ entries \(table 8192, 2 per port\): frames to it are flooded" cat "$TMP/full.log"
check "full FDB: the switch still forwards" nsx fb ping1 10.174.0.1
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null
ip link del "$PFX-fa-p"; ip link del "$PFX-fb-p"
ip netns del "$PFX-fa"; ip netns del "$PFX-fb"

# --- a full fast-path map: room for 2 MACs. fb is learned, a junk key
# (put in by hand, as an expired MAC not yet swept would be) fills the
# map, then fc shows up: learned, but its install fails. The next ageing
# pass sweeps the junk and installs fc after all: its frames end up in
# XDP (the old daemon never tried again).
for n in fa fb fc; do
	ip netns add "$PFX-$n"
	# No IPv6: a new namespace's router solicitations would be learned.
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "$PFX-$n-p" type veth peer name eth0 netns "$PFX-$n"
	ip link set "$PFX-$n-p" up
	ip -n "$PFX-$n" link set eth0 up
done
ip -n "$PFX-fa" addr add 10.174.1.1/24 dev eth0
ip -n "$PFX-fb" addr add 10.174.1.2/24 dev eth0
ip -n "$PFX-fc" addr add 10.174.1.3/24 dev eth0
"$NSFAST" switch --name fmap --socket "$TMP/fmap.sock" --fast-path --fdb-size 2 \
	"$PFX-fa-p" "$PFX-fb-p" "$PFX-fc-p" >"$TMP/fmap.log" 2>&1 &
PIDS+=($!); fpid=$!
for i in $(seq 1 30); do [ -S "$TMP/fmap.sock" ] && break; sleep 0.1; done
fmap_json() { printf json | nc -U -q 1 "$TMP/fmap.sock"; }
nsx fb ping -c 1 -W 1 10.174.1.99 >/dev/null 2>&1 # fb's ARP: only fb learned
prog=$(ip -j -d link show "$PFX-fa-p" | jq '.[0].xdp.prog.id')
fdbmap=$(for m in $(bpftool -j prog show id "$prog" | jq -r '.map_ids[]'); do
	bpftool -j map show id "$m" | jq -r 'select(.name == "fdb") | .id'; done)
bpftool map update id "$fdbmap" key hex 02 00 00 00 0e 0e 00 00 value hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
nsx_bg fc ping -q -i 0.05 -c 60 10.174.1.2 >/dev/null 2>&1
p2=${PIDS[-1]}
sleep 2.5
j=$(fmap_json)
kill "$p2" 2>/dev/null; wait "$p2" 2>/dev/null
fcx=$(jq ".ports[] | select(.name==\"$PFX-fc-p\") | .fast_packets" <<<"$j")
if [ "${fcx:-0}" -gt 0 ]; then
	pass "full map: a MAC whose install failed reaches the fast path later ($fcx frames; $(jq -c '.fast_path | {install_failed, install_retried}' <<<"$j"))"
else fail "full map: fc's frames never took the fast path: $(jq -c '{fast_path, fdb: .fdb.entries}' <<<"$j")"; fi
kill "$fpid"; wait "$fpid" 2>/dev/null
for n in fa fb fc; do ip link del "$PFX-$n-p"; ip netns del "$PFX-$n"; done
