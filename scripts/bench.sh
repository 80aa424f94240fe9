#!/usr/bin/env bash
# make bench: every benchmark program in turn, its whole output teed to a report file, then a short
# summary of the headline figures of each. Benchmarks print figures; they do not pass or fail: this
# script exits non-zero only when a program itself could not run to its end.
#
# Flags pass through per program: BENCHFLAGS (bench/throughput), REGISTERFLAGS (bench/register),
# DETECTORFLAGS (bench/detectors), BSNFLAGS (bench/bsn), E2EFLAGS (bench/e2e), ESFLAGS (bench/es), GOBENCHFLAGS (the Go
# micro-benchmarks), PEERSFLAGS (bench/peers: lekwacht vs rsyslog and syslog-ng). BENCH_MB is the size
# of each generated file of bench/peers (default 64) and, when set, of bench/throughput. BENCH_REPORT names the report (default bench-report.txt in the repository root;
# a relative name is taken from there). A quick run:
#   BENCHFLAGS="-size 8 -files 50 -appends 20" REGISTERFLAGS="-items 20000 -verify 50000" \
#   DETECTORFLAGS="-lines 100000 -users 20000" BSNFLAGS="-size 16 -runs 1" \
#   E2EFLAGS="-employees 300 -runs 1 -appends 10" GOBENCHFLAGS="-benchtime 100x" scripts/bench.sh
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
REPORT=${BENCH_REPORT:-bench-report.txt}
OUT=$(mktemp -d /tmp/lekwacht-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
failed=()

note() { printf '%s\n' "$*" | tee -a "$REPORT"; }

# section NAME COMMAND...: runs the command; its output goes to the terminal, the report and $OUT/NAME.
section() {
	local name=$1
	shift
	note ""
	note "== $name: $*"
	"$@" 2>&1 | tee -a "$REPORT" "$OUT/$name"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		failed+=("$name")
		note "== $name did not finish: exit $rc"
	fi
}

: >"$REPORT" || exit 1
note "lekwacht make bench, $(date -Iseconds)"
note "commit $(git describe --always --dirty 2>/dev/null || echo unknown), $($GO version), $(uname -sr)," \
	"$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
command -v rg >/dev/null || (apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null) || true

# Word splitting of the *FLAGS is meant: each holds the flags of one program.
# shellcheck disable=SC2086
{
	section throughput env GOMAXPROCS=1 $GO run ./bench/throughput ${BENCH_MB:+-size $BENCH_MB} ${BENCHFLAGS-}
	if peers_root=$(scripts/peers.sh); then
		section peers $GO run ./bench/peers -size "${BENCH_MB:-64}" ${peers_root:+-root "$peers_root"} ${PEERSFLAGS-}
	else
		failed+=(peers)
		note "== peers: rsyslog and syslog-ng could not be installed (scripts/peers.sh)"
	fi
	section register $GO run ./bench/register ${REGISTERFLAGS-}
	section detectors $GO run ./bench/detectors ${DETECTORFLAGS-}
	section bsn $GO run ./bench/bsn ${BSNFLAGS-}
	section e2e $GO run ./bench/e2e ${E2EFLAGS-} # builds lekwacht from the same sources as itself
	section es $GO run ./bench/es ${ESFLAGS-} # a 10-minute Elasticsearch outage by default (ESFLAGS="-outage 1m")
	section gobench env GOMAXPROCS=1 $GO test -run '^$' -bench . -benchmem ${GOBENCHFLAGS-} ./collectors/... ./register/ ./bsn/ ./identity/
	# A replay's detection stage alone on 1, 2 and 4 cores (one go test each: GOMAXPROCS is the -cpu),
	# and on 2 with the detectors in one goroutine (NOSPREAD), in turns.
	section detectstage bash -c 'for round in 1 2; do for p in 1 2 4; do '"$GO"' test -run "^$" -bench DetectionStage -benchtime 5x -cpu $p ./daemon/ | grep "^Benchmark"; done
		LEKWACHT_BENCH_NOSPREAD=1 '"$GO"' test -run "^$" -bench DetectionStage -benchtime 5x -cpu 2 ./daemon/ | grep "^Benchmark" | sed "s/^/NOSPREAD /"; done'
}

# The summary: the SUMMARY lines the programs print last, and for what prints tables only (the
# throughput per format, the detectors' memory in its own processes, go test -bench) their key lines.
summary() {
	awk '
		$3 == "|" && $6 == "|" && $10 == "|" && $2 ~ /^[0-9]+$/ { rows = rows sep $1 " " $12 " (" $13 ")"; sep = ", " }
		$2 == "error:" { rows = rows sep $0; sep = ", " }
		/^following / || /^append -> line delivered/ { more[++n] = $0 }
		END {
			if (rows != "") print "throughput: tail+parse lines/s (of a plain read) on one core: " rows
			for (i = 1; i <= n; i++) print "throughput: " more[i]
		}' "$OUT/throughput" 2>/dev/null
	awk '
		/ [0-9]+ \| +[0-9.]+ +[0-9]+ \|/ {
			line = "peers: " $1 " lekwacht"; i = index($0, "|"); n = split(substr($0, i + 1), part, "|")
			split(part[1], own, " "); line = line " " own[2] " lines/s"
			for (j = 2; j <= n; j++) {
				split(part[j], p, " ")
				line = line ", " p[1] " " (p[4] ~ /x$/ ? p[3] " lines/s (lekwacht " p[4] " as fast)" : "did not finish")
			}
			print line
		}' "$OUT/peers" 2>/dev/null
	sed -n 's/^SUMMARY //p' "$OUT/register" "$OUT/detectors" 2>/dev/null
	awk '
		/^2\. memory with/ { sub(/^2\. memory with /, ""); sub(/\(3 events each within 1h, /, "("); users = $0 }
		/HeapInuse/ { sub(/^ +/, ""); print "detectors: memory, " users ": " $0 }' "$OUT/detectors" 2>/dev/null
	sed -n 's/^SUMMARY //p' "$OUT/bsn" "$OUT/e2e" "$OUT/es" 2>/dev/null
	awk '
		/^pkg: / { pkg = $2; sub(/^github.com\/lekwacht\/lekwacht\//, "", pkg) }
		/^Benchmark/ {
			line = "go test -bench: " pkg " " $1
			for (i = 3; i < NF; i++) if ($(i+1) ~ /^(ns\/op|MB\/s|allocs\/op)$/) line = line "  " $i " " $(i+1)
			print line
		}' "$OUT/gobench" 2>/dev/null
	awk '/^(NOSPREAD )?BenchmarkDetectionStage/ {
			line = "detection stage alone: " ($1 == "NOSPREAD" ? "not spread " $2 : $1)
			for (i = 3; i < NF; i++) if ($(i+1) ~ /^(ns\/op|events\/s|cores)$/) line = line "  " $i " " $(i+1)
			print line
		}' "$OUT/detectstage" 2>/dev/null
	for name in "${failed[@]}"; do
		echo "$name: DID NOT FINISH (see its section in the report)"
	done
}

note ""
note "== summary (the whole output is in $REPORT)"
summary | tee -a "$REPORT"
[ ${#failed[@]} -eq 0 ]
