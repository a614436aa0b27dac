# bench/results.jq: results.json from the raw samples (bench/bench.sh
# passes everything as --arg/--argjson/--slurpfile). The schema is in
# README.md ("nsfast bench") and checked by bench/schema_check.sh.

def median: sort | length as $n |
	if $n == 0 then null
	elif $n % 2 == 1 then .[($n - 1) / 2]
	else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
def r4: if . == null then null else . * 10000 | round / 10000 end;

# Every workload bench.sh knows, in table order; only those with samples
# are kept.
def all_workloads: [
	{id: "tcp1", title: "TCP, 1 stream", path: "switched", unit: "Gbit/s", better: "higher", cpu_unit: "CPU-s per GB"},
	{id: "tcp4", title: "TCP, 4 streams", path: "switched", unit: "Gbit/s", better: "higher", cpu_unit: "CPU-s per GB"},
	{id: "udp64", title: "UDP 64 B", path: "switched", unit: "Mpps", better: "higher", cpu_unit: "CPU-s per Mpkt"},
	{id: "udp1500", title: "UDP 1500 B", path: "switched", unit: "Mpps", better: "higher", cpu_unit: "CPU-s per Mpkt"},
	{id: "rr_p50", title: "UDP round trip p50", path: "switched", unit: "µs", better: "lower", cpu_unit: "CPU-s per M round trips"},
	{id: "rr_p99", title: "UDP round trip p99", path: "switched", unit: "µs", better: "lower", cpu_unit: "CPU-s per M round trips"},
	{id: "nat_tcp1", title: "NAT TCP, 1 stream", path: "nat", unit: "Gbit/s", better: "higher", cpu_unit: "CPU-s per GB"},
	{id: "nat_tcp1_down", title: "NAT TCP, 1 stream, download", path: "nat", unit: "Gbit/s", better: "higher", cpu_unit: "CPU-s per GB"},
	{id: "nat_udp64", title: "NAT UDP 64 B (socket)", path: "nat", unit: "Mpps", better: "higher", cpu_unit: "CPU-s per Mpkt"},
	{id: "nat_rr_p50", title: "NAT UDP round trip p50", path: "nat", unit: "µs", better: "lower", cpu_unit: "CPU-s per M round trips"},
	{id: "nat_rr_p99", title: "NAT UDP round trip p99", path: "nat", unit: "µs", better: "lower", cpu_unit: "CPU-s per M round trips"}
] + [$scale[] | {id: "scale\(.)", title: "64 B over \(.) namespaces", path: "scale", unit: "Mpps", better: "higher", cpu_unit: "CPU-s per Mpkt"}];

$samples as $s |
([$s[].workload] | unique) as $have |
[all_workloads[] | select(.id as $i | $have | index($i))] as $workloads |
# Per workload and dataplane: the samples' statistics.
(reduce $workloads[].id as $w ({};
	.[$w] = (reduce ($dataplanes[] | select(.status == "ran") | .name) as $d ({};
		[$s[] | select(.workload == $w and .dataplane == $d)] as $x |
		[$x[] | select(.value != null)] as $ok |
		if ($x | length) == 0 then . else
		.[$d] = {
			n: ($ok | length),
			failed: (($x | length) - ($ok | length)),
			median: ([$ok[].value] | median | r4),
			min: ([$ok[].value] | min | r4),
			max: ([$ok[].value] | max | r4),
			cpu_per: ([$ok[].cpu_per | select(. != null)] | median | r4)
		} + (if ($ok | length) > 0 and $ok[0].gbps != null then
			{gbps: ([$ok[].gbps] | median | r4), offered_mpps: ([$ok[].offered_mpps] | median | r4)}
		else {} end)
		end)))) as $stats |
# Ratios to the Linux bridge of the same run, over the repetitions in
# which both have a figure (a repetition that failed on one side only
# would otherwise set one's median against the other's over other
# repetitions): the median, min and max there over the bridge's median
# there; ratio_reps of them, ratio_partial when either has a figure in
# a repetition the other lacks. Null when they share none.
def by_rep($w; $d): [$s[] | select(.workload == $w and .dataplane == $d and .value != null) |
	{key: (.rep | tostring), value: .value}] | from_entries;
($stats | with_entries(.key as $w | .value |= with_entries(.key as $d |
	by_rep($w; "kernel") as $kr | by_rep($w; $d) as $dr |
	[$dr | keys[] | select($kr[.] != null)] as $both |
	([$both[] | $kr[.]] | median) as $k | [$both[] | $dr[.]] as $v |
	.value += (if $k == null or $k == 0
		then {ratio: null, ratio_min: null, ratio_max: null, ratio_reps: 0}
		else {ratio: ($v | median / $k | r4), ratio_min: ($v | min / $k | r4),
		      ratio_max: ($v | max / $k | r4), ratio_reps: ($both | length)} end) +
		{ratio_partial: (($both | length) < (($kr + $dr) | length))}))) as $summary |
{
	schema: "nsfast-bench/1",
	date: $date,
	elapsed_s: $elapsed,
	machine: {cpus: $ncpu, cpu: $cpu, kernel: $kernel, os: $os, virtualization: $virt, load_before: $load, busy_before: $busy,
		  bridge_netfilter: $bridge_nf},
	versions: {nsfast: $nsfast, git: $git, iperf3: $iperf3, nft: $nft},
	config: {reps: $reps, quick: ($quick == 1), tcp_seconds: $tcp_s, udp_seconds: $udp_s,
		 round_trips: $rr_n, scale_namespaces: $scale, up_namespaces: $upn,
		 generators: ([$samples[] | .generator // empty] | unique)},
	topology: {file: $file, text: $text, lab: $lab, switch: $sw, client: $client, server: $server,
		   uplink: (if $uplink == "" then null else $uplink end),
		   nat_target: (if $nat_ns == "" then null else $nat_ns end),
		   nat_skipped: (if $nat_why == "" then null else $nat_why end)},
	dataplanes: $dataplanes,
	peers: $ovs,
	workloads: $workloads,
	samples: $s,
	summary: $summary,
	up_scale: $up
}
