#!/usr/bin/env bash
# make demo: lekwacht's main job on a simulated gemeente, as a newcomer would run it.
#  1. simulate a small gemeente (logs in six formats, directory, config, planted leaks, truth.json);
#  2. start the daemon (lekwacht run) on empty log files and feed the simulated logs into them in
#     pieces while it runs, the way the log servers write them; export files appear in the watched
#     folder;
#  3. show the draft incidents it opened, and what was planted;
#  4. the security team opens one; the FG answers the assessment flow (stroomschema);
#  5. the Dutch AP-melding draft; 6. the register's hash chain holds.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=./bin/lekwacht
OUT=$(mktemp -d /tmp/lekwacht-demo.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$OUT"' EXIT
EMPLOYEES=${EMPLOYEES:-300}
DAYS=${DAYS:-2}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. Simulate Gemeente Voorbeeld: $EMPLOYEES employees, $DAYS days (lekwacht simulate)"
$BIN simulate --out "$OUT/sim" --employees "$EMPLOYEES" --days "$DAYS" --seed 7 | tail -n 9

say "2. Start lekwacht run on empty logs and feed them while it runs"
# The daemon reads the live copies; the simulated files are the 'log server' writing them.
mkdir -p "$OUT/live/exports"
sed -e "s#$OUT/sim/logs#$OUT/live/logs#g" -e "s#$OUT/sim/exports#$OUT/live/exports#g" \
	-e "s#$OUT/sim/lekwacht-data#$OUT/live/lekwacht-data#g" -e "s#$OUT/sim/tokens.yaml#$OUT/live/tokens.yaml#g" \
	-e 's#listen: "127.0.0.1:8470"#listen: "127.0.0.1:0"#' "$OUT/sim/lekwacht.yaml" > "$OUT/live/lekwacht.yaml"
(cd "$OUT/sim/logs" && find . -type d -exec mkdir -p "$OUT/live/logs/{}" \;)
for f in $(cd "$OUT/sim/logs" && find . -type f ! -name 'MSGTRK*'); do : > "$OUT/live/logs/$f"; done
CFG="$OUT/live/lekwacht.yaml"
TOKEN=$($BIN --config "$CFG" tokens add security.team --role analyst 2>/dev/null)
$BIN run --config "$CFG" 2>"$OUT/run.log" &
PID=$!
for _ in $(seq 1 50); do grep -q '"http listening"' "$OUT/run.log" 2>/dev/null && break; sleep 0.1; done
ADDR=$(grep -o '"http listening","addr":"[^"]*"' "$OUT/run.log" | sed 's/.*"addr":"//; s/"$//')
echo "lekwacht run is up (pid $PID); HTTP on $ADDR"
PIECES=4
for piece in $(seq 1 $PIECES); do
	for f in $(cd "$OUT/sim/logs" && find . -type f ! -name 'MSGTRK*'); do
		total=$(wc -l < "$OUT/sim/logs/$f")
		from=$(( (piece - 1) * total / PIECES + 1 )); to=$(( piece * total / PIECES ))
		[ "$to" -ge "$from" ] && sed -n "${from},${to}p" "$OUT/sim/logs/$f" >> "$OUT/live/logs/$f"
	done
	# Exchange writes a new MSGTRK file per period: they appear one by one
	for f in $(cd "$OUT/sim/logs" && find . -name 'MSGTRK*' | sort | sed -n "${piece}p"); do cp "$OUT/sim/logs/$f" "$OUT/live/logs/$f"; done
	printf 'piece %d of %d appended to %d log files\n' "$piece" "$PIECES" "$(find "$OUT/live/logs" -type f | wc -l)"
	sleep 0.5
done
for f in $(cd "$OUT/sim/logs" && find . -name 'MSGTRK*' | sort | sed -n "$((PIECES + 1)),\$p"); do cp "$OUT/sim/logs/$f" "$OUT/live/logs/$f"; done
cp -r "$OUT/sim/exports/." "$OUT/live/exports/"
echo "export files copied into the watched folder: $(find "$OUT/live/exports" -type f | wc -l)"
# Wait until every line is read and the watched files have settled and been inspected.
want=$(cat "$OUT"/sim/logs/*/* | wc -l)
count() { $BIN --config "$CFG" incidents list --json 2>/dev/null | grep -o '"id":' | wc -l; }
last=-1; stable=0
for _ in $(seq 1 120); do
	n=$(count)
	if [ "$n" = "$last" ]; then stable=$((stable + 1)); else stable=0; fi
	[ "$stable" -ge 6 ] && break
	last=$n; sleep 0.5
done
if command -v curl >/dev/null && [ -n "$ADDR" ]; then
	echo "what Prometheus scrapes (curl http://$ADDR/metrics, an excerpt):"
	curl -s "http://$ADDR/metrics" | grep -E '^lekwacht_(lines_total|hits_total|incidents)' | sed 's/^/  /'
	echo "the API with the security team's token (curl -H 'Authorization: Bearer ...' http://$ADDR/api/v1/incidents?status=draft):"
	curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/incidents?status=draft" | grep -c '"id":' | sed 's/^/  drafts: /'
	echo "without a token: HTTP $(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/api/v1/incidents")"
fi
kill -TERM "$PID"; wait "$PID" || true; PID=
echo "lekwacht run read $want lines while they were written; stopped with SIGTERM (positions and detector state saved)"

say "3. Draft incidents for the security team (lekwacht incidents list)"
$BIN --config "$CFG" incidents list
planted=$(grep -c '"shape"' "$OUT/sim/truth.json")
echo "planted in the simulation: $planted cases (truth.json); 'make eval' scores every detector against it"

ID=$($BIN --config "$CFG" incidents list --detector bulk_bsn_export --json | grep -o '"LW-[0-9]*-[0-9]*"' | sed -n 1p | tr -d '"')
say "4. The security team opens $ID; the FG answers the stroomschema"
$BIN --config "$CFG" incidents show "$ID" | sed -n 1,22p  # sed reads to the end: head would end the pipe early (SIGPIPE under pipefail)
$BIN --config "$CFG" incidents triage "$ID" --open --reason "export zonder zaak naar de exportmap" --by security.team
$BIN --config "$CFG" incidents assess "$ID" --by fg.gerritsen --answer security_incident=ja --answer personal_data=ja \
	--answer sensitive=ja --answer readable=ja --answer remedied=nee --answer disproportionate_effort=nee \
	--answer "measures_taken=account geblokkeerd, bestand verwijderd uit de exportmap" --answer "subjects_informed_on=$(date -d '+5 days' +%F)"

say "5. The Dutch AP-melding draft for $ID (lekwacht export ap-melding)"
$BIN --config "$CFG" export ap-melding "$ID" | sed -n 1,50p
echo "..."

say "6. The hash chain holds (lekwacht verify)"
$BIN --config "$CFG" verify
