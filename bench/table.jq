# bench/table.jq: results.md from results.json (jq -r -f bench/table.jq).

# Fixed decimals: 1.5 | fix(2) -> "1.50".
def fix(d): if . == null then "–" else
	(. * pow(10; d) | round) as $i | ($i | fabs | tostring) as $s |
	(if ($s | length) <= d then ("0" * (d - ($s | length) + 1)) + $s else $s end) as $p |
	(if $i < 0 then "-" else "" end) + (if d == 0 then $p else $p[0:-d] + "." + $p[-d:] end) end;
def digits: if . == "Gbit/s" then 2 elif . == "Mpps" then 3 elif . == "µs" then 1 else 2 end;
def cell(d): if . == null then "–" elif .n == 0 then "failed" else
	"\(.median | fix(d)) (\(.min | fix(d))–\(.max | fix(d)))" +
	(if .failed > 0 then " (\(.failed) failed)" else "" end) end;

. as $r |
[.dataplanes[] | select(.status == "ran") | .name] as $ran |
[.dataplanes[] | select(.status != "ran")] as $not |
[$ran[] | select(. != "kernel")] as $others |
($ran | index("kernel")) as $haskernel |
"# nsfast bench \(.date[0:10])",
"",
"`\(.topology.file)` on \($ran | join(", ")), \(.config.reps) repetition\(if .config.reps > 1 then "s, dataplanes alternating" else "" end)\(if .config.quick then " (--quick)" else "" end); median (min–max)" +
	(if $haskernel then ", and each dataplane's median as a ratio to the Linux bridge (`kernel`) of the same run" else "" end) +
	". \(.machine.cpus) CPUs (\(.machine.cpu)), \(.machine.virtualization), kernel \(.machine.kernel), \(.machine.os); nsfast \(.versions.nsfast) (\(.versions.git)), iperf3 \(.versions.iperf3)" +
	(if (.config.generators // []) | length > 0 then "; nsgen sent UDP by \(.config.generators | join(" and ")) (see nsgen --help)" else "" end) + ".",
"",
"| workload | unit | " + ([$ran[] as $d | $d, (if $d != "kernel" and $haskernel then "\($d) ÷ kernel" else empty end)] + [$not[].name] | join(" | ")) + " |",
"| --- | --- | " + ([$ran[] as $d | "---:", (if $d != "kernel" and $haskernel then "---:" else empty end)] + [$not[] | "---"] | join(" | ")) + " |",
(.workloads[] as $w | $r.summary[$w.id] as $s |
	"| \($w.title)\(if $w.better == "lower" then " ↓" else "" end) | \($w.unit) | " +
	([$ran[] as $d | ($s[$d] | cell($w.unit | digits)),
		(if $d != "kernel" and $haskernel then
			(if $s[$d].ratio == null then "–" else "\($s[$d].ratio | fix(2))×" +
				(if $s[$d].ratio_partial then " (over \($s[$d].ratio_reps) of \($r.config.reps) reps)" else "" end) end)
			else empty end)] +
	 [$not[] | .status] | join(" | ")) + " |"),
"",
(.machine.bridge_netfilter as $nf | if $haskernel and $nf then
	"The bridge (`kernel`) ran with " +
	(if $nf.call_iptables == null then "no br_netfilter (no net.bridge.bridge-nf-call-*): bridged frames skipped netfilter"
	 else "net.bridge.bridge-nf-call-iptables=\($nf.call_iptables), ip6tables=\($nf.call_ip6tables), arptables=\($nf.call_arptables)" +
		(if $nf.call_iptables == 1 then
			", conntrack \(if $nf.conntrack then "loaded" else "not loaded" end): every bridged IPv4 frame through netfilter" +
			(if $nf.conntrack then "/conntrack" else "" end) + ", which the xdp and tc fast paths do not pay"
		 else ": bridged IPv4 frames skipped netfilter" end) end) + ".", ""
 else empty end),
(if any(.summary[][]; .ratio != null and .ratio_partial) then
	"A ratio \"over k of N reps\" is over only the repetitions in which both the dataplane and the bridge have a figure (the others failed on one side); the value columns are over all of each one's.", ""
 else empty end),
"↓: lower is better. UDP rates are packets delivered to the receiver (counted by an nftables rule at the start of its prerouting). " +
	"Gbit/s of the UDP runs (IP packets, median): " +
	([.workloads[] | select(.unit == "Mpps" and .path != "scale") as $w | "\($w.title) " +
		([$ran[] as $d | "\($d) \($r.summary[$w.id][$d].gbps | fix(2))"] | join(", "))] | join("; ")) + ".",
"",
"**CPU** (all CPU time of the machine during each run, per unit of work, median)",
"",
"| workload | unit | " + ($ran | join(" | ")) + " |",
"| --- | --- | " + ([$ran[] | "---:"] | join(" | ")) + " |",
(.workloads[] | select(.id | test("_p99$") | not) as $w |
	"| \($w.title | sub(" p50$"; "")) | \($w.cpu_unit) | " +
	([$ran[] as $d | $r.summary[$w.id][$d].cpu_per | fix(2)] | join(" | ")) + " |"),
(if (.up_scale | length) > 0 then
	"",
	"**nsfast up** and **down** of N namespaces on a `kernel` switch against the same lab built and removed by plain `ip` scripts (bench/gen_scale.sh: one `ip` process per command, no `ip -batch`), alternating which goes first, median (min–max) ms",
	"",
	"| namespaces | nsfast up (ms) | ip script (ms) | ip script ÷ nsfast | nsfast down (ms) | ip script (ms) | ip script ÷ nsfast |",
	"| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
	(.up_scale[] | def ms(s): "\(s.median / 1000 | fix(1)) (\(s.min / 1000 | fix(1))–\(s.max / 1000 | fix(1)))";
		"| \(.namespaces) | \(ms(.nsfast_us)) | \(ms(.ip_script_us)) | \(.ratio | fix(1))× | " +
		(if .nsfast_down_us then "\(ms(.nsfast_down_us)) | \(ms(.ip_script_down_us)) | \(.down_ratio | fix(1))× |"
		 else "– | – | – |" end))
else empty end),
"",
([$not[] | "- `\(.name)`: \(.status): \(.reason // "")"] +
 [.peers[] | "- Open vSwitch: \(.status)\(if .reason then ": " + .reason else "" end)"] +
 (if .topology.nat_skipped then ["- NAT workloads: skipped: \(.topology.nat_skipped)"] else [] end) +
 [.samples[] | select(.error) | "- \(.workload) on \(.dataplane), rep \(.rep): failed: \(.error)"] | .[])
