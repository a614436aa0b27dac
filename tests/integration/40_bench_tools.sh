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

# --- results.json, results.md and results.svg from samples made up here
# (bench/results.jq, table.jq, plot.awk and schema_check.sh as bench.sh
# runs them), so that the arithmetic and the words are seen exactly.
# mkres OUT SAMPLES [DATAPLANES-JSON] [BRIDGE-NF-JSON]: OUT.json, OUT.md, OUT.svg
mkres() {
	local o=$1 s=$2 dps=${3:-'[{"name":"kernel","status":"ran"},{"name":"tc","status":"ran"}]'}
	local nf=${4:-'{"call_iptables":1,"call_ip6tables":1,"call_arptables":1,"conntrack":true}'}
	printf '%s\n' "$s" >"$o.samples"
	printf '%s\n' '{"namespaces":16,"nsfast_us":{"median":1000,"min":1000,"max":1000,"samples":[1000]},"ip_script_us":{"median":2000,"min":2000,"max":2000,"samples":[2000]},"ratio":2,"nsfast_down_us":{"median":1000,"min":1000,"max":1000,"samples":[1000]},"ip_script_down_us":{"median":3000,"min":3000,"max":3000,"samples":[3000]},"down_ratio":3}' >"$o.up"
	jq -n --slurpfile samples "$o.samples" --slurpfile up "$o.up" --argjson dataplanes "$dps" \
		--argjson ovs '[{"name":"ovs","status":"not installed"}]' --arg date 2026-12-08T00:00:00+00:00 \
		--arg file f.conf --arg lab b0000 --arg cpu x --argjson ncpu 2 --arg kernel k --arg os o \
		--argjson load 0 --argjson busy 0 --argjson bridge_nf "$nf" --rawfile text "$o.up" --arg virt v \
		--arg nsfast 0 --arg git g --arg iperf3 3 --arg nft 1 --argjson reps "$(jq -s 'map(.rep) | max' "$o.samples")" \
		--argjson quick 0 --argjson tcp_s 4 --argjson udp_s 2 --argjson rr_n 10 --argjson scale '[]' \
		--argjson upn '[16]' --argjson elapsed 1 --arg client a --arg server b --arg sw sw0 --arg nat_ns "" \
		--arg uplink "" --arg nat_why no -f "$ROOT/bench/results.jq" >"$o.json" &&
	jq -r -f "$ROOT/bench/table.jq" "$o.json" >"$o.md" &&
	jq -r '. as $r | .workloads[] as $w | .dataplanes[] | select(.status == "ran") | .name as $d |
		($r.summary[$w.id][$d] // {}) as $s |
		[$w.id, $w.title, $w.better, $d, $s.ratio, $s.ratio_min, $s.ratio_max, $s.ratio_partial,
			(($s.n // 0) > 0), (($r.summary[$w.id].kernel.n // 0) > 0)] | map(. // "null" | tostring) | @tsv' \
		"$o.json" | awk -F'\t' -v title=t -f "$ROOT/bench/plot.awk" >"$o.svg"
}
# smp WORKLOAD DATAPLANE REP VALUE: one sample (VALUE null: failed)
smp() {
	if [ "$4" = null ]; then
		echo "{\"workload\":\"$1\",\"dataplane\":\"$2\",\"rep\":$3,\"value\":null,\"cpu_s\":null,\"cpu_per\":null,\"error\":\"x\"}"
	else echo "{\"workload\":\"$1\",\"dataplane\":\"$2\",\"rep\":$3,\"value\":$4,\"cpu_s\":1,\"cpu_per\":1}"; fi
}
two=$(smp tcp1 kernel 1 10; smp tcp1 kernel 2 12; smp tcp1 tc 1 20; smp tcp1 tc 2 30)
if mkres "$TMP/r1" "$two"; then pass "results.jq, table.jq and plot.awk take made-up samples"
else fail "results from made-up samples: $(head -c 300 "$TMP/r1.json")"; fi
check "and the file passes bench/schema_check.sh" "$ROOT/bench/schema_check.sh" "$TMP/r1.json"
# The bridge's netfilter, a condition of every comparison with it.
check_out "results.md says the bridge ran through netfilter and conntrack" \
	'^The bridge \(`kernel`\) ran with net.bridge.bridge-nf-call-iptables=1, ip6tables=1, arptables=1, conntrack loaded: every bridged IPv4 frame through netfilter/conntrack, which the xdp and tc fast paths do not pay\.$' \
	cat "$TMP/r1.md"
mkres "$TMP/r1b" "$two" "" '{"call_iptables":0,"call_ip6tables":0,"call_arptables":0,"conntrack":false}'
check_out "or, with bridge-nf-call-iptables=0, that it skipped netfilter" \
	'^The bridge \(`kernel`\) ran with net.bridge.bridge-nf-call-iptables=0, ip6tables=0, arptables=0: bridged IPv4 frames skipped netfilter\.$' \
	cat "$TMP/r1b.md"
# schema_check.sh recomputes the arithmetic from the samples: each of
# these tamperings of a good file is named (a review's repro: ratio 99,
# median 42, n 7, up_scale ratio 1000, gbps deleted, all said "ok").
udp() { echo "{\"workload\":\"udp64\",\"dataplane\":\"$1\",\"rep\":$2,\"value\":$3,\"cpu_s\":1,\"cpu_per\":2,\"gbps\":$(awk -v v="$3" 'BEGIN {print v * 0.368}'),\"delivered\":1,\"sent\":1,\"offered_mpps\":$3,\"seconds\":1,\"generator\":\"packet\"}"; }
mkres "$TMP/r3" "$two
$(udp kernel 1 0.2; udp kernel 2 0.25; udp tc 1 0.5; udp tc 2 0.6)"
check "a good file with UDP figures passes" "$ROOT/bench/schema_check.sh" "$TMP/r3.json"
tamper() { # NAME RULE-RE JQ-FILTER
	jq "$3" "$TMP/r3.json" >"$TMP/bad.json"
	check_out "schema_check names a tampered file: $1" "$2" "$ROOT/bench/schema_check.sh" "$TMP/bad.json"
}
tamper "tc's udp64 ratio 99" '^schema_check: summary ratios' '.summary.udp64.tc.ratio = 99'
tamper "tc's udp64 median 42 (max 50)" '^schema_check: summary agrees with the samples' \
	'.summary.udp64.tc.median = 42 | .summary.udp64.tc.max = 50'
tamper "the bridge's tcp1 n 7" '^schema_check: summary agrees with the samples' '.summary.tcp1.kernel.n = 7'
tamper "tc's udp64 gbps deleted" '^schema_check: summary agrees with the samples' 'del(.summary.udp64.tc.gbps)'
tamper "up_scale ratio 1000" '^schema_check: up_scale agrees with its samples' '.up_scale[0].ratio = 1000'
tamper "up_scale median off its samples" '^schema_check: up_scale agrees with its samples' '.up_scale[0].nsfast_us.median = 900'
# Ratios over the repetitions both have: tc's second one failed, so its
# 20 is set against the bridge's 10 of the same repetition (2.00×), not
# against the median 11 of both of the bridge's (1.82×); marked so.
mkres "$TMP/r4" "$(smp tcp1 kernel 1 10; smp tcp1 kernel 2 12; smp tcp1 tc 1 20; smp tcp1 tc 2 null)"
check_out "a ratio is over the repetitions both have" '^true$' \
	jq '.summary.tcp1.tc | .ratio == 2 and .ratio_min == 2 and .ratio_max == 2 and .ratio_reps == 1 and .ratio_partial' "$TMP/r4.json"
check "and the file passes bench/schema_check.sh" "$ROOT/bench/schema_check.sh" "$TMP/r4.json"
check_out "results.md marks it in the ratio column" '^\| TCP, 1 stream \| Gbit/s \| 11\.00 \(10\.00–12\.00\) \| 20\.00 \(20\.00–20\.00\) \(1 failed\) \| 2\.00× \(over 1 of 2 reps\) \|$' \
	cat "$TMP/r4.md"
check_out "and says what that means" '^A ratio "over k of N reps" is over only the repetitions' cat "$TMP/r4.md"
check_out "results.svg draws it pale, marked *" 'fill-opacity="0.4"><title>tc TCP, 1 stream: 2.00×.*>2.00\*</text>' \
	bash -c 'tr -d "\n" <"$1"' _ "$TMP/r4.svg"
check_out "a ratio over every repetition is not marked" '^true$' \
	jq '.summary.tcp1.tc | .ratio == 2.2727 and .ratio_reps == 2 and (.ratio_partial | not)' "$TMP/r1.json"
# The plot tells a dataplane that failed from one without a bridge figure
# to divide by: both read "n/a: every repetition failed" before.
mkres "$TMP/r5" "$(smp tcp1 kernel 1 null; smp tcp1 tc 1 20; smp udp64 kernel 1 0.2; smp udp64 tc 1 null)"
svg5=$(tr -d '\n' <"$TMP/r5.svg")
check_out "results.svg: tc's tcp1, with figures but no bridge's, reads 'no bridge'" '^1$' \
	bash -c 'grep -o ">no bridge</text>" <<<"$1" | wc -l' _ "$svg5"
check_out "the bridge's own failed tcp1 and tc's failed udp64 read 'failed'" '^2$' \
	bash -c 'grep -o ">failed</text>" <<<"$1" | wc -l' _ "$svg5"
check_out "and the legend tells them apart" 'failed: every repetition failed; no bridge: a figure, but none of the bridge' echo "$svg5"
mkres "$TMP/r6" "$(smp tcp1 tc 1 20)" '[{"name":"tc","status":"ran"}]'
check_out "without the bridge, the title claims no ratios" '<text[^>]*>t: no figure of the Linux bridge, so no ratios</text>' \
	cat "$TMP/r6.svg"
check_out "with it, they are to it" '<text[^>]*>t: each workload relative to the Linux bridge \(kernel = 1.0\)</text>' \
	cat "$TMP/r5.svg"

# bench/up_scale.sh alternates which goes first: nsfast on odd
# repetitions, the ip script on even ones (stubs log the order; it
# always timed nsfast first).
mkdir -p "$TMP/ups"
printf '#!/bin/sh\necho "nsfast $1" >>"%s"\n' "$TMP/ups/log" >"$TMP/ups/nsfast"
printf '#!/bin/sh\necho ip >>"%s"\n' "$TMP/ups/log" >"$TMP/ups/ip"
chmod +x "$TMP/ups/nsfast" "$TMP/ups/ip"
if PATH=$TMP/ups:$PATH NSFAST=$TMP/ups/nsfast "$ROOT/bench/up_scale.sh" --reps 3 --json "$TMP/ups/out.json" 1 \
	>"$TMP/ups/out" 2>&1; then
	order=$(uniq "$TMP/ups/log" | paste -sd,)
	# (ip: its name check first; nsfast down and ip: its cleanup last)
	if [ "$order" = "ip,nsfast up,nsfast down,ip,nsfast up,nsfast down,nsfast up,nsfast down,ip,nsfast down,ip" ]; then
		pass "up_scale.sh: nsfast first, then the ip script first, then nsfast first"
	else fail "up_scale.sh order: $order"; fi
else fail "up_scale.sh with stubs: $(tail -3 "$TMP/ups/out")"; fi
