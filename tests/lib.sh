# Shared by the integration tests: per-run names, assertions, and a
# teardown that removes everything and fails the test if anything of
# this run was still there after 'nsfast down'.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NSFAST=${NSFAST:-$ROOT/nsfast} # make check SAN=1 points it at build-san/nsfast
# Lab names prefix every namespace and host interface: 5 characters keep
# generated names such as PFX-ns-eth0 within 15.
PFX=t$(printf '%04x' $(( (RANDOM ^ $$) & 0xffff )))
PIDS=()
TMP=$(mktemp -d)
TEST=$(basename "$0" .sh)
FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)

pass() { echo "PASS $TEST: $*"; }
fail() { echo "FAIL $TEST: $*"; }
skip() { echo "SKIP $TEST: $*"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1; shift
	if "$@" >"$TMP/out" 2>&1; then pass "$name"; else
		fail "$name (exit $?: $(tail -n 3 "$TMP/out" | tr '\n' ' '))"; fi
}
# check_fails NAME CMD...: passes when CMD exits non-zero.
check_fails() {
	local name=$1; shift
	if "$@" >"$TMP/out" 2>&1; then fail "$name (succeeded)"; else pass "$name"; fi
}
# check_ok NAME RE CMD...: CMD exits 0 and says RE (an up that says "is
# up" and then exits 1 does not pass).
check_ok() {
	local name=$1 re=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>&1; rc=$?
	if [ $rc = 0 ] && grep -Eq -- "$re" "$TMP/out"; then pass "$name"; else
		fail "$name (exit $rc, /$re/ in: $(head -c 400 "$TMP/out" | tr '\n' ' '))"; fi
}
# check_out NAME REGEX CMD...: CMD's output (stdout+stderr) matches REGEX.
check_out() {
	local name=$1 re=$2; shift 2
	"$@" >"$TMP/out" 2>&1
	if grep -Eq -- "$re" "$TMP/out"; then pass "$name"; else
		fail "$name (no /$re/ in: $(head -c 400 "$TMP/out" | tr '\n' ' '))"; fi
}

# nsx NS CMD...: run CMD in the lab's namespace NS ("ping1" works there too).
nsx() {
	local ns=$1; shift
	[ "$1" = ping1 ] && { shift; set -- ping -c 1 -W 2 "$@"; }
	ip netns exec "$PFX-$ns" "$@"
}
# nsx_bg NS CMD...: start CMD in NS in the background and remember its
# pid (a backgrounded shell function would give the subshell's pid, and
# killing that leaves CMD running).
nsx_bg() {
	local ns=$1; shift
	ip netns exec "$PFX-$ns" "$@" &
	PIDS+=($!)
}
# wait_listen NS PORT: until a TCP socket listens on PORT in NS (at most
# 2 s): a server started in the background must be there before its
# client, and a fixed sleep loses that race on a busy machine.
wait_listen() {
	for _ in $(seq 40); do nsx "$1" ss -Hltn "sport = :$2" | grep -q . && return; sleep 0.05; done
}
# check_transfer NAME BYTES FROM TO ADDR: BYTES random bytes sent over
# TCP from namespace FROM to a listener in TO at ADDR arrive intact.
check_transfer() {
	local name=$1 bytes=$2 from=$3 to=$4 addr=$5
	head -c "$bytes" /dev/urandom >"$TMP/blob"
	nsx_bg "$to" nc -l -p 5300 >"$TMP/blob.rx" 2>/dev/null
	sleep 0.3
	nsx "$from" nc -N -w 5 "$addr" 5300 <"$TMP/blob"
	sleep 0.3
	# A listener that got nothing would outlive its namespace, and keep
	# the runner waiting on its output.
	kill "${PIDS[-1]}" 2>/dev/null
	if cmp -s "$TMP/blob" "$TMP/blob.rx"; then pass "$name"
	else fail "$name: $(stat -c %s "$TMP/blob.rx" 2>/dev/null) of $bytes bytes arrived intact"; fi
}
up() { "$NSFAST" up -q --lab "$PFX" "$@"; }
down() { "$NSFAST" down -q "$PFX"; }
ping1() { ping -c 1 -W 2 "$@"; }

# What this run's lab still has on the machine, one per line.
leftovers() {
	ip netns list 2>/dev/null | awk '{print "netns " $1}' | grep " $PFX-"
	ip -o link show 2>/dev/null | awk -F': ' '{print "link " $2}' | sed 's/@.*//' | grep " $PFX-"
	nft list tables 2>/dev/null | grep "nsfast-$PFX-" | sed 's/^/nft /'
	[ -e "/run/nsfast/$PFX" ] && echo "state /run/nsfast/$PFX"
	grep -l "^$PFX[a-z]* " /run/nsfast/.uplinks/* 2>/dev/null | sed 's/^/uplink claim /'
	return 0
}

# assert_clean NAME: nothing of the lab is left and ip_forward is as before.
assert_clean() {
	local left
	left=$(leftovers)
	if [ -n "$left" ]; then fail "$1: left behind: $(echo $left)"; return; fi
	if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$FWD_BEFORE" ]; then
		fail "$1: ip_forward not restored to $FWD_BEFORE"; return; fi
	pass "$1"
}

teardown() {
	local p left
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# Anything still running inside this run's namespaces was started by
	# this run, and would keep the namespace alive after down.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PFX-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	# Every lab of this run: PFX, and those a test names PFX-something.
	for p in "/run/nsfast/$PFX" "/run/nsfast/$PFX"?*; do
		[ -d "$p" ] && "$NSFAST" down -q "${p##*/}" >/dev/null 2>&1
	done
	left=$(leftovers)
	if [ -n "$left" ]; then
		fail "teardown: 'nsfast down' left: $(echo $left)"
		ip netns list | awk '{print $1}' | grep "^$PFX-" | xargs -r -n1 ip netns del
		ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$PFX-" | xargs -r -n1 ip link del
		nft list tables | awk '{print $3}' | grep "^nsfast-$PFX-" | xargs -r -n1 nft delete table ip
		rm -rf "/run/nsfast/$PFX"
	fi
	# What a test made itself under its prefix (a veth pair standing
	# for a NIC), should it stop before removing it.
	ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$PFX" | xargs -r -n1 ip link del 2>/dev/null
	echo "$FWD_BEFORE" > /proc/sys/net/ipv4/ip_forward
	rm -rf "$TMP"
}
trap teardown EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
	skip "needs root"
	exit 0
fi
