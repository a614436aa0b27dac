#!/usr/bin/env bash
# The switch gateway routes like the kernel dataplane's host does: the
# default lab (examples/lab.conf) has namespace c behind router r on the
# switch, and a host route to it via r. a reaches c through the gateway
# on both dataplanes; on afxdp the userspace switch does that routing
# itself (static routes from the host block, its own ARP table), with
# TTL handling and counters.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples

sw_json() { "$NSFAST" status --json "$PFX" | jq -c '.switches[] | select(.name=="sw0") | .daemon'; }
routing() { sw_json | jq -c -r ".routing.$1"; }
arp_of() { sw_json | jq -r ".routing.arp.table[] | select(.ip==\"$1\") | .mac + \" \" + .state"; }

# ping -t N from a to c: who says the time was exceeded. Hosts rate-limit
# ICMP errors per destination (net.ipv4.icmp_ratelimit, 1 s), and the
# kernel's redirects share that bucket: ask once more after a second.
ttl_from() {
	local from try
	for try in 1 2; do
		from=$(nsx a ping -c 1 -W 2 -t "$1" 10.9.9.10 2>&1 |
			grep -Eo 'From [0-9.]+ .*[Tt]ime to live exceeded' | awk '{print $2}' | head -n 1)
		[ -n "$from" ] && break
		sleep 1.1
	done
	echo "$from"
}

for dp in xdp afxdp kernel tc; do
	sed "s/dataplane [a-z]*/dataplane $dp/" "$EX/lab.conf" >"$TMP/lab-$dp.conf"
	check "$dp: up" up "$TMP/lab-$dp.conf"
	# The kernel's host sends ICMP redirects (a's packets to c leave the
	# bridge where they came in) and a would then go to r directly; the
	# afxdp gateway sends none. Refuse them in a, so that both dataplanes
	# are held to the same path: every packet through the gateway.
	nsx a sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0
	[ "$dp" = afxdp ] && r_known=$(arp_of 10.13.37.4)

	# TTL first, while the host's ICMP rate limit for a is untouched: the
	# gateway is one hop (its time exceeded comes from its own address),
	# r the next, so a TTL of 2 reaches r and dies there.
	if command -v traceroute >/dev/null; then
		nsx a traceroute -n -w 2 -q 1 10.9.9.10 >"$TMP/tr" 2>&1
		if grep -Eq '^ *1 +10\.13\.37\.1 ' "$TMP/tr" && grep -Eq '^ *2 +10\.13\.37\.4 ' "$TMP/tr" &&
			grep -Eq '^ *3 +10\.9\.9\.10 ' "$TMP/tr" && [ "$(grep -Ec '^ *[0-9]+ ' "$TMP/tr")" = 3 ]; then
			pass "$dp: traceroute from a to c shows the gateway, r, then c"
		else fail "$dp: traceroute: $(tr '\n' ' ' <"$TMP/tr")"; fi
	else
		skip "$dp: traceroute is not installed"
	fi
	from=$(ttl_from 1)
	if [ "$from" = 10.13.37.1 ]; then pass "$dp: ping -t 1 to c: time exceeded from the gateway"
	else fail "$dp: ping -t 1 to c: time exceeded from '${from}', expected 10.13.37.1"; fi
	from=$(ttl_from 2)
	if [ "$from" = 10.13.37.4 ]; then pass "$dp: ping -t 2 to c: time exceeded from r (the gateway decremented the TTL)"
	else fail "$dp: ping -t 2 to c: time exceeded from '${from}', expected 10.13.37.4"; fi

	check "$dp: a reaches c through the gateway and router r" nsx a ping -c 3 -i 0.2 -W 2 10.9.9.10
	check "$dp: c reaches a" nsx c ping1 10.13.37.2
	check "$dp: b reaches c's router-side peer 10.9.9.9" nsx b ping1 10.9.9.9
	# TCP from a to c through the routed path, byte for byte.
	check_transfer "$dp: 1 MiB over TCP from a to c arrives byte for byte" 1048576 a c 10.9.9.10

	if [ "$dp" = afxdp ]; then
		via=$(routing routed_via)
		ttl=$(routing ttl_exceeded)
		if [ "${via:-0}" -ge 3 ] && [ "${ttl:-0}" -ge 1 ]; then
			pass "afxdp: routing counters moved (routed_via $via, ttl_exceeded $ttl)"
		else fail "afxdp: routing counters: $(sw_json | jq -c '.routing | del(.arp.table)')"; fi
		# r had not spoken IPv4 before the first routed packet: the
		# gateway asked for it, held the packet, and sent it on.
		if [ -z "$r_known" ]; then
			held=$(routing arp_held) asked=$(routing arp.requests) lost=$(routing arp_timeout)
			if [ "${held:-0}" -ge 1 ] && [ "${asked:-0}" -ge 1 ] && [ "${lost:-x}" = 0 ]; then
				pass "afxdp: the first packet to r waited for the gateway's ARP request ($asked sent, $held held, none timed out)"
			else fail "afxdp: ARP for r: requests $asked, held $held, timed out $lost"; fi
		else
			skip "afxdp: r was in the gateway's ARP table before any routed packet ($r_known)"
		fi
		check_out "afxdp: the daemon has the host's route via r" \
			'^\[\{"prefix":"10\.9\.9\.8/30","via":"10\.13\.37\.4"\}\]$' routing routes
		rmac=$(nsx r cat /sys/class/net/eth0/address)
		check_out "afxdp: the gateway's ARP table has r's MAC" "^$rmac reachable$" arp_of 10.13.37.4
		unrouted=$(sw_json | jq .counters.gw_unrouted)
		if [ "${unrouted:-x}" = 0 ]; then pass "afxdp: nothing sent to the gateway went unrouted"
		else fail "afxdp: gw_unrouted=$unrouted"; fi
		check_out "afxdp: status shows the routes and the ARP table" \
			"routing: 10\.9\.9\.8/30 via 10\.13\.37\.4, default through the NAT to $PFX-up0" \
			"$NSFAST" status "$PFX"
		check_out "afxdp: status shows the ARP counters" "arp: [1-9][0-9]* entries" "$NSFAST" status "$PFX"
		# The gateway's ICMP errors are rate limited (1000/s, 50 at
		# once): a flood of 400 TTL-1 pings does not get 400 back.
		t0=$(routing ttl_exceeded) l0=$(routing icmp_limited)
		got=$(nsx a ping -f -c 400 -t 1 -W 1 10.9.9.10 2>&1 | grep -o '+[0-9]* errors' | tr -dc 0-9)
		t1=$(routing ttl_exceeded) l1=$(routing icmp_limited)
		if [ $((t1 - t0)) -ge 400 ] && [ $((l1 - l0)) -ge 1 ] && [ "${got:-0}" -ge 50 ] &&
			[ "${got:-0}" -le $((t1 - t0 - (l1 - l0))) ]; then
			pass "afxdp: 400 TTL-1 pings at once: $got time exceeded back, $((l1 - l0)) over the rate limit"
		else fail "afxdp: ICMP rate limit: ttl_exceeded +$((t1 - t0)), icmp_limited +$((l1 - l0)), ping got ${got:-0} errors"; fi
		# A martian (RFC 1812 5.3.7) is not routed: here a class E
		# destination, which the NAT would have taken out of the uplink.
		nsx a ip route add 240.0.0.0/4 via 10.13.37.1
		m0=$(routing martian) o0=$(routing routed_out)
		nsx a ping -c 1 -W 1 240.0.0.1 >/dev/null 2>&1
		m1=$(routing martian) o1=$(routing routed_out)
		if [ $((m1 - m0)) = 1 ] && [ "$o1" = "$o0" ]; then
			pass "afxdp: a ping of 240.0.0.1 is dropped as a martian, not routed out"
		else fail "afxdp: martian +$((m1 - m0)), routed_out +$((o1 - o0))"; fi
		# A namespace sending from the gateway's own MAC is never one of
		# its next hops: learned, the answers to its address would go
		# to the gateway itself (one spoofed frame would cut b off).
		gwmac=$(nsx a ip neigh show 10.13.37.1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
		bmac=$(nsx b cat /sys/class/net/eth0/address)
		nsx b ip link set eth0 address "$gwmac"
		nsx b ip neigh flush dev eth0
		nsx b ping -c 2 -i 0.2 -W 1 203.0.113.2 >/dev/null 2>&1
		got=$(sw_json | jq -r "[.routing.arp.table[] | select(.mac==\"$gwmac\") | .ip] | join(\" \")")
		asked=$(sw_json | jq -r '.counters.src_gw_mac')
		if [ -n "$gwmac" ] && [ -z "$got" ] && [ "${asked:-0}" -ge 1 ]; then
			pass "afxdp: frames from the gateway's own MAC do not put it in the gateway's ARP table"
		else fail "afxdp: the gateway's MAC $gwmac in its ARP table for '$got' (src_gw_mac $asked)"; fi
		nsx b ip link set eth0 address "$bmac"
		check "afxdp: b reaches the outside again with its own MAC" nsx b ping -c 2 -i 0.2 -W 2 203.0.113.2
	fi
	check "$dp: down" down
	assert_clean "$dp: nothing left after down"
done

# --- no uplink: the static route still works, anything else is answered
# "network unreachable" by the gateway, as Linux's router does, and
# counted (the uplink's veth and the outside namespace stay, so the ping
# below goes to an address of this run).
sed 's/dataplane [a-z]*/dataplane afxdp/' "$EX/lab.conf" | grep -v uplink >"$TMP/nouplink.conf"
check "no uplink: up" up "$TMP/nouplink.conf"
check "no uplink: a reaches c" nsx a ping1 10.9.9.10
check_fails "no uplink: a does not reach the outside" nsx a ping -c 1 -W 1 203.0.113.2
check_out "no uplink: the gateway answers 'network unreachable'" \
	"From 10.13.37.1 icmp_seq=1 Destination Net Unreachable" nsx a ping -c 1 -W 1 203.0.113.2
check_out "no uplink: at TTL 1 too, as Linux's router (the route comes first)" \
	"From 10.13.37.1 icmp_seq=1 Destination Net Unreachable" nsx a ping -t 1 -c 1 -W 1 203.0.113.2
nr=$(routing no_route)
if [ "${nr:-0}" -ge 1 ]; then pass "no uplink: the gateway counted the unroutable packet (no_route $nr)"
else fail "no uplink: no_route=$nr"; fi
check_out "no uplink: status says there is no default" '"default":null' sw_json
check "no uplink: down" down
assert_clean "no uplink: nothing left after down"

# --- the daemon refuses a next hop off the gateway's subnet
check_out "a --route via off the subnet is refused" "--route via 10.9.9.9: not a host on the subnet" \
	"$NSFAST" switch --name x --gateway 10.13.37.1/24 --route 10.9.9.8/30,10.9.9.9 nosuch0
check_out "a malformed --route is refused" "bad --route '10.9.9.8/30'" \
	"$NSFAST" switch --name x --gateway 10.13.37.1/24 --route 10.9.9.8/30 nosuch0
# One more than the table holds: refused before it is written (the
# sanitizer round's bounds check would catch a write past the table).
routes=()
for i in $(seq 0 64); do routes+=(--route "10.99.$i.0/24,10.13.37.9"); done
check_out "a 65th --route is refused" "more than 64 --route" \
	"$NSFAST" switch --name x --gateway 10.13.37.1/24 "${routes[@]}" nosuch0
