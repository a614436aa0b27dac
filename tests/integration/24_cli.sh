#!/usr/bin/env bash
# status, exec and help: what they show, and how the CLI says what is
# wrong with a command line.
. "$(dirname "$0")/../lib.sh"
EX=$ROOT/examples
LAB=$EX/lab.conf

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
# A userspace switch's daemon.
printf 'lab %sd\nswitch s dataplane afxdp\nns a\n  link e0 switch s\n' "$PFX" >"$TMP/d.conf"
# An up whose caller blocks SIGTERM and SIGUSR1: its daemon blocked them
# too, so down's SIGTERM did nothing, and 3 s later a SIGKILL stopped it
# without its teardown (and an up's SIGUSR1 could not keep its NAT).
env --block-signal=TERM,USR1 "$NSFAST" up -q "$TMP/d.conf"
dpid=$(awk '$1 == "daemon" { print $3 }' "/run/nsfast/${PFX}d/journal")
check_out "signals: a daemon started with SIGTERM blocked blocks none" "^SigBlk:[[:space:]]+0+$" \
	grep SigBlk "/proc/$dpid/status"
t0=$(date +%s%N)
"$NSFAST" down -q "${PFX}d"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$ms" -lt 2500 ]; then pass "signals: and down stops it with SIGTERM ($ms ms)"
else fail "signals: down of that daemon took $ms ms (SIGTERM blocked, SIGKILL after 3 s)"; fi
"$NSFAST" up -q "$TMP/d.conf"
dpid=$(awk '$1 == "daemon" { print $3 }' "/run/nsfast/${PFX}d/journal")
# One stopped (or stuck) whose listen queue is full: five statuses wait
# in it, 2 s each, and stay there after they give up. A connect() then
# waited for room for ever: status hung, up hung holding the lab's lock
# (and every other lab's up behind it), and so did a second daemon
# started by hand.
kill -STOP "$dpid"
fill=()
for _ in 1 2 3 4 5; do "$NSFAST" status "${PFX}d" >/dev/null 2>&1 & fill+=($!); done
sleep 0.3
read -ra dargs < <(tr '\0' ' ' <"/proc/$dpid/cmdline" | sed 's/--ready-fd 3 //')
timeout -s KILL 5 "${dargs[@]/#nsfast/$NSFAST}" >"$TMP/second" 2>&1 &
second=$!
check_out "queue full: status says no answer within 2 s, and does not hang" \
	"switch daemon pid $dpid runs but gave no report on .*: no answer within 2 s" \
	timeout 6 "$NSFAST" status "${PFX}d"
wait "${fill[@]}" "$second"
check_out "queue full: a second daemon by hand is refused, and does not hang" \
	"another switch daemon answers on /run/nsfast/${PFX}d/s.sock" cat "$TMP/second"
check_ok "queue full: up restarts it" \
	"switch s: its daemon \(pid $dpid\) did not answer on its socket: restarting it" \
	timeout 12 "$NSFAST" up --lab "${PFX}d" "$TMP/d.conf"
kill -CONT "$dpid" 2>/dev/null
check "and the new one answers" "$NSFAST" status "${PFX}d"
# A daemon line whose switch is a path: up took it for a daemon gone,
# and unlinked PATH.nat and PATH.nat.tmp wherever that pointed.
echo keep >"$TMP/victim.nat"; echo keep >"$TMP/victim.nat.tmp"
echo "daemon ../../..$TMP/victim 99999" >>"/run/nsfast/${PFX}d/journal"
check_out "journal: a daemon line whose switch name is a path is not nsfast's" \
	"switch \.\./\.\./\.\.$TMP/victim's daemon \(pid 99999\), which the file no longer has: Invalid argument: expected 'daemon SWITCH PID'" \
	"$NSFAST" up --lab "${PFX}d" "$TMP/d.conf"
check "journal: and the files it points at are still there" \
	test -e "$TMP/victim.nat" -a -e "$TMP/victim.nat.tmp"
sed -i '/^daemon \.\./d' "/run/nsfast/${PFX}d/journal"
"$NSFAST" down -q "${PFX}d"
# A journal that lost a daemon's line: down takes the rest down, and
# names the daemon, which nothing else would show, instead of "is down".
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
# Usage errors say what is wrong on their first line, then the usage (of
# the command, or of every command), and exit 2. Before, an option of
# another command's (up -j) printed the usage alone, and a bad lab name or
# an unknown command the reason alone.
usage_err() { # NAME WANT CMD...
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc = 2 ] && head -n 1 <<<"$out" | grep -q -- "$want" && grep -q '^usage: nsfast ' <<<"$out"; then
		pass "usage: $name"
	else fail "usage: $name: exit $rc: $(head -n 3 <<<"$out" | tr '\n' ' ')"; fi
}
usage_err "unknown command" "^nsfast: unknown command 'frob'$" "$NSFAST" frob
usage_err "an option of status's given to up" "^nsfast up: --json (-j) is not an option of up$" \
	"$NSFAST" up -j "$LAB"
usage_err "and one of up's given to status" "^nsfast status: --dataplane (-D) is not an option of status$" \
	"$NSFAST" status -D kernel
usage_err "--nat given to check" "^nsfast check: --nat (-n) is not an option of check$" \
	"$NSFAST" check -n "$LAB"
usage_err "--lab given to exec" "^nsfast exec: --lab (-L) is not an option of exec$" \
	"$NSFAST" exec -L x a -- true
usage_err "status of a name no lab can have" "^nsfast status: 'a/b' is not a lab name$" \
	"$NSFAST" status a/b
usage_err "no command: said first, then the commands" "^nsfast: expected a COMMAND" "$NSFAST"
check_out "and the commands' usage goes to stderr" "^0$" bash -c "'$NSFAST' 2>/dev/null | wc -l"
check_out "help lists --version" "^  --version$" "$NSFAST" help
usage_err "help of an unknown command" "nsfast help: unknown command 'frob'" "$NSFAST" help frob
usage_err "bench: unknown options are said, then nsfast bench's usage" \
	"nsfast bench: unknown option '--bogus'" "$NSFAST" bench --bogus x
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
{ echo "lab ${PFX}h"; head -c 1100000 /dev/zero | tr '\0' '#'; } >"$TMP/huge.conf"
check_out "down of a file over 1 MiB refuses it, as README says" "huge.conf: larger than 1048576 bytes" \
	"$NSFAST" down "$TMP/huge.conf"
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
