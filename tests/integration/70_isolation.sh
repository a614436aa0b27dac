#!/usr/bin/env bash
# Isolation: switches of one lab are separate segments. Two afxdp switches
# and a kernel bridge, each with a namespace in the same /24 (only a
# leaked frame could connect them) and one in a subnet of its own: none
# reaches another switch's namespaces, nothing flooded on one shows up on
# another, until a router namespace in the topology connects them. The
# lab's state directory and control sockets are root's alone.
. "$(dirname "$0")/../lib.sh"

# Subnets of this test only: 10.170.0.0/24 on every switch, and one per
# switch for the routed part (r, when present, is .254 in each).
cat >"$TMP/iso.conf" <<'CONF'
lab iso
switch sw0 dataplane afxdp
    gateway 10.171.0.1/24
switch sw1 dataplane afxdp
    gateway 10.172.0.1/24
switch sw2 dataplane kernel

ns a0
    link eth0 switch sw0 addr 10.170.0.2/24
ns b0
    link eth0 switch sw0 addr 10.170.0.12/24
ns a1
    link eth0 switch sw1 addr 10.170.0.3/24
ns b1
    link eth0 switch sw1 addr 10.170.0.13/24
ns a2
    link eth0 switch sw2 addr 10.170.0.4/24

ns c0
    link eth0 switch sw0 addr 10.171.0.2/24
    route default via 10.171.0.254
ns c1
    link eth0 switch sw1 addr 10.172.0.2/24
    route default via 10.172.0.254
ns c2
    link eth0 switch sw2 addr 10.173.0.2/24
    route default via 10.173.0.254
CONF
cat "$TMP/iso.conf" - >"$TMP/routed.conf" <<'CONF'

ns r
    forward on
    link eth0 switch sw0 addr 10.171.0.254/24
    link eth1 switch sw1 addr 10.172.0.254/24
    link eth2 switch sw2 addr 10.173.0.254/24
CONF

daemon() { "$NSFAST" status --json "$PFX" | jq -c ".switches[] | select(.name == \"$1\") | .daemon"; }
# Frames through an afxdp switch's ports, both ways, and what it flooded.
port_frames() { daemon "$1" | jq '[.ports[] | .rx_packets + .tx_packets] | add'; }
flooded() { daemon "$1" | jq '.counters.flooded'; }
# One echo, 0.3 s: for the pings that must go unanswered (an answer
ping_no() { local ns=$1; shift; nsx "$ns" ping -c 1 -W 0.3 "$@"; }
# Count, at a namespace's eth0, the frames from a0: the flood's own,
# whatever else (the kernel bridge's multicast reports, say) goes on.
watch_a0() {
	nsx "$1" nft -f - <<NFT
table netdev iso {
	chain in {
		type filter hook ingress device eth0 priority 0;
		ether saddr $A0MAC counter
	}
}
NFT
}
from_a0() { nsx "$1" nft list chain netdev iso in | grep -o 'packets [0-9]*' | awk '{print $2}'; }
# Nothing spontaneous on the segments while we count: no IPv6 (router
# solicitations, MLD) in the namespaces nor on the kernel bridge.
quiet() {
	local n
	for n in a0 b0 a1 b1 a2 c0 c1 c2; do nsx "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
	sysctl -qw "net.ipv6.conf.$PFX-sw2.disable_ipv6=1"
}

# --- the state directory is made root-only even if it was left open
mkdir -p "/run/nsfast/$PFX"
chmod 0755 "/run/nsfast/$PFX"
check "up: three switches, a namespace of 10.170.0.0/24 on each" up "$TMP/iso.conf"
quiet # now: the last MLD reports are long gone when the counting starts
check_out "/run/nsfast is root's alone" "^700 root$" stat -c '%a %U' /run/nsfast
check_out "the lab's state directory was made root-only (it was 0755)" "^700 root$" stat -c '%a %U' "/run/nsfast/$PFX"
for sw in sw0 sw1; do
	check_out "$sw's control socket is root's alone" "^600 root socket$" \
		stat -c '%a %U %F' "/run/nsfast/$PFX/$sw.sock"
done
# As nobody: nsfast itself runs, the lab's state and sockets do not open.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
check "nobody can run nsfast (so the refusals below are about access)" as_nobody "$NSFAST" help
# The sockets themselves, not nsfast's own check for root: connect and
# ask for the text report, as status does.
ask() { printf text | nc -N -U "$1"; }
check_out "root gets sw0's report from its socket" "$PFX-a0-eth0" ask "/run/nsfast/$PFX/sw0.sock"
check_out "nobody cannot connect to sw0's socket" "Permission denied" as_nobody bash -c "$(declare -f ask); ask /run/nsfast/$PFX/sw0.sock"
chmod 0711 "/run/nsfast/$PFX"
check_out "nobody cannot connect to it even through an open directory (0600)" "Permission denied" \
	as_nobody bash -c "$(declare -f ask); ask /run/nsfast/$PFX/sw0.sock"
chmod 0700 "/run/nsfast/$PFX"
check_out "nobody's nsfast status is refused" "needs root|Permission denied" as_nobody "$NSFAST" status "$PFX"
# (the file through nobody's own pipe: nobody cannot read $TMP)
check_out "nobody's nsfast up is refused for want of root" "^nsfast: up needs root" \
	env CONF="$(cat "$TMP/iso.conf")" setpriv --reuid=65534 --regid=65534 --clear-groups \
	bash -c 'printf "%s\n" "$CONF" | "$0" up --lab "$1" /dev/stdin' "$NSFAST" "$PFX"
check_out "and so is nobody's nsfast down" "^nsfast: down needs root" as_nobody "$NSFAST" down "$PFX"
check_fails "nobody cannot read the lab's journal" as_nobody cat "/run/nsfast/$PFX/journal"
check_fails "nobody cannot list the lab's state" as_nobody ls "/run/nsfast/$PFX"

# --- same subnet, different switches: only a leak would connect them
check "a0 reaches b0 on its own switch (afxdp)" nsx a0 ping1 10.170.0.12
check "a1 reaches b1 on its own switch (afxdp)" nsx a1 ping1 10.170.0.13
check_fails "a0 (sw0) does not reach a1 (sw1) in the same /24" ping_no a0 10.170.0.3
check_fails "a1 (sw1) does not reach a0 (sw0)" ping_no a1 10.170.0.2
check_fails "a0 (afxdp) does not reach a2 (kernel bridge)" ping_no a0 10.170.0.4
check_fails "a2 (kernel bridge) does not reach a1 (afxdp)" ping_no a2 10.170.0.3
# An ARP request that had crossed over would have taught its sender to a1
# and a2 (Linux learns the sender of a request for its own address).
check_fails "a1 and a2 never saw a0's ARP requests" \
	bash -c "{ ip netns exec $PFX-a1 ip neigh show 10.170.0.2; ip netns exec $PFX-a2 ip neigh show 10.170.0.2; } | grep lladdr"
check_fails "c0 (sw0) does not reach c1 (sw1): no router in the topology" ping_no c0 10.172.0.2
check_fails "c1 (sw1) does not reach c2 (kernel bridge)" ping_no c1 10.173.0.2

# --- flooding on sw0 never shows on sw1 or sw2
A0MAC=$(nsx a0 cat /sys/class/net/eth0/address)
for n in b0 a1 b1 a2 c1 c2; do watch_a0 "$n"; done
# The unanswered pings above leave their ARP requests retried by the
# kernel for a few seconds: count once sw1 has been silent for a second.
p1=$(port_frames sw1)
for i in $(seq 1 8); do
	sleep 1
	p=$(port_frames sw1)
	[ "$p" = "$p1" ] && break
	p1=$p
done
f0=$(flooded sw0)
# Broadcast pings, ARP requests for absent addresses, and unknown unicast
# (a0 believes 10.170.0.99 has a MAC no port has shown).
nsx a0 ping -b -c 30 -i 0.01 -W 1 10.170.0.255 >/dev/null 2>&1
for i in $(seq 100 119); do nsx a0 ping -c 1 -W 0.3 "10.170.0.$i" >/dev/null 2>&1 & done
wait
nsx a0 ip neigh replace 10.170.0.99 lladdr 02:99:00:00:00:99 dev eth0 nud permanent
nsx a0 ping -c 30 -i 0.01 -W 0.2 10.170.0.99 >/dev/null 2>&1
sleep 0.3
df=$(( $(flooded sw0) - f0 )) db0=$(from_a0 b0)
if [ "$df" -ge 60 ] && [ "$db0" -ge 60 ]; then
	pass "sw0 flooded $df frames, b0 on sw0 received $db0 frames from a0"
else fail "flood on sw0: flooded +$df, b0 received +$db0 (expected >= 60 each)"; fi
# The namespaces' own chatter (IPv6 router solicitations, ARP retries)
# may still land in the window, a few frames; a leak of the flood would
# be 60 or more.
d=$(( $(port_frames sw1) - p1 ))
if [ "$d" -lt 10 ]; then pass "sw1's ports counted none of sw0's flood ($d frames of their own)"
else fail "sw1's ports moved by $d frames while sw0 flooded: $(daemon sw1 | jq -c '[.ports[] | {name, rx_packets, tx_packets}]')"; fi
d=$(for n in a1 b1 c1 a2 c2; do from_a0 "$n"; done | tr '\n' ' ')
if [ "$d" = "0 0 0 0 0 " ]; then pass "no frame of the flood reached a namespace of sw1 or sw2"
else fail "frames of the flood received by a1 b1 c1 (sw1), a2 c2 (sw2): $d"; fi
check "down" down
assert_clean "nothing left after the isolated lab"

# --- a router namespace in the topology connects the switches
check "up with a router on all three switches" up "$TMP/routed.conf"
check "c0 (sw0) reaches c1 (sw1) through r" nsx c0 ping1 10.172.0.2
check "c1 (sw1) reaches c2 (kernel bridge) through r" nsx c1 ping1 10.173.0.2
check "c2 reaches c0 through r" nsx c2 ping1 10.171.0.2
if command -v traceroute >/dev/null; then
	nsx c0 traceroute -n -w 2 -q 1 10.172.0.2 >"$TMP/tr" 2>&1
	if grep -Eq '^ *1 +10\.171\.0\.254 ' "$TMP/tr" && grep -Eq '^ *2 +10\.172\.0\.2 ' "$TMP/tr"; then
		pass "traceroute from c0 shows r, then c1"
	else fail "traceroute c0 -> c1: $(tr '\n' ' ' <"$TMP/tr")"; fi
fi
# The router routes subnets; it does not bridge: the same /24 stays apart.
check_fails "a0 still does not reach a1 in the same /24" ping_no a0 10.170.0.3
check "down" down
assert_clean "nothing left after the routed lab"

# --- kernel switches: the host forwards for every interface once a
# kernel SNAT switch turns ip_forward on, and would route a lab's bridge
# to another bridge, or out of any other interface of the host
# untranslated. h, behind a host veth that is not the uplink, stands for
# such an interface (the host's own eth0, which no test may send to).
cat >"$TMP/kfwd.conf" <<'CONF'
lab kf
switch sw0 dataplane kernel
    gateway 10.175.0.1/24
    uplink  up0 snat
switch sw1 dataplane kernel
    gateway 10.175.1.1/24
ns x
    link eth0 switch sw0 addr 10.175.0.2/24
    route default via 10.175.0.1
ns y
    link eth0 switch sw1 addr 10.175.1.2/24
    route default via 10.175.1.1
ns o
veth host:up0 10.175.2.1/24 -- o:eth0 10.175.2.2/24
ns h
    route default via 10.175.3.1
veth host:hv 10.175.3.1/24 -- h:eth0 10.175.3.2/24
# A userspace switch's host port: z routes h's subnet through the host.
switch sw2
    gateway 10.175.4.1/24
    host    10.175.4.254/24
ns z
    link eth0 switch sw2 addr 10.175.4.2/24
    route default via 10.175.4.1
    route 10.175.3.0/24 via 10.175.4.254
CONF
# What both tables dropped: a packet from one bridge to the other meets
# both, and the first to see it counts it.
confined() { "$NSFAST" status --json "$PFX" | jq '[.switches[] | .snat.confined_dropped // .confined.dropped // 0] | add'; }
check "up: two kernel switches, sw0 with SNAT to o, and a tc one" up "$TMP/kfwd.conf"
check_out "kernel: SNAT turned the host's forwarding on" "^1$" cat /proc/sys/net/ipv4/ip_forward
check "kernel: x (sw0) reaches o through the SNAT" nsx x ping1 10.175.2.2
d0=$(confined)
check_fails "kernel: x (sw0) does not reach y (sw1) through the host" ping_no x 10.175.1.2
check_fails "kernel: y (sw1) does not reach x (sw0) through the host" ping_no y 10.175.0.2
check_fails "kernel: x does not leave by a host interface that is not its uplink" ping_no x 10.175.3.2
d1=$(confined)
if [ $((d1 - d0)) -ge 3 ]; then pass "kernel: the host's drops were counted in status ($((d1 - d0)) confined)"
else fail "kernel: confined drops +$((d1 - d0)) ($d0 -> $d1)"; fi
check_out "kernel: status says sw0's" "dropped: [0-9]+ unsolicited, [1-9][0-9]* confined" "$NSFAST" status "$PFX"
# One switch's confined drops.
sw_confined() { "$NSFAST" status --json "$PFX" | jq ".switches[] | select(.name == \"$1\") | .confined.dropped // 0"; }
# confined_counted WHAT MIN BEFORE AFTER SW KIND: the drops grew by MIN
# or more, and status says the count under the switch, confined to KIND.
confined_counted() {
	local d=$(($4 - $3))
	if [ "$d" -ge "$2" ]; then pass "$1 ($d)"
	else fail "$1: $5 confined +$d"; fi
	check_out "${1%%:*}: status says so under $5" \
		"confined to its $6 \(nftables table nsfast-$PFX-$5\): $4 forwarded packets dropped" \
		"$NSFAST" status "$PFX"
}
# sw1 has no SNAT, but the host forwards all the same while sw0's is up.
y0=$(sw_confined sw1)
check_fails "kernel: y (sw1, no SNAT) does not leave by a host interface either" ping_no y 10.175.3.2
y1=$(sw_confined sw1)
confined_counted "kernel: sw1's own table dropped and counted it" 1 "$y0" "$y1" sw1 bridge
# The host port of sw2 (tc) is an interface of the host like a bridge.
check "tc: z still reaches the host through sw2's host port" nsx z ping1 10.175.4.254
z0=$(sw_confined sw2)
check_fails "tc: z does not leave by a host interface through its host port" ping_no z 10.175.3.2
check_fails "tc: h does not reach z through the host and the host port" ping_no h 10.175.4.2
z1=$(sw_confined sw2)
confined_counted "tc: sw2's table dropped and counted both" 2 "$z0" "$z1" sw2 "host port"
check "down" down
assert_clean "nothing left after the kernel switches"
