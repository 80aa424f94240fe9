#!/usr/bin/env bash
# make demo: what lekwacht does today, on example logs shipped in the repository.
#  1. replay every format's example logs and show lines, events and rejects per format;
#  2. show two normalized events;
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./bin/lekwacht
OUT=$(mktemp -d /tmp/lekwacht-demo.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. Replay the example logs of every format (collectors/*/testdata)"
cat > "$OUT/replay.yaml" <<YAML
organisation: {name: Gemeente Demo, timezone: Europe/Amsterdam, domains: [demo.nl]}
register: {dir: $OUT/register}
YAML
for fmt in $($BIN formats | awk '{print $1}'); do
	dir=collectors/$(case $fmt in exchange-tracking) echo exchange;; samba-audit) echo samba;; winlog-json) echo winlog;;
		winlog-xml) echo winxml;; json) echo jsonlog;; *) echo "$fmt";; esac)
	files=$(ls "$dir"/testdata/*/input.log 2>/dev/null || true)
	[ -n "$files" ] || continue
	args=(--format "$fmt")
	# shellcheck disable=SC2086
	$BIN replay --config "$OUT/replay.yaml" "${args[@]}" $files | tail -n 2 | head -n 1
done | awk 'BEGIN{printf "%-14s %-18s %10s %10s %10s %10s  %s\n","INPUT","FORMAT","LINES","EVENTS","IGNORED","REJECTED","REASONS"} {print}'
echo "(rejected lines are kept aside with file, offset and reason in $OUT/register/rejects/)"

say "2. Two normalized events (lekwacht parse)"
f=$(ls collectors/postfix/testdata/*/input.log | head -n 1)
$BIN parse --format postfix "$f" 2>/dev/null | head -n 1 || true
f=$(ls collectors/sshd/testdata/*/input.log | head -n 1)
$BIN parse --format sshd "$f" 2>/dev/null | head -n 1 || true

