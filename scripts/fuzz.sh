#!/usr/bin/env bash
# Runs every Fuzz* test of the module, one after another, each for FUZZTIME (the first argument, or
# $FUZZTIME; default 10s: a Go duration, or Nx for N inputs). The targets are found with
# `go test -list '^Fuzz'`, so a new Fuzz test is picked up without editing this file. Prints a line per
# target and a summary; exits 1 when a target failed (the crasher is written to the package's
# testdata/fuzz/<FuzzName>/, and then fails plain `go test` too, until fixed) or could not be listed.
set -uo pipefail
cd "$(dirname "$0")/.."
t=${1:-${FUZZTIME:-10s}}
go=${GO:-go}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

start=$(now)
# Only the packages with a Fuzz function in a test file are listed: compiling every test binary of
# ./... (and running cmd/lekwacht's TestMain) would take minutes on a cold build cache.
mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u)
if [ ${#pkgs[@]} -eq 0 ]; then
	echo "no fuzz targets found"
	exit 1
fi
# `go test -list` prints a package's matching names, then its "ok <pkg>" line.
if ! "$go" test -list '^Fuzz' "${pkgs[@]}" >"$log/list" 2>&1; then
	echo "listing the fuzz targets failed:"
	grep -v '^Fuzz\|^ok\|^?' "$log/list" | sed 's/^/    /'
	list_failed=1
fi
targets=$(awk '/^Fuzz/ { names = names " " $1; next }
	/^(ok|FAIL)[ \t]/ { n = split(names, a, " "); for (i = 1; i <= n; i++) print $2, a[i]; names = "" }' "$log/list")
if [ -z "$targets" ]; then
	echo "no fuzz targets found"
	exit 1
fi
echo "== $(wc -l <<<"$targets") fuzz targets, $t each (listed in $(since "$start"))"

passed=0
failed=()
while read -r pkg name; do
	dir=$("$go" list -f '{{.Dir}}' "$pkg")
	rel=${dir#"$PWD"/}
	begin=$(now)
	ok=false
	if "$go" test -run '^$' -fuzz "^$name\$" -fuzztime "$t" "$pkg" >"$log/out" 2>&1; then
		ok=true
	elif grep -q 'context deadline exceeded' "$log/out" && ! grep -q 'Failing input written' "$log/out"; then
		# go test -fuzz gives up with this when FUZZTIME runs out while it is still gathering the
		# seed corpus's baseline coverage (a loaded machine): the engine's, not a finding. Once more,
		# with four times the time.
		echo "      (the fuzzing engine ran out of time on its baseline; once more with 4x FUZZTIME)"
		retry_t=$t
		[[ $t =~ ^[0-9]+s$ ]] && retry_t="$((${t%s} * 4))s"
		if "$go" test -run '^$' -fuzz "^$name\$" -fuzztime "$retry_t" "$pkg" >"$log/out" 2>&1; then
			ok=true
		fi
	fi
	if $ok; then
		printf 'ok    %-24s %-18s %s\n' "./$rel" "$name" "$(since "$begin")"
		passed=$((passed + 1))
		continue
	fi
	printf 'FAIL  %-24s %-18s %s\n' "./$rel" "$name" "$(since "$begin")"
	crasher=$(sed -n 's/.*Failing input written to \(.*\)$/\1/p' "$log/out" | tail -1)
	if [ -n "$crasher" ]; then
		echo "      crasher: $rel/$crasher (re-run: go test -run '$name/$(basename "$crasher")' ./$rel)"
		failed+=("./$rel $name: crasher $rel/$crasher")
	else
		failed+=("./$rel $name: no crasher written (a seed or the build failed)")
	fi
	grep -v '^fuzz: elapsed\|^FAIL$\|^exit status' "$log/out" | head -40 | sed 's/^/      /'
done <<<"$targets"

echo "== $passed passed, ${#failed[@]} failed, in $(since "$start")"
for f in "${failed[@]}"; do
	echo "   FAIL $f"
done
if [ ${#failed[@]} -gt 0 ] || [ -n "${list_failed:-}" ]; then
	exit 1
fi
