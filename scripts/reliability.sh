#!/usr/bin/env bash
# make reliability: every fault scenario of the reliability suite, then each fuzz target for
# FUZZTIME, and a report of what was injected and what was lost (which must be nothing).
# The scenarios are Go tests that log a line "RELIABILITY | scenario | injected | outcome".
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-5s}
OUT=$(mktemp -d /tmp/lekwacht-reliability.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

scenarios='^(TestKillDuringIngest|TestKillDashNine|TestKillDuringAdd|TestDiskFull|TestRejectOnAFullDisk|TestDamagedRegisterIsNeverReplacedSilently|TestDamagedPageIsFound|TestLockedRegister|TestOutageLosesNothing|TestPartialFailuresAndLostAnswers|TestWaitsForSetup)$'
echo "== fault scenarios (go test -run '$scenarios')"
$GO test -count=1 -v -run "$scenarios" ./cmd/lekwacht/ ./register/ ./daemon/ ./esindex/ >"$OUT/faults" 2>&1
faults=$?
grep -E '^(--- (PASS|FAIL|SKIP)|ok|FAIL)' "$OUT/faults"

echo
echo "== fuzzing, FUZZTIME=$FUZZTIME per target"
./scripts/fuzz.sh "$FUZZTIME" >"$OUT/fuzz" 2>&1
fuzz=$?
tail -n 5 "$OUT/fuzz"

echo
echo "== report"
printf '%-42s | %-70s | %s\n' "SCENARIO" "INJECTED" "OUTCOME"
trim() { sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' <<<"$1"; }
grep -ho 'RELIABILITY | .*' "$OUT/faults" | sed 's/^RELIABILITY | //' | while IFS='|' read -r s i o; do
	printf '%-42s | %-70s | %s\n' "$(trim "$s")" "$(trim "$i")" "$(trim "$o")"
done
skipped=$(grep -c -- '--- SKIP' "$OUT/faults" || true)
[ "$skipped" -gt 0 ] && { echo; echo "skipped here (see the test output for why):"; grep -A1 -- '--- SKIP' "$OUT/faults" | grep -v '^--$'; }
echo
if [ $faults -ne 0 ] || [ $fuzz -ne 0 ]; then
	echo "RELIABILITY: FAILED (faults exit $faults, fuzz exit $fuzz)"
	grep -B2 -A20 -- '--- FAIL' "$OUT/faults" | head -80
	exit 1
fi
echo "RELIABILITY: every scenario passed; nothing lost"
