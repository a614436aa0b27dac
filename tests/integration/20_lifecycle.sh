#!/usr/bin/env bash
# up is idempotent and converges; it repairs what was deleted by hand,
# removes what the file no longer has, and down removes it all.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
LAB=$EX/lab.conf

# --- idempotency and convergence
# up under a lock on fd 9: its switch daemons must keep none of its
# descriptors, or the lock stays taken for the lab's whole life.
exec 9>>"$TMP/lk"
flock 9
check "up" up "$LAB"
exec 9>&-
check "the switch daemon holds none of up's descriptors (a lock up held is free)" \
	flock -n "$TMP/lk" true
cp "/run/nsfast/$PFX/journal" "$TMP/journal1"
# The journal names one end of each pair made in the host; status lists
# the other too: five tc slow paths' x ends, the host port's -p end.
check_out "status lists both ends of the pairs made in the host" "^5 1$" bash -c \
	"'$NSFAST' status --json '$PFX' | jq -r '[.host[].name] | \"\\([.[] | select(test(\"^$PFX--.{4}x$\"))] | length) \\([.[] | select(. == \"$PFX-sw0-p\")] | length)\"'"
check_out "second up changes nothing and says so" "already up: nothing changed" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "second up leaves the journal as it was" cmp "$TMP/journal1" "/run/nsfast/$PFX/journal"
ip link del "$PFX-b-eth0"
nsx a ip route del default
# Forwarding, read over netlink and written only when it differs.
nsx r sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
nsx a sysctl -qw net.ipv4.ip_forward=1
check_out "status says which host link is missing" "$PFX-b-eth0 +\(missing: deleted outside nsfast" \
	"$NSFAST" status "$PFX"
check_out "and lists it in JSON" "\"missing_links\":\[\"$PFX-b-eth0\"\]" "$NSFAST" status --json "$PFX"
check_out "up after damage repairs it" "is up: .* [1-9][0-9]* change" "$NSFAST" up --lab "$PFX" "$LAB"
check_out "and nothing is missing then" '"missing_links":\[\]' "$NSFAST" status --json "$PFX"
check "repaired link carries traffic" nsx a ping1 10.13.37.3
check "repaired route carries traffic" nsx a ping1 203.0.113.2
fwd_state() {
	echo "$(nsx r cat /proc/sys/net/ipv4/ip_forward) $(nsx r cat /proc/sys/net/ipv6/conf/all/forwarding)" \
		"$(nsx a cat /proc/sys/net/ipv4/ip_forward)"
}
check_out "forwarding set by hand is as the file says again: r's on, a's off" "^1 1 0$" fwd_state
# A namespace deleted behind nsfast's back can live on unseen (its veth
# peer keeps it alive) and still answer: status must say it is missing,
# and up must replace it and its link, not add addresses to nothing.
ip netns del "$PFX-b"
check_out "a namespace deleted behind nsfast's back shows as missing" "namespace $PFX-b \(missing\)" \
	"$NSFAST" status "$PFX"
check_out "and is counted" '"missing_namespaces":1,' "$NSFAST" status --json "$PFX"
check "the rest of the lab still forwards" nsx a ping1 203.0.113.2
check_out "up replaces the namespace and its link" "is up: .* [1-9][0-9]* change" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "the replaced namespace carries traffic" nsx b ping1 10.13.37.2
check_out "and nothing is missing any more" '"missing_namespaces":0,' "$NSFAST" status --json "$PFX"
# Ends of pairs left down (an up killed before it set them up, or by
# hand): an up that found the pairs did not look (a trial's kill -9 of
# up left a lab that every later up called "nothing changed").
ip link set "$PFX-b-eth0" down
nsx c ip link set eth0 down
# (3 changes: the two ends, and c's default route, which went with its link.)
check_out "up sets up the ends of pairs it finds down" "is up: .* 3 changes" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "and b is reached again" nsx a ping1 10.13.37.3
check "and c, through r" nsx a ping1 10.9.9.10
# IPv6 turned off by hand on an interface the file gives an IPv6 address
# (its addresses and routes go with it): up turns it on, then adds the
# address and the default route again.
nsx a sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
check_out "up turns IPv6 back on where it was turned off by hand" "is up: .* 3 changes" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check_out "and the address is back" "inet6 fd42:1337::2/64" nsx a ip -6 addr show dev eth0
check_out "and the default route" "default via fd42:1337::1 dev eth0" nsx a ip -6 route show default
# What the file no longer has goes: first what it no longer names (here
# b, a port of the tc switch, with its slow-path pair; c; r's link to
# it), last what no step found again (the host's route to that link)
# and the addresses and routes nsfast made in what stays: a's IPv6
# route, the host port's old address, the uplink veth's old /24 on both
# ends (IPv4 keeps an address of another prefix length beside it); a's
# IPv6 address changes its length, with its gateway's. What stays keeps working, and so do
# an address and a route added by hand; the whole file makes the rest
# anew.
sed -e '/^ns [bc]$/,/^$/d' -e '/^veth r:eth1 /d' -e '/^host$/,$d' \
	-e 's|^\(    link eth0 switch sw0 addr 10.13.37.2/24 addr fd42:1337::2\)/64$|\1/80|' \
	-e 's|^\(    gateway fd42:1337::1\)/64$|\1/80|' \
	-e '/^    route default via fd42:1337::1$/d' \
	-e 's|^    host    10.13.37.254/24$|    host    10.13.37.253/24|' \
	-e 's|^veth host:up0 203.0.113.1/24 -- outside:eth0 203.0.113.2/24$|veth host:up0 203.0.113.1/25 -- outside:eth0 203.0.113.2/25|' \
	"$LAB" >"$TMP/less.conf"
slow=$(ip -o link | grep -c " $PFX--")
nsx a ip addr add 10.13.37.99/24 dev eth0
nsx a ip route add 10.99.0.0/16 via 10.13.37.1
ip addr add 10.13.37.250/24 dev "$PFX-sw0"
out=$("$NSFAST" up --lab "$PFX" "$TMP/less.conf" 2>&1); rc=$?
n=0
for o in "namespace $PFX-b" "namespace $PFX-c" "veth pair of host:$PFX-b-eth0" "veth pair of $PFX-r:eth1" \
	"host route 10.9.9.8/30 via 10.13.37.4" "route default via fd42:1337::1 in a" \
	"address 10.13.37.254/24 on host:$PFX-sw0" "address 203.0.113.1/24 on host:$PFX-up0" \
	"address 203.0.113.2/24 on outside:eth0"; do
	grep -qx "lab $PFX: removed what the file no longer has: $o" <<<"$out" && n=$((n + 1))
done
if [ $rc = 0 ] && [ $n = 9 ]; then pass "up removes what the file no longer has, and says what"
else fail "up of a file with less: exit $rc, $n of 9 named: $(tr '\n' ' ' <<<"$out" | head -c 700)"; fi
check_out "a's IPv6 address has its new length, and its route is gone" "^fd42:1337::2/80 0$" bash -c \
	"echo \$(ip netns exec $PFX-a ip -6 -o addr show dev eth0 scope global | awk '{print \$4}') \$(ip netns exec $PFX-a ip -6 route show default | grep -c .)"
check_out "the host port has its new address, and the one added by hand" \
	"^10.13.37.250/24 10.13.37.253/24 $" bash -c "ip -4 -o addr show dev $PFX-sw0 | awk '{printf \"%s \", \$4}'"
check_out "the uplink veth's ends have their /25 only" "^203.0.113.1/25 203.0.113.2/25$" bash -c \
	"echo \$(ip -4 -o addr show dev $PFX-up0 | awk '{print \$4}') \$(ip netns exec $PFX-outside ip -4 -o addr show dev eth0 | awk '{print \$4}')"
check_out "a keeps the address and the route added by hand" "^1 1$" bash -c \
	"echo \$(ip netns exec $PFX-a ip addr show dev eth0 | grep -c 10.13.37.99/24) \$(ip netns exec $PFX-a ip route show 10.99.0.0/16 | grep -c .)"
check_out "the namespaces are gone" "^0$" bash -c \
	"ip netns list | awk '{print \$1}' | grep -c -x -e '$PFX-b' -e '$PFX-c' || true"
check_fails "b's port is gone" ip link show "$PFX-b-eth0"
check_out "so is its slow-path pair" "^$((slow - 2))$" bash -c "ip -o link | grep -c ' $PFX--'"
check_out "and the host's route to c's link" "^0$" bash -c "ip route show 10.9.9.8/30 | wc -l"
check_out "and their journal lines" "^0$" bash -c \
	"grep -c -e '$PFX-[bc]\b' -e '^route ' '/run/nsfast/$PFX/journal' || true"
check "a still reaches r over the switch" nsx a ping1 10.13.37.4
check "and the outside through the uplink" nsx a ping1 203.0.113.2
echo "ns $PFX-a" >>"/run/nsfast/$PFX/journal" # a copy of a line, by hand: still a's
check_ok "a second up of that file changes nothing" "already up: nothing changed" \
	"$NSFAST" up --lab "$PFX" "$TMP/less.conf"
check_ok "the whole file makes them anew" "is up: .* [1-9][0-9]* change" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "and c is reached through r again" nsx a ping1 10.9.9.10
check_out "and a has its IPv6 address again" "inet6 fd42:1337::2/64" nsx a ip -6 addr show dev eth0
nsx a ip addr del 10.13.37.99/24 dev eth0
nsx a ip route del 10.99.0.0/16
ip addr del 10.13.37.250/24 dev "$PFX-sw0"
# Renamed: the switch, with its uplink (its claim goes to the new name),
# and the first end of r's link to c, whose other end keeps its name:
# the old ones are out of the way before the new are made. The host's
# route through the switch and to c follows.
sed -e 's/sw0/sw7/g' -e 's/^veth r:eth1 /veth r:eth5 /' "$LAB" >"$TMP/renamed.conf"
nsx a ping1 10.13.37.254 >/dev/null # a knows the host port's MAC now
check_ok "up of renamed switch and veth end applies them" "is up: .* [1-9][0-9]* change" \
	"$NSFAST" up --lab "$PFX" "$TMP/renamed.conf"
check "a reaches c through the renamed switch and link" nsx a ping1 10.9.9.10
check "and the outside through the uplink" nsx a ping1 203.0.113.2
check "and the new host port, which has the old one's MAC" nsx a ping1 10.13.37.254
check_out "the claim on the uplink is the new switch's" "^$PFX sw7$" cat "/run/nsfast/.uplinks/$PFX-up0"
check_ok "a second up of it changes nothing" "already up: nothing changed" \
	"$NSFAST" up --lab "$PFX" "$TMP/renamed.conf"
check_ok "and the file as it was, again" "is up: .* [1-9][0-9]* change" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "a reaches c" nsx a ping1 10.9.9.10
# An uplink the file gives to another tc switch that stays is refused
# before anything changes: the one that holds it lets go only when its
# daemon stops.
{ cat "$LAB"; printf 'switch sw1 dataplane tc\n    gateway 10.13.38.1/24\n    host 10.13.38.254/24\n'; } >"$TMP/two.conf"
{ grep -v '^    uplink  up0 snat$' "$TMP/two.conf"; echo '    uplink  up0 snat'; } >"$TMP/moved.conf"
check "up with a second switch" "$NSFAST" up -q --lab "$PFX" "$TMP/two.conf"
check_out "an uplink moved to another switch that stays is refused" \
	"moved.conf:[0-9]*: uplink '$PFX-up0' is switch sw0's, and the file now gives it to switch sw1: a tc switch lets go" \
	"$NSFAST" up --lab "$PFX" "$TMP/moved.conf"
check_out "the claim is still sw0's" "^$PFX sw0$" cat "/run/nsfast/.uplinks/$PFX-up0"
check_ok "and the file without sw1 removes it" "removed what the file no longer has: switch sw1's daemon" \
	"$NSFAST" up --lab "$PFX" "$LAB"
# What cannot be removed (the uplink's claim, under a bind mount) is said
# once, and up exits 1 once the rest is up; the next up removes it.
grep -v '^    uplink  up0 snat$' "$LAB" >"$TMP/nosnat.conf"
: >"$TMP/empty"
mount --bind "$TMP/empty" "/run/nsfast/.uplinks/$PFX-up0"
out=$("$NSFAST" up --lab "$PFX" "$TMP/nosnat.conf" 2>&1); rc=$?
umount "/run/nsfast/.uplinks/$PFX-up0"
if [ $rc = 1 ] && [ "$(grep -c "could not remove its claim on uplink $PFX-up0" <<<"$out")" = 1 ] &&
	grep -q "is up, but 1 object the file no longer has could not be removed" <<<"$out"; then
	pass "a removal that fails is said once, and up exits 1"
else fail "a removal that fails: exit $rc: $(tr '\n' ' ' <<<"$out" | head -c 600)"; fi
check_ok "the next up removes it" "removed what the file no longer has: its claim on uplink $PFX-up0" \
	"$NSFAST" up --lab "$PFX" "$TMP/nosnat.conf"
check "and the whole file again" "$NSFAST" up -q --lab "$PFX" "$LAB"
# A failure after the first step (a fault at step 2) rolls back what the
# run made; what it removed stays removed, and it says so.
check_out "a failure after the first removals says they stay" \
	"the 5 objects the file no longer has that this run removed stay removed; up again" \
	env NSFAST_FAULT_STEP=2 "$NSFAST" up --lab "$PFX" "$TMP/less.conf"
check "and up of the whole file makes them anew" "$NSFAST" up -q --lab "$PFX" "$LAB"
check "a reaches c again" nsx a ping1 10.9.9.10
# A route the file changes is changed: in a namespace, and in the host
# when this lab made it; another lab's route in the host is refused.
sed '/^ns a$/,/^ns b$/s/^\(    route default via \)10.13.37.1$/\110.13.37.4/' "$LAB" >"$TMP/reroute.conf"
sed -i 's/^\(    route 10.9.9.8\/30 via \)10.13.37.4$/\110.13.37.2/' "$TMP/reroute.conf"
check_out "up changes routes the file changed" "is up: .* [1-9][0-9]* change" \
	"$NSFAST" up --lab "$PFX" "$TMP/reroute.conf"
got="$(nsx a ip -4 route show default | awk '{print $3}') $(ip route show 10.9.9.8/30 | awk '{print $3}')"
if [ "$got" = "10.13.37.4 10.13.37.2" ]; then pass "a's default route and the host's route to c are the new file's"
else fail "routes after the change: $got, expected 10.13.37.4 10.13.37.2"; fi
check "and back" "$NSFAST" up -q --lab "$PFX" "$LAB"
# A fault after the host's route took its new gateway: the rollback,
# which takes the new route away with its line, puts the old one back,
# with its line (it left the lab without the route).
k=$("$NSFAST" up -v --lab "$PFX" "$LAB" | sed -n 's/^step \([0-9]*\): finish lab.*/\1/p')
check_out "a rollback after a host route's new gateway puts the old one back" \
	"the host's route to 10.9.9.8/30 via 10.13.37.4 is back as it was" \
	env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$TMP/reroute.conf"
check_out "which the host has" "via 10.13.37.4 dev $PFX-sw0" ip route show 10.9.9.8/30
check_out "with its journal line" "^route 10.9.9.8/30 10.13.37.4 -$" grep '^route ' "/run/nsfast/$PFX/journal"
check "and b reaches c through the daemon's route to r" nsx b ping1 10.9.9.10
check "and up puts a's default route back" "$NSFAST" up -q --lab "$PFX" "$LAB"
# Changed by hand, the route is the file's again after up, and a
# rollback keeps it so: its line is older than the run, nothing to put
# back (the old route added beside it failed with "File exists").
ip route replace 10.9.9.8/30 via 10.13.37.2 dev "$PFX-sw0"
out=$(env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$LAB" 2>&1)
if grep -q "fault injected" <<<"$out" && ! grep -q "put back\|back as it was" <<<"$out" &&
	ip route show 10.9.9.8/30 | grep -q "via 10.13.37.4 dev $PFX-sw0"; then
	pass "a rollback after up set a route changed by hand back to the file's keeps the file's"
else fail "route changed by hand, rollback: $(ip route show 10.9.9.8/30) / $(tr '\n' ' ' <<<"$out")"; fi
# A switch setting the file changes (ageing here) restarts its daemon
# with it; the file as it was, again.
sed 's/^    uplink  up0 snat$/&\n    ageing 60/' "$LAB" >"$TMP/ageing.conf"
pid0=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.pid')
# A fault at the last step after the restart: the rollback starts the
# old daemon again, with its old settings.
k=$("$NSFAST" up -v --lab "$PFX" "$LAB" | sed -n 's/^step \([0-9]*\): finish lab.*/\1/p')
check_out "a rollback after a restart starts the old daemon again" \
	"switch sw0's daemon runs again with its old settings" \
	env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$TMP/ageing.conf"
check_out "which runs with the old ageing" '"ageing_s":300' "$NSFAST" status --json "$PFX"
check "and the lab forwards" nsx a ping1 203.0.113.2
# So does one after a restart for a port added (namespace e): the old
# daemon was stopped, and a rollback left the switch without any.
{ cat "$LAB"; printf 'ns e\n    link eth0 switch sw0 addr 10.13.37.7/24\n'; } >"$TMP/e.conf"
k=$("$NSFAST" up -v --lab "$PFX" "$TMP/e.conf" | sed -n 's/^step \([0-9]*\): finish lab.*/\1/p')
"$NSFAST" up -q --lab "$PFX" "$LAB"
check_out "a rollback after a restart for a new port starts the old daemon again" \
	"switch sw0's daemon runs again with its old settings" \
	env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$TMP/e.conf"
check_out "which status shows running" '^"number"$' \
	bash -c "'$NSFAST' status --json '$PFX' | jq '.switches[0].daemon.pid | type'"
check "and a reaches b across the switch" nsx a ping1 10.13.37.3
# A port's namespace deleted by hand, made anew by an up that failed
# before the daemon's step: the daemon still served the deleted device,
# and every later up found nothing to change.
k=$("$NSFAST" up -v --lab "$PFX" "$LAB" | sed -n 's/^step \([0-9]*\): route .*/\1/p' | head -n 1)
ip netns del "$PFX-a"
check_out "a rollback says what it made again of the lab's stays (a and its port)" \
	"lab '$PFX': this run had created nothing new; the 2 objects of the lab's that it made again \(deleted outside nsfast\) and what it changed in what existed stay" \
	env NSFAST_FAULT_STEP="${k:-0}" "$NSFAST" up --lab "$PFX" "$LAB"
check_out "up restarts a daemon that serves a device made anew, and says which" \
	"switch sw0: its daemon serves $PFX-a-eth0, which was made anew: restarting it" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check "and a reaches b across the switch" nsx a ping1 10.13.37.3
check_out "and status shows no port gone" "^0$" bash -c \
	"'$NSFAST' status --json '$PFX' | jq '[.switches[0].daemon.ports[] | select(.xdp_mode == \"gone\")] | length'"
check_out "up restarts a daemon whose settings the file changed, and says so" \
	"switch sw0: its settings changed since its daemon started: restarting it" \
	"$NSFAST" up --lab "$PFX" "$TMP/ageing.conf"
got=$("$NSFAST" status --json "$PFX" | jq -c '.switches[0].daemon | [.pid != '"$pid0"', .fdb.ageing_s]')
if [ "$got" = "[true,60]" ]; then pass "a new daemon runs with the new ageing"
else fail "after the change: [new pid, ageing] is $got, expected [true,60]"; fi
check "and the lab forwards" nsx a ping1 203.0.113.2
check_out "and back, restarted again" "restarting it" "$NSFAST" up --lab "$PFX" "$LAB"
check_out "after three restarts the journal names one daemon, the running one" \
	"^daemon sw0 $("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.pid')$" \
	bash -c "grep '^daemon ' /run/nsfast/$PFX/journal | tr '\n' ' ' | sed 's/ $//'"
# A daemon that runs but does not answer (stopped here) is not "not running".
pid1=$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.pid')
kill -STOP "$pid1"
check_out "status says a stopped daemon runs and gave no report" \
	"switch daemon pid $pid1 runs but gave no report on /run/nsfast/$PFX/sw0.sock: no answer within 2 s" \
	"$NSFAST" status "$PFX"
check_out "and so does its JSON" "^null {\"running\":true,\"pid\":$pid1,\"error\":\"no answer within 2 s" \
	bash -c "'$NSFAST' status --json '$PFX' | jq -c '.switches[0] | .daemon, .daemon_silent' | tr '\n' ' '"
kill -CONT "$pid1"
# up restarts one that does not answer (its socket removed here).
rm "/run/nsfast/$PFX/sw0.sock"
check_out "up restarts a daemon that gives no report, and says so" \
	"switch sw0: its daemon \(pid $pid1\) did not answer on its socket: restarting it" \
	"$NSFAST" up --lab "$PFX" "$LAB"
check_out "which answers again" '^true$' \
	bash -c "'$NSFAST' status --json '$PFX' | jq '.switches[0].daemon.pid != $pid1'"
check "and the lab forwards" nsx a ping1 203.0.113.2
# A journal cut short (its last newline lost), then a line added to it
# (a namespace added to the file): on a line of its own.
truncate -s -1 "/run/nsfast/$PFX/journal"
{ cat "$LAB"; echo "ns q2"; } >"$TMP/q2.conf"
"$NSFAST" up -q --lab "$PFX" "$TMP/q2.conf"
check_out "a line added to a journal cut short is a line of its own" "^ns $PFX-q2$" \
	grep "q2" "/run/nsfast/$PFX/journal"
check_out "and status finds nothing to warn of" "^0$" bash -c "'$NSFAST' status '$PFX' 2>&1 >/dev/null | wc -l"
# A line no undo reads, added by hand: down cannot remove it either.
echo "frob x" >>"/run/nsfast/$PFX/journal"
check_out "up says to edit out a journal line nsfast does not write, not to leave it to down" \
	"1 line of /run/nsfast/$PFX/journal is not one nsfast writes for the lab \(said above\), which 'nsfast down' cannot undo either: edit or remove that line" \
	"$NSFAST" up --lab "$PFX" "$TMP/q2.conf"
sed -i '/^frob x$/d' "/run/nsfast/$PFX/journal"
# A removal that fails, beside a foreign line prune never reads (sysctl):
# the failure is summed up as one down still removes, not as that line.
mkdir -p "/run/netns/$PFX-zz/sub" # a directory: its removal fails
printf 'ns %s-zz\nsysctl /proc/sys/net/ipv4/ip_forward 7\n' "$PFX" >>"/run/nsfast/$PFX/journal"
out=$("$NSFAST" up --lab "$PFX" "$TMP/q2.conf" 2>&1)
if grep -q "could not remove namespace $PFX-zz" <<<"$out" &&
	grep -q "1 object the file no longer has could not be removed (said above); 'nsfast down' still removes it" <<<"$out" &&
	! grep -q "not one nsfast writes" <<<"$out"; then
	pass "a failed removal beside a foreign sysctl line is said as one down still removes"
else fail "failed removal and a foreign sysctl line: $(tr '\n' ' ' <<<"$out")"; fi
rm -r "/run/netns/$PFX-zz"
sed -i -e "/^ns $PFX-zz$/d" -e '/^sysctl \/proc\/sys\/net\/ipv4\/ip_forward 7$/d' "/run/nsfast/$PFX/journal"
# A lab whose up was killed before its first object: only its directory.
mkdir "/run/nsfast/${PFX}k" && : >"/run/nsfast/${PFX}k/lock"
check_out "a lab with an empty journal is left out of status, which succeeds" "^0 0$" \
	bash -c "out=\$('$NSFAST' status); echo \$? \$(grep -c '^lab ${PFX}k' <<<\"\$out\")"
# What a removal that could not empty its directory left (out of
# descriptors, killed): the next removal sweeps it, if its PID is dead
# (above pid_max, so no one's); one of a live PID is still in use.
dead=$(($(cat /proc/sys/kernel/pid_max) + 1))
mkdir "/run/nsfast/.gone-$dead" "/run/nsfast/.gone-$$"
: >"/run/nsfast/.gone-$dead/journal"
: >"/run/nsfast/.gone-$$/journal"
check_out "and down of it says it is not up, and removes the directory" \
	"lab ${PFX}k is not up: nothing to do" "$NSFAST" down "${PFX}k"
check "and the directory is gone" test ! -e "/run/nsfast/${PFX}k"
check "and so is one a dead process left" test ! -e "/run/nsfast/.gone-$dead"
check "but not one of a live process" test -e "/run/nsfast/.gone-$$/journal"
rm -r "/run/nsfast/.gone-$$"
check_out "a second lab of the same file is refused: its host address is this one's" \
	"lab.conf:10: address 10.13.37.254 for ${PFX}x-sw0 is already on $PFX-sw0 in the host" \
	"$NSFAST" up --lab "${PFX}x" "$LAB"
"$NSFAST" down -q "${PFX}x" 2>/dev/null # (only if it came up)
# (A host route goes through a subnet of the file's own: another lab
# cannot name this one's gateway, only its prefix.)
printf 'lab x\nswitch s2 dataplane tc\n  host 10.13.40.254/24\nns z\n  link e0 switch s2 addr 10.13.40.9/24\nhost\n  route 10.9.9.8/30 via 10.13.40.9\n' >"$TMP/samer.conf"
check_out "another lab's host route to this one's prefix is told whose route it is" \
	"the host's route to 10.9.9.8/30 via 10.13.37.4 dev $PFX-sw0 is lab $PFX's, expected another prefix" \
	"$NSFAST" up --lab "${PFX}x" "$TMP/samer.conf"
"$NSFAST" down -q "${PFX}x" 2>/dev/null
# A route made by hand, without a gateway, that the file would change.
ip route add 10.9.9.12/30 dev "$PFX-sw0"
sed -i 's|route 10.9.9.8/30|route 10.9.9.12/30|' "$TMP/samer.conf"
check_out "another lab is refused a host route someone made, said without a gateway" \
	"the host already routes 10.9.9.12/30 dev $PFX-sw0, and lab ${PFX}x did not make that route, expected" \
	"$NSFAST" up --lab "${PFX}x" "$TMP/samer.conf"
"$NSFAST" down -q "${PFX}x" 2>/dev/null
ip route del 10.9.9.12/30 dev "$PFX-sw0"
# refused_lab NAME CONF WANT: a second lab, ${PFX}x, refused as WANT says
# (and taken down, should it have come up).
refused_lab() {
	check_out "$1" "$3" "$NSFAST" up --lab "${PFX}x" "$2"
	"$NSFAST" down -q "${PFX}x" 2>/dev/null
}
# The same gateway by another device (onlink) is another route: the
# host's traffic to the prefix would not reach the lab.
ip link add "$PFX-d0" type veth peer name "$PFX-d1"
ip link set "$PFX-d0" up
ip route add 10.9.9.16/30 via 10.13.40.9 dev "$PFX-d0" onlink
printf 'lab x\nswitch s4 dataplane tc\n  host 10.13.40.254/24\nns z\n  link e0 switch s4 addr 10.13.40.9/24\nhost\n  route 10.9.9.16/30 via 10.13.40.9\n' >"$TMP/onlink.conf"
refused_lab "a host route made by hand to the file's gateway by another device is refused" \
	"$TMP/onlink.conf" \
	"the host already routes 10.9.9.16/30 via 10.13.40.9 dev $PFX-d0, and lab ${PFX}x did not make that route"
ip link del "$PFX-d0"
# A host route that takes part of the file's subnet, behind 5000 others:
# the check once read the first 4096 routes only, and passed it.
ip link add "$PFX-r0" type veth peer name "$PFX-r1"
ip link set "$PFX-r0" up
for i in $(seq 0 4999); do echo "route add 10.1.$((i / 250)).$((i % 250 + 1))/32 dev $PFX-r0"; done |
	ip -batch -
ip route add 10.250.0.128/25 dev "$PFX-r0"
printf 'lab x\nswitch s5 dataplane kernel\n  gateway 10.250.0.1/24\nns z\n  link e0 switch s5 addr 10.250.0.9/24\n' >"$TMP/manyr.conf"
refused_lab "a host route into the file's subnet is found behind 5000 others" "$TMP/manyr.conf" \
	"subnet of 10.250.0.1/24 for ${PFX}x-s5 overlaps the host's route to 10.250.0.128/25 dev $PFX-r0"
ip link del "$PFX-r0"
printf 'lab x\nswitch s3 dataplane tc\n  host 10.13.37.253/24\nns z\n  link e0 switch s3 addr 10.13.37.9/24\n' >"$TMP/samenet.conf"
refused_lab "another lab with a host address on this one's subnet is refused" "$TMP/samenet.conf" \
	"samenet.conf:3: subnet of 10.13.37.253/24 for ${PFX}x-s3 overlaps 10.13.37.254/24 on $PFX-sw0 in the host"
# A more specific one inside it too: the first lab would lose part of
# its subnet to it, and its own next up be refused.
sed -i 's|10.13.37.253/24|10.13.37.17/28|; s|10.13.37.9/24|10.13.37.18/28|' "$TMP/samenet.conf"
refused_lab "and one inside that subnet too" "$TMP/samenet.conf" \
	"samenet.conf:3: subnet of 10.13.37.17/28 for ${PFX}x-s3 overlaps 10.13.37.254/24 on $PFX-sw0 in the host"
# Another lab's interface as an SNAT uplink: its host port here, and the
# host end of one of its ports (the first would cut the host off the
# lab, the second a namespace).
printf 'lab x\nswitch s4 dataplane afxdp\n  gateway 10.44.0.1/24\n  uplink %s snat\nns z\n  link e0 switch s4 addr 10.44.0.2/24\n' "$PFX-sw0" >"$TMP/theirs.conf"
refused_lab "another lab's host port is refused as an uplink" "$TMP/theirs.conf" \
	"theirs.conf:4: uplink '$PFX-sw0' is lab $PFX's \(named with its prefix, or moved by it\), expected an interface no lab uses"
sed -i "s/uplink $PFX-sw0 /uplink $PFX-a-eth0 /" "$TMP/theirs.conf"
refused_lab "and so is the host end of one of its ports" "$TMP/theirs.conf" "uplink '$PFX-a-eth0' is lab $PFX's"
# and the ends no journal line names: the host port's far end
sed -i "s/uplink $PFX-a-eth0 /uplink $PFX-sw0-p /" "$TMP/theirs.conf"
refused_lab "and so is its host port's far end" "$TMP/theirs.conf" "uplink '$PFX-sw0-p' is lab $PFX's"
# Two labs with the same host address, up at once: one of them only.
# (Their checks against each other used to run side by side: a trial
# saw both come up in 2 of 7 tries.)
printf 'lab x\nswitch s5 dataplane kernel\n  gateway 10.45.0.1/24\nns z\n  link e0 switch s5 addr 10.45.0.2/24\n' >"$TMP/race.conf"
wins=""
for try in 1 2 3 4 5 6 7 8; do
	"$NSFAST" up -q --lab "${PFX}p" "$TMP/race.conf" 2>/dev/null & p1=$!
	"$NSFAST" up -q --lab "${PFX}q" "$TMP/race.conf" 2>/dev/null & p2=$!
	n=0; wait "$p1" && n=$((n + 1)); wait "$p2" && n=$((n + 1))
	wins="$wins$n"
	"$NSFAST" down -q "${PFX}p" 2>/dev/null; "$NSFAST" down -q "${PFX}q" 2>/dev/null
done
if [ "$wins" = 11111111 ]; then pass "two labs with one host address, up at once: one comes up, 8 of 8 times"
else fail "two labs with one host address, up at once: labs up per try $wins, expected 11111111"; fi
# An uplink of the host's without an IPv4 address: nothing to translate
# to, on kernel as on the daemons.
ip link add "${PFX}n0" type veth peer name "${PFX}n1"
printf 'lab x\nswitch s7 dataplane kernel\n  gateway 10.48.0.1/24\n  uplink %s snat\nns z\n  link e0 switch s7 addr 10.48.0.2/24\n' "${PFX}n0" >"$TMP/noaddr.conf"
refused_lab "an uplink without an IPv4 address is refused" "$TMP/noaddr.conf" \
	"noaddr.conf:4: uplink '${PFX}n0' has no IPv4 address to translate to"
ip link del "${PFX}n0"
# A subnet the host routes elsewhere: the first lab's route to c.
printf 'lab x\nns z\nveth host:h 10.9.9.1/28 -- z:e0 10.9.9.2/28\n' >"$TMP/routed.conf"
refused_lab "a host subnet that a route of another lab's takes is refused" "$TMP/routed.conf" \
	"routed.conf:3: subnet of 10.9.9.1/28 for ${PFX}x-h overlaps the host's route to 10.9.9.8/30 via 10.13.37.4 dev $PFX-sw0"
check_out "and they leave nothing of themselves" "^0$" bash -c "{ ip netns; ip -o link; ls /run/nsfast; } | grep -c '${PFX}x' || true"
check_out "the first lab's route is still there" "via 10.13.37.4 dev $PFX-sw0" ip route show 10.9.9.8/30
# A port added before the others on the running tc switch: one more
# slow-path pair, none of the others renamed (and left behind).
port_spec() { # the daemon's PORT:SLOW:SLOW word for a's port
	tr '\0' '\n' <"/proc/$("$NSFAST" status --json "$PFX" | jq '.switches[0].daemon.pid')/cmdline" |
		grep "^$PFX-a-eth0:"
}
pairs0=$(ip -o link | grep -c ": $PFX--")
spec0=$(port_spec)
sed 's/^ns a$/ns n\n    link eth0 switch sw0 addr 10.13.37.77\/24\n&/' "$LAB" >"$TMP/first.conf"
check_out "a port added before the others restarts the daemon, and says why" \
	"switch sw0: a port, its host port or its uplink.s pair was added or made anew: restarting its daemon" \
	"$NSFAST" up --lab "$PFX" "$TMP/first.conf"
check_out "and adds one slow-path pair" "^$((pairs0 + 2))$" bash -c "ip -o link | grep -c ': $PFX--'"
check_out "and renames none: a's port keeps its pair" "^$spec0$" port_spec
check "and the new namespace reaches a" ip netns exec "$PFX-n" ping -c 1 -W 2 10.13.37.2
# down FILE reads only the lab's name: an edit since up that check would
# refuse does not keep the lab up.
{ sed "s/^lab .*/lab $PFX/" "$LAB"; echo "frobnicate 1"; } >"$TMP/edited.conf"
check_out "down FILE of a file edited into errors since up" "lab $PFX is down" \
	"$NSFAST" down "$TMP/edited.conf"
assert_clean "nothing left after down"
check_out "down of a lab that is not up succeeds" "not up: nothing to do" "$NSFAST" down "$PFX"
# down deletes the lab's host links in one request (a link group; one of
# its own costs the kernel ~20 ms), and leaves a link between two
# namespaces to their deletion; with a process inside a namespace too.
check "batch: up" up "$LAB"
"$NSFAST" down -v "$PFX" >"$TMP/down.out" 2>&1
check_out "batch: the lab's 10 host links go in one request" \
	"^deleted 10 host links in one request \(link group 0x6e" cat "$TMP/down.out"
check_out "batch: the veth between r and c goes with its namespaces" \
	"^undo veth $PFX-r eth1 \(with its namespace\)$" cat "$TMP/down.out"
check_out "batch: and down counts what it removed as before" "removed 20 objects" cat "$TMP/down.out"
assert_clean "batch: nothing left"
check "batch: up again" up "$LAB"
nsx_bg a sleep 60
sleep 0.2
"$NSFAST" down -v "$PFX" >"$TMP/down.out" 2>&1; rc=$?
check_out "batch: a's port, whose namespace a process keeps, goes with the others" \
	"^0 deleted 10 host links in one request" bash -c "echo $rc \$(grep '^deleted' '$TMP/down.out')"
assert_clean "batch: nothing left in the host"
kill "${PIDS[-1]}"
# The group is down's pid over 0x6e000000: exec keeps the shell's pid.
check "batch: up, and a link not the lab's" up "$LAB"
ip link add "$PFX-fx" type veth peer name "$PFX-fy"
bash -c 'ip link set "$1" group $((0x6e000000 | $$)) && exec "$2" down -v "$3"' _ \
	"$PFX-fx" "$NSFAST" "$PFX" >"$TMP/down.out" 2>&1
check_out "batch: a link of another's in down's group: down deletes the lab's one by one" \
	"^link group 0x6e[0-9a-f]* is another link's too: deleting the 10 host links one by one" \
	cat "$TMP/down.out"
check "batch: and leaves the other's link alone" ip link show "$PFX-fx"
ip link del "$PFX-fx"
assert_clean "batch: nothing of the lab's left"
# A lab of more namespaces than nsfast may hold open: each held 2 fds,
# and 1000 namespaces aborted up (libnftables' select() past fd 1023);
# fewer fds than twice the namespaces failed with EMFILE, and so did
# fewer than twice the 128 it holds open at most (200 here).
{
	printf 'lab %s\nswitch sw0 dataplane kernel\n    gateway 10.13.40.1/23\n' "$PFX"
	for i in $(seq 250); do
		printf 'ns n%d\n    link eth0 switch sw0 addr 10.13.%d.%d/23\n' "$i" $((40 + (i + 1) / 256)) $(((i + 1) % 256))
	done
} >"$TMP/many.conf"
check "many: up of 250 namespaces with 200 fds allowed" bash -c "ulimit -n 200 && '$NSFAST' up -q '$TMP/many.conf'"
check "many: the last reaches the first across the switch" nsx n250 ping1 10.13.40.2
check "many: up again changes nothing" bash -c "ulimit -n 200 && '$NSFAST' up '$TMP/many.conf' | grep -q 'already up: nothing changed'"
check "many: down" bash -c "ulimit -n 200 && '$NSFAST' down -q '$PFX'"
assert_clean "many: nothing left"
