#!/usr/bin/env bash
# SNAT's tables: two kernel labs sharing the host's forwarding; the
# userspace NAT table listed, expired and full; a port range all taken;
# the conntrack still deciding for what the xdp and tc fast paths carry,
# and the connections they installed. DPS as in 50_snat.sh.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
DPS=${SNAT_DATAPLANES:-kernel afxdp xdp tc}

# --- kernel: two labs share the host's forwarding; the first one down
# must not turn it off under the second
if [[ " $DPS " == *" kernel "* ]]; then
	L2=${PFX}f
	cat >"$TMP/fwd2.conf" <<CONF
lab $L2
switch sw0 dataplane kernel
    gateway 10.165.0.1/24
    uplink  up9 snat
ns a
    link eth0 switch sw0 addr 10.165.0.2/24
    route default via 10.165.0.1
ns world
veth host:up9 10.166.0.1/24 -- world:eth0 10.166.0.2/24
CONF
	check "forwarding: up" up "$EX/nat.conf"
	check "forwarding: a second kernel-SNAT lab up" "$NSFAST" up -q "$TMP/fwd2.conf"
	check "forwarding: down of the first" down
	check_out "forwarding: still on for the second" "^1$" cat /proc/sys/net/ipv4/ip_forward
	check "forwarding: the second lab's SNAT still works" \
		ip netns exec "$L2-a" ping -c 1 -W 2 10.166.0.2
	check "forwarding: down of the second" "$NSFAST" down -q "$L2"
	check_out "forwarding: back to what it was before both" "^$FWD_BEFORE$" \
		cat /proc/sys/net/ipv4/ip_forward
	check_out "forwarding: nothing of the second lab left" "^0$" \
		bash -c "{ ip netns list; ip -o link; ls /run/nsfast; } | grep -c '$L2' || true"
	# Two downs at once: each used to see the other's journal line and
	# leave forwarding on for nobody.
	check "forwarding: both labs up again" bash -c "'$NSFAST' up -q --lab '$PFX' '$EX/nat.conf' && '$NSFAST' up -q '$TMP/fwd2.conf'"
	check_out "forwarding: on for them" "^1$" cat /proc/sys/net/ipv4/ip_forward
	down & d1=$!
	"$NSFAST" down -q "$L2" & d2=$!
	r1=0; r2=0; wait "$d1" || r1=$?; wait "$d2" || r2=$?
	check_out "forwarding: two labs down at once put it back too" "^0 0 $FWD_BEFORE none$" \
		bash -c "echo $r1 $r2 \$(cat /proc/sys/net/ipv4/ip_forward) \$(cat /run/nsfast/ip_forward 2>/dev/null || echo none)"
	"$NSFAST" down -q "$L2" >/dev/null 2>&1
fi

# --- afxdp's own NAT table: listing, expiry, a full table
nat() { "$NSFAST" status --json --nat "$PFX" | jq -c ".switches[0].daemon.nat${1:-}"; }
sed "s/dataplane kernel/dataplane afxdp/; s/^    uplink  up0 snat$/    uplink  up0 snat ports 62000-62999\n    nat-table 3\n    nat-timeout icmp 2\n    nat-timeout udp 2/" \
	"$EX/nat.conf" >"$TMP/small.conf"
check "small table: up" up "$TMP/small.conf"
check "small table: a pings the outside" nsx a ping -c 1 -W 2 203.0.113.2
check_out "status --nat lists the connection" '"proto":"icmp","inside":"10.13.37.2:[0-9]+","outside":6[12][0-9]{3}' nat .table
check_out "status --nat in text" "icmp 10.13.37.2:[0-9]+ -> :6[12][0-9]{3} -> 203.0.113.2:0 .*expires in [012] s, idle" "$NSFAST" status --nat "$PFX"
# timeout_s is the time left, as the kernel's conntrack says it: the 2 s
# timeout less the idle time.
sleep 0.3
e=$(nat '.table[0]')
if jq -e '.idle_ms >= 300 and .timeout_s >= 0 and .timeout_s * 1000 <= 2000 - .idle_ms' \
	<<<"$e" >/dev/null; then pass "status --nat: timeout_s is the time left ($e)"
else fail "status --nat: timeout_s is not the time left: $e"; fi
expired=no
for i in $(seq 1 12); do
	sleep 0.5
	if [ "$(nat .entries)" = 0 ] && [ "$(nat .expired)" -ge 1 ]; then expired=yes; break; fi
done
if [ $expired = yes ]; then pass "an idle ICMP connection expires after its 2 s timeout"
else fail "no expiry: $(nat | cut -c1-300)"; fi
# Three long pings fill the table; a fourth flow is refused while they go on.
for n in a b c; do
	nsx_bg "$n" ping -c 30 -i 0.1 -W 1 203.0.113.2 >"$TMP/ping-$n" 2>&1
done
sleep 1
check_fails "a fourth connection is refused when the table is full" \
	nsx a ping -c 1 -W 1 -I eth0 -s 100 -p ff 203.0.113.2
check_out "the refusal is counted" '"drop_full":[1-9]' nat
check_out "and said once in the daemon's log" "NAT table full \(3 connections\)" cat "/run/nsfast/$PFX/sw0.log"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
ok=0
for n in a b c; do grep -q ' 0% packet loss\|, 0% packet loss' "$TMP/ping-$n" && ok=$((ok + 1)); done
if [ $ok = 3 ]; then pass "the three existing connections kept working without loss"
else fail "existing connections lost packets: $(grep -h 'packet loss' "$TMP"/ping-* | tr '\n' ' ')"; fi
check "small table: down" down
assert_clean "small table: nothing left"

# --- every port of the range taken: refused, counted, said once
sed "s/dataplane kernel/dataplane xdp/; s/^    uplink  up0 snat$/    uplink  up0 snat ports 62000-62001/" \
	"$EX/nat.conf" >"$TMP/ports.conf"
check "two ports: up" up "$TMP/ports.conf"
# ICMP echo ids come from the same range: a and b take both.
check "two ports: a pings the outside" nsx a ping -c 1 -W 2 203.0.113.2
check "two ports: b pings the outside" nsx b ping -c 1 -W 2 203.0.113.2
check_fails "two ports: c finds none free" nsx c ping -c 1 -W 1 203.0.113.2
check_out "two ports: the refusal is counted" '"drop_no_port":[1-9]' nat
check_out "two ports: and said in the daemon's log" \
	"NAT ports 62000-62001 all taken towards 203.0.113.2" cat "/run/nsfast/$PFX/sw0.log"
# TCP: a and b each make a connection and close it both ways, which
# keeps its port (time_wait); c's new connection, once they have been
# silent for a second, takes one over, as Linux's NAT reuses a TIME_WAIT
# tuple, instead of waiting 240 s.
got=""
for n in a b c; do
	[ $n = c ] && sleep 1.2
	nsx_bg outside bash -c "echo hi-$n | exec nc -N -l -p 5320"
	wait_listen outside 5320
	got="$got $(nsx $n nc -w 3 203.0.113.2 5320 </dev/null)"
done
check_out "two ports: closed TCP connections give their ports to new ones" "^ hi-a hi-b hi-c$" echo "$got"
check_out "two ports: the take-over is counted" '"taken_closed":[1-9]' nat
check "two ports: down" down
assert_clean "two ports: nothing left"

# --- xdp and tc: the conntrack keeps deciding for what the fast path carries
for fdp in xdp tc; do
	[[ " $DPS " == *" $fdp "* ]] || continue
	sed "s/dataplane kernel/dataplane $fdp/; s/^    uplink  up0 snat$/&\n    nat-timeout udp 2\n    ageing 2/" \
		"$EX/nat.conf" >"$TMP/xdp-udp.conf"
	check "$fdp timeouts: up" up "$TMP/xdp-udp.conf"
	nsx_bg outside iperf3 -s -1 -p 5201 >/dev/null 2>&1
	sleep 0.4
	# 7 s of UDP with a 2 s timeout (so at least two refreshes, one per 2 s
	# of idleness in userspace): once installed, its packets pass in
	# the fast path only, and the flow must neither expire nor be recreated;
	# nor may a's MAC (ageing 2 s) age out, though all a sends goes out
	# through the NAT: the fast path's activity refreshes it once a second,
	# so it is never idle much longer than that (aged out and learned again
	# from the slow path, it would be idle up to 2 s, then gone a moment).
	amac=$(nsx a cat /sys/class/net/eth0/address)
	nsx_bg a iperf3 -u -b 2M -l 200 -c 203.0.113.2 -p 5201 -t 7 -J >"$TMP/udp.json" 2>&1
	ipid=$!
	sleep 1
	# Nor may status --nat leave the flow out between two expiry passes.
	gone=0 asked=0 idle=0 nat_gone=0
	for i in $(seq 1 12); do
		sleep 0.3
		s=$("$NSFAST" status --json --nat "$PFX" | jq -c '.switches[0].daemon')
		j=$(jq -r ".fdb.table[] | select(.mac == \"$amac\") | .idle_ms" <<<"$s" 2>/dev/null)
		case $j in null) continue ;; '') gone=$((gone + 1)); continue ;; esac
		asked=$((asked + 1))
		[ "$j" -gt "$idle" ] && idle=$j
		jq -e '[.nat.table[] | select(.proto == "udp")] | length == 1' <<<"$s" >/dev/null ||
			nat_gone=$((nat_gone + 1))
	done
	wait "$ipid"
	if [ $nat_gone = 0 ] && [ $asked -ge 8 ]; then
		pass "$fdp timeouts: status --nat lists the flow in every look ($asked)"
	else fail "$fdp timeouts: the flow was missing from status --nat in $nat_gone of $asked looks"; fi
	# Every name in the daemon's report, its NAT table's and fast path's
	# included, is one README explains.
	undoc=$(jq -r '[paths | .[] | strings] | unique | .[]' <<<"$s" | while read -r k; do
		grep -qE "\`\"?$k\"?\`|\"$k\":" "$ROOT/README.md" || printf '%s ' "$k"
	done)
	if [ -z "$undoc" ]; then pass "$fdp: README names every key of the daemon's status --json --nat"
	else fail "$fdp: README does not name: $undoc"; fi
	if [ $gone = 0 ] && [ $asked -ge 8 ] && [ $idle -lt 1600 ]; then
		pass "$fdp timeouts: a, which only talks through the NAT, stays fresh in the FDB (idle at most $idle ms in $asked looks)"
	else fail "$fdp timeouts: a's MAC: missing $gone times, idle up to $idle ms in $asked looks"; fi
	d=$(nat)
	if jq -e '.fast.refreshed >= 2 and .fast.installed_out >= 1 and .expired == 0' <<<"$d" >/dev/null &&
		jq -e '.end.sum.lost_percent < 5' "$TMP/udp.json" >/dev/null; then
		pass "$fdp timeouts: a UDP flow carried by the fast path is kept alive ($(jq -c '.fast' <<<"$d"))"
	else fail "$fdp timeouts: $(jq -c '.fast' <<<"$d"), loss $(jq '.end.sum.lost_percent' "$TMP/udp.json")"; fi
	gone=no
	for i in $(seq 1 16); do
		sleep 0.5
		# (iperf3's TCP control connection stays, closing, for 240 s)
		if nat | jq -e '.expired >= 1 and .fast.removed >= 1 and
			([.table[] | select(.proto == "udp")] | length) == 0' >/dev/null; then gone=yes; break; fi
	done
	if [ $gone = yes ]; then pass "$fdp timeouts: idle, it expires and leaves the fast path's maps"
	else fail "$fdp timeouts: $(nat | jq -c '{expired, fast, table}')"; fi
	# Datagrams of 2000 bytes cross in fragments, each through the slow
	# path, which writes the flow's entries again: still one connection
	# installed each way, not one per datagram.
	nsx_bg outside iperf3 -s -1 -p 5202 >/dev/null 2>&1
	sleep 0.4
	nsx a iperf3 -u -b 1M -l 2000 -c 203.0.113.2 -p 5202 -t 1 >/dev/null 2>&1
	d=$(nat)
	if jq -e '.fast.installed_out >= 2 and .fast.installed_out <= .created and
		.fast.installed_in <= .created' <<<"$d" >/dev/null; then
		pass "$fdp timeouts: a flow in fragments is installed once ($(jq -c '{created, fast: .fast | {installed_out, installed_in}}' <<<"$d"))"
	else fail "$fdp timeouts: installs are not connections: $(jq -c '{created, fast}' <<<"$d")"; fi
	check "$fdp timeouts: down" down
	assert_clean "$fdp timeouts: nothing left"
done

# --- tc (and xdp, whose daemon side this is): installed connections
# follow their next hop's new MAC
for fdp in tc; do
	[[ " $DPS " == *" $fdp "* ]] || continue
	sed "s/dataplane kernel/dataplane $fdp/" "$EX/nat.conf" >"$TMP/nh.conf"
	check "$fdp next hop: up" up "$TMP/nh.conf"
	nsx_bg outside iperf3 -s -1 -p 5201 >/dev/null 2>&1
	sleep 0.4
	# (timeout: a control connection stuck on the old MAC would keep
	# the client waiting for the server's report for minutes)
	nsx_bg a timeout 14 iperf3 -u -b 2M -l 200 -c 203.0.113.2 -p 5201 -t 6 -J >"$TMP/nh.json" 2>&1
	ipid=$!
	sleep 2
	before=$(nat | jq '.fast.installed_out')
	# The outside's MAC changes, and the host learns it (as from the
	# outside's gratuitous ARP): only the kernel's neighbour entry says so.
	ip -n "$PFX-outside" link set eth0 address 02:6e:68:00:00:77
	ip neigh replace 203.0.113.2 lladdr 02:6e:68:00:00:77 dev "$PFX-up0" nud reachable
	sleep 1.5
	mid=$(nat | jq '.fast.nexthop_changed')
	# Then it changes again, and the host forgets it (as after probes to
	# the old MAC went unanswered), and for a while the outside answers
	# no ARP: the connections must leave the fast path while the next hop
	# is unresolved, then come back once it answers.
	ip -n "$PFX-outside" link set eth0 arp off
	ip -n "$PFX-outside" link set eth0 address 02:6e:68:00:00:78
	ip neigh del 203.0.113.2 dev "$PFX-up0"
	sleep 1.5
	gone=$(nat | jq '.fast.nexthop_changed')
	ip -n "$PFX-outside" link set eth0 arp on
	wait "$ipid"
	d=$(nat)
	if [ "${mid:-null}" != null ] && [ "${gone:-null}" != null ] && [ "$mid" -ge 1 ] &&
		[ "$gone" -gt "$mid" ] &&
		jq -e --argjson b "${before:-0}" '.fast.installed_out > $b + 1' <<<"$d" >/dev/null; then
		pass "$fdp next hop: the connections left the fast path at each change, and came back ($(jq -c '.fast | {installed_out, nexthop_changed}' <<<"$d"); $before installed before, $mid sent back at the first change, $gone while unresolved)"
	else fail "$fdp next hop: $(jq -c '.fast' <<<"$d"); $before installed before, $mid sent back at the first change, $gone while unresolved"; fi
	# Each change loses up to an ageing pass's second, the second one
	# also the time the outside answers no ARP (1.5 s) of the 6. Kept on
	# the old MAC, the control connection stalls too, and the client,
	# killed at 14 s, reports its own side only (no loss, as it never
	# heard).
	if jq -e '.end.sum.seconds < 9 and .end.sum.packets > 0 and .end.sum.lost_percent < 75' \
		"$TMP/nh.json" >/dev/null 2>&1; then
		pass "$fdp next hop: the flow reached the outside's new MACs ($(jq '.end.sum.lost_percent | floor' "$TMP/nh.json") % lost)"
	else fail "$fdp next hop: the flow: $(jq -c '.end.sum' "$TMP/nh.json" 2>/dev/null || head -c 300 "$TMP/nh.json")"; fi
	check "$fdp next hop: down" down
	assert_clean "$fdp next hop: nothing left"
done
