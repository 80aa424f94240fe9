#!/bin/sh
# check.sh: lekwacht against a real Elasticsearch 8 and Kibana 8 with security on (compose.yaml).
# Starts the stack, makes the roles of `lekwacht setup elasticsearch --print-role` and an API key for
# each (setup's, the daemon's), runs setup elasticsearch and kibana (--security) with the setup key,
# indexes `make demo`'s incidents with the daemon's key, runs --migrate, and the opt-in tests of
# esindex (LEKWACHT_TEST_ES_URL, LEKWACHT_TEST_KIBANA_URL). Needs docker compose, curl, jq, go.
#   ELASTIC_PASSWORD=... KIBANA_PASSWORD=... deploy/elastic/check.sh      (KEEP=1 leaves it running)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD}" "${KIBANA_PASSWORD:?set KIBANA_PASSWORD}"
export ELASTIC_PASSWORD KIBANA_PASSWORD
compose="docker compose -f $here/compose.yaml"
work=$(mktemp -d)
cleanup() { [ "${KEEP:-}" = 1 ] || $compose down -v >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

$compose up -d --wait
es=https://localhost:9200 kb=http://localhost:5601
$compose cp es01:/usr/share/elasticsearch/config/certs/ca/ca.crt "$work/ca.crt"
curl_es() { curl -sf --cacert "$work/ca.crt" -u "elastic:$ELASTIC_PASSWORD" -H 'Content-Type: application/json' "$@"; }

(cd "$repo" && go build -o "$work/lekwacht" ./cmd/lekwacht)
lw="$work/lekwacht"
printf 'organisation: {timezone: Europe/Amsterdam}\n' > "$work/roles.yaml"
"$lw" setup elasticsearch --print-role --config "$work/roles.yaml" > "$work/roles.json"
for role in lekwacht-setup lekwacht-daemon; do
  jq ".\"$role\"" "$work/roles.json" | curl_es -X PUT "$es/_security/role/$role" -d @- >/dev/null
  key=$(jq -n --arg r "$role" --slurpfile d "$work/roles.json" '{name: $r, role_descriptors: {($r): $d[0][$r]}}' |
    curl_es -X POST "$es/_security/api_key" -d @- | jq -r .encoded)
  eval "key_$(echo $role | tr - _)=\$key"
done

"$lw" simulate --out "$work/sim" --employees 200 --days 3 --seed 7 >/dev/null
# The simulated gemeente's own config, with Elasticsearch and Kibana added: once per key.
for who in setup daemon; do
  eval "key=\$key_lekwacht_$who"
  sed 's#listen: "127.0.0.1:8470"#listen: "127.0.0.1:0"#' "$work/sim/lekwacht.yaml" > "$work/$who.yaml"
  printf 'elasticsearch: {addresses: ["%s"], api_key: "%s", ca_cert: "%s"}\nkibana: {url: "%s"}\n' \
    "$es" "$key" "$work/ca.crt" "$kb" >> "$work/$who.yaml"
done

echo "== setup with the setup key (no monitor)"
"$lw" setup elasticsearch --config "$work/setup.yaml"
"$lw" setup elasticsearch --config "$work/setup.yaml"
"$lw" setup kibana --security --config "$work/setup.yaml"
echo "== config check --connect with the daemon's key"
"$lw" config check --connect --config "$work/daemon.yaml" >/dev/null
echo "== the demo, indexed with the daemon's key"
"$lw" replay --config "$work/daemon.yaml"
want=$("$lw" incidents list --json --config "$work/daemon.yaml" | jq length)
timeout 120 "$lw" run --config "$work/daemon.yaml" >"$work/run.log" 2>&1 &
run=$!
n=0
for _ in $(seq 60); do
  n=$(curl_es "$es/lekwacht-incidents/_count" | jq .count)
  [ "$n" = "$want" ] && break
  sleep 2
done
kill "$run" 2>/dev/null || true
[ "$n" = "$want" ] || { echo "indexed $n of $want incidents"; cat "$work/run.log"; exit 1; }
echo "indexed $n incidents"
echo "== --migrate"
"$lw" setup elasticsearch --migrate --config "$work/setup.yaml"
[ "$(curl_es "$es/lekwacht-incidents/_count" | jq .count)" = "$want" ] || { echo "count changed by --migrate"; exit 1; }
echo "== the opt-in tests (superuser)"
cd "$repo"
LEKWACHT_TEST_ES_URL=$es LEKWACHT_TEST_KIBANA_URL=$kb LEKWACHT_TEST_ES_USERNAME=elastic LEKWACHT_TEST_ES_PASSWORD=$ELASTIC_PASSWORD \
  LEKWACHT_TEST_ES_CA_CERT="$work/ca.crt" go test -count=1 -run 'Live' -v ./esindex/
echo "ok: open $kb/app/security/alerts (the rule runs every 5 minutes) and $kb/app/dashboards"
