#!/usr/bin/env bash
# make demo: what lekwacht does today, on example logs shipped in the repository.
#  1. replay every format's example logs and show lines, events and rejects per format;
#  2. show two normalized events;
#  3. run the daemon on a live log, append, rotate like logrotate, kill -9 and restart it,
#     and show that every line became exactly one event.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./bin/lekwacht
OUT=$(mktemp -d /tmp/lekwacht-demo.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$OUT"' EXIT
PID=

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
	if [ "$fmt" = json ]; then args+=(--mapping collectors/jsonlog/mappings/zaaksysteem.yaml); fi
	# shellcheck disable=SC2086
	$BIN replay --config "$OUT/replay.yaml" "${args[@]}" $files | tail -n 2 | head -n 1
done | awk 'BEGIN{printf "%-14s %-18s %10s %10s %10s %10s  %s\n","INPUT","FORMAT","LINES","EVENTS","IGNORED","REJECTED","REASONS"} {print}'
echo "(rejected lines are kept aside with file, offset and reason in $OUT/register/rejects/)"

say "2. Two normalized events (lekwacht parse)"
f=$(ls collectors/postfix/testdata/*/input.log | head -n 1)
$BIN parse --format postfix "$f" 2>/dev/null | head -n 1 || true
f=$(ls collectors/sshd/testdata/*/input.log | head -n 1)
$BIN parse --format sshd "$f" 2>/dev/null | head -n 1 || true

say "3. The daemon follows a live log through rotation and a kill -9"
mkdir -p "$OUT/log"
cat > "$OUT/run.yaml" <<YAML
organisation: {name: Gemeente Demo, timezone: Europe/Amsterdam}
register: {dir: $OUT/register}
events: {file: $OUT/events.jsonl}
inputs:
  - {name: ssh, format: sshd, paths: ["$OUT/log/auth.log*"]}
YAML
line() { printf '%s demo sshd[%d]: Accepted password for user%03d from 192.0.2.%d port %d ssh2\n' "$(date '+%b %e %H:%M:%S')" "$1" "$1" $(( $1 % 250 + 1 )) $(( 40000 + $1 )); }
start() { $BIN run --config "$OUT/run.yaml" 2>>"$OUT/run.log" & PID=$!; }
wait_events() { for _ in $(seq 1 100); do [ "$(cat "$OUT/events.jsonl" 2>/dev/null | wc -l)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }
for i in $(seq 1 100); do line "$i"; done > "$OUT/log/auth.log"
start
wait_events 100 && echo "100 lines written -> $(wc -l < "$OUT/events.jsonl") events"
mv "$OUT/log/auth.log" "$OUT/log/auth.log.1"                      # logrotate's rename + create
for i in $(seq 101 150); do line "$i"; done >> "$OUT/log/auth.log.1"  # the old file is still written to
for i in $(seq 151 200); do line "$i"; done > "$OUT/log/auth.log"
wait_events 200 && echo "rotated (rename+create), 100 more lines -> $(wc -l < "$OUT/events.jsonl") events"
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
for i in $(seq 201 300); do line "$i"; done >> "$OUT/log/auth.log"
start
wait_events 300 && echo "killed with SIGKILL, 100 lines written while down, restarted -> $(wc -l < "$OUT/events.jsonl") events"
kill -TERM "$PID"; wait "$PID" || true
dups=$(grep -o '"port":[0-9]*' "$OUT/events.jsonl" | sort | uniq -d | wc -l)
uniq=$(grep -o '"port":[0-9]*' "$OUT/events.jsonl" | sort -u | wc -l)
echo "distinct lines seen: $uniq of 300, duplicates: $dups"
[ "$uniq" -eq 300 ] && [ "$dups" -eq 0 ]
