#!/usr/bin/env bash
# dataplanes afxdp, xdp and tc: the same connectivity as the kernel
# bridge, through the userspace switch (afxdp) or its XDP (xdp) or tc (tc)
# fast path, with counters that prove which path carried the frames, and
# no bridge.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples

# status --json of switch sw0's daemon
sw_json() { "$NSFAST" status --json "$PFX" | jq -c '.switches[] | select(.name=="sw0") | .daemon'; }
counter() { sw_json | jq -r ".counters.$1"; }
fast_total() { sw_json | jq '[.ports[].fast_packets] | add'; }
slow_total() { sw_json | jq '[.ports[].rx_packets] | add'; }
port_modes() { sw_json | jq -c '[.ports[].xdp_mode]'; }
port_flooded() { sw_json | jq "[.ports[]? | select(.name==\"$1\") | .fast_flooded] | add // 0"; }
fdb_port() { sw_json | jq -r ".fdb.table[] | select(.mac==\"$1\") | .port"; }

for DP in ${SWITCH_DATAPLANES:-afxdp xdp tc}; do
TEST=30_$DP
afxdp() { sed "s/dataplane kernel/dataplane $DP/" "$1"; }

# --- routed: host port, router namespace, a namespace behind it
afxdp "$EX/routed.conf" >"$TMP/routed.conf"
check "routed: up with $DP" up "$TMP/routed.conf"
check_out "routed: no kernel bridge exists" "^0$" bash -c "ip -o link show type bridge | grep -c '$PFX-' || true"
if [ "$DP" = tc ]; then
	# The ports keep their peers' TSO: XDP only on each slow-path end.
	check_out "routed: XDP is on the 3 slow-path ends, not on the ports" "^3 0$" \
		bash -c "echo \$(ip -o link | grep ' $PFX--' | grep -c 'xdp ') \$(ip -o link | grep ' $PFX-[^-]' | grep -c 'xdp ')"
else
	check_out "routed: XDP is attached to every port in native mode" "^3$" \
		bash -c "ip -o link | grep ' $PFX-' | grep -c 'xdp ' || true"
fi
check "routed: the host reaches foo through the host port" ping1 10.13.37.2
check "routed: baz reaches foo" nsx baz ping1 10.13.37.2
# A VLAN device's IPv4 (its tag beside the frame, as veth's tx VLAN
# offload sends it), and only tagged IPv4 taken in at both ends: the
# ping passes only if the switch carries the tag both ways, as a bridge.
nsx_bg baz "$NSFAST_BUILD/vlan_tag" eth0 100 >"$TMP/vt.baz"
nsx_bg foo "$NSFAST_BUILD/vlan_tag" eth0 100 >"$TMP/vt.foo"
check "routed: baz and foo tag their IPv4 (tc programs standing in for VLAN devices)" \
	bash -c "for _ in \$(seq 50); do grep -q ready '$TMP/vt.baz' && grep -q ready '$TMP/vt.foo' && exit 0; sleep 0.1; done; exit 1"
check "routed: IPv4 of a VLAN keeps its tag across the switch, both ways" nsx baz ping1 10.13.37.2
kill "${PIDS[-1]}" "${PIDS[-2]}"
wait "${PIDS[-1]}" "${PIDS[-2]}" 2>/dev/null
check "routed: and with the tags gone, baz reaches foo again" nsx baz ping1 10.13.37.2
check "routed: the host reaches bar through foo" ping1 10.9.9.10
if command -v traceroute >/dev/null; then
	traceroute -n -w 2 -q 1 10.9.9.10 >"$TMP/tr" 2>&1
	if grep -Eq '^ *1 +10\.13\.37\.2 ' "$TMP/tr" && grep -Eq '^ *2 +10\.9\.9\.10 ' "$TMP/tr"; then
		pass "routed: traceroute shows foo then bar"
	else fail "routed: traceroute: $(tr '\n' ' ' <"$TMP/tr")"; fi
fi
# (the server listening first: a fixed sleep lost that race on a busy
# machine, and the run failed without saying why)
nsx_bg foo iperf3 -s -1 -p 5202 >/dev/null 2>&1
wait_listen foo 5202
udp=$(nsx baz iperf3 -u -b 20M -c 10.13.37.2 -p 5202 -t 1 -J 2>&1)
if jq -e '.end.sum.packets > 100 and .end.sum.lost_percent < 5' <<<"$udp" >/dev/null 2>&1; then
	pass "routed: UDP across the switch (iperf3 -u, $(jq '.end.sum.lost_percent' <<<"$udp")% lost)"
else fail "routed: UDP across the switch: $(jq -c '{error, packets: .end.sum.packets, lost: .end.sum.lost_percent}' <<<"$udp" 2>/dev/null || head -c 300 <<<"$udp")"; fi
check "routed: ping with a pattern comes back intact" nsx baz ping -c 3 -i 0.2 -W 2 -s 1400 -p a55a0ff0 10.13.37.2

# TCP with the namespaces' default offloads: the switch completes the
# partial checksums, so the receiver counts no checksum errors.
csum0=$(nsx foo nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
nsx_bg foo iperf3 -s -1 -p 5201 >/dev/null 2>&1
sleep 0.5
nsx baz iperf3 -c 10.13.37.2 -p 5201 -t 1 -J >"$TMP/iperf.json" 2>&1
gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$TMP/iperf.json" 2>/dev/null)
if awk -v g="${gbps:-0}" 'BEGIN {exit !(g > 0.05)}'; then pass "routed: iperf3 TCP through the switch (${gbps%.*}.$(echo "$gbps" | cut -d. -f2 | cut -c1-2) Gbit/s)"
else fail "routed: iperf3 TCP: $(head -c 300 "$TMP/iperf.json")"; fi
csum1=$(nsx foo nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
if [ "${csum1:-x}" = "${csum0:-y}" ]; then pass "routed: no TCP checksum errors at the receiver"
else fail "routed: TcpInCsumErrors went from $csum0 to $csum1"; fi
if [ "$DP" = afxdp ]; then
	fixed=$(counter csum_fixed)
	if [ "${fixed:-0}" -gt 1000 ]; then pass "routed: the switch completed $fixed partial checksums"
	else fail "routed: csum_fixed=$fixed"; fi
elif [ "$DP" = tc ]; then
	check_out "routed: the namespaces keep transmit checksum offload and TSO" \
		"tx-checksumming: on.*tcp-segmentation-offload: on" bash -c "ip netns exec $PFX-baz ethtool -k eth0 | tr '\n' ' '"
else
	check_out "routed: transmit checksum offload is off in the namespaces" "tx-checksumming: off" \
		nsx baz ethtool -k eth0
	check_out "routed: GRO is on where the fast path redirects to" "generic-receive-offload: on" \
		nsx foo ethtool -k eth0
	check_out "routed: status says so" "namespace end of every port: gro on, tx checksum and VLAN offload off, a qdisc" \
		"$NSFAST" status "$PFX"
	# (up adds it from Linux 6.18 on, README: veth rules)
	if [ "$(uname -r | awk -F. '{print ($1 > 6 || ($1 == 6 && $2 >= 18))}')" = 1 ]; then
		check_out "routed: the namespace ends have a qdisc, not veth's noqueue" \
			"^qdisc (mq|pfifo_fast) [0-9a-f]+: root" nsx baz tc qdisc show dev eth0
		# Four streams fill the port's receive ring: without a qdisc veth
		# drops there (tens of thousands a second on this machine), with one
		# the kernel holds the sender back.
		drop0=$(nsx baz cat /sys/class/net/eth0/statistics/tx_dropped)
		nsx_bg foo iperf3 -s -1 -p 5203 >/dev/null 2>&1
		wait_listen foo 5203
		nsx baz iperf3 -c 10.13.37.2 -p 5203 -t 1 -P 4 -J >"$TMP/iperf4.json" 2>&1
		drop1=$(nsx baz cat /sys/class/net/eth0/statistics/tx_dropped)
		retr=$(jq -r '.end.sum_sent.retransmits // empty' "$TMP/iperf4.json" 2>/dev/null)
		if [ -n "$drop0" ] && [ "$drop1" = "$drop0" ] && [ -n "$retr" ]; then
			pass "routed: 4 TCP streams: no frame dropped by baz's veth ($retr retransmits)"
		else fail "routed: 4 TCP streams: baz's veth dropped $((drop1 - drop0)) ($drop0 -> $drop1), retransmits ${retr:-?}"; fi
		# A qdisc of the user's (netem for a delay, say) stays.
		nsx foo tc qdisc replace dev eth0 root tbf rate 1gbit burst 32k latency 10ms
		check_out "routed: up again keeps a qdisc the user set" "nothing changed" \
			"$NSFAST" up --lab "$PFX" "$TMP/routed.conf"
		check_out "routed: foo's tbf is still there" "^qdisc tbf " nsx foo tc qdisc show dev eth0
		nsx foo tc qdisc del dev eth0 root
		check_out "routed: up gives a qdisc back to a port that lost it" " 1 change in " \
			"$NSFAST" up --lab "$PFX" "$TMP/routed.conf"
	else
		check_out "routed: before Linux 6.18 the namespace ends keep noqueue" "^qdisc noqueue " \
			nsx baz tc qdisc show dev eth0
	fi
fi
check_out "routed: every port's XDP mode, as the kernel reports it, is native" \
	'^\["native","native","native"\]$' port_modes

# Data integrity: 8 MiB of random bytes, compared byte for byte.
check_transfer "routed: 8 MiB over TCP arrive byte for byte" 8388608 baz foo 10.13.37.2

# afxdp: every frame crosses userspace; xdp: bulk traffic never does.
rx=$(slow_total); fast=$(fast_total)
if [ "$DP" = afxdp ] && [ "${rx:-0}" -gt 5000 ]; then pass "routed: switch ports counted $rx received frames"
elif [ "$DP" != afxdp ] && [ "${fast:-0}" -gt 1000 ] && [ "${rx:-0}" -lt 1000 ]; then
	pass "routed: $fast frames forwarded in $DP, $rx in userspace"
else fail "routed: userspace rx_packets=$rx, fast_packets=$fast"; fi
check_out "routed: status shows the ports and the FDB" "fdb: [1-9][0-9]* entries" "$NSFAST" status "$PFX"
# No gateway here: an ARP request from a known source is flooded by the
# fast path itself, and still answered.
if [ "$DP" != afxdp ]; then
	b0=$(port_flooded "$PFX-baz-eth0"); fl0=$(counter flooded)
	nsx baz ip neigh flush dev eth0
	check "routed: baz resolves foo again" nsx baz ping1 10.13.37.2
	b1=$(port_flooded "$PFX-baz-eth0"); fl1=$(counter flooded)
	if [ $((b1 - b0)) -ge 1 ] && [ $((fl1 - fl0)) = 0 ]; then
		pass "routed: baz's ARP request was flooded in $DP ($((b1 - b0))), not in userspace"
	else fail "routed: baz's port flooded +$((b1 - b0)) in $DP, userspace flooded +$((fl1 - fl0))"; fi
fi
check "routed: down" down
assert_clean "routed: nothing left after down"

# --- an uplink the lab did not make outlives it, and down must take the
# switch's programs off it (the lab's own links go, and their programs
# with them). afxdp and xdp put an XDP program on the uplink, tc a tcx
# one (on its slow-path end the XDP one); either, left behind, makes
# the next up refuse the uplink as another switch's.
ip link add "${PFX}u0" type veth peer name "${PFX}u1"
ip addr add 198.19.7.1/24 dev "${PFX}u0"
ip link set "${PFX}u0" up
ip link set "${PFX}u1" up
printf 'lab x\nswitch sw0 dataplane %s\n    gateway 10.69.0.1/24\n    uplink %s snat\nns a\n    link eth0 switch sw0 addr 10.69.0.2/24\n' \
	"$DP" "${PFX}u0" >"$TMP/own.conf"
own_xdp() { ip -o link show "${PFX}u0" 2>/dev/null | awk '{print /prog\/xdp/ ? 1 : 0} END {if (!NR) print "gone"}'; }
if [ "$DP" = tc ]; then want=0; else want=1; fi
check "own uplink: up" up "$TMP/own.conf"
check_out "own uplink: $want XDP program on it while the lab is up" "^$want$" own_xdp
check "own uplink: down" down
check_out "own uplink: down leaves the uplink there, with no XDP program" "^0$" own_xdp
check "own uplink: a lab comes up on it again" up "$TMP/own.conf"
check "own uplink: down again" down
assert_clean "own uplink: nothing of the lab left"
ip link del "${PFX}u0"

# --- three namespaces and a gateway answered by the switch itself
afxdp "$EX/nat.conf" | grep -v 'uplink' >"$TMP/gw.conf"
check "gw: up" up "$TMP/gw.conf"
check "gw: a reaches b" nsx a ping1 10.13.37.3
# up's netlink sockets into the namespaces must not live on in the
# daemon: each would keep its namespace alive after 'ip netns del'.
dpid=$(sw_json | jq -r .pid)
held=0
for ino in $(ls -l "/proc/$dpid/fd" | grep -o 'socket:\[[0-9]*' | grep -o '[0-9]*$'); do
	for n in a b c; do
		nsx $n awk -v i="$ino" '$NF == i' /proc/net/netlink | grep -q . && held=$((held + 1))
	done
done
if [ -n "$dpid" ] && [ -d "/proc/$dpid" ] && [ $held = 0 ]; then
	pass "gw: the daemon holds no netlink socket into a namespace"
else fail "gw: the daemon ($dpid) holds $held netlink sockets into the namespaces"; fi
check "gw: a reaches c over IPv6" nsx a ping1 fd42:1337::4
check "gw: the switch answers ARP and ping for the gateway" nsx b ping1 10.13.37.1
check_out "gw: the gateway's MAC is the switch's" "10.13.37.1 .*lladdr 02:6e:66" nsx b ip neigh show 10.13.37.1
check "gw: the switch answers NDP and ping6 for the IPv6 gateway" nsx c ping1 fd42:1337::1
check_out "gw: gateway counters moved" '"gw_arp_replies":[1-9].*"gw_echo_replies":[1-9].*"gw_nd_adverts":[1-9].*"gw_echo6_replies":[1-9]' sw_json
# Larger than the MTU: the switch puts the fragments together and
# answers in fragments, as the kernel dataplane's host does.
out=$(nsx a ping -c 2 -i 0.2 -W 2 -s 3000 10.13.37.1 2>&1)
if grep -q ' 2 received' <<<"$out" && ! grep -q 'wrong data' <<<"$out"; then
	pass "gw: a ping of the gateway with 3000 bytes (fragments) is answered, data intact"
else fail "gw: ping -s 3000 of the gateway: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
check_out "gw: it was put together from fragments" '"gw_echo_big":2,"gw_big_no_frame":0,"gw_reasm_fragments":6,"gw_reasm_whole":2' sw_json
# Once both ends are learned, unicast is not flooded any more (multicast,
# such as the namespaces' own IPv6 router solicitations, still is).
nsx a ping1 10.13.37.3 >/dev/null
f0=$(counter flood_unknown); u0=$(counter forwarded); x0=$(fast_total)
nsx a ping -c 20 -i 0.05 -W 2 10.13.37.3 >/dev/null
f1=$(counter flood_unknown); u1=$(counter forwarded); x1=$(fast_total)
if [ "$DP" = afxdp ] && [ $((u1 - u0)) -ge 40 ] && [ $((f1 - f0)) = 0 ]; then
	pass "gw: learned unicast is forwarded, not flooded ($((u1 - u0)) forwarded, 0 flooded)"
elif [ "$DP" != afxdp ] && [ $((x1 - x0)) -ge 40 ] && [ $((u1 - u0)) = 0 ] && [ $((f1 - f0)) = 0 ]; then
	pass "gw: learned unicast takes the fast path ($((x1 - x0)) in $DP, none in userspace)"
else fail "gw: forwarded +$((u1 - u0)), unknown unicast flooded +$((f1 - f0)), fast path +$((x1 - x0))"; fi
if [ "$DP" = afxdp ]; then
	# A stopped daemon refills nothing: of 2000 datagrams, what finds the
	# port's fill ring (1024 frames) empty the kernel drops, and status
	# says so in the port's "rx lost" (its JSON: XDP_STATISTICS).
	nsx a ping1 10.13.37.3 >/dev/null
	dpid=$(sw_json | jq -r .pid)
	kill -STOP "$dpid"
	nsx a bash -c 'for i in $(seq 2000); do echo lost; done >/dev/udp/10.13.37.3/9'
	kill -CONT "$dpid"
	sleep 0.2
	lost=$("$NSFAST" status "$PFX" | awk -v p="$PFX-a-eth0" '$1 == p {print $NF; exit}')
	xsk=$(sw_json | jq ".ports[] | select(.name == \"$PFX-a-eth0\") | .xsk_rx_dropped + .xsk_rx_ring_full")
	if [ "${lost:-0}" -ge 500 ] && [ "$lost" = "$xsk" ]; then
		pass "gw: frames the kernel dropped while the daemon was stopped: $lost, in status's rx lost"
	else fail "gw: rx lost '${lost}' in the text, $xsk in the JSON (expected at least 500)"; fi
fi
# Nothing a sends comes back to a: not a flood's copy (below), nor a
# frame to a MAC learned on a's own port (a hairpin: dropped).
AMAC=$(nsx a cat /sys/class/net/eth0/address)
nsx a nft -f - <<NFT
table netdev own {
	chain in {
		type filter hook ingress device eth0 priority 0;
		ether saddr $AMAC counter
	}
}
NFT
own_back() { nsx a nft list chain netdev own in | grep -o 'packets [0-9]*' | awk '{print $2}'; }
hairpins() { sw_json | jq "[.ports[] | select(.name==\"$PFX-a-eth0\") | .drop_hairpin + .fast_hairpin] | add"; }
nsx a ip link set eth0 address 02:22:22:22:22:22
nsx a ping -c 2 -i 0.2 -W 1 10.13.37.3 >/dev/null 2>&1 # 02:22:... learned on a's port
nsx a ip link set eth0 address "$AMAC"
nsx a ip neigh replace 10.13.37.3 lladdr 02:22:22:22:22:22 dev eth0 nud permanent
h0=$(hairpins)
nsx a ping -c 3 -i 0.1 -W 0.3 10.13.37.3 >/dev/null 2>&1
nsx a ping -c 3 -i 0.1 -W 0.3 10.13.37.3 >/dev/null 2>&1 # the fast path's, once learned
h1=$(hairpins)
nsx a ip neigh del 10.13.37.3 dev eth0
for n in b c; do nsx $n ip neigh flush dev eth0; done # they took a for 02:22:...
if [ $((h1 - h0)) -ge 3 ] && [ "$(own_back)" = 0 ]; then
	pass "gw: frames to a MAC on their own port are dropped as hairpins ($((h1 - h0))), none back to a"
else fail "gw: hairpins +$((h1 - h0)), a received $(own_back) frames of its own"; fi
# Unicast to a MAC no port has is flooded, and every namespace it reaches
# drops it as another's (as behind a bridge): no answer.
nsx a ip neigh replace 10.13.37.3 lladdr 02:11:11:11:11:11 dev eth0 nud permanent
f0=$(counter flood_unknown)
got=$(nsx a ping -c 3 -i 0.1 -W 0.3 10.13.37.3 2>&1 | grep -o '[0-9]* received')
f1=$(counter flood_unknown)
nsx a ip neigh del 10.13.37.3 dev eth0
if [ "$got" = "0 received" ] && [ $((f1 - f0)) -ge 3 ]; then
	pass "gw: unicast to an unknown MAC is flooded and answered by no one"
else fail "gw: ping to an unknown MAC: $got, flood_unknown +$((f1 - f0))"; fi
# Broadcast: IPv4 from a known source is flooded by the fast path; with
# a gateway, ARP must still reach userspace (the gateway answers it).
for n in b c; do nsx $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0; done
fl0=$(counter flooded); x0=$(sw_json | jq '[.ports[]?.fast_flooded] | add // 0')
# 50 of them: the namespaces' own IPv6 multicast (router solicitations,
# MLD) goes to userspace meanwhile, a few frames, never 50.
nsx a ping -b -c 50 -i 0.02 -W 0.3 10.13.37.255 >"$TMP/bping" 2>&1
fl1=$(counter flooded); x1=$(sw_json | jq '[.ports[]?.fast_flooded] | add // 0')
if grep -q 'from 10.13.37.3' "$TMP/bping" && grep -q 'from 10.13.37.4' "$TMP/bping"; then
	pass "gw: a broadcast ping from a is answered by b and c"
else fail "gw: broadcast ping: $(tr '\n' ' ' <"$TMP/bping" | head -c 300)"; fi
if [ "$DP" = afxdp ] && [ $((fl1 - fl0)) -ge 50 ]; then
	pass "gw: the 50 broadcasts were flooded in userspace"
elif [ "$DP" != afxdp ] && [ $((x1 - x0)) -ge 50 ] && [ $((fl1 - fl0)) -lt 50 ]; then
	pass "gw: the broadcasts were flooded in $DP ($((x1 - x0))), not in userspace (+$((fl1 - fl0)))"
else fail "gw: broadcasts flooded +$((x1 - x0)) in $DP, +$((fl1 - fl0)) in userspace"; fi
check_out "gw: no copy of a's floods (unknown unicast, broadcast) came back to a" "^0$" own_back
if [ "$DP" != afxdp ]; then
	r0=$(counter gw_arp_replies); x0=$(port_flooded "$PFX-a-eth0")
	nsx a ip neigh flush dev eth0
	check "gw: a resolves the gateway again" nsx a ping1 10.13.37.1
	r1=$(counter gw_arp_replies); x1=$(port_flooded "$PFX-a-eth0")
	if [ $((r1 - r0)) -ge 1 ] && [ $((x1 - x0)) = 0 ]; then
		pass "gw: ARP for the gateway still reaches it, not flooded in $DP"
	else fail "gw: gateway ARP replies +$((r1 - r0)), a's port flooded +$((x1 - x0)) in $DP"; fi
	# A MAC that moves: c takes a's MAC (a falls silent); b's frames to
	# that MAC must follow it to c's port, in XDP once relearned.
	cport=$PFX-c-eth0
	nsx a ip link set eth0 down
	nsx c ip link set eth0 address "$(nsx a cat /sys/class/net/eth0/address)"
	nsx c ping1 10.13.37.3 >/dev/null
	check_out "gw: the moved MAC is counted as moved" '"moved":[1-9]' sw_json
	check_out "gw: the moved MAC is learned on c's port" "^$cport\$" \
		fdb_port "$(nsx c cat /sys/class/net/eth0/address)"
	x0=$(sw_json | jq ".ports[] | select(.name==\"$PFX-b-eth0\") | .fast_packets")
	check "gw: b reaches c at the moved MAC" nsx b ping -c 5 -i 0.1 -W 2 10.13.37.4
	x1=$(sw_json | jq ".ports[] | select(.name==\"$PFX-b-eth0\") | .fast_packets")
	if [ $((x1 - x0)) -ge 3 ]; then pass "gw: after the move, b's frames take the fast path again"
	else fail "gw: b's fast_packets +$((x1 - x0))"; fi
fi
# The same switch's daemon run again by hand: refused, before it takes
# the running one's socket (and, once gone, unlinks it).
check_out "gw: a second daemon of the same switch is refused" \
	"another switch daemon answers on /run/nsfast/$PFX/sw0.sock" \
	"$NSFAST" switch --lab "$PFX" --name sw0 "$PFX-a-eth0"
n=$(sw_json | jq '.ports | length')
if [ "${n:-0}" -ge 3 ]; then pass "gw: and the first still answers status ($n ports)"
else fail "gw: status after a second daemon: '$n' ports"; fi
# UDP and TCP to the gateway's address: it serves neither (no socket),
# drops them, and counts them.
u0=$(sw_json | jq .counters.gw_unanswered)
nsx b timeout 0.5 bash -c 'echo x >/dev/udp/10.13.37.1/9; exec 3<>/dev/tcp/10.13.37.1/9' 2>/dev/null
u1=$(sw_json | jq .counters.gw_unanswered)
if [ "${u0:-x}" != x ] && [ "${u1:-0}" -ge $((u0 + 2)) ]; then
	pass "gw: UDP and TCP to the gateway are dropped and counted (gw_unanswered +$((u1 - u0)))"
else fail "gw: gw_unanswered $u0, then $u1"; fi
# A namespace sending from the gateway's own MAC: never learned (in the
# fast path, b's frames for the gateway would go to c's port).
gwmac=$(nsx b ip neigh show 10.13.37.1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
nsx c ip link set eth0 address "$gwmac"
nsx c ping -c 3 -i 0.1 -W 1 10.13.37.1 >/dev/null 2>&1
check_out "gw: frames from the gateway's own MAC ($gwmac) are counted" '"src_gw_mac":[1-9]' sw_json
p=$(fdb_port "$gwmac")
if [ -z "$p" ] && [ -n "$gwmac" ]; then pass "gw: and not learned"
else fail "gw: the gateway's MAC '$gwmac' is in the FDB on port '$p'"; fi
check "gw: b still reaches the gateway" nsx b ping -c 3 -i 0.1 -W 1 10.13.37.1
ip link del "$PFX-c-eth0"
check_out "gw: a port deleted by hand shows as gone in the daemon's report" \
	"\"name\":\"$PFX-c-eth0\",\"xdp_mode\":\"gone\"" sw_json
check "gw: down" down
assert_clean "gw: nothing left after down"

# --- ageing: entries leave the FDB when their MAC falls silent
sed "s/^switch sw0 dataplane $DP/&\n    ageing 2/" "$TMP/gw.conf" >"$TMP/age.conf"
check "ageing: up with ageing 2" up "$TMP/age.conf"
nsx a ping1 10.13.37.3 >/dev/null
amac=$(nsx a cat /sys/class/net/eth0/address)
check_out "ageing: a's MAC is learned" "$amac" sw_json
# New namespaces send IPv6 router solicitations for a few seconds, which
# would refresh a's MAC: silence a, then wait for the ageing pass. Until
# that pass, an expired entry is only hidden from the table (and still
# in the fast path's map): done only when the table shows every entry
# the FDB counts, so that a is really gone.
nsx a sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
aged=no
for i in $(seq 1 30); do
	sleep 0.5
	j=$(sw_json)
	if ! grep -q "$amac" <<<"$j" &&
		jq -e '.fdb.aged > 0 and .fdb.entries == (.fdb.table | length)' <<<"$j" >/dev/null; then
		aged=yes; break
	fi
done
if [ $aged = yes ]; then pass "ageing: a's MAC aged out and the aged counter moved"
else fail "ageing: after 15 s: $(sw_json | jq -c .fdb)"; fi
# (the up below turns it on again, as it converges)
if [ "$DP" != afxdp ]; then
	check_out "ageing: the fast path's copy was removed too" '"removed":[1-9]' sw_json
	# Traffic that only XDP sees keeps its entries alive: 5 s of pings
	# with ageing 2 s, and b's MAC must never have left the table.
	bmac=$(nsx b cat /sys/class/net/eth0/address)
	nsx b ping1 10.13.37.2 >/dev/null
	# The pings outlast the looks (10 of them take 5 s and more, each
	# status call on top): a look after the last ping would rightly see
	# the MAC age out 2 s later.
	nsx_bg b ping -q -i 0.2 -c 100 10.13.37.2 >/dev/null
	ping_pid=${PIDS[-1]}
	# Only answers count: a status request the busy daemon did not answer
	# within its 100 ms says nothing about the FDB (the report is null).
	gone=0 asked=0 seen=""
	for i in $(seq 1 10); do
		sleep 0.5
		j=$(sw_json)
		case $j in ''|null) continue ;; esac
		asked=$((asked + 1))
		grep -q "$bmac" <<<"$j" && continue
		gone=$((gone + 1))
		# What the table and the fast path said when b was missing.
		seen="$seen look $i: $(jq -c '{fdb: .fdb, fast_path: .fast_path}' <<<"$j" | head -c 600);"
	done
	kill "$ping_pid" 2>/dev/null
	wait "$ping_pid" 2>/dev/null
	if [ $gone = 0 ] && [ $asked -ge 5 ]; then pass "ageing: a MAC active only in $DP is kept alive ($asked looks)"
	else fail "ageing: b's MAC ($bmac) was missing from the FDB $gone times in $asked looks over 5 s:$seen"; fi
fi

# --- kill -9 of the daemon: XDP and its maps go with it, down removes the rest
pid=$(sw_json | jq -r .pid)
# (tc: the XDP program of a slow-path end; the tc programs share its FDB
# and counters, so those maps outlive them only if they stay attached.)
prog=$(ip -j -d link show | jq "[.[] | select(.ifname | startswith(\"$PFX-\")) | .xdp.prog.id // empty] | first")
maps=$(bpftool -j prog show id "$prog" | jq -r '.map_ids[]')
if [ "$(echo $maps | wc -w)" -ge 4 ]; then pass "kill -9: the port program uses $(echo $maps | wc -w) maps"
else fail "kill -9: maps of program $prog: '$maps'"; fi
# Mid-traffic: a ping every 10 ms is crossing the switch when it dies.
nsx_bg a ping -q -i 0.01 -c 300 10.13.37.3 >/dev/null 2>&1
sleep 0.5
kill -9 "$pid"
sleep 0.5
check_out "kill -9: the XDP programs detached with the daemon" "^0$" \
	bash -c "ip -o link | grep ' $PFX-' | grep -c xdp || true"
# Maps are freed after an RCU grace period: give them a moment.
for i in 1 2 3 4 5 6 7 8 9 10; do
	left=0
	for m in $maps; do bpftool map show id "$m" >/dev/null 2>&1 && left=$((left + 1)); done
	[ $left = 0 ] && break
	sleep 0.2
done
if [ $left = 0 ]; then pass "kill -9: the program's maps (the fast path's FDB too) are gone"
else fail "kill -9: $left of the maps $(echo $maps) still exist"; fi
check_out "kill -9: status says the daemon is not running" "switch daemon not running" "$NSFAST" status "$PFX"
check_out "kill -9: and so does its JSON" '"daemon":null,"daemon_silent":\{"running":false,"log":"/run/nsfast/' \
	"$NSFAST" status --json "$PFX"
check "kill -9: up restarts the daemon" up "$TMP/age.conf"
check_out "kill -9: the journal names the new daemon, not the dead one" \
	"^daemon sw0 $(sw_json | jq -r .pid)$" bash -c "grep '^daemon ' /run/nsfast/$PFX/journal | tr '\n' ' ' | sed 's/ $//'"
check "kill -9: traffic flows again" nsx a ping1 10.13.37.3
kill -9 "$(sw_json | jq -r .pid)"
check "kill -9: down" down
assert_clean "kill -9: nothing left after down"

# --- jumbo frames (examples/jumbo.conf): ports at MTU 9000 take frames
# of several buffers (XDP multi-buffer, AF_XDP XDP_USE_SG); the uplink
# at 1500 makes the gateway answer "fragmentation needed". tc takes 3506
# at most: the same file at 3000 (one buffer), for its host port's
# slow-path pair and its router.
if [ "$DP" = tc ]; then MTU=3000; else MTU=9000; fi
sed -e "s/dataplane xdp/dataplane $DP/" -e "s/mtu 9000/mtu $MTU/" "$EX/jumbo.conf" >"$TMP/jumbo.conf"
pa="$PFX-a-eth0" pb="$PFX-b-eth0"
port_stat() { sw_json | jq "[.ports[] | select(.name==\"$1\") | .$2] | add // 0"; }
# The UMEM's free frames once idle: completions are reaped on the
# daemon's next wakeup (200 ms at most), so wait for two equal reads.
umem_free() {
	local a b=x i
	for i in $(seq 1 10); do
		a=$(sw_json | jq .umem.free)
		[ "$a" = "$b" ] && break
		b=$a; sleep 0.3
	done
	echo "$a"
}
b_rx() { nsx b cat /sys/class/net/eth0/statistics/rx_bytes; }
check "jumbo: up with ports at MTU $MTU and an uplink at 1500" up "$TMP/jumbo.conf"
if [ "$DP" != tc ]; then
	check_out "jumbo: status says the switch is multi-buffer" '"multi_buffer":true' sw_json
	x0=$(port_stat "$pa" fast_bytes); m0=$(port_stat "$pa" rx_multibuf)
	check "jumbo: a reaches b in 9000-byte frames, DF set" \
		nsx a ping -c 3 -i 0.2 -W 2 -M do -s 8972 10.67.0.3
	x1=$(port_stat "$pa" fast_bytes); m1=$(port_stat "$pa" rx_multibuf)
	if [ "$DP" = xdp ] && [ $((x1 - x0)) -ge 27042 ]; then
		pass "jumbo: the fast path carried and counted the whole frames ($((x1 - x0)) bytes from a)"
	elif [ "$DP" = afxdp ] && [ $((m1 - m0)) -ge 3 ]; then
		pass "jumbo: userspace switched them as frames of several buffers ($((m1 - m0)))"
	else fail "jumbo: a's port: fast_bytes +$((x1 - x0)), rx_multibuf +$((m1 - m0))"; fi
fi
free0=$(umem_free)
check_out "jumbo: the host port took the ports' MTU" "mtu $MTU" ip link show "$PFX-sw0"
check "jumbo: the host reaches b in $MTU-byte frames" ping -c 2 -i 0.2 -W 2 -M do -s $((MTU - 28)) 10.67.0.3
# The gateway answers a ping of it at the ports' MTU: on afxdp and xdp
# one of several buffers, answered in fragments of 3506 bytes.
out=$(nsx a ping -c 2 -i 0.2 -W 2 -M do -s $((MTU - 28)) 10.67.0.1 2>&1)
if grep -q ' 2 received' <<<"$out" && ! grep -q 'wrong data' <<<"$out"; then
	pass "jumbo: a $MTU-byte ping of the gateway is answered, data intact"
else fail "jumbo: ping -s $((MTU - 28)) of the gateway: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
[ "$DP" = tc ] || check_out "jumbo: from the copy of its buffers" '"gw_echo_big":2,' sw_json
# A MAC nobody has: userspace floods the frame (buffer by buffer; on
# tc, from the host through the host port's slow-path pair).
size=$((MTU - 1000)) from=a
[ "$DP" = tc ] && from=host
if [ $from = host ]; then ip neigh replace 10.67.0.99 lladdr 02:00:00:00:00:99 dev "$PFX-sw0"
else nsx a ip neigh add 10.67.0.99 lladdr 02:00:00:00:00:99 dev eth0; fi
m0=$(port_stat "$pa" rx_multibuf); r0=$(b_rx); u0=$(counter flood_unknown)
if [ $from = host ]; then ping -c 2 -i 0.2 -W 1 -s $size 10.67.0.99 >/dev/null
else nsx a ping -c 2 -i 0.2 -W 1 -s $size 10.67.0.99 >/dev/null; fi
m1=$(port_stat "$pa" rx_multibuf); r1=$(b_rx); u1=$(counter flood_unknown)
if [ $((u1 - u0)) = 2 ] && [ $((r1 - r0)) -ge $((2 * (size + 42))) ] &&
	{ [ $from = host ] || [ $((m1 - m0)) = 2 ]; }; then
	pass "jumbo: a $((size + 42))-byte frame from $from to an unknown MAC is flooded from userspace and reaches b"
else fail "jumbo: flood from $from: flood_unknown +$((u1 - u0)), rx_multibuf +$((m1 - m0)), b's eth0 received +$((r1 - r0)) bytes"; fi
if [ "$DP" != tc ]; then
	csum0=$(nsx b nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
	nsx_bg b iperf3 -s -1 -p 5201 >/dev/null 2>&1
	sleep 0.5
	nsx a iperf3 -c 10.67.0.3 -p 5201 -t 1 -J >"$TMP/iperf.json" 2>&1
	gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$TMP/iperf.json" 2>/dev/null)
	csum1=$(nsx b nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
	if awk -v g="${gbps:-0}" 'BEGIN {exit !(g > 0.05)}' && [ "${csum1:-x}" = "${csum0:-y}" ]; then
		pass "jumbo: iperf3 TCP at MTU 9000, no checksum errors ($(printf %.2f "$gbps") Gbit/s)"
	else fail "jumbo: iperf3 TCP: ${gbps:-none} Gbit/s, TcpInCsumErrors $csum0 -> $csum1"; fi
	check_transfer "jumbo: 8 MiB over TCP arrive byte for byte" 8388608 a b 10.67.0.3
fi
# The uplink is at 1500: what is larger and may be fragmented is cut
# by the gateway into pieces of 1500, each through the NAT, from one
# buffer (a) and, but on tc, from several (b). First, before either
# namespace learns the path's MTU and cuts its packets itself.
for ns_size in a:2900 b:$((MTU - 28)); do
	out=$(nsx "${ns_size%:*}" ping -c 2 -i 0.2 -W 2 -M dont -s "${ns_size#*:}" 198.18.1.2 2>&1)
	if grep -q ' 2 received' <<<"$out" && ! grep -q 'wrong data' <<<"$out"; then
		pass "jumbo: a $((${ns_size#*:} + 28))-byte packet that may be fragmented reaches the outside and comes back"
	else fail "jumbo: ping -M dont -s ${ns_size#*:} from ${ns_size%:*}: $(tail -n 2 <<<"$out" | tr '\n' ' ')"; fi
done
check_out "jumbo: the gateway cut them, into pieces of the uplink's MTU" "^true$" \
	bash -c "'$NSFAST' status --json '$PFX' | jq '.switches[0].daemon.routing |
		.too_big == 4 and .fragmented == 4 and .fragments == 4 + 2 * ((($MTU - 20) + 1479) / 1480 | floor) and .frag_needed == 0'"
# What may not be fragmented is answered (each namespace keeps its own
# path MTU).
check_out "jumbo: a 2928-byte packet for the outside gets 'fragmentation needed' (1500)" \
	"From 10.67.0.1 .*Frag needed and DF set \\(mtu = 1500\\)" \
	nsx a ping -c 1 -W 2 -M do -s 2900 198.18.1.2
check_out "jumbo: so does a $MTU-byte one" \
	"From 10.67.0.1 .*Frag needed and DF set \\(mtu = 1500\\)" \
	nsx b ping -c 1 -W 2 -M do -s $((MTU - 28)) 198.18.1.2
check_out "jumbo: the gateway counted both" '"too_big":6,"frag_needed":2,"fragmented":4,.*"mtu":1500' \
	bash -c "'$NSFAST' status --json '$PFX' | jq -c '.switches[0].daemon.routing'"
check_transfer "jumbo: 1 MiB over TCP to the outside, through the NAT" 1048576 a outside 198.18.1.2
check_out "jumbo: no frame dropped as invalid, by the switch or the kernel's TX" "^0$" \
	bash -c "'$NSFAST' status --json '$PFX' | jq '[.switches[0].daemon.ports[] | .drop_invalid + .xsk_tx_invalid] | add'"
free1=$(umem_free)
if [ -n "$free0" ] && [ "$free1" = "$free0" ]; then pass "jumbo: every buffer came back to the UMEM ($free1 free, as before)"
else fail "jumbo: the UMEM had $free0 free frames before the traffic, $free1 after"; fi
check "jumbo: down" down
assert_clean "jumbo: nothing left"

# --- ports of different MTUs: a frame larger than the output port's MTU
# is dropped, as a bridge drops it (tc's redirect into the namespace
# skips veth's own check, and delivered it).
printf 'lab x\nswitch sw0 dataplane %s\nns a\n  link eth0 switch sw0 addr 10.68.0.2/24 mtu 3000\nns b\n  link eth0 switch sw0 addr 10.68.0.3/24\n' \
	"$DP" >"$TMP/mtus.conf"
check "mtus: up, a at MTU 3000, b at 1500" up "$TMP/mtus.conf"
check "mtus: a reaches b in 1500-byte frames" nsx a ping -c 2 -i 0.2 -W 2 -M do -s 1472 10.68.0.3
check_fails "mtus: a's 2928-byte frames do not reach b" nsx a ping -c 2 -i 0.2 -W 1 -M do -s 2900 10.68.0.3
check "mtus: down" down
assert_clean "mtus: nothing left"

# --- a 16-namespace lab
"$ROOT/bench/gen_scale.sh" 16 x conf "$DP" >"$TMP/s16.conf"
check "16 namespaces: up" up "$TMP/s16.conf"
ok=0
for i in 1 5 9 15; do nsx n0 ping1 "10.77.0.$((i + 2))" >/dev/null && ok=$((ok + 1)); done
nsx n15 ping1 10.77.0.1 >/dev/null && ok=$((ok + 1))
if [ $ok = 5 ]; then pass "16 namespaces: n0 reaches n1, n5, n9, n15 and n15 the gateway"
else fail "16 namespaces: $ok of 5 pings answered"; fi
# The kernel gives each port's socket a pool entry (~124 B) per frame of
# the UMEM: behind a fast path, 16k frames do (2 MiB a port, not 8).
if [ "$DP" = afxdp ]; then want=$((16 * (1024 + 2048) + 2048)); else want=16384; fi
check_out "16 namespaces: the UMEM has $want frames" "^$want$" bash -c \
	"'$NSFAST' status --json '$PFX' | jq '.switches[0].daemon.umem.frames'"
check_out "16 namespaces: and every port has frames to receive into" "^0$" bash -c \
	"'$NSFAST' status --json '$PFX' | jq '[.switches[0].daemon.ports[] | select(.in_fill == 0)] | length'"
check "16 namespaces: down" down
assert_clean "16 namespaces: nothing left"

# --- 70 ports: the UMEM is capped at 64k frames, which 64 ports' full
# fill rings would take; the last ports must still get frames.
if [ "$DP" = afxdp ]; then
	"$ROOT/bench/gen_scale.sh" 70 x conf "$DP" >"$TMP/s70.conf"
	check "70 namespaces: up" up "$TMP/s70.conf"
	check "70 namespaces: n69 (the 70th port) reaches n0" nsx n69 ping -c 2 -i 0.2 -W 2 10.77.0.2
	check_out "70 namespaces: every port has frames to receive into" "^0$" bash -c \
		"'$NSFAST' status --json '$PFX' | jq '[.switches[0].daemon.ports[] | select(.in_fill == 0)] | length'"
	check "70 namespaces: down" down
	assert_clean "70 namespaces: nothing left"
fi

done
