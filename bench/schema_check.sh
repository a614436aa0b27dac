#!/usr/bin/env bash
# bench/schema_check.sh RESULTS.JSON
# Check that a results.json of `nsfast bench` has the documented shape
# (README.md, "nsfast bench"): prints each rule it breaks, exit status 1
# if any, 0 if none.
set -uo pipefail
[ $# = 1 ] && [ "$1" != -h ] && [ "$1" != --help ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ -r "$1" ] || { echo "schema_check: cannot read $1" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
jq -r '
def num: type == "number";
def str: type == "string";
def numornull: . == null or type == "number";
def stats: type == "object" and (.median | num) and (.min | num) and (.max | num) and
	.min <= .median and .median <= .max and (.samples | type == "array" and length >= 1 and all(num));
. as $r |
# The arithmetic, recomputed from the samples as results.jq does it: the
# figures are rounded to 4 decimals there, the up_scale ratios to 1 and its
# medians to whole microseconds.
def med: sort | length as $n | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2]
	else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
def near($b; $tol): (. == null and $b == null) or
	((. | num) and ($b | num) and ((. - $b) | fabs) <= $tol + 1e-9 * ($b | fabs));
def vals($w; $d): [$r.samples[] | select(.workload == $w and .dataplane == $d and .value != null)];
# {ratio, ratio_min, ratio_max, ratio_reps, ratio_partial} of workload W
# on dataplane D as results.jq should have them: over the repetitions in
# which both D and the bridge have a value, its median, min and max over
# the median of the bridge; partial when either has one the other lacks.
def ratios($w; $d): [vals($w; "kernel")[].rep] as $kr | [vals($w; $d)[].rep] as $dr |
	[$dr[] | select(. as $x | $kr | index($x))] as $both |
	([vals($w; "kernel")[] | select(.rep as $x | $both | index($x)) | .value] | med) as $k |
	[vals($w; $d)[] | select(.rep as $x | $both | index($x)) | .value] as $v |
	(if $k == null or $k == 0 then {ratio: null, ratio_min: null, ratio_max: null, ratio_reps: 0}
	 else {ratio: (($v | med) / $k), ratio_min: (($v | min) / $k), ratio_max: (($v | max) / $k),
	       ratio_reps: ($both | length)} end) +
	{ratio_partial: (($both | length) < ($kr + $dr | unique | length))};
def agrees($s): ($s.median | near($s.samples | med; 1)) and $s.min == ($s.samples | min) and
	$s.max == ($s.samples | max);
[.dataplanes[]? | .name] as $dps |
[.dataplanes[]? | select(.status == "ran") | .name] as $ran |
[.workloads[]? | .id] as $ids |
[
	["schema is \"nsfast-bench/1\"", .schema == "nsfast-bench/1"],
	["date is an ISO 8601 string", (.date | str) and (.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))],
	["elapsed_s is a number", (.elapsed_s | num)],
	["machine has cpus, cpu, kernel, os, virtualization, load_before, busy_before",
		(.machine | type == "object") and (.machine.cpus | num) and (.machine.load_before | num) and
		(.machine.busy_before | num) and
		([.machine.cpu, .machine.kernel, .machine.os, .machine.virtualization] | all(str))],
	["machine.bridge_netfilter: call_iptables, call_ip6tables, call_arptables (0, 1 or null), conntrack (boolean)",
		(.machine.bridge_netfilter | type == "object") and
		([.machine.bridge_netfilter | .call_iptables, .call_ip6tables, .call_arptables] | all(IN(0, 1, null))) and
		(.machine.bridge_netfilter.conntrack | type == "boolean")],
	["versions has nsfast, git, iperf3, nft (strings)",
		(.versions | type == "object") and ([.versions.nsfast, .versions.git, .versions.iperf3, .versions.nft] | all(str))],
	["config has reps >= 1, quick, tcp_seconds, udp_seconds, round_trips, scale_namespaces, up_namespaces",
		(.config.reps | num) and .config.reps >= 1 and (.config.quick | type == "boolean") and
		([.config.tcp_seconds, .config.udp_seconds, .config.round_trips] | all(num)) and
		(.config.scale_namespaces | type == "array" and all(num)) and
		(.config.up_namespaces | type == "array" and all(num))],
	["config.generators: an array of live|packet|socket, as the samples say",
		(.config.generators | type == "array" and all(IN("live", "packet", "socket"))) and
		(.config.generators == ([.samples[]? | .generator // empty] | unique))],
	["topology has file, text, lab, switch, client, server (strings), uplink, nat_target, nat_skipped (string or null)",
		([.topology.file, .topology.text, .topology.lab, .topology.switch, .topology.client, .topology.server] | all(str)) and
		([.topology.uplink, .topology.nat_target, .topology.nat_skipped] | all(. == null or str))],
	["dataplanes: a non-empty array of {name: kernel|afxdp|xdp|tc, status: ran|skipped|failed}, reason when not ran",
		(.dataplanes | type == "array" and length >= 1) and
		(.dataplanes | all((.name | IN("kernel", "afxdp", "xdp", "tc")) and (.status | IN("ran", "skipped", "failed")) and
			(.status == "ran" or (.reason | str))))],
	["peers: an array of {name, status}", (.peers | type == "array") and (.peers | all((.name | str) and (.status | str)))],
	["workloads: a non-empty array of {id, title, path: switched|nat|scale, unit: Gbit/s|Mpps|µs, better: higher|lower, cpu_unit}",
		(.workloads | type == "array" and length >= 1) and
		(.workloads | all((.id | str) and (.title | str) and (.path | IN("switched", "nat", "scale")) and
			(.unit | IN("Gbit/s", "Mpps", "µs")) and (.better | IN("higher", "lower")) and (.cpu_unit | str)))],
	["samples: {workload, dataplane, rep, value >= 0 with cpu_s, cpu_per numbers, or value null with an error}",
		(.samples | type == "array") and
		(.samples | all((.workload as $w | $ids | index($w)) and (.dataplane as $d | $dps | index($d)) and
			(.rep | num) and .rep >= 1 and .rep <= $r.config.reps and
			((.value | num) and .value >= 0 and (.cpu_s | num) and (.cpu_per | num) or
			 (.value == null and (.error | str)))))],
	["every dataplane that ran has samples of every workload",
		all($ran[]; . as $d | all($ids[]; . as $w | any($r.samples[]; .workload == $w and .dataplane == $d)))],
	["summary: for each workload, for each dataplane that ran, {n, failed, median, min, max, cpu_per, ratio, ratio_min, ratio_max}",
		(.summary | type == "object") and
		all($ids[]; . as $w | all($ran[]; . as $d | $r.summary[$w][$d] as $s |
			($s | type == "object") and ($s.n | num) and ($s.failed | num) and
			([$s.median, $s.min, $s.max, $s.cpu_per, $s.ratio, $s.ratio_min, $s.ratio_max] | all(numornull)) and
			($s.n == 0 or ($s.min <= $s.median and $s.median <= $s.max))))],
	["summary agrees with the samples: n, failed, median, min, max, cpu_per, gbps and offered_mpps recomputed from them",
		all($ids[]; . as $w | all($ran[]; . as $d | $r.summary[$w][$d] as $s | vals($w; $d) as $ok |
			[$r.samples[] | select(.workload == $w and .dataplane == $d)] as $x |
			($x | length) == 0 or (($s | type) == "object" and
			$s.n == ($ok | length) and $s.failed == (($x | length) - ($ok | length)) and
			($s.median | near([$ok[].value] | med; 0.0001)) and ($s.min | near([$ok[].value] | min; 0.0001)) and
			($s.max | near([$ok[].value] | max; 0.0001)) and
			($s.cpu_per | near([$ok[].cpu_per | select(. != null)] | med; 0.0001)) and
			(($ok | length) == 0 or $ok[0].gbps == null or
			 (($s.gbps | near([$ok[].gbps] | med; 0.0001)) and ($s.offered_mpps | near([$ok[].offered_mpps] | med; 0.0001)))))))],
	["summary ratios (over the repetitions both have: ratio_reps, ratio_partial) recomputed from the samples",
		all($ids[]; . as $w | all($ran[]; . as $d | $r.summary[$w][$d] as $s | ratios($w; $d) as $e |
			$s == null or (($s.ratio | near($e.ratio; 0.0001)) and ($s.ratio_min | near($e.ratio_min; 0.0001)) and
				($s.ratio_max | near($e.ratio_max; 0.0001)) and $s.ratio_reps == $e.ratio_reps and
				$s.ratio_partial == $e.ratio_partial)))],
	["the bridge is 1.0 of itself", all($ids[]; $r.summary[.].kernel as $k |
		$k == null or $k.median == null or $k.median == 0 or $k.ratio == 1)],
	["up_scale: an array of {namespaces, nsfast_us, ip_script_us, nsfast_down_us, ip_script_down_us (median, min, max, samples), ratio, down_ratio}",
		(.up_scale | type == "array") and
		(.up_scale | all((.namespaces | num) and (.nsfast_us | stats) and (.ip_script_us | stats) and (.ratio | num) and
			(.nsfast_down_us | stats) and (.ip_script_down_us | stats) and (.down_ratio | num)))],
	["up_scale agrees with its samples: each median, min and max, and ratio, down_ratio = the median of the ip script over that of nsfast",
		(.up_scale | type == "array") and
		all(.up_scale[]?; . as $u | all(.nsfast_us, .ip_script_us, .nsfast_down_us, .ip_script_down_us; agrees(.)) and
			(.ratio | near($u.ip_script_us.median / $u.nsfast_us.median; 0.05)) and
			(.down_ratio | near($u.ip_script_down_us.median / $u.nsfast_down_us.median; 0.05)))]
] | .[] | select(.[1] != true) | "schema_check: \(.[0])"
' "$1" >"$out" 2>&1
rc=$?
if [ $rc != 0 ]; then
	echo "schema_check: $1 is not JSON jq can read: $(head -2 "$out")"
	rm -f "$out"
	exit 1
fi
if [ -s "$out" ]; then
	cat "$out"
	rm -f "$out"
	exit 1
fi
rm -f "$out"
echo "schema_check: $1: ok"
