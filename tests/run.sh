#!/usr/bin/env bash
# The test runner: unit tests, then the namespace integration tests.
# Tests print PASS/FAIL/SKIP lines; a test that exits non-zero without
# saying FAIL counts as a failure. The last line is the summary.
#   tests/run.sh [unit|integration] [NAME-FILTER]
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
filter=${2:-}
pass=0 failed=0 skipped=0
failures=()

run() {
	local label=$1 line rc nfail=0
	shift
	while IFS= read -r line; do
		case $line in
		"EXIT "*) rc=${line#EXIT } ;;
		PASS*) pass=$((pass + 1)); echo "$line" ;;
		FAIL*) failed=$((failed + 1)); nfail=$((nfail + 1)); failures+=("$line"); echo "$line" ;;
		SKIP*) skipped=$((skipped + 1)); echo "$line" ;;
		*) echo "    $line" ;;
		esac
	done < <("$@" 2>&1; echo "EXIT $?")
	if [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
		failed=$((failed + 1))
		failures+=("FAIL $label: exited $rc")
		echo "FAIL $label: exited $rc"
	fi
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "${NSFAST_BUILD:-build}"/test_*; do
		[ -x "$t" ] || continue
		case $t in *"$filter"*) run "$t" "$t" ;; esac
	done
	# Every seed input and every crash the fuzzers ever found, once.
	case fuzz in *"$filter"*) run "fuzz replay" tests/fuzz/run.sh --replay ;; esac
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
	for t in tests/integration/*.sh; do
		case $t in *"$filter"*) run "$t" bash "$t" ;; esac
	done
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
