#!/usr/bin/env bash
# saturated-verdicts.sh — the suite's verdicts on a machine whose CPUs are all
# busy: the reference and every variant client must stay CONFORMANT with every
# case PASS under --strict, and every mutant must still be caught by exactly
# its cases, as on an idle machine.
#
# Usage: scripts/saturated-verdicts.sh
#   COUNT=3          whole-suite runs of the reference and of each variant
#                    (0: not run, e.g. to spend a session's machine on mutants)
#   MUTANT_COUNT=0   runs of each mutant (0: mutants not run)
#   MUTANT_CASES=all each mutant run is the whole suite (all) or only the
#                    cases listed to catch it (listed: whether it is still
#                    caught, at a fraction of the cost; what else a mutant
#                    trips is then judged by the whole-suite runs only)
#   BURNERS=N        CPU burner processes (default: one per CPU)
#
# Method. One burner per CPU spins in a shell loop at normal priority for as
# long as the runs last, bounded by `timeout` and killed on exit, so the
# suite, its worker processes and the clients compete for every core. The
# runs are the variants matrix (fixtures/clients/variants, TestVariantsMatrix)
# and the kill matrix (fixtures/clients/mutants, TestKillMatrix) with their run
# counts raised; each run uses its own seed. The figures printed at the end
# come from those tests' own tallies.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3}
MUTANT_COUNT=${MUTANT_COUNT:-0}
BURNERS=${BURNERS:-$(nproc)}
MUTANT_CASES=${MUTANT_CASES:-all}
case "$MUTANT_CASES" in all | listed) ;; *)
	echo "saturated-verdicts: MUTANT_CASES=$MUTANT_CASES: want all or listed" >&2
	exit 2
	;;
esac
for v in COUNT MUTANT_COUNT BURNERS; do
	case "${!v}" in '' | *[!0-9]*)
		echo "saturated-verdicts: $v=${!v}: want a whole number" >&2
		exit 2
		;;
	esac
done

# The burners outlive no run: at most this long, and killed on any exit.
limit=$((600 + COUNT * 600 + MUTANT_COUNT * 3600))
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Build first, so that the burners load the runs, not the compiler.
go test -count=1 -run '^$' ./fixtures/clients/variants ./fixtures/clients/mutants >/dev/null

for _ in $(seq "$BURNERS"); do
	timeout "$limit" sh -c 'while :; do :; done' &
	pids+=($!)
done
echo "saturated-verdicts: $BURNERS CPU burner(s) running on $(nproc) CPU(s); $COUNT run(s) per correct client, $MUTANT_COUNT per mutant ($MUTANT_CASES cases)"

vlog=$(mktemp)
mlog=$(mktemp)
status=0
if [ "$COUNT" -gt 0 ]; then
	KNOXCONFORM_VARIANT_RUNS=$COUNT KNOXCONFORM_VARIANT_ALARM_RERUNS=0 go test -count=1 -timeout 0 -v -run 'TestVariantsMatrix' ./fixtures/clients/variants >"$vlog" 2>&1 || status=1
	grep -E 'variants matrix:|want PASS' "$vlog" || true
fi
if [ "$MUTANT_COUNT" -gt 0 ]; then
	KNOXCONFORM_MUTANT_RUNS=$MUTANT_COUNT KNOXCONFORM_MUTANT_SLIP_RERUNS=0 KNOXCONFORM_MUTANT_CASES=$MUTANT_CASES go test -count=1 -timeout 0 -v -run 'TestKillMatrix' ./fixtures/clients/mutants >"$mlog" 2>&1 || status=1
	caught=$(grep -cE '^    --- PASS: TestKillMatrix/' "$mlog" || true)
	missed=$(grep -cE '^    --- FAIL: TestKillMatrix/' "$mlog" || true)
	grep -E 'should be caught|breaks only|none of its cases|reference client:' "$mlog" || true
	echo "kill matrix: $MUTANT_COUNT run(s) per mutant ($MUTANT_CASES cases); mutants caught every time: $caught; not: $missed (the reference's row included)"
fi
if [ "$status" -ne 0 ]; then
	# Both matrices' whole output (every check's figures for a slip) is kept.
	kept="${TMPDIR:-/tmp}/saturated-verdicts-$(date +%Y%m%dT%H%M%S).log"
	cat "$vlog" "$mlog" >"$kept"
	echo "saturated-verdicts: FAILED: a correct client was not all PASS, or a mutant slipped, under load (the test output: $kept)" >&2
fi
rm -f "$vlog" "$mlog"
exit "$status"
