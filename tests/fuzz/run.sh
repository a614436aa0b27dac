#!/usr/bin/env bash
# libFuzzer targets for the untrusted inputs: topology files (topo),
# frames on the AF_XDP switch's per-frame path (frame), sequences of
# frames through its router and NAT, both ways (nat), frames of several
# buffers as a jumbo port hands them over (segs), and the NAT's
# connections as one daemon keeps them for the next (keep).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]   fuzz each target SECONDS
#                                             (default 60), one at a time
#   tests/fuzz/run.sh --replay [TARGET...]    replay the seed corpus and
#                                             tests/fuzz/regress/TARGET once
#
# Needs clang with libFuzzer (clang 14 tested; CLANG=clang-14 to pick
# one). FUZZ_SEED=N makes a run repeat the same inputs (make check uses
# it, so that its short run cannot fail one time in ten). Everything is
# built and written under build/fuzz/: the binaries,
# the working corpus build/fuzz/corpus-TARGET/ (seeded from
# tests/fuzz/corpus/TARGET/, which is never written to), logs, and crash
# files build/fuzz/crash-TARGET-*. When fuzzing, FUZZ_CFLAGS adds
# compiler flags; --replay ignores FUZZ_CFLAGS. Fuzzing exits non-zero if a target
# crashed and prints the crash file; save a minimised crash under
# tests/fuzz/regress/TARGET/ so --replay checks it from then on.
#
# --replay prints one "PASS fuzz: replay TARGET (N inputs)" or
# "FAIL fuzz: ..." line per target and nothing else (the unit-test runner
# counts them); details go to build/fuzz/*.log.
set -u
cd "$(dirname "$0")/../.." || exit 1

CLANG=${CLANG:-clang}
OUT=build/fuzz
# shellcheck disable=SC2054 # the commas belong to -fsanitize=
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-std=c11 -D_GNU_SOURCE -Icontrol -Idataplane -Itests)
ALL_TARGETS=(topo frame nat segs keep)

# The switch on plain memory that nat and segs drive.
SWITCH_SRC=(tests/fuzz/fixed_random.c tests/switch_harness.c
	dataplane/switch.c dataplane/route.c
	dataplane/arp_table.c dataplane/nat.c dataplane/nat_conn.c dataplane/nat_frag.c dataplane/nat_index.c dataplane/pkt.c dataplane/route_frag.c dataplane/route_icmp.c dataplane/route_nexthop.c
	dataplane/gw_big.c dataplane/gw_reasm.c
	dataplane/gateway.c dataplane/fdb.c)

sources() {
	case $1 in
	topo) echo tests/fuzz/fuzz_topo.c control/topo.c control/topo_parse.c control/topo_parse_switch.c \
		control/topo_validate.c control/topo_routes.c control/topo_subnets.c control/addr.c ;;
	frame) echo tests/fuzz/fuzz_frame.c dataplane/pkt.c dataplane/gateway.c \
		dataplane/fdb.c ;;
	nat) echo tests/fuzz/fuzz_nat.c tests/fuzz/fuzz_nat_model.c tests/fuzz/fuzz_nat_check.c \
		"${SWITCH_SRC[*]}" ;;
	segs) echo tests/fuzz/fuzz_segs.c "${SWITCH_SRC[*]}" ;;
	keep) echo tests/fuzz/fuzz_keep.c dataplane/nat_keep.c dataplane/nat.c dataplane/nat_conn.c \
		dataplane/nat_frag.c dataplane/nat_index.c dataplane/pkt.c ;;
	*) return 1 ;;
	esac
}

# Per-target link flags: fuzz_nat and fuzz_segs fix the NAT's and the FDB's
# hash seeds through getrandom() (fixed_random.c), so an input replays the
# same way every time.
ldflags() {
	case $1 in
	nat | segs) echo -Wl,--wrap=getrandom ;;
	esac
}

# Build $OUT/fuzz_$1 unless it is newer than its sources, every header
# and this script (which holds the flags). Output goes to a log.
build() {
	local t=$1 bin=$OUT/fuzz_$1 src extra
	read -r -a src <<<"$(sources "$t")" || return 1
	read -r -a extra <<<"${FUZZ_CFLAGS:-} $(ldflags "$t")"
	if [ -x "$bin" ] && [ "$(cat "$bin.flags" 2>/dev/null)" = "$CLANG ${CFLAGS[*]} ${extra[*]}" ] &&
		[ -z "$(find "${src[@]}" control/*.h dataplane/*.h tests/*.h tests/fuzz/*.h tests/fuzz/run.sh -newer "$bin" 2>/dev/null | head -1)" ]; then
		return 0
	fi
	rm -f "$bin.flags"
	"$CLANG" "${CFLAGS[@]}" "${extra[@]}" -o "$bin.tmp" "${src[@]}" >"$OUT/build-$t.log" 2>&1 &&
		mv "$bin.tmp" "$bin" &&
		echo "$CLANG ${CFLAGS[*]} ${extra[*]}" >"$bin.flags"
}

# Dictionaries: keywords and magic values the mutator would take long to
# guess (written here so that the seeds stay the only tracked inputs).
write_dicts() {
	cat >"$OUT/topo.dict" <<'EOF'
"lab "
"switch "
"ns "
"host"
"veth "
" -- "
"link "
"move "
"route "
"forward "
"on"
"off"
"dataplane "
"kernel"
"afxdp"
"xdp"
"gateway "
"uplink "
" snat"
" ports "
"61000-65535"
" via "
" dev "
"default"
"ageing "
"nat-table "
"nat-timeout "
"udp"
"icmp"
"tcp"
" addr "
" mac "
" mtu "
"host:"
"10.13.37.1/24"
"10.13.37.2/24"
"fd42:1337::1/64"
"::/0"
"02:00:00:00:00:01"
"#"
"\x0a"
"\x0d\x0a"
"\x09"
EOF
	cat >"$OUT/frame.dict" <<'EOF'
"\x08\x00"
"\x08\x06"
"\x86\xdd"
"\x81\x00"
"\x88\xa8"
"\x02\x6e\x66\x00\x00\x01"
"\xff\xff\xff\xff\xff\xff"
"\x33\x33\xff\x00\x00\x01"
"\x0a\x0d\x25\x01"
"\xfd\x42\x13\x37\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
"\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff\x00\x00\x01"
"\x00\x01\x08\x00\x06\x04\x00\x01"
"\x45\x00"
"\x60\x00\x00\x00"
"\x87\x00"
"\x80\x00"
EOF
	# nat: the frame dictionary, the NAT's addresses and ports, and
	# record ops (see fuzz_nat.c).
	cp "$OUT/frame.dict" "$OUT/nat.dict"
	cat >>"$OUT/nat.dict" <<'EOF'
"\xcb\x00\x71\x01"
"\xcb\x00\x71\x02"
"\xc6\x33\x64\x07"
"\x0a\x09\x09\x0a"
"\x02\x75\x70\x00\x00\x01"
"\x4e\x20"
"\x4e\x2f"
"\x00\x35"
"\x03\x03"
"\x0b\x00"
"\x02\x12"
"\x02\x14"
"\x04\x20"
"\x05\x03"
EOF
	# segs: nat's, and the lengths of jumbo frames and their packets.
	cp "$OUT/nat.dict" "$OUT/segs.dict"
	cat >>"$OUT/segs.dict" <<'EOF'
"\x23\x28"
"\x23\x36"
"\x05\xdc"
"\x0f\x00"
EOF
	cat >"$OUT/keep.dict" <<'EOF'
"nsfast-nat 1 203.0.113.1 999000000000"
"tcp "
"udp "
"icmp "
"10.13.37.2 "
"203.0.113.2 "
" 61000 "
" 61063 "
"established "
"syn_sent "
"closing "
"closing_in "
"time_wait "
"reset "
"998000000000"
"\x0a"
EOF
}

# The seeds of frame, nat and segs are make_frames.c's output, byte for
# byte: a seed edited by hand, or a builder changed without writing the
# corpus again, is a failure (make_frames was not built by anything, and
# only a comment said how).
SEED_SRC=(tests/fuzz/make_frames.c tests/fuzz/seed_build.c tests/fuzz/seeds_nat.c tests/fuzz/seeds_segs.c)
seeds_check() {
	local dir=$OUT/seeds d diff
	rm -rf "$dir" && mkdir -p "$dir/frame" "$dir/nat" "$dir/segs"
	if ! "$CLANG" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -o "$OUT/make_frames" \
		"${SEED_SRC[@]}" >"$OUT/build-make_frames.log" 2>&1; then
		echo "FAIL fuzz: build make_frames (see $OUT/build-make_frames.log)"
		return 1
	fi
	if ! "$OUT/make_frames" "$dir/frame" "$dir/nat" "$dir/segs" >"$OUT/make_frames.log" 2>&1; then
		echo "FAIL fuzz: make_frames failed (see $OUT/make_frames.log)"
		return 1
	fi
	for d in frame nat segs; do
		if ! diff=$(diff -rq "$dir/$d" "tests/fuzz/corpus/$d" 2>&1); then
			echo "FAIL fuzz: tests/fuzz/corpus/$d is not what make_frames.c writes: $(head -1 <<<"$diff")"
			return 1
		fi
	done
	echo "PASS fuzz: the seeds of frame, nat and segs are what make_frames.c writes ($(find "$dir" -type f | wc -l) files)"
}

replay() {
	local t rc=0 n files log last why
	local -A pid
	FUZZ_CFLAGS= # replay checks the build the regress files are for
	for t in "$@"; do
		if ! sources "$t" >/dev/null; then
			echo "FAIL fuzz: unknown target '$t', expected ${ALL_TARGETS[*]}"
			rc=1
			continue
		fi
		build "$t" & # every target at once: replay must stay fast
		pid[$t]=$!
	done
	for t in "$@"; do
		[ -n "${pid[$t]:-}" ] || continue
		if ! wait "${pid[$t]}"; then
			echo "FAIL fuzz: build $t (see $OUT/build-$t.log)"
			rc=1
			continue
		fi
		files=()
		for f in tests/fuzz/corpus/"$t"/* tests/fuzz/regress/"$t"/*; do
			[ -f "$f" ] && files+=("$f")
		done
		n=${#files[@]}
		if [ "$n" = 0 ]; then
			echo "FAIL fuzz: replay $t: no inputs in tests/fuzz/corpus/$t"
			rc=1
			continue
		fi
		log=$OUT/replay-$t.log
		if "$OUT/fuzz_$t" -runs=0 -timeout=5 -rss_limit_mb=1024 "${files[@]}" >"$log" 2>&1; then
			echo "PASS fuzz: replay $t ($n inputs)"
		else
			last=$(grep '^Running: ' "$log" | tail -1)
			why=$(grep -o -m1 -E 'ERROR: AddressSanitizer: [a-z-]+|runtime error: .{0,60}|invariant failed at [^ :]*:[0-9]+|ERROR: libFuzzer: [a-z-]+|deadly signal' "$log")
			echo "FAIL fuzz: replay $t: ${why:-failed} on ${last#Running: } (see $log)"
			rc=1
		fi
	done
	case " $* " in *" frame "* | *" nat "* | *" segs "*) seeds_check || rc=1 ;; esac
	return $rc
}

fuzz() {
	local secs=$1 t rc=0 log work crash
	shift
	write_dicts
	for t in "$@"; do
		if ! sources "$t" >/dev/null; then
			echo "fuzz: unknown target '$t', expected ${ALL_TARGETS[*]}" >&2
			rc=1
			continue
		fi
		echo "== $t: building"
		if ! build "$t"; then
			echo "FAIL $t: build failed, see $OUT/build-$t.log"
			cat "$OUT/build-$t.log"
			rc=1
			continue
		fi
		work=$OUT/corpus-$t
		mkdir -p "$work"
		cp tests/fuzz/corpus/"$t"/* "$work"/
		log=$OUT/fuzz-$t.log
		echo "== $t: fuzzing for ${secs}s (log $log)"
		"$OUT/fuzz_$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
			-artifact_prefix="$OUT/crash-$t-" -print_final_stats=1 \
			${FUZZ_SEED:+-seed="$FUZZ_SEED"} -dict="$OUT/$t.dict" "$work" >"$log" 2>&1
		local frc=$?
		# libFuzzer's last status line ("#N DONE cov: C ft: F corp: ...")
		# and its final stats.
		local execs cov ft corp eps
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
		eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
		corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1)
		echo "$t: ${execs:-?} execs (${eps:-?}/s), ${cov:-cov: ?} edges, ${ft:-ft: ?} features, ${corp:-corp: ?}"
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		if [ "$frc" != 0 ] || [ -n "$crash" ]; then
			echo "FAIL $t: libFuzzer exited $frc; crash input: ${crash:-none written}"
			grep -m1 -E '^(==[0-9]+==ERROR|.*runtime error|fuzz_(frame|nat|segs): invariant|SUMMARY)' "$log"
			echo "   reproduce: $OUT/fuzz_$t ${crash:-<crash file>}"
			echo "   minimise:  $OUT/fuzz_$t -minimize_crash=1 -max_total_time=60 -artifact_prefix=$OUT/min-$t- ${crash:-<crash file>}"
			rc=1
		else
			echo "PASS fuzz: $t for ${secs}s, ${execs:-?} executions, no crash"
		fi
	done
	return $rc
}

mkdir -p "$OUT"
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "FAIL fuzz: $CLANG not found (set CLANG=clang-14)"
	exit 1
fi
if [ "${1:-}" = --replay ]; then
	shift
	[ $# -gt 0 ] || set -- "${ALL_TARGETS[@]}"
	replay "$@"
	exit
fi
secs=60
case ${1:-} in
'') ;;
*[!0-9]*) ;;
*) secs=$1; shift ;;
esac
[ $# -gt 0 ] || set -- "${ALL_TARGETS[@]}"
fuzz "$secs" "$@"
