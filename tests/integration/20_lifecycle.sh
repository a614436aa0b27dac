#!/usr/bin/env bash
# up is idempotent and converges; any failure half-way rolls back to
# nothing; down works after a killed up; the CLI says what is wrong.
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

# --- status, exec and help
# 260 interfaces before the lab's, more than status once had room for
# (256): the lab's ports come after them in the dump and must be there.
for i in $(seq 1 130); do echo "link add $PFX-z${i}a type veth peer name $PFX-z${i}b"; done |
	ip -batch -
# One of them with a message larger than 4 KiB (40 long altnames): read
# into less than 32 KiB, a dump ended at it, with no error, and every
# link after it was "missing".
for i in $(seq 40); do
	ip link property add dev "$PFX-z1a" altname "$(printf 'alt%03d%0100d' "$i" 0)"
done
check "up for status" up "$EX/nat.conf"
nsx a ping -c 3 -i 0.2 -W 2 10.13.37.3 >/dev/null
check "status --json is valid JSON" bash -c "'$NSFAST' status --json '$PFX' | jq -e . >/dev/null"
check_out "status --json lists the namespaces" "^4$" \
	bash -c "'$NSFAST' status --json '$PFX' | jq '.namespaces | length'"
rx=$("$NSFAST" status --json "$PFX" | jq ".namespaces[] | select(.name==\"$PFX-b\") | .links[] | select(.name==\"eth0\") | .rx_packets")
if [ "${rx:-0}" -ge 3 ]; then pass "status counts the pings b received ($rx)"; else fail "status: b eth0 rx_packets=$rx"; fi
check_out "status shows switch ports on the bridge (after 260 other interfaces)" "$PFX-a-eth0 .* master $PFX-sw0" "$NSFAST" status "$PFX"
check_out "but not a pair in the host that is not the lab's" "^0$" bash -c \
	"'$NSFAST' status --json '$PFX' | jq '[.host[].name | select(startswith(\"$PFX-z\"))] | length'"
# The text leaves out IPv6 link-local addresses only: fec0::/10 (old
# site-local) starts with the same byte and is shown.
nsx c ip addr add fec0::5/64 dev eth0 nodad
check_out "status's text shows fec0::5 but no fe80:: address" "^1 0$" bash -c \
	"'$NSFAST' status '$PFX' | awk '/fec0::5\\/64/ {s++} / fe80:/ {l++} END {print s + 0, l + 0}'"
nsx c ip addr del fec0::5/64 dev eth0
for i in $(seq 1 130); do echo "link del $PFX-z${i}a"; done | ip -batch -
check_out "status without a lab lists every lab" "^lab $PFX: 4 namespaces" "$NSFAST" status
# A bridge deleted by hand: up makes it anew and puts the ports back.
ip link del "$PFX-sw0"
check "up after the bridge was deleted by hand" up "$EX/nat.conf"
check "the ports are on the new bridge again: a reaches b" nsx a ping1 10.13.37.3
check_out "exec resolves a short namespace name" "10.13.37.2/24" "$NSFAST" exec a -- ip -4 addr show eth0
check_out "exec runs in the namespace" "^$PFX-a$" "$NSFAST" exec "$PFX-a" -- ip netns identify
"$NSFAST" exec a -- sh -c 'exit 7'
rc=$?; if [ $rc = 7 ]; then pass "exec passes the exit status through"; else fail "exec exit status $rc"; fi
check_out "exec of an unknown namespace" "no namespace 'nosuchns'" "$NSFAST" exec nosuchns -- true
# Every lab listed while one is busy (its lock held): still one JSON
# array, whichever of the two the listing meets first.
printf 'lab %s\nns q\n' "${PFX}y" >"$TMP/second.conf"
check "a second lab for status" "$NSFAST" up -q "$TMP/second.conf"
for busy in "$PFX" "${PFX}y"; do
	( exec 9<"/run/nsfast/$busy/lock" && flock 9 && exec sleep 60 ) & holder=$!
	sleep 0.3
	check_out "status --json of every lab, $busy busy: valid JSON without it" "^ok$" bash -c \
		"NSFAST_LOCK_WAIT_MS=200 '$NSFAST' status --json 2>/dev/null | jq -e 'map(.lab) | index(\"$busy\") == null and length >= 1' >/dev/null && echo ok"
	kill "$holder"; wait "$holder" 2>/dev/null
done
"$NSFAST" down -q "${PFX}y"
check "down" down
# IPv6 routed across a namespace answers the first ping, within a
# second of up (with DAD, the router's link-local address stayed
# tentative, and the first answer took 2 s).
cat >"$TMP/v6r.conf" <<CONF
lab ${PFX}6
ns a
    route default via fd42:7:1::2
ns r
    forward on
ns c
    route default via fd42:7:2::1
veth a:eth0 fd42:7:1::1/64 -- r:eth0 fd42:7:1::2/64
veth r:eth1 fd42:7:2::1/64 -- c:eth0 fd42:7:2::2/64
CONF
check "IPv6 routed: up" "$NSFAST" up -q "$TMP/v6r.conf"
check "IPv6 routed: the first ping, right after up, is answered within a second" \
	ip netns exec "${PFX}6-a" ping -6 -c 1 -W 1 fd42:7:2::2
check_out "IPv6 routed: no address is tentative" "^0$" bash -c \
	"ip netns exec ${PFX}6-r ip -6 addr | grep -c tentative || true"
"$NSFAST" down -q "${PFX}6"
# IPv6 turned off by hand on a kernel switch's bridge and on a tc
# switch's host port: up turns it on again and puts the addresses back.
cat >"$TMP/v6sw.conf" <<CONF
lab ${PFX}s
switch k dataplane kernel
    gateway fd42:8:1::1/64
switch t dataplane tc
    host fd42:8:2::fe/64
ns a
    link e0 switch k addr fd42:8:1::2/64
    link e1 switch t addr fd42:8:2::2/64
CONF
check "IPv6 on switches: up" "$NSFAST" up -q "$TMP/v6sw.conf"
sysctl -qw "net.ipv6.conf.${PFX}s-k.disable_ipv6=1" "net.ipv6.conf.${PFX}s-t.disable_ipv6=1"
check_out "IPv6 on switches: up turns it on again on the bridge and the host port" \
	"step [0-9]*: enable IPv6 on host:${PFX}s-k: 1 change .*step [0-9]*: enable IPv6 on host:${PFX}s-t: 1 change " \
	bash -c "'$NSFAST' up -v '$TMP/v6sw.conf' 2>&1 | tr '\n' ' '"
check "IPv6 on switches: the bridge's gateway answers" ip netns exec "${PFX}s-a" ping -6 -c 1 -W 2 fd42:8:1::1
check "IPv6 on switches: the host reaches a through the host port" ping -6 -c 1 -W 2 fd42:8:2::2
"$NSFAST" down -q "${PFX}s"
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
# The journal, read back: CRLF line ends and a lock file deleted by hand
# do not hide the lab from down; lines nsfast does not write are left.
J=/run/nsfast/${PFX}j
printf 'lab x\nswitch s6 dataplane kernel\n  gateway 10.47.0.1/24\nns z\n  link e0 switch s6 addr 10.47.0.2/24\n' >"$TMP/j.conf"
"$NSFAST" up -q --lab "${PFX}j" "$TMP/j.conf"
sed -i 's/$/\r/' "$J/journal"; rm "$J/lock"
check_out "journal: CRLF line ends and no lock file: down takes the lab down" "is down: removed [1-9]" \
	"$NSFAST" down "${PFX}j"
check_out "journal: and nothing of it is left" "^0$" \
	bash -c "{ ip netns; ip -o link; ls /run/nsfast; } | grep -c '${PFX}j' || true"
"$NSFAST" up -q --lab "${PFX}j" "$TMP/j.conf"
echo keep >"$TMP/victim"
ip netns add "${PFX}x-victim"
ip link add "${PFX}v0" type veth peer name "${PFX}v1"
# Lines of a form nsfast writes, about what is not the lab's: a host
# route via a gateway beyond another interface, and an interface never
# moved into the lab's namespace.
ip addr add 10.233.252.1/24 dev "${PFX}v0"; ip link set "${PFX}v1" up; ip link set "${PFX}v0" up
ip route add 10.233.254.0/24 via 10.233.252.2 proto static
vmac=$(cat "/sys/class/net/${PFX}v0/address")
{ printf 'uplink ../../..%s\nns %s\nuplink \n' "$TMP/victim" "${PFX}x-victim"
  printf 'link %s\nveth - %s\n' "${PFX}v0" "${PFX}v1"
  printf 'sysctl /proc/sys/net/ipv6/conf/%s/disable_ipv6 1\n' "${PFX}v0"
  printf 'route 10.9.9.0/24 - -\nns %s-z \n' "${PFX}j"
  printf 'route 10.233.254.0/24 10.233.252.2 -\nmove %s %s-z 1400 0 02:00:00:00:00:99\n' \
	"${PFX}v0" "${PFX}j"
  # Past the longest line nsfast reads, the rest is not a line of its
  # own; a NUL does not end one early.
  head -c 600 /dev/zero | tr '\0' x; printf 'ns %s-ghost\n' "${PFX}j"
  printf 'ns %s-z\0ns %s-nul\n' "${PFX}j" "${PFX}j"; } >>"$J/journal"
out=$("$NSFAST" status "${PFX}j" 2>&1 >/dev/null)
if grep -q "in $J/journal: 'uplink ../../..$TMP/victim': expected an interface name" <<<"$out" &&
	grep -q "'link ${PFX}v0': expected a host interface of the lab's" <<<"$out" &&
	grep -q "'ns ${PFX}j-z ': spaces other than one between two words" <<<"$out" &&
	grep -q "'ns ${PFX}j-z?ns ${PFX}j-nul': " <<<"$out" && ! grep -q "${PFX}j-ghost" <<<"$out" &&
	[ "$(grep -c 'down leaves it for you' <<<"$out")" = 10 ]; then
	pass "journal: status names each of 10 lines that are not the lab's, or not nsfast's"
else fail "journal: status said: $(tr '\n' ' ' <<<"$out" | head -c 600)"; fi
check_out "journal: down undoes the rest, and keeps just the 11 lines it will not undo" \
	"11 of [0-9]* objects could not be removed" "$NSFAST" down "${PFX}j"
check_out "journal: a host route beyond an interface of no lab's stays" "via 10.233.252.2 dev ${PFX}v0" \
	ip route show 10.233.254.0/24
check_out "journal: and that interface keeps its MTU and MAC" "^1500 $vmac$" \
	bash -c "echo \$(cat /sys/class/net/${PFX}v0/mtu) \$(cat /sys/class/net/${PFX}v0/address)"
check "journal: the file outside is still there" test -e "$TMP/victim"
check "journal: and so is another lab's namespace" ip netns pids "${PFX}x-victim"
check "journal: and an interface of no lab's" ip link show "${PFX}v0"
check_out "journal: with its sysctl as it was" "^0$" cat "/proc/sys/net/ipv6/conf/${PFX}v0/disable_ipv6"
check_out "journal: the journal has those 11 lines only" "^11$" bash -c "wc -l <'$J/journal'"
ip netns del "${PFX}x-victim"
ip link del "${PFX}v0"
: >"$J/journal"
"$NSFAST" down -q "${PFX}j"
# What up finds gone already (a line about a pid that is no daemon of
# the switch, a namespace deleted by hand) it does not say it removed.
"$NSFAST" up -q --lab "${PFX}j" "$TMP/j.conf"
sleep 30 & spid=$!; PIDS+=("$spid")
printf 'daemon s9 %s\nns %s-gone\n' "$spid" "${PFX}j" >>"$J/journal"
check_out "journal: up says nothing of removing what was not there" "^0 alive$" \
	bash -c "echo \$('$NSFAST' up --lab '${PFX}j' '$TMP/j.conf' 2>&1 | grep -c 'removed what the file no longer has') \$(kill -0 $spid && echo alive)"
check_out "journal: and forgets their lines" "^0$" bash -c "grep -c -e '^daemon s9' -e '-gone$' '$J/journal'"
kill "$spid"
"$NSFAST" down -q "${PFX}j"
# A journal lost (its directory removed): down cannot tell what was the
# lab's, and says what carries its prefix instead of "nothing to do".
"$NSFAST" up -q --lab "${PFX}o" "$TMP/j.conf"
rm -r "/run/nsfast/${PFX}o"
out=$("$NSFAST" down "${PFX}o" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "lab '${PFX}o' has no journal, but these carry its prefix: namespaces ${PFX}o-z; host interfaces .*${PFX}o-s6.*; nftables tables nsfast-${PFX}o-s6 (" <<<"$out"; then
	pass "journal lost: down names what carries the lab's prefix, and exits 1"
else fail "journal lost: down: rc $rc: $(tr '\n' ' ' <<<"$out")"; fi
ip netns del "${PFX}o-z"; ip link del "${PFX}o-s6"; nft delete table ip "nsfast-${PFX}o-s6"
# A journal that lost a daemon's line: down takes the rest down, and
# names the daemon, which nothing else would show, instead of "is down".
printf 'lab %sd\nswitch s dataplane afxdp\nns a\n  link e0 switch s\n' "$PFX" >"$TMP/d.conf"
"$NSFAST" up -q "$TMP/d.conf"
dpid=$(awk '$1 == "daemon" { print $3 }' "/run/nsfast/${PFX}d/journal")
sed -i '/^daemon /d' "/run/nsfast/${PFX}d/journal"
out=$("$NSFAST" down "${PFX}d" 2>&1); rc=$?
if [ -n "$dpid" ] && [ $rc = 1 ] &&
	grep -q "lab '${PFX}d' is down, but these of its own still run: switch daemons (pid) $dpid (" <<<"$out"; then
	pass "journal without its daemon line: down names the daemon, and exits 1"
else fail "journal without its daemon line: down: rc $rc, pid '$dpid': $(tr '\n' ' ' <<<"$out")"; fi
[ -n "$dpid" ] && kill "$dpid"
for c in up down status exec check help; do
	check_out "$c --help" "^usage: nsfast $c" "$NSFAST" "$c" --help
done
check_out "unknown command" "unknown command 'frob'" "$NSFAST" frob
# Usage errors say what is wrong, and exit 2.
usage_err() { # NAME WANT CMD...
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc = 2 ] && grep -q -- "$want" <<<"$out"; then pass "usage: $name"
	else fail "usage: $name: exit $rc: $(head -n 2 <<<"$out" | tr '\n' ' ')"; fi
}
usage_err "no command: said first, then the commands" "^nsfast: expected a COMMAND" "$NSFAST"
check_out "and the commands' usage goes to stderr" "^0$" bash -c "'$NSFAST' 2>/dev/null | wc -l"
check_out "help lists --version" "^  --version$" "$NSFAST" help
usage_err "help of an unknown command" "nsfast help: unknown command 'frob'" "$NSFAST" help frob
usage_err "bench: unknown options are said, then nsfast bench's usage" \
	"nsfast bench: unknown option '--bogus'.usage: nsfast bench " \
	bash -c "'$NSFAST' bench --bogus x 2>&1 | tr '\n' '.'; exit \${PIPESTATUS[0]}"
usage_err "help with two commands" "nsfast help: one COMMAND only, then 'x'" "$NSFAST" help up x
usage_err "--version with a word after it" "nsfast: --version takes nothing after it, and got 'x'" \
	"$NSFAST" --version x
usage_err "up with two files" "nsfast up: one operand only, then 'x'" "$NSFAST" up "$LAB" x
usage_err "up without a file" "nsfast up: expected FILE, the topology" "$NSFAST" up
usage_err "an option without its value" "nsfast up: option '--lab' requires an argument" "$NSFAST" up --lab
usage_err "bench without a file" "nsfast bench: expected FILE, the topology" "$NSFAST" bench
usage_err "exec without a command" "nsfast exec: expected a command to run in 'a'" "$NSFAST" exec a --
usage_err "a lab name with a '-' for up" "nsfast up: --lab 'a-b': expected up to 8 letters" \
	"$NSFAST" up --lab a-b "$LAB"
usage_err "down --lab with a lab name, not a file" "--lab names the lab of a FILE" \
	"$NSFAST" down --lab "$PFX" nosuchfile
check_out "check of a directory says why it cannot be read" "cannot read: Is a directory" \
	"$NSFAST" check "$TMP"
mkdir "$TMP/${PFX}z"
check_out "down LAB takes a directory of that name in the way for the lab's name" \
	"lab ${PFX}z is not up: nothing to do" bash -c "cd '$TMP' && '$NSFAST' down '${PFX}z'"
check_out "-v and -q together are refused" "-v and -q together, expected one of them" \
	"$NSFAST" up -v -q "$LAB"
check_out "an option after the file is taken, as ip takes it" "lab.conf: ok: lab ${PFX}o," \
	"$NSFAST" check "$LAB" --lab "${PFX}o"
assert_clean "nothing left at the end"
