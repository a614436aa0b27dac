#!/usr/bin/env bash
# bench/up_scale.sh [--quick] [--reps R] [--json FILE] [N...]
# Time `nsfast up` and `nsfast down` of an N-namespace lab (default 16 64
# 128 256) against the equivalent plain iproute2 scripts
# (bench/gen_scale.sh: one ip process per command, no ip -batch),
# alternating the two (nsfast first on odd repetitions, the scripts on
# even ones), R times each (default 3);
# report the median, min and max wall time and the ratios. Writes FILE
# (JSON only: what `nsfast bench` uses), or
# results/DATE-TIME/up_scale.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
NSFAST=${NSFAST:-$PWD/nsfast}
reps=3 json=
sizes=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) reps=1; sizes=(16) ;;
	--reps) reps=$2; shift ;;
	--json) json=$2; shift ;;
	-h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) sizes+=("$1") ;;
	esac
	shift
done
[ ${#sizes[@]} -gt 0 ] || sizes=(16 64 128 256)
[ "$(id -u)" = 0 ] || { echo "up_scale: needs root" >&2; exit 1; }

# Lab names end in n or i, never a hex digit: no clash with bench.sh's;
# and never one up already, nor a prefix of anything there (up would
# take it over, and the cleanup delete it).
for _ in $(seq 100); do
	PFX=b$(printf '%03x' $(( (RANDOM ^ $$) & 0xfff )))
	[ ! -e "/run/nsfast/${PFX}n" ] && [ ! -e "/run/nsfast/${PFX}i" ] &&
		! { ip netns list; ip -o link; } 2>/dev/null | grep -qE "(^|: )${PFX}[ni]-" && break
	PFX=
done
[ -n "$PFX" ] || { echo "up_scale: no free lab name" >&2; exit 1; }
TMP=$(mktemp -d)
cleanup() {
	"$NSFAST" down -q "${PFX}n" >/dev/null 2>&1 || true
	[ -f "$TMP/ipdown.sh" ] && bash "$TMP/ipdown.sh" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
# Up and then down of the lab, by nsfast or by the ip scripts: the wall
# times in microseconds, appended to their files.
time_nsfast() {
	local t0 t1
	t0=$(now); "$NSFAST" up -q "$TMP/lab.conf"; t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/t_nsfast"
	t0=$(now); "$NSFAST" down -q "${PFX}n"; t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/d_nsfast"
}
time_ip() {
	local t0 t1
	t0=$(now); bash "$TMP/ipup.sh"; t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/t_ip"
	t0=$(now); bash "$TMP/ipdown.sh"; t1=$(now)
	echo $(( (t1 - t0) / 1000 )) >>"$TMP/d_ip"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2))}'; }

doc="{\"machine\":\"$(nproc) vCPU, $(uname -r)\",\"date\":\"$(date -Iseconds)\",\"reps\":$reps,\"results\":["
md="| namespaces | nsfast up (ms) | ip script (ms) | ratio | nsfast down (ms) | ip script (ms) | ratio |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
first=1
for n in "${sizes[@]}"; do
	bench/gen_scale.sh "$n" "${PFX}n" conf >"$TMP/lab.conf"
	bench/gen_scale.sh "$n" "${PFX}i" ip-up >"$TMP/ipup.sh"
	bench/gen_scale.sh "$n" "${PFX}i" ip-down >"$TMP/ipdown.sh"
	: >"$TMP/t_nsfast"; : >"$TMP/t_ip"; : >"$TMP/d_nsfast"; : >"$TMP/d_ip"
	for r in $(seq 1 "$reps"); do
		[ -n "$json" ] || printf '\rup_scale: %d namespaces, repetition %d/%d ' "$n" "$r" "$reps" >&2
		# nsfast first on odd repetitions, the ip script first on even
		# ones, so that what one leaves behind (the kernel's deferred
		# cleanup of the other's namespaces) falls on both alike.
		if ((r % 2)); then time_nsfast; time_ip; else time_ip; time_nsfast; fi
	done
	# A file of microseconds as {median, min, max, samples}.
	stats() { echo "{\"median\":$(median <"$1"),\"min\":$(sort -n "$1" | head -1),\"max\":$(sort -n "$1" | tail -1),\"samples\":[$(paste -sd, "$1")]}"; }
	a=$(median <"$TMP/t_nsfast"); b=$(median <"$TMP/t_ip")
	c=$(median <"$TMP/d_nsfast"); d=$(median <"$TMP/d_ip")
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", b / a}')
	dratio=$(awk -v a="$c" -v b="$d" 'BEGIN {printf "%.1f", b / a}')
	[ $first = 1 ] || doc+=","
	first=0
	doc+="{\"namespaces\":$n,\"nsfast_us\":$(stats "$TMP/t_nsfast"),\"ip_script_us\":$(stats "$TMP/t_ip"),\"ratio\":$ratio,"
	doc+="\"nsfast_down_us\":$(stats "$TMP/d_nsfast"),\"ip_script_down_us\":$(stats "$TMP/d_ip"),\"down_ratio\":$dratio}"
	md+=$(awk -v n="$n" -v a="$a" -v b="$b" -v r="$ratio" -v c="$c" -v d="$d" -v q="$dratio" \
		'BEGIN {printf "| %d | %.1f | %.1f | %s× | %.1f | %.1f | %s× |", n, a/1000, b/1000, r, c/1000, d/1000, q}')"\n"
done
doc+="]}"
if [ -n "$json" ]; then
	echo "$doc" >"$json"
	exit 0
fi
printf '\r%60s\r' '' >&2
out=results/$(date +%Y-%m-%d-%H%M%S)
mkdir -p "$out"
echo "$doc" >"$out/up_scale.json"
printf "%b" "$md" | tee "$out/up_scale.md"
echo "written: $out/up_scale.json $out/up_scale.md"
