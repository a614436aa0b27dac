#!/usr/bin/env bash
# `nsfast bench --quick` on the small bench topology: it finishes, writes
# results.json, results.md and results.svg, the JSON passes the schema
# check (bench/schema_check.sh), every dataplane that ran has a non-zero
# figure for every workload, and nothing of its labs is left, also when
# it is stopped half-way. Files that do not fit are refused before
# anything is created. Every run holds the benchmark lock.
. "$(dirname "$0")/../lib.sh"
LOCK=${NSFAST_BENCH_LOCK:-/tmp/nsfast-bench.lock}
FILE=$ROOT/examples/bench.conf
OUT=$TMP/results # inside $TMP: the teardown removes it

if [ "${NSFAST_SKIP_BENCH:-0}" = 1 ]; then
	skip "nsfast bench --quick (NSFAST_SKIP_BENCH=1)"
	exit 0
fi

# lab_left LAB: whatever of LAB (and its scaling lab LABs) is still there.
lab_left() {
	ip netns list | awk '{print $1}' | grep -E "^$1s?-"
	ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$1s?-"
	ls -d /run/nsfast/"$1" /run/nsfast/"$1"s 2>/dev/null
	return 0
}
# check_gone NAME LAB: passes when nothing of LAB is left.
check_gone() {
	local left
	left=$(lab_left "$2")
	if [ -z "$left" ]; then pass "$1"; else fail "$1: left: $(echo $left)"; fi
}

# --- the quick run, on examples/bench.conf written as a user may: the
# switch's keys on its own line in another order, CRLF line ends. bench
# reads the file through 'nsfast check --json', as up does; a reader of
# its own once missed the uplink there and ran no NAT workload.
sed -e '/^switch sw0/{N;N;s/\n */ /g;s/  */ /g;s/dataplane kernel \(gateway [^ ]*\) \(uplink up0 snat\)/\2 dataplane kernel \1/}' \
	-e 's/$/\r/' "$FILE" >"$TMP/bench-crlf.conf"
if grep -q '^switch sw0 uplink up0 snat dataplane kernel gateway 10.66.0.1/24.$' "$TMP/bench-crlf.conf"; then
	FILE=$TMP/bench-crlf.conf
else fail "could not write the variant of bench.conf: $(grep -a '^switch' "$TMP/bench-crlf.conf")"; fi
t0=$(date +%s)
# The bridge and tc, the default: bench.sh runs every other dataplane the
# same way as tc (make bench runs them all); two keep make check short.
flock "$LOCK" "$NSFAST" bench --quick --dataplanes kernel,tc --out "$OUT" "$FILE" >"$TMP/bench.out" 2>"$TMP/bench.err"
rc=$?
secs=$(( $(date +%s) - t0 ))
if [ $rc = 0 ]; then pass "nsfast bench --quick ran in $secs s (lock wait included)"
else fail "nsfast bench --quick: exit $rc: $(tail -n 4 "$TMP/bench.err" | tr '\n' ' ')"; fi
for f in results.json results.md results.svg; do
	if [ -s "$OUT/$f" ]; then pass "it wrote $f"; else fail "no $f in $OUT"; fi
done
J=$OUT/results.json
check "results.json passes bench/schema_check.sh" "$ROOT/bench/schema_check.sh" "$J"
nf=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo null)
check_out "machine.bridge_netfilter is the bridge's netfilter condition (bridge-nf-call-iptables $nf)" '^true$' \
	jq --argjson a "$nf" '.machine.bridge_netfilter.call_iptables == $a and (.machine.bridge_netfilter.conntrack | type == "boolean")' "$J"
check "the Linux bridge ran" jq -e '.dataplanes[] | select(.name == "kernel") | .status == "ran"' "$J"
check_out "tc ran too, and nothing else was asked for" '^true$' \
	jq '[.dataplanes[] | "\(.name) \(.status)"] == ["kernel ran", "tc ran"]' "$J"
check_out "every workload of the topology was measured (switched, NAT, scaling)" '^true$' \
	jq '[.workloads[].id] as $w | all(["tcp1", "tcp4", "udp64", "udp1500", "rr_p50", "rr_p99",
		"nat_tcp1", "nat_tcp1_down", "nat_udp64", "nat_rr_p50", "nat_rr_p99", "scale2", "scale8"][]; . as $i | $w | index($i))' "$J"
bad=$(jq -r '. as $r | .dataplanes[] | select(.status == "ran") | .name as $d | $r.workloads[].id as $w |
	$r.summary[$w][$d] | select(.n < 1 or .failed > 0 or .median <= 0 or .cpu_per <= 0) | "\($d) \($w)"' "$J" 2>&1)
if [ -z "$bad" ]; then pass "every dataplane that ran has non-zero figures (and CPU per unit) for every workload"
else fail "zero or failed figures: $(echo $bad)"; fi
# CPU figures bracket the work: a generator's from its start moment to
# its end (not its start-up, nor the wait for the others, nor the drain
# after), and the round trips' count the warm-up ones they include.
bad=$(jq -r '.samples[] | select(.value != null and (.workload | test("^(udp|nat_udp|scale)"))) |
	select((.cpu_span_s | type) != "number" or .cpu_span_s > .seconds + 0.3 or .cpu_span_s < .seconds - 0.1) |
	"\(.dataplane) \(.workload): CPU over \(.cpu_span_s) s, sent for \(.seconds) s"' "$J" 2>&1)
if [ -z "$bad" ]; then pass "each generator's CPU figure spans its sending time (within 0.3 s)"
else fail "CPU intervals: $(echo $bad)"; fi
bad=$(jq -r '.samples[] | select(.value != null and (.workload | test("rr_p50$"))) |
	select(.warmup != 100 or ((.cpu_s / ((.round_trips + .lost + .warmup) / 1e6)) - .cpu_per | fabs) > 0.001 * .cpu_per + 0.001) |
	"\(.dataplane) \(.workload): \(.cpu_per) per M of \(.round_trips) + \(.lost) + \(.warmup)"' "$J" 2>&1)
if [ -z "$bad" ]; then pass "round trips' CPU is per round trip sent, the 100 warm-ups included"
else fail "round trips' CPU: $(echo $bad)"; fi
check_out "ratios are to the bridge of the same run" '^true$' \
	jq '. as $r | all(.workloads[].id; $r.summary[.].kernel.ratio == 1)' "$J"
check_out "up and down time were measured against the ip scripts" '^true$' \
	jq '.up_scale | length == 1 and .[0].namespaces == 16 and .[0].nsfast_us.median > 0 and .[0].ip_script_us.median > 0 and
		.[0].nsfast_down_us.median > 0 and .[0].ip_script_down_us.median > 0 and .[0].down_ratio > 0' "$J"
check_out "and results.md shows both" '^\| 16 \| [0-9.]+ \([0-9.–]+\) \| [0-9.]+ \([0-9.–]+\) \| [0-9.]+× \| [0-9.]+ \([0-9.–]+\) \| [0-9.]+ \([0-9.–]+\) \| [0-9.]+× \|$' \
	cat "$OUT/results.md"
rows=$(grep -c '^| ' "$OUT/results.md")
n=$(jq '.workloads | length' "$J")
# workload table (header + rows), CPU table (header + rows without the p99s), up table (header + 1)
if [ "$rows" -ge $(( n + 1 + 1 )) ] && grep -q '^| TCP, 1 stream | Gbit/s | ' "$OUT/results.md"; then
	pass "results.md has a row per workload"
else fail "results.md: $rows table rows for $n workloads"; fi
if head -c 5 "$OUT/results.svg" | grep -q '<svg' && tail -n 1 "$OUT/results.svg" | grep -q '</svg>' &&
	[ "$(grep -c '<rect x=' "$OUT/results.svg")" -gt "$n" ]; then
	pass "results.svg is an SVG with bars"
else fail "results.svg is not the plot"; fi
lab=$(jq -r .topology.lab "$J")
check_gone "the run left nothing of lab $lab" "$lab"

# --- stopped half-way: SIGTERM while a workload runs (a background shell
# ignores SIGINT, which is what Ctrl-C sends to a foreground run)
flock "$LOCK" bash -c 'echo $$ >"$1"; exec "$2" bench --quick --dataplanes kernel --out "$3" "$4"' _ \
	"$TMP/pid" "$NSFAST" "$TMP/int" "$FILE" >/dev/null 2>"$TMP/int.err" &
PIDS+=($!)
for _ in $(seq 300); do grep -q 'tcp4' "$TMP/int.err" 2>/dev/null && break; sleep 0.1; done
lab=$(sed -n 's/.*, lab \(b[0-9a-f]*\)$/\1/p' "$TMP/int.err" | head -1)
if [ -n "$lab" ] && [ -n "$(lab_left "$lab")" ]; then
	kill -TERM "$(cat "$TMP/pid")"
	wait "${PIDS[-1]}"
	rc=$?
	if [ $rc = 130 ] && grep -q 'interrupted, cleaning up' "$TMP/int.err"; then
		pass "SIGTERM stops it (exit 130)"
	else fail "SIGTERM: exit $rc: $(tail -n 2 "$TMP/int.err" | tr '\n' ' ')"; fi
	check_gone "and it left nothing of lab $lab behind" "$lab"
	if [ -e "$TMP/int/results.json" ]; then fail "a stopped run wrote results"; else pass "a stopped run writes no results"; fi
else
	fail "could not catch the second run with its lab up: $(tail -n 2 "$TMP/int.err" | tr '\n' ' ')"
fi

# --- a tool that crashes: the failed samples say how it ended (a stub
# nsgen killed by SIGSEGV, with nothing on stderr), where they said
# "nsgen:" and nothing more.
mkdir -p "$TMP/stub"
cat >"$TMP/stub/nsgen" <<EOF
#!/bin/bash
[ "\$1" = --clock ] && exec "${NSFAST_BUILD:-$ROOT/build}/nsgen" "\$@"
kill -SEGV \$\$
EOF
chmod +x "$TMP/stub/nsgen"
ln -s "${NSFAST_BUILD:-$ROOT/build}/nsping" "$TMP/stub/nsping"
NSFAST_BUILD=$TMP/stub flock "$LOCK" "$ROOT/bench/bench.sh" --quick --dataplanes kernel --out "$TMP/crash" "$FILE" \
	>/dev/null 2>"$TMP/crash.err"
rc=$?
if [ $rc = 1 ] && grep -q '^- udp64 on kernel, rep 1: failed: nsgen: killed by SIGSEGV$' "$TMP/crash/results.md" &&
	grep -q '^- scale2 on kernel, rep 1: failed: nsgen in b[0-9a-f]*s-n0: killed by SIGSEGV$' "$TMP/crash/results.md"; then
	pass "a crashed generator is reported as killed by SIGSEGV (exit 1)"
else fail "crashed nsgen: exit $rc: $(grep -a 'failed:' "$TMP/crash/results.md" 2>&1 | head -3 | tr '\n' ' ') $(tail -n 2 "$TMP/crash.err" | tr '\n' ' ')"; fi

# --- a dataplane the file does not pass check on: skipped, with check's
# words, before anything of it is made (jumbo.conf's MTU 9000 on tc); as
# it is the only one, nothing ran: exit 1, and no results to mislead.
flock "$LOCK" "$NSFAST" bench --quick --dataplanes tc --out "$TMP/skip" "$ROOT/examples/jumbo.conf" \
	>/dev/null 2>"$TMP/skip.err"
rc=$?
want="nsfast bench: tc skipped: $ROOT/examples/jumbo.conf:21: mtu 9000 on a port of tc switch 'sw0' is above 3506, the largest frame its slow path takes, expected 3506 or less, or --dataplane afxdp or xdp"
if [ $rc = 1 ] && grep -qxF "$want" "$TMP/skip.err" &&
	grep -q "^nsfast bench: no dataplane ran (said above): no results written$" "$TMP/skip.err" &&
	[ ! -e "$TMP/skip/results.json" ]; then
	pass "a dataplane the file does not fit is skipped, with check's reason; with none left, no results"
else fail "jumbo.conf on tc: exit $rc: $(ls "$TMP/skip" 2>&1 | tr '\n' ' ') $(tail -n 3 "$TMP/skip.err" | tr '\n' ' ')"; fi

# --- files that do not fit: refused before anything exists
cat >"$TMP/one.conf" <<CONF
lab x
switch sw0
ns a
    link eth0 switch sw0 addr 10.66.0.2/24
CONF
check_out "a switch with one namespace is refused, naming the file" \
	"one.conf: switch sw0 \(the first one\) has 1 namespace\(s\) linked; the benchmark needs two" \
	"$NSFAST" bench --quick "$TMP/one.conf"
cat >"$TMP/real.conf" <<CONF
lab x
switch sw0
    gateway 10.66.0.1/24
    uplink eth0 snat
ns a
    link eth0 switch sw0 addr 10.66.0.2/24
ns b
    link eth0 switch sw0 addr 10.66.0.3/24
CONF
check_out "an uplink that is not a veth of the file is refused (no traffic to real interfaces)" \
	"real.conf: the uplink eth0 of switch sw0 is not the host end of a 'veth host:eth0'" \
	"$NSFAST" bench --quick "$TMP/real.conf"
check_out "--dataplanes wants known names" "unknown dataplane 'ovs'" \
	"$NSFAST" bench --dataplanes kernel,ovs "$FILE"
check_out "--dataplanes with a newline is refused (not its first line alone)" "holds a newline" \
	"$NSFAST" bench --dataplanes $'tc\nxdp' "$FILE"
check_out "--dataplanes wants the list without spaces (not tc alone)" \
	"unknown dataplane ' afxdp' in --dataplanes 'tc, afxdp'" \
	"$NSFAST" bench --dataplanes "tc, afxdp" "$FILE"
# The uplink on the switch's own line, and a default route written as a
# CIDR: what the file says, however it says it.
sed -e '/^switch sw0/{N;N;s/\n */ /g}' "$TMP/real.conf" >"$TMP/real1.conf"
check_out "an uplink on the switch's line is refused the same" \
	"real1.conf: the uplink eth0 of switch sw0 is not the host end of a 'veth host:eth0'" \
	"$NSFAST" bench --quick "$TMP/real1.conf"
{ grep -v uplink "$TMP/real.conf"; printf 'host\n    route 0.0.0.0/0 via 10.66.0.2\n'; } >"$TMP/hdef.conf"
check_out "a default route of the host's is refused, written as 0.0.0.0/0 too" \
	"hdef.conf: the host block sets a default route" "$NSFAST" bench --quick "$TMP/hdef.conf"
