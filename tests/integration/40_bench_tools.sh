#!/usr/bin/env bash
# The benchmark's own instruments: the generator sends what it says, the
# receiver counts it, through the kernel bridge; the benchmark's quick
# mode runs and its JSON has the documented shape.
. "$(dirname "$0")/../lib.sh"
GEN=${NSFAST_BUILD:-$ROOT/build}/nsgen

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
for size in 60 1514; do
	r0=$(sunk)
	out=$("$GEN" --netns "$PFX-src" --dev eth0 --dst-mac "$mac" --src 10.66.0.1 --dst 10.66.0.2 \
		--size $size --count 20000)
	sleep 0.3
	r1=$(sunk)
	sent=$(jq -r .sent <<<"$out")
	if [ "$sent" = 20000 ] && [ $((r1 - r0)) = 20000 ]; then
		pass "nsgen: $size-byte frames: 20000 sent, 20000 received through the bridge"
	else fail "nsgen: $size-byte frames: sent $sent, received $((r1 - r0))"; fi
done
check_out "nsgen refuses a missing namespace" "entering namespace nosuchns" \
	"$GEN" --netns nosuchns --dev eth0 --dst-mac 02:00:00:00:00:01 --src 10.0.0.1 --dst 10.0.0.2 --count 1
check "down" down
assert_clean "nothing left"

if [ "${NSFAST_SKIP_BENCH:-0}" = 1 ]; then
	skip "bench --quick (NSFAST_SKIP_BENCH=1)"
	exit 0
fi
check "bench/dataplanes.sh --quick runs" env NSFAST="$NSFAST" NSGEN="$GEN" "$ROOT/bench/dataplanes.sh" --quick
j=$(ls -t "$ROOT"/results/*/dataplanes.json | head -1)
check "its JSON has the documented fields" jq -e '
	(.machine | type == "string") and (.reps >= 1) and (.samples | length >= 4) and
	(.samples[] | (.topology | type == "string") and (.dataplane | type == "string") and
		(.tcp_gbps >= 0) and (.udp64_mpps >= 0)) and
	(.summary.switched.kernel.udp64_ratio == 1) and (.summary.switched.afxdp.udp64_mpps.median > 0) and
	(.summary.nat.kernel.tcp_gbps.median > 0) and (.summary.nat.afxdp.udp64_mpps.median > 0)' "$j"
check_out "no benchmark namespace is left" "^0$" bash -c "ip netns list | grep -c '^d[0-9a-f]\{4\}-' || true"
