#!/usr/bin/env bash
# What up refuses, and what a failure leaves: nothing. Objects nsfast does
# not own are never taken over; a failure at any step, or one only the
# kernel detects, rolls back what the run made; an interrupted up rolls
# back and a killed one is undone by down; a second up converges MTUs and
# MACs; check never touches the system; a host interface moved into a
# namespace goes back as it was, after a down or a failure.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
LAB=$EX/lab.conf

# --- objects nsfast does not own are never taken over
ip link add "$PFX-a-eth0" type bridge
check_out "a foreign interface with a lab's name stops up" \
	"create veth a:eth0 -- host:$PFX-a-eth0: interface '$PFX-a-eth0' already exists and does not belong to lab '$PFX'" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "the foreign interface is untouched" ip link show "$PFX-a-eth0"
ip link del "$PFX-a-eth0"
assert_clean "rolled back after the foreign interface"
ip netns add "$PFX-a"
check_out "a foreign namespace with a lab's name stops up" \
	"create namespace $PFX-a: it exists and was not created by lab" \
	"$NSFAST" up --lab "$PFX" "$LAB"
ip netns del "$PFX-a"
assert_clean "rolled back after the foreign namespace"

# --- a failure at any step rolls back everything this run created
# LIFECYCLE_FAULT_EVERY=N: every Nth step only (run.sh's sanitizer
# round: the rollback code is the same at each step).
fault_each_step() { # CONF WHAT [MIN-STEPS]
	local steps k out rc left bad="" every=${LIFECYCLE_FAULT_EVERY:-1}
	steps=$("$NSFAST" up -v --lab "$PFX" "$1" | grep -c '^step ')
	down >/dev/null
	for k in $(seq 1 "$every" "$steps"); do
		out=$(NSFAST_FAULT_STEP=$k "$NSFAST" up --lab "$PFX" "$1" 2>&1)
		rc=$?
		left=$(leftovers)
		if [ $rc = 0 ] || ! grep -q "fault injected by NSFAST_FAULT_STEP=$k" <<<"$out" ||
			! grep -Eq "rolled back lab '$PFX'|lab '$PFX' is as it was: this run had changed nothing" <<<"$out" ||
			[ -n "$left" ]; then
			bad="$bad step $k (rc $rc, left: $(echo $left))"
			down >/dev/null 2>&1
		fi
	done
	if [ "$steps" -gt "${3:-30}" ] && [ -z "$bad" ]; then
		pass "$2: a fault at each of the $steps steps$([ "$every" = 1 ] || echo " (every $every)") rolls back to nothing"
	else fail "$2: fault injection over $steps steps:$bad"; fi
}
fault_each_step "$LAB" "$(basename "$LAB")"
# lab.conf is on tc, whose slow-path pairs are steps of their own; xdp
# has steps tc has not (the namespaces' offloads). LIFECYCLE_FAULT_XDP=0
# leaves it out (run.sh's sanitizer round, where the same rollback code
# runs in the tc round).
sed "s/dataplane [a-z]*/dataplane xdp/" "$LAB" >"$TMP/lab-xdp.conf"
if [ "${LIFECYCLE_FAULT_XDP:-1}" = 1 ]; then
	fault_each_step "$TMP/lab-xdp.conf" "$(basename "$LAB") on xdp"
else
	echo "(a fault at each step on xdp left out: LIFECYCLE_FAULT_XDP=0)"
fi

# A failure on top of an existing lab removes only what that run added.
check "up again" up "$LAB"
cp "/run/nsfast/$PFX/journal" "$TMP/journal2"
ip link del "$PFX-b-eth0"
NSFAST_FAULT_STEP=35 "$NSFAST" up -q --lab "$PFX" "$LAB" >/dev/null 2>&1
check "a failed re-up keeps what was up before" cmp "$TMP/journal2" "/run/nsfast/$PFX/journal"
check "and the lab still works" nsx a ping1 10.13.37.4
# 'down NAME' beside a file NAME of another lab: which was meant?
mkdir "$TMP/cwd" && printf 'lab %sz\nns a\n' "$PFX" >"$TMP/cwd/$PFX"
check_out "down of a word that is both a lab that is up and a file of another lab is refused" \
	"'$PFX' is both lab $PFX, which is up, and a file of lab ${PFX}z here, expected ./$PFX for the file" \
	bash -c "cd '$TMP/cwd' && '$NSFAST' down '$PFX'; echo \"exit \$?\""
check_out "with exit 2, the lab still up" "^exit 2 up$" bash -c \
	"cd '$TMP/cwd'; '$NSFAST' down '$PFX' 2>/dev/null; echo \"exit \$? \$(ip netns | grep -q '^$PFX-a\b' && echo up)\""
check_out "./FILE is the file's lab" "lab ${PFX}z is not up" bash -c "cd '$TMP/cwd' && '$NSFAST' down './$PFX'"
check "down" down
assert_clean "nothing left"

# --- IPv6 on a link below 1280: the kernel would refuse it, check does
cat >"$TMP/v6mtu.conf" <<CONF
lab x
ns a
ns b
veth a:e0 10.1.1.1/30 -- b:e0 10.1.1.2/30 fd42:9::2/64 mtu 1000
CONF
check_out "IPv6 below an MTU of 1280 is refused before anything is made" \
	'v6mtu.conf:4: IPv6 address fd42:9::2/64 on b:e0 needs an mtu of 1280 or more, the link has 1000' \
	"$NSFAST" up --lab "$PFX" "$TMP/v6mtu.conf"
assert_clean "nothing made for it"

# --- a failure that only the kernel detects (check does not model it):
# IPv6 loopback on an interface that is not the loopback
cat >"$TMP/v6mc.conf" <<CONF
lab x
ns a
ns b
veth a:e0 10.1.1.1/30 -- b:e0 10.1.1.2/30 ::1/128
CONF
check_out "a kernel error half-way names the line, the step and the kernel's reason" \
	'v6mc.conf:4: add ::1/128 to e0: Cannot assign requested address: kernel: ipv6: Cannot assign loopback address on this device' \
	"$NSFAST" up --lab "$PFX" "$TMP/v6mc.conf"
check_out "and rolls back the namespaces and the veth" "rolled back lab '$PFX': removed the 3 objects" \
	"$NSFAST" up --lab "$PFX" "$TMP/v6mc.conf"
assert_clean "nothing left after the kernel error"

# --- a second up converges MTUs and MACs of what exists: on a veth and
# a bridge port it sets them; a port of a userspace switch keeps the
# MTU its daemon started with, so up says so and changes nothing
mtu_lab() { # PORT-MTU VETH-MTU MAC
	cat <<CONF
lab x
switch br dataplane kernel
switch us dataplane afxdp
ns a
    link e0 switch br addr 10.20.0.2/24 mtu $1
    link e1 switch us addr 10.21.0.2/24
ns b
    link e0 switch br addr 10.20.0.3/24
    link e1 switch us addr 10.21.0.3/24
veth a:x 10.1.1.1/30 -- b:y 10.1.1.2/30 mtu $2 mac $3
CONF
}
mtu_lab 1400 2000 02:00:00:00:00:aa >"$TMP/mtu1.conf"
mtu_lab 1300 1800 02:00:00:00:00:bb >"$TMP/mtu2.conf"
sed 's/link e1 switch us addr 10.21.0.2\/24/& mtu 1400/' "$TMP/mtu2.conf" >"$TMP/mtu3.conf"
check "mtu: up" up "$TMP/mtu1.conf"
check_out "mtu: a second up with other MTUs and a MAC sets them" "4 changes" \
	"$NSFAST" up --lab "$PFX" "$TMP/mtu2.conf"
got="$(nsx a cat /sys/class/net/e0/mtu) $(cat "/sys/class/net/$PFX-a-e0/mtu") $(cat "/sys/class/net/$PFX-br/mtu")"
got="$got $(nsx a cat /sys/class/net/x/mtu) $(nsx b cat /sys/class/net/y/mtu) $(nsx b cat /sys/class/net/y/address)"
if [ "$got" = "1300 1300 1300 1800 1800 02:00:00:00:00:bb" ]; then
	pass "mtu: the bridge port, its peer, the bridge, the veth's ends and b's MAC are the file's"
else fail "mtu: bridge port, peer, bridge, veth ends, b's MAC: $got"; fi
check_out "mtu: a third up is a no-op" "nothing changed" "$NSFAST" up --lab "$PFX" "$TMP/mtu2.conf"
# A fault after one end of the pair took a new MTU: that end is put back.
# (The step's number: from an up that makes the change, then undone.)
mtu_lab 1300 2200 02:00:00:00:00:bb >"$TMP/mtu5.conf"
k=$("$NSFAST" up -v --lab "$PFX" "$TMP/mtu5.conf" 2>&1 | sed -n 's/.*step \([0-9]*\): set mtu 2200 on b:y: [0-9]* changes*$/\1/p')
"$NSFAST" up -q --lab "$PFX" "$TMP/mtu2.conf"
out=$(NSFAST_FAULT_STEP=${k:-0} "$NSFAST" up --lab "$PFX" "$TMP/mtu5.conf" 2>&1)
got="$(nsx a cat /sys/class/net/x/mtu) $(nsx b cat /sys/class/net/y/mtu)"
if [ -n "$k" ] && grep -q "fault injected" <<<"$out" && [ "$got" = "1800 1800" ]; then
	pass "mtu: a fault at b:y's new MTU puts a:x's back (step $k)"
else fail "mtu: fault at step '$k': x and y at $got: $(tr '\n' ' ' <<<"$out")"; fi
check_out "mtu: an afxdp port's new MTU is refused before anything changes" \
	"mtu3.conf:6: $PFX-a-e1 has MTU 1500 and the file says 1400, but the MTU of a port of running afxdp switch 'us' does not change under it, expected 'nsfast down' first" \
	"$NSFAST" up --lab "$PFX" "$TMP/mtu3.conf"
check_out "mtu: and the port is as it was" "^1500$" cat "/sys/class/net/$PFX-a-e1/mtu"
sed 's/link e1 switch us addr 10.21.0.2\/24/& mac 02:00:00:00:00:cc/' "$TMP/mtu2.conf" >"$TMP/mtu4.conf"
check_out "mtu: a new MAC on an afxdp port is refused too" \
	"a:e1 has another MAC than the file's, but a port of running afxdp switch 'us' keeps the MAC its ARP table and NAT know" \
	"$NSFAST" up --lab "$PFX" "$TMP/mtu4.conf"
check_out "mtu: and the namespace end keeps its MAC" "^[0-9a-f:]{17}$" bash -c \
	"ip netns exec $PFX-a cat /sys/class/net/e1/address | grep -v 02:00:00:00:00:cc"
check "mtu: down" down
assert_clean "mtu: nothing left"

# --- an interrupted up rolls back; a killed up is undone by down
# The delay hook out of range: -1 was an hour per step (as useconds_t).
check_out "a step delay out of range is refused, before anything is made" \
	"NSFAST_STEP_DELAY_MS='-1': expected 0 to 10000 \(ms\)" \
	env NSFAST_STEP_DELAY_MS=-1 timeout 5 "$NSFAST" up --lab "$PFX" "$LAB"
assert_clean "nothing left after the refused delay"
NSFAST_STEP_DELAY_MS=40 "$NSFAST" up --lab "$PFX" "$LAB" >"$TMP/int" 2>&1 &
pid=$!; PIDS+=("$pid")
sleep 0.6
kill -INT "$pid"
wait "$pid"; rc=$?
if [ $rc = 1 ] && grep -q "interrupted by signal 2" "$TMP/int" && grep -q "rolled back" "$TMP/int"; then
	pass "SIGINT during up rolls back"
else fail "SIGINT during up: rc $rc: $(tr '\n' ' ' <"$TMP/int")"; fi
assert_clean "nothing left after SIGINT"

# up removes what the file no longer has with the same batch: b, r and
# c gone from the file, their 4 host links (ports, slow-path pairs) go in
# one request, and the veth between r and c with their namespaces.
awk '/^ns (b|r|c)$/ || /^host$/ {skip=1} /^$/ {skip=0} /^veth r:eth1/ {next} !skip' "$LAB" \
	>"$TMP/pruned.conf"
check "prune batch: up" up "$LAB"
"$NSFAST" up -v --lab "$PFX" "$TMP/pruned.conf" >"$TMP/prune.out" 2>&1
check_out "prune batch: b's and r's 4 host links go in one request" \
	"^deleted 4 host links in one request \(link group 0x6e" cat "$TMP/prune.out"
check_out "prune batch: each is said" "^4$" \
	grep -Ec "removed what the file no longer has: veth pair of host:$PFX-" "$TMP/prune.out"
check_out "prune batch: the veth between r and c goes with them, and is said" \
	"removed what the file no longer has: veth pair of $PFX-r:eth1" cat "$TMP/prune.out"
check_out "prune batch: none of b's, r's or c's links or namespaces is left" "^0$" \
	bash -c "{ ip -o link; ip netns; } | grep -Ec '$PFX-[brc]\\b' || true"
check "prune batch: a still reaches the outside" nsx a ping1 203.0.113.2
check "prune batch: down" down
assert_clean "prune batch: nothing left"

# SIGINT while up removes what the file no longer has: it stops at the
# next object (the delay hook waits before each), and what it left
# stays in the journal for the next up.
{ echo "ns keep"; for i in $(seq 0 11); do echo "ns p$i"; done; } >"$TMP/many.conf"
echo "ns keep" >"$TMP/few.conf"
check "prune: up of 13 namespaces" up "$TMP/many.conf"
NSFAST_STEP_DELAY_MS=300 "$NSFAST" up --lab "$PFX" "$TMP/few.conf" >"$TMP/prune" 2>&1 &
pid=$!; PIDS+=("$pid")
for _ in $(seq 100); do grep -q "removed what the file no longer has" "$TMP/prune" && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"; rc=$?
left=$(ip netns | grep -c "^$PFX-p[0-9]")
if [ $rc = 1 ] && grep -q "interrupted by signal 2" "$TMP/prune" && [ "$left" -ge 6 ] && [ "$left" -le 11 ] &&
	grep -q "the $((12 - left)) objects\? the file no longer has that this run removed stay" "$TMP/prune"; then
	pass "prune: SIGINT stops it at the next object ($((12 - left)) of 12 removed)"
else fail "prune: SIGINT: rc $rc, $left of 12 left: $(tr '\n' ' ' <"$TMP/prune" | head -c 400)"; fi
check_out "prune: the next up removes the rest" "; $left changes? in " \
	"$NSFAST" up --lab "$PFX" "$TMP/few.conf"
check_out "prune: no namespace of the old file is left" "^0$" \
	bash -c "ip netns | grep -c '^$PFX-p[0-9]' || true"
check "prune: down" down
assert_clean "prune: nothing left"

# A namespace deleted behind up's back, after up has worked in it: up's
# fd keeps it alive, so every step succeeds, and only the end can tell.
NSFAST_STEP_DELAY_MS=40 "$NSFAST" up --lab "$PFX" "$LAB" >"$TMP/nsdel" 2>&1 &
pid=$!; PIDS+=("$pid")
for _ in $(seq 100); do ip netns | grep -q "^$PFX-c\b" && break; sleep 0.05; done
ip netns del "$PFX-a"
wait "$pid"; rc=$?
if [ $rc = 1 ] && grep -q "finish lab $PFX: namespace $PFX-a was deleted while up ran" "$TMP/nsdel" &&
	grep -q "rolled back" "$TMP/nsdel"; then
	pass "a namespace deleted while up runs fails up, which rolls back"
else fail "namespace deleted during up: rc $rc: $(tr '\n' ' ' <"$TMP/nsdel")"; fi
assert_clean "nothing left after a namespace deleted during up"

NSFAST_STEP_DELAY_MS=40 "$NSFAST" up --lab "$PFX" "$LAB" >/dev/null 2>&1 &
pid=$!; PIDS+=("$pid")
sleep 0.8
check_out "a second up waits, then says the lab is busy" "lab '$PFX' is busy" \
	env NSFAST_LOCK_WAIT_MS=100 "$NSFAST" up --lab "$PFX" "$LAB"
kill -9 "$pid"; wait "$pid" 2>/dev/null
check "a killed up left a journal" test -s "/run/nsfast/$PFX/journal"
check "down after kill -9 of up" down
assert_clean "nothing left after kill -9 and down"
# A status while an up holds the lab waits for it (it said busy at once).
NSFAST_STEP_DELAY_MS=10 "$NSFAST" up --lab "$PFX" "$LAB" >/dev/null 2>&1 &
pid=$!; PIDS+=("$pid")
sleep 0.3
check_out "status during an up waits for it, then shows the lab" "^up running: lab $PFX: 5 namespaces" \
	bash -c "kill -0 $pid && echo -n 'up running: '; '$NSFAST' status '$PFX'"
wait "$pid"
check "down" down
# An up that waits for the lab's lock while the lab goes down (here by
# hand, as down does: its namespace, then its directory) makes the lab
# anew, instead of taking the lock of the removed directory's file.
printf 'lab %s\nns q\n' "${PFX}w" >"$TMP/wait.conf"
"$NSFAST" up -q "$TMP/wait.conf"
( exec 9<"/run/nsfast/${PFX}w/lock" && flock 9 && sleep 0.4 &&
	ip netns del "${PFX}w-q" && rm -r "/run/nsfast/${PFX}w" ) & holder=$!
sleep 0.2
check_out "an up that waited while its lab went down makes it anew" "lab ${PFX}w is up: 1 namespace" \
	"$NSFAST" up "$TMP/wait.conf"
wait "$holder"
check "and its journal names the namespace" grep -qx "ns ${PFX}w-q" "/run/nsfast/${PFX}w/journal"
"$NSFAST" down -q "${PFX}w"

# --- refused before touching anything
sed 's/uplink  up0 snat/uplink  nosuch0 snat/' "$EX/nat.conf" >"$TMP/nouplink.conf"
check_out "a missing uplink is refused" "nouplink.conf:$(grep -n nosuch0 "$TMP/nouplink.conf" | cut -d: -f1): uplink 'nosuch0' does not exist in the host namespace" \
	"$NSFAST" up --lab "$PFX" "$TMP/nouplink.conf"
printf 'lab x\nswitch s dataplane tc\n  gateway 10.0.0.1/24\nns a\n  link e0 switch s mtu 9000\n' >"$TMP/xdpmtu.conf"
check_out "an MTU tc's slow path cannot take is refused" "xdpmtu.conf:5: mtu 9000 on a port of tc switch 's' is above 3506, the largest frame its slow path takes" \
	"$NSFAST" up --lab "$PFX" "$TMP/xdpmtu.conf"
assert_clean "nothing created by refused topologies"

# --- a switch that is up on one dataplane is not silently left on it
check "up on tc" up "$LAB"
check_out "up of the same lab on xdp is refused, naming both dataplanes" \
	"switch sw0 is up on dataplane tc, the file says xdp: take the lab down first" \
	"$NSFAST" up --lab "$PFX" "$TMP/lab-xdp.conf"
check_out "and the lab still runs on tc" "switch sw0: dataplane tc" "$NSFAST" status "$PFX"
check_out "so is --dataplane xdp, which it names" \
	"switch sw0 is up on dataplane tc, --dataplane says xdp: take the lab down first" \
	"$NSFAST" up --lab "$PFX" --dataplane xdp "$LAB"
check "down after the refusal" down
# --dataplane: every switch on it, the file unchanged
check "up --dataplane kernel of a tc file" "$NSFAST" up -q --lab "$PFX" --dataplane kernel "$LAB"
check_out "its switch is a bridge" "switch sw0: dataplane kernel, bridge $PFX-sw0" "$NSFAST" status "$PFX"
# Its SNAT holds the host's forwarding, whose value from before is in a
# file, emptied here: down says so, and leaves forwarding as it is.
: >/run/nsfast/ip_forward
check_ok "down with the saved forwarding emptied names the file, and leaves forwarding" \
	"/run/nsfast/ip_forward, the host's IPv4 forwarding from before nsfast, holds neither 0 nor 1: forwarding is left as it is" \
	"$NSFAST" down "$PFX"
sysctl -qw net.ipv4.ip_forward=0 # as it was before the lab
sed 's/dataplane tc/dataplane xdp/' "$TMP/xdpmtu.conf" >"$TMP/jumbo-xdp.conf"
check "a jumbo port on xdp passes check" "$NSFAST" check -q "$TMP/jumbo-xdp.conf"
check_out "check --dataplane tc of it says tc's MTU limit" \
	"jumbo-xdp.conf:5: mtu 9000 on a port of tc switch 's'" \
	"$NSFAST" check --dataplane tc "$TMP/jumbo-xdp.conf"
check_out "--dataplane wants a dataplane" "nsfast up: --dataplane wants kernel, afxdp, xdp or tc, not 'ovs'" \
	"$NSFAST" up --lab "$PFX" --dataplane ovs "$LAB"
assert_clean "nothing left after the refusal"

# --- check never touches the system
printf 'lab x\nns a\n  link e0 switch nope\n' >"$TMP/bad.conf"
check_out "check reports FILE:LINE" "bad.conf:3: link to undeclared switch 'nope'" "$NSFAST" check "$TMP/bad.conf"
check_fails "check exits non-zero on errors" "$NSFAST" check "$TMP/bad.conf"
check_out "check rejects binary files" "contains a NUL byte" "$NSFAST" check /bin/true
printf 'lab t\nns a\0\n' >"$TMP/nul.conf"
check_out "and names the line of the NUL byte" "nul.conf:2: contains a NUL byte" "$NSFAST" check "$TMP/nul.conf"
check_out "check of a missing file names it" "nosuch.conf: cannot open: No such file" "$NSFAST" check "$TMP/nosuch.conf"
check "check accepts every example" bash -c "for f in $EX/*.conf; do $NSFAST check -q \$f || exit 1; done"
# check --json: what bench reads; valid UTF-8 whatever the file's name,
# and no half object taken for a whole one.
odd="$TMP/$(printf 'r\xe9\xff\xc3\xa9.conf')"
cp "$EX/routed.conf" "$odd"
check_out "check --json of a file whose name is not UTF-8 is valid UTF-8 JSON" '^foo baz$' \
	bash -c "'$NSFAST' check --json '$odd' | iconv -f UTF-8 -t UTF-8 | jq -r '[.links[] | select(.kind == \"switch\") | .a.ns] | join(\" \")'"
check_fails "check --json that cannot write fails" bash -c "'$NSFAST' check --json '$EX/lab.conf' >/dev/full"
check_fails "check takes no --nat" "$NSFAST" check --nat "$EX/lab.conf"
assert_clean "check created nothing"

# --- move: a host interface into a namespace, and back at down
# move: a host interface (one end of a veth pair the test makes, standing
# for a NIC: this kernel has no dummy driver) into a namespace, addressed
# there, and back at down as it was.
ip link add "${PFX}d0" mtu 1400 type veth peer name "${PFX}d1" mtu 1400
ip link set "${PFX}d0" up
mac0=$(cat "/sys/class/net/${PFX}d0/address")
printf 'lab %s\nns a\n    move %s addr 10.1.1.1/24 mtu 1300 mac 02:00:0a:01:01:01\n    route 10.1.2.0/24 dev %s\n' \
	"${PFX}m" "${PFX}d0" "${PFX}d0" >"$TMP/move.conf"
check "move: up" "$NSFAST" up -q "$TMP/move.conf"
check_out "move: with the file's MAC" "^02:00:0a:01:01:01$" \
	ip netns exec "${PFX}m-a" cat "/sys/class/net/${PFX}d0/address"
check_out "move: the interface is in the namespace, up, at the file's MTU" \
	"${PFX}d0@[^:]*: <[^>]*UP[^>]*> mtu 1300 " ip netns exec "${PFX}m-a" ip -o link show "${PFX}d0"
check_out "move: with the file's address" "inet 10.1.1.1/24" \
	ip netns exec "${PFX}m-a" ip -o -4 addr show "${PFX}d0"
check_out "move: and routed through" "10.1.2.0/24 dev ${PFX}d0" ip netns exec "${PFX}m-a" ip route
check_fails "move: the host has it no more" ip link show "${PFX}d0"
check_out "move: a second up changes nothing" "nothing changed" "$NSFAST" up "$TMP/move.conf"
# The file moves it into another namespace of the lab: back in the host
# first, as it was, then there.
printf 'lab %s\nns a\nns b\n    move %s addr 10.1.1.1/24 mtu 1300\n' "${PFX}m" "${PFX}d0" >"$TMP/move3.conf"
check_ok "move: into another namespace of the lab" "is up" "$NSFAST" up "$TMP/move3.conf"
check_out "move: it is there, addressed, with its own MAC" "inet 10.1.1.1/24 $mac0" bash -c \
	"echo \$(ip netns exec ${PFX}m-b ip -o -4 addr show ${PFX}d0 | grep -o 'inet [0-9./]*') \$(ip netns exec ${PFX}m-b cat /sys/class/net/${PFX}d0/address)"
check_ok "move: a second up of that changes nothing" "nothing changed" "$NSFAST" up "$TMP/move3.conf"
check_ok "move: and back into a" "is up" "$NSFAST" up "$TMP/move.conf"
sed "s/^lab .*/lab ${PFX}n/" "$TMP/move.conf" >"$TMP/move2.conf"
check_out "move: another lab cannot take it" "move of '${PFX}d0': it is lab ${PFX}m's" \
	"$NSFAST" up "$TMP/move2.conf"
ip netns exec "${PFX}m-a" ip link set "${PFX}d0" name "${PFX}d7"
check_out "move: status says when it is gone from the namespace" \
	"\"missing_moved\":\[\"${PFX}m-a:${PFX}d0\"\]" "$NSFAST" status --json "${PFX}m"
ip netns exec "${PFX}m-a" ip link set "${PFX}d7" name "${PFX}d0"
check "move: down" "$NSFAST" down -q "${PFX}m"
check_out "move: back in the host at its MTU, up" "${PFX}d0@${PFX}d1: <[^>]*UP[^>]*> mtu 1400 " ip -o link show "${PFX}d0"
check_out "move: and its MAC" "^$mac0$" cat "/sys/class/net/${PFX}d0/address"
ip addr add 10.1.1.9/24 dev "${PFX}d0"
check_out "move: an interface with an address in the host is refused" \
	"move.conf:3: move of '${PFX}d0' into ns a: it has 10.1.1.9/24 in the host" \
	"$NSFAST" up "$TMP/move.conf"
ip addr flush dev "${PFX}d0"
ip route add 10.1.3.0/24 dev "${PFX}d0"
check_out "move: so is one the host routes through" \
	"move.conf:3: move of '${PFX}d0' into ns a: the host routes 10.1.3.0/24 through it" \
	"$NSFAST" up "$TMP/move.conf"
ip route del 10.1.3.0/24 dev "${PFX}d0"
# A multipath route names its devices in its nexthops, not in RTA_OIF.
ip link set "${PFX}d1" up
ip route add 10.1.3.0/24 nexthop dev "${PFX}d1" nexthop dev "${PFX}d0"
check_out "move: and one a multipath route of the host goes through" \
	"move.conf:3: move of '${PFX}d0' into ns a: the host routes 10.1.3.0/24 through it" \
	"$NSFAST" up "$TMP/move.conf"
ip route del 10.1.3.0/24
ip link set "${PFX}d1" down
# A down that cannot move it back (its name taken in the host meanwhile)
# keeps the namespace, and the interface in it, for the next down.
"$NSFAST" up -q "$TMP/move.conf"
ip link add "${PFX}d0" type veth peer name "${PFX}d9"
check_fails "move: down fails while its name is taken in the host" "$NSFAST" down -q "${PFX}m"
check_out "move: and keeps the namespace, with the interface in it" "^${PFX}d0$" \
	ip netns exec "${PFX}m-a" ls /sys/class/net/"${PFX}d0"/../
ip link del "${PFX}d0"
check "move: the next down completes" "$NSFAST" down -q "${PFX}m"
check_out "move: and the interface is back" "${PFX}d0@${PFX}d1: <[^>]*UP[^>]*> mtu 1400 " ip -o link show "${PFX}d0"
check_out "move: and nothing was made" "^0$" bash -c "ip netns | grep -c '${PFX}m-' || true"
fault_each_step "$TMP/move.conf" "move" 8
check_out "move: after each fault the interface is back in the host, up" \
	"${PFX}d0@${PFX}d1: <[^>]*UP[^>]*> mtu 1400 " ip -o link show "${PFX}d0"
ip link del "${PFX}d0"
