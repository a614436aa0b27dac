#!/usr/bin/env bash
# The test runner: unit tests, then the namespace integration tests.
# Tests print PASS/FAIL/SKIP lines; a test that exits non-zero without
# saying FAIL counts as a failure. The last line is the summary.
#   tests/run.sh [unit|integration] [NAME-FILTER]
# A unit test that the Makefile's UNIT list names and the build lacks is
# a failure (make all does not build them), and so is a selection that
# runs no test at all (a misspelt name), rather than a green summary of
# nothing.
#
# Each integration test runs in a sandbox of its own (tests/sandbox.sh:
# its own network and mount namespaces), so that a lab up on the machine
# does not get in its way; NSFAST_TEST_HOST=1 runs them in the machine's.
#
# NSFAST and NSFAST_BUILD name the nsfast binary and the build directory
# (unit tests, bench tools) of the first round. NSFAST_SAN_BUILD names a
# sanitizer build (make SAN=1): its round follows, the same tests against
# it, every line prefixed "san:"; any sanitizer report that a program of
# that build leaves (the CLI, a switch daemon, nsgen) is a failure too,
# even when the test that ran it passed. When it is
# NSFAST_BUILD itself, that is the only round. The fuzz targets are
# sanitized builds of their own: their replay runs once, in the first
# round.
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
filter=${2:-}
pass=0 failed=0 skipped=0 ran=0
failures=()
label="" # "san: " in the sanitizer round

run() {
	local name=$1 line rc=missing nfail=0 verdict t0=$SECONDS mark="EXIT-$$-$RANDOM$RANDOM "
	shift
	ran=$((ran + 1))
	while IFS= read -r line; do
		case $line in
		# Not EOF: a process the test left behind would hold the pipe.
		"$mark"*) rc=${line#"$mark"}; break ;;
		"") ;;
		PASS* | FAIL* | SKIP*)
			verdict=${line%% *}
			line="$verdict $label${line#"$verdict "}"
			case $verdict in
			PASS) pass=$((pass + 1)) ;;
			FAIL) failed=$((failed + 1)); nfail=$((nfail + 1)); failures+=("$line") ;;
			SKIP) skipped=$((skipped + 1)) ;;
			esac
			echo "$line"
			;;
		*) echo "    $line" ;;
		esac
	done < <("$@" 2>&1; printf '\n%s%s\n' "$mark" "$?") # on a line of its own
	if [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
		failed=$((failed + 1))
		failures+=("FAIL $label$name: exited $rc")
		echo "FAIL $label$name: exited $rc"
	fi
	echo "    ($label$name: $((SECONDS - t0)) s)"
}

# fail_run TEXT: a failure of the runner's own, not of a test.
fail_run() {
	failed=$((failed + 1))
	failures+=("FAIL $label$1")
	echo "FAIL $label$1"
}

# The unit tests the Makefile builds (its UNIT list), by name.
unit_names() {
	env -u MAKEFLAGS -u MFLAGS make -s --no-print-directory unit-names 2>/dev/null
}

# round BUILD-DIR NSFAST-BINARY: every selected test once.
round() {
	local build=$1 t
	export NSFAST=$2 NSFAST_BUILD=$build
	if [ "$what" = all ] || [ "$what" = unit ]; then
		# Their sanitizer reports on their own stderr, with their output.
		local names
		names=$(unit_names)
		[ -n "$names" ] || fail_run "unit: no unit test named by the Makefile's UNIT list ('make unit-names' said nothing)"
		for t in $names; do
			t=$build/$t
			case $t in *"$filter"*) ;; *) continue ;; esac
			if [ -x "$t" ]; then run "$t" env -u ASAN_OPTIONS -u UBSAN_OPTIONS "$t"
			elif [ -n "$label" ]; then fail_run "$t: not built ('make san-build' builds the sanitized unit tests)"
			else fail_run "$t: not built ('make test-build' builds the unit tests; 'make all' does not)"; fi
		done
		# Every seed input and every crash the fuzzers ever found, once.
		if [ -z "${replayed:-}" ]; then
			replayed=1
			case fuzz in *"$filter"*)
				run "fuzz replay" env -u ASAN_OPTIONS -u UBSAN_OPTIONS tests/fuzz/run.sh --replay
				# and a short run of each fuzzer, seeded so that it
				# repeats (make fuzz runs long ones)
				run "fuzz ${FUZZ_CHECK_SECONDS:-2} s" env -u ASAN_OPTIONS -u UBSAN_OPTIONS \
					FUZZ_SEED="${FUZZ_SEED:-1}" tests/fuzz/run.sh "${FUZZ_CHECK_SECONDS:-2}" ;;
			esac
		fi
	fi
	if [ "$what" = all ] || [ "$what" = integration ]; then
		for t in tests/integration/*.sh; do
			case $t in *"$filter"*) ;; *) continue ;; esac
			# Before a sanitizer round, the dataplanes that round
			# runs 30 and 50 on (afxdp, tc) are left to it: each
			# dataplane once, sanitized or not, instead of twice
			# (make check: 11m45s with both, CI 2026-12-08).
			if [ -z "$label" ] && [ -n "$twice" ] && [ -z "$filter" ]; then
				case $t in
				*/30_afxdp.sh)
					run "$t" tests/sandbox.sh env SWITCH_DATAPLANES="${SWITCH_DATAPLANES:-xdp tc}" bash "$t"
					continue ;;
				*/50_snat.sh)
					run "$t" tests/sandbox.sh env SNAT_DATAPLANES="${SNAT_DATAPLANES:-kernel afxdp xdp}" bash "$t"
					continue ;;
				esac
			fi
			# The benchmark tools' tests measure the tools, and the
			# daemons they start run the same code as 30 and 50 do:
			# not sanitized (they would measure the sanitizers).
			if [ -n "$label" ] && [ -z "$filter" ]; then
				case $t in */40_bench_tools.sh | */45_bench.sh)
					echo "    ($label$t: not run in the sanitizer round)"
					continue ;;
				esac
			fi
			# What the first round ran, the sanitizer round leaves out
			# or cuts short (keeping make check under 10 minutes);
			# alone (make check SAN=1), it runs every test in full.
			if [ -n "$label" ] && [ -n "$twice" ] && [ -z "$filter" ]; then
				case $t in
				# The CLI's usage and status (24), and the routes
				# through a gateway (35), run sanitized in every
				# other test's up and status, and in fuzz_nat, an
				# ASan build; an uplink the host had before (54) is
				# 50's SNAT on another veth. 36 s (CI 2026-12-08).
				*/24_cli.sh | */35_gw_routes.sh | */54_snat_uplink.sh)
					echo "    ($label$t: not run again in the sanitizer round)"
					continue ;;
				# Its sanitizers look at every cycle; memory and fds
				# over 50 are the first round's. 10 keeps make check
				# under 10 minutes (10m6s with 50 in both, CI
				# 2026-12-06; 9m50s with 20, CI 2026-12-07).
				*/60_leaks.sh)
					run "$t" tests/sandbox.sh env LEAK_CYCLES="${LEAK_CYCLES:-10}" bash "$t"
					continue ;;
				# Switches apart and kernel bridges confined: the
				# kernel's work and the CLI's, whose code (up, status,
				# nft) runs sanitized in 10, 20, 22 and 60 (CI
				# 2026-12-07: 21 s of the 9m50s).
				*/70_isolation.sh)
					echo "    ($label$t: not run again in the sanitizer round)"
					continue ;;
				# A fault at each step of lab.conf on tc runs
				# sanitized; the xdp variant's own steps (the
				# offloads) come up sanitized in 60, their rollback
				# is the first round's (9m22s with it, CI 2026-12-06).
				# The tc one at every third step: the same
				# rollback code at each (CI 2026-12-07: 60 s of
				# the sanitizer round's 9m34s went to 20).
				*/22_rollback.sh)
					run "$t" tests/sandbox.sh env LIFECYCLE_FAULT_XDP="${LIFECYCLE_FAULT_XDP:-0}" \
						LIFECYCLE_FAULT_EVERY="${LIFECYCLE_FAULT_EVERY:-3}" bash "$t"
					continue ;;
				# kernel's SNAT is nftables, no nsfast code on its
				# path; its CLI side runs sanitized in 10, 20, 22, 60.
				# xdp's daemon side (conntrack, NAT fast path maps,
				# ageing) is mostly tc's, which runs here; its own
				# branches (uplink XDP program, DEVMAP) run in the
				# "two ports" case, xdp in every round. Without it,
				# CI 2026-12-06 took 9m50s of the 10 minutes.
				# afxdp's NAT is tc's daemon without its fast
				# path, and runs here in the small-table case; tc
				# gives the big report. With afxdp in the loop too,
				# CI 2026-12-07 took 9m34s of the 10 minutes.
				*/50_snat.sh | */52_snat_table.sh)
					run "$t" tests/sandbox.sh env SNAT_DATAPLANES="${SNAT_DATAPLANES:-tc}" \
						BIG_REPORT_DP="${BIG_REPORT_DP:-tc}" bash "$t"
					continue ;;
				# afxdp is the userspace path, multi-buffer included.
				# xdp's and tc's daemon side (fast path maps, ageing,
				# tc's ports and host port) runs sanitized in 50 and
				# 52. With tc here too, CI 2026-12-06 took 10m9s.
				*/30_afxdp.sh)
					run "$t" tests/sandbox.sh env SWITCH_DATAPLANES="${SWITCH_DATAPLANES:-afxdp}" bash "$t"
					continue ;;
				esac
			fi
			run "$t" tests/sandbox.sh bash "$t"
		done
	fi
}

case $what in all | unit | integration) ;;
*) fail_run "no such category '$what': unit, integration, or neither for both" ;;
esac
build=${NSFAST_BUILD:-build}
san=${NSFAST_SAN_BUILD:-}
twice="" # a sanitizer round follows the first
if [ -z "$san" ] || [ "$(realpath -m "$san")" != "$(realpath -m "$build")" ]; then
	[ -n "$san" ] && twice=1
	round "$build" "${NSFAST:-$PWD/nsfast}"
fi
if [ -n "$san" ]; then
	# Reports go to files, from every sanitized program that inherits
	# this environment: a daemon's stderr (its log) goes away with its
	# lab, and a report at exit (a leak) changes no test's verdict.
	sanlog=$(mktemp -d /tmp/nsfast-san.XXXXXX)
	export ASAN_OPTIONS="log_path=$sanlog/asan:${ASAN_OPTIONS:-}"
	export UBSAN_OPTIONS="log_path=$sanlog/ubsan:print_stacktrace=1:${UBSAN_OPTIONS:-}"
	label="san: "
	round "$san" "$(realpath "$san")/nsfast"
	if [ -n "$(ls -A "$sanlog")" ]; then
		failed=$((failed + 1))
		failures+=("FAIL san: sanitizer reports from the programs the tests ran, kept in $sanlog")
		echo "FAIL san: sanitizer reports from the programs the tests ran, kept in $sanlog:"
		grep -h -m1 -E '^SUMMARY|runtime error' "$sanlog"/* | sort | uniq -c | sed 's/^/    /'
		sed -n '1,/^SUMMARY/p' "$(ls "$sanlog"/* | head -1)" | head -n 30 | sed 's/^/    /'
	else
		rmdir "$sanlog"
		pass=$((pass + 1))
		echo "PASS san: no sanitizer report from the programs the tests ran (CLI, switch daemons, tools)"
	fi
fi
if [ "$ran" = 0 ] && [ "$failed" = 0 ]; then
	label=""
	fail_run "no test ran: nothing in '$what' matches '$filter' (test_NAME, fuzz, or a tests/integration/ file name)"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "    (all: $((SECONDS / 60))m$((SECONDS % 60))s)"
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
