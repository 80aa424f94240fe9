#!/usr/bin/env bash
# make demo: what lekwacht does today, on example logs shipped in the repository.
#  1. replay every format's example logs and show lines, events and rejects per format;
#  2. show two normalized events;
#  3. run the daemon on a live log, append, rotate like logrotate, kill -9 and restart it,
#     and show that every line became exactly one event;
#  4. register three hits as draft incidents (twice: a replay adds nothing), triage one, let the FG
#     answer the assessment flow, print the Dutch AP-melding draft and verify the hash chain.
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

say "4. The datalekregister: hits become draft incidents (detectors arrive with issue 4; these hits are imported)"
cat > "$OUT/reg.yaml" <<YAML
organisation: {name: Gemeente Demo, timezone: Europe/Amsterdam, fg: {name: Fenna Gerritsen, email: fg@demo.nl, phone: "14 0123"}}
register: {dir: $OUT/datalekregister}
YAML
ev() { printf '{"kind":"line","input":"%s","source":"%s","offset":%d,"time":"%s","text":%s}' "$@"; }
T=$(date -u -d '-3 hours' '+%Y-%m-%dT%H:%M:%SZ'); T2=$(date -u -d '-2 hours' '+%Y-%m-%dT%H:%M:%SZ')
{
printf '{"detector":"bulk_bsn_export","rule":"lw-bsn-export","rule_title":"Export met veel BSNs","severity":"high","user":"a.bakker","pattern":"zaak-export","hosts":["WS-0042"],"time":"%s","window":3600000000000,"categories":["bsn","name","address"],"subjects":412,"summary":"export uit het zaaksysteem met 412 geldige BSNs","evidence":[%s]}\n' \
  "$T" "$(ev zaak /logs/zaak/audit.jsonl 91234 "$T" '"{\"ts\":\"'"$T"'\",\"actor\":{\"id\":\"a.bakker\"},\"action\":\"lijst.download\",\"result\":{\"count\":412}}"')"
printf '{"detector":"shared_credentials","rule":"lw-shared-two-hosts","severity":"high","user":"j.devries","pattern":"two-hosts","hosts":["WS-0007","WS-0113"],"time":"%s","window":3600000000000,"categories":["credentials"],"subjects":1,"summary":"account tegelijk actief op 2 werkplekken","evidence":[%s,%s]}\n' \
  "$T2" "$(ev windows /logs/winlog/dc1.ndjson 5120 "$T2" '"{\"event\":{\"code\":\"4624\"},\"host\":\"WS-0007\"}"')" "$(ev windows /logs/winlog/dc1.ndjson 5377 "$T2" '"{\"event\":{\"code\":\"4624\"},\"host\":\"WS-0113\"}"')"
printf '{"detector":"misdirected_mail","rule":"lw-mail-lookalike","severity":"medium","user":"p.jansen","pattern":"lookalike","time":"%s","window":3600000000000,"categories":["name","health"],"subjects":1,"facts":{"delivered":false},"summary":"mail naar een domein dat lijkt op een partnerdomein; gebounced","evidence":[%s]}\n' \
  "$T2" "$(ev mail /var/log/mail.log 77120 "$T2" '"postfix/smtp[811]: 4PbC4x469Jz3tBr: to=<x@ggd-regoi.nl>, status=bounced"')"
} > "$OUT/hits.jsonl"
$BIN --config "$OUT/reg.yaml" incidents import "$OUT/hits.jsonl"
echo "the same hits again (a replay or a restart):"
$BIN --config "$OUT/reg.yaml" incidents import "$OUT/hits.jsonl"
$BIN --config "$OUT/reg.yaml" incidents list
ID=$($BIN --config "$OUT/reg.yaml" incidents list --detector bulk_bsn_export --json | grep -o '"LW-[0-9]*-[0-9]*"' | head -n 1 | tr -d '"')

say "5. The security team opens $ID, the FG answers the stroomschema"
$BIN --config "$OUT/reg.yaml" incidents triage "$ID" --open --reason "export zonder zaak, buiten werktijd" --by security.team
$BIN --config "$OUT/reg.yaml" incidents assess "$ID" --by fg.gerritsen --answer security_incident=ja --answer personal_data=ja \
  --answer sensitive=ja --answer readable=ja --answer remedied=nee --answer disproportionate_effort=nee \
  --answer "measures_taken=account geblokkeerd, export verwijderd van de werkplek" --answer "subjects_informed_on=$(date -d '+5 days' +%F)"

say "6. The Dutch AP-melding draft for $ID (lekwacht export ap-melding)"
$BIN --config "$OUT/reg.yaml" export ap-melding "$ID" | head -n 60
echo "..."

say "7. The hash chain holds (lekwacht verify)"
$BIN --config "$OUT/reg.yaml" verify
