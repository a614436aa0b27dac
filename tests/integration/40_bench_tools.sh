#!/usr/bin/env bash
# The benchmark's own instruments: the generator sends what it says and
# the receiver counts it, through the kernel bridge, in both of its modes;
# the round-trip tool times what it should. (`nsfast bench` itself:
# 45_bench.sh.)
. "$(dirname "$0")/../lib.sh"
GEN=${NSFAST_BUILD:-$ROOT/build}/nsgen
PING=${NSFAST_BUILD:-$ROOT/build}/nsping

cat >"$TMP/pair.conf" <<CONF
lab x
switch sw0 dataplane kernel
ns src
    link eth0 switch sw0 addr 10.66.0.1/24
ns dst
    link eth0 switch sw0 addr 10.66.0.2/24
CONF
check "up" up "$TMP/pair.conf"
nsx src ping1 10.66.0.2 >/dev/null
ethtool -K "$PFX-src-eth0" gro on >/dev/null 2>&1
mac=$(nsx dst cat /sys/class/net/eth0/address)
# Count exactly the generator's flow (IpInReceives would count any stray
# IPv4 packet too), and drop it there.
nsx dst nft -f - <<'NFT'
table ip sink {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 10.66.0.1 udp dport 9 counter drop
	}
}
NFT
sunk() { nsx dst nft list chain ip sink pre | grep -o 'packets [0-9]*' | awk '{print $2}'; }
# Both ways of sending; live frames only where the kernel allows them.
for method in packet live; do
	for size in 60 1514; do
		r0=$(sunk)
		rc=0
		out=$("$GEN" --netns "$PFX-src" --dev eth0 --dst-mac "$mac" --src 10.66.0.1 --dst 10.66.0.2 \
			--size $size --count 20000 --method $method 2>"$TMP/gen.err") || rc=$?
		if [ $method = live ] && [ $rc = 3 ]; then
			skip "nsgen --method live: $(cat "$TMP/gen.err")"
			break
		fi
		sleep 0.3
		r1=$(sunk)
		sent=$(jq -r .sent <<<"$out")
		if [ "$sent" = 20000 ] && [ $((r1 - r0)) = 20000 ] &&
			[ "$(jq -r .method <<<"$out")" = $method ]; then
			pass "nsgen --method $method: $size-byte frames: 20000 sent, 20000 received through the bridge"
		else fail "nsgen --method $method: $size-byte frames: sent $sent, received $((r1 - r0)): $out $(cat "$TMP/gen.err")"; fi
	done
done
# auto: whichever works, said in the output.
out=$("$GEN" --netns "$PFX-src" --dev eth0 --dst-mac "$mac" --src 10.66.0.1 --dst 10.66.0.2 \
	--seconds 0.3)
check_out "nsgen --method auto sends, and says how" '"method":"(live|packet)"' echo "$out"
sleep 0.3 # what auto sent is counted before the next check starts
# --socket: the same count through the sender's own stack (what the NAT'd
# workload uses), and nsping's round trips.
r0=$(sunk)
out=$("$GEN" --socket --netns "$PFX-src" --src 10.66.0.1 --dst 10.66.0.2 --size 60 --count 20000)
sleep 0.3
r1=$(sunk)
sent=$(jq -r .sent <<<"$out")
if [ "$sent" = 20000 ] && [ $((r1 - r0)) = 20000 ]; then
	pass "nsgen --socket: 20000 sent, 20000 received through the bridge"
else fail "nsgen --socket: sent $sent, received $((r1 - r0))"; fi
"$PING" --netns "$PFX-dst" --server --idle 5 >/dev/null 2>&1 &
PIDS+=($!)
out=$("$PING" --netns "$PFX-src" --client 10.66.0.2 --count 500 2>&1)
if jq -e '.count == 500 and .lost == 0 and .min_us > 0 and .min_us <= .p50_us and
	.p50_us <= .p99_us and .p99_us <= .max_us' <<<"$out" >/dev/null 2>&1; then
	pass "nsping: 500 round trips, none lost, min <= p50 <= p99 <= max"
else fail "nsping: $out"; fi
check_out "nsping says so when nothing answers" "no echo from the server in 2 s" \
	"$PING" --netns "$PFX-src" --client 10.66.0.9 --count 20
check_out "nsgen refuses a missing namespace" "entering namespace nosuchns" \
	"$GEN" --netns nosuchns --dev eth0 --dst-mac 02:00:00:00:00:01 --src 10.0.0.1 --dst 10.0.0.2 --count 1
check "down" down
assert_clean "nothing left"

# make install: nsfast bench finds its script, and the script nsgen and
# nsping, where they were installed (a file that fails 'check' stops it
# right after it has looked for them, before any lab).
inst=$TMP/inst
if make -s -C "$ROOT" install DESTDIR="$inst" >"$TMP/inst.out" 2>&1; then
	pass "make install DESTDIR=..."
	printf 'lab x\nswitch sw0 dataplan kernel\n' >"$TMP/bad.conf"
	check_out "installed: nsfast bench runs its script, which finds nsgen and nsping" \
		"bench: .*bad.conf does not pass 'nsfast check" \
		"$inst/usr/local/sbin/nsfast" bench --quick "$TMP/bad.conf"
	check "installed: the example topologies, which pass check" \
		"$inst/usr/local/sbin/nsfast" check -q "$inst/usr/local/share/nsfast/examples/bench.conf"
else fail "make install DESTDIR=...: $(tail -3 "$TMP/inst.out")"; fi
