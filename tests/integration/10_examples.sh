#!/usr/bin/env bash
# Each bundled example comes up, carries the traffic its seed shows, and
# goes down leaving nothing.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples

# The tests' host is a sandbox (tests/sandbox.sh): a lab up on the
# machine, as the README's first command leaves one, is not in it.
if [ "${NSFAST_TEST_HOST:-}" = 1 ]; then skip "sandbox: NSFAST_TEST_HOST=1"
else check_out "sandbox: the tests' host has lo and nothing else" "^lo$" \
	bash -c "echo \$(ip -o link | awk -F': ' '{print \$2}') \$(ls -A /run/nsfast)"; fi

# --- a namespace reached from the host through a veth (seed 000)
check "host-veth: up" up "$EX/host-veth.conf"
check "host-veth: host pings the namespace" ping1 192.168.100.2
check "host-veth: namespace pings the host" nsx blue ping1 192.168.100.1
check "host-veth: IPv6 both ways" nsx blue ping1 fd42:100::1
check_fails "host-veth: namespace has no route beyond its link" nsx blue ip route get 203.0.113.9
check "host-veth: down" down
assert_clean "host-veth: nothing left after down"

# --- a router namespace behind a switch, traceroute shows two hops (seed 001)
check "routed: up" up "$EX/routed.conf"
check "routed: host reaches bar through foo" ping1 10.9.9.10
check "routed: namespaces on one switch reach each other" nsx baz ping1 10.13.37.2
if command -v traceroute >/dev/null; then
	traceroute -n -w 2 -q 1 10.9.9.10 >"$TMP/tr" 2>&1
	if grep -Eq '^ *1 +10\.13\.37\.2 ' "$TMP/tr" && grep -Eq '^ *2 +10\.9\.9\.10 ' "$TMP/tr" &&
		[ "$(grep -Ec '^ *[0-9]+ ' "$TMP/tr")" = 2 ]; then
		pass "routed: traceroute shows foo then bar"
	else
		fail "routed: traceroute: $(tr '\n' ' ' <"$TMP/tr")"
	fi
else
	skip "routed: traceroute is not installed"
fi
# A kernel bridge with an address of the host's and no SNAT: its table
# confines what the host forwards for it.
check_out "routed: status shows the bridge's confinement" \
	"confined to its bridge \(nftables table nsfast-$PFX-sw0\): 0 forwarded packets dropped" \
	"$NSFAST" status "$PFX"
check_out "routed: and in JSON" '"confined":\{"dropped":0\}' "$NSFAST" status --json "$PFX"
check "routed: down" down
assert_clean "routed: nothing left after down"

# --- three namespaces on a switch, masqueraded to an uplink (seed 004)
check "nat: up" up "$EX/nat.conf"
check "nat: host reaches a namespace through the switch" ping1 10.13.37.3
# Count, inside the outside world, which sources its echo requests have.
nsx outside nft -f - <<NFT
table ip probe {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 203.0.113.1 icmp type echo-request counter
		ip saddr 10.13.37.0/24 counter
	}
}
NFT
for n in a b c; do
	check "nat: $n reaches the outside" nsx "$n" ping1 203.0.113.2
done
counts=$(nsx outside nft list chain ip probe input | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' ')
if [ "$counts" = "3 0 " ]; then pass "nat: outside saw only the uplink address as source"
else fail "nat: outside saw sources (uplink, lab) = $counts, expected 3 0"; fi
check_fails "nat: the outside has no route to the namespaces" nsx outside ip route get 10.13.37.2
check "nat: IPv6 across the switch" nsx a ping1 fd42:1337::4
check "nat: down" down
assert_clean "nat: nothing left after down (nft table, ip_forward)"

# --- the default lab
check "lab: up" up "$EX/lab.conf"
check "lab: a pings b" nsx a ping1 10.13.37.3
check "lab: a pings b over IPv6" nsx a ping1 fd42:1337::3
check "lab: a pings the gateway over IPv6" nsx a ping1 fd42:1337::1
check "lab: c reaches a through router r" nsx c ping1 10.13.37.2
check "lab: the host reaches c" ping1 10.9.9.10
check "lab: a reaches the outside through SNAT" nsx a ping1 203.0.113.2
check_out "lab: b has the MAC from the file" "02:00:0a:0d:25:03" nsx b ip link show eth0
check_out "lab: the r-c link has mtu 9000" "mtu 9000" nsx c ip link show eth0
check_out "lab: r forwards" "^1$" nsx r cat /proc/sys/net/ipv4/ip_forward
check_out "lab: loopback is up" "UP" nsx a ip link show lo
check_out "lab: namespaces are visible to ip netns" "^$PFX-outside" ip netns list
check "lab: down" down
assert_clean "lab: nothing left after down"
