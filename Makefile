# lekwacht: make demo shows the main job, make test runs the tests.
GO        ?= go
BIN       := bin/lekwacht
PKGS      := ./...
SAMPLES   := ../shared/samples

# What lekwacht version prints: the version (scripts/version.sh: git describe, else 0.0.0+N.gHASH),
# the commit, the build date (SOURCE_DATE_EPOCH when set).
VERSION    := $(shell scripts/version.sh)
COMMIT     := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BUILD_DATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(BUILD_DATE)
DEB_MAINTAINER ?= lekwacht <lekwacht@users.noreply.github.com>

.PHONY: all build deb demo test test-long reliability lint bench soak eval check tidy-check fuzz clean screenshots

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/lekwacht

## deb: dist/lekwacht_VERSION_ARCH.deb by nfpm (deploy/nfpm.yaml): the binary built with CGO_ENABLED=0
## as /usr/bin/lekwacht, the unit, sysusers, tmpfiles and logrotate files, a starting config
## /etc/lekwacht/lekwacht.yaml; scripts/deb-check.sh installs it for real and checks what it installed
deb:
	rm -rf dist/pkg dist/lekwacht_*.deb && mkdir -p dist/pkg
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o dist/pkg/lekwacht ./cmd/lekwacht
	sed 's|/usr/local/bin/lekwacht|/usr/bin/lekwacht|g' deploy/systemd/lekwacht.service >dist/pkg/lekwacht.service
	VERSION="$(VERSION)" GOARCH="$$($(GO) env GOARCH)" DEB_MAINTAINER="$(DEB_MAINTAINER)" \
		$(GO) tool nfpm package --config deploy/nfpm.yaml --packager deb --target dist/

## demo: parse every shipped sample log and show what lekwacht makes of it
demo: build
	@./scripts/demo.sh

# Screenshots of the browser tests and other artifacts of a test run.
export LEKWACHT_ARTIFACTS ?= $(CURDIR)/artifacts

## test: the test suite with the race detector (long integration tests skipped by -short)
test:
	$(GO) test -race -short -count=1 $(PKGS)

## test-long: everything, including the SIGKILL restart tests
test-long:
	$(GO) test -race -count=1 $(PKGS)

## reliability: the fault scenarios (SIGKILL during ingest and while registering, a full disk, a
## damaged or locked register, Elasticsearch down) and every fuzz target for FUZZTIME, then a report of
## what was injected and what was lost (must be nothing). CI runs it.
reliability:
	GO="$(GO)" FUZZTIME="$(FUZZTIME)" ./scripts/reliability.sh

## screenshots: the README's screenshots of lekwacht's own pages (docs/screenshots/), taken on
## simulated data by a headless Chromium (chromium on the PATH, or LEKWACHT_CHROMIUM)
screenshots:
	$(GO) test -count=1 -run 'TestScreenshots' ./server -args -update-screenshots

lint:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## bench: every benchmark program, the whole output in BENCH_REPORT (default bench-report.txt), then a
## summary of the headline figures: per format, plain read vs parse-only vs tail+parse of a generated
## 1 GB file on one core, memory following 500 files, append-to-line latency; the register's items/s
## and the time to verify 1M items; the detectors' overhead and memory; the BSN scanner vs ripgrep;
## lekwacht parse vs rsyslog and syslog-ng (bench/peers, the peers unpacked from Debian by scripts/peers.sh when
## missing) on the same generated files of BENCH_MB MB (default 64); end to end, lekwacht replay of a simulated 5,000-employee day and append-to-draft latency of
## lekwacht run; Elasticsearch indexing rate and a 10-minute outage; then the Go micro-benchmarks.
## Flags per program: BENCHFLAGS (throughput), REGISTERFLAGS, DETECTORFLAGS, BSNFLAGS, E2EFLAGS,
## ESFLAGS, GOBENCHFLAGS (go test -bench), PEERSFLAGS
bench:
	GO="$(GO)" BENCH_REPORT="$(BENCH_REPORT)" BENCH_MB="$(BENCH_MB)" PEERSFLAGS="$(PEERSFLAGS)" BENCHFLAGS="$(BENCHFLAGS)" REGISTERFLAGS="$(REGISTERFLAGS)" \
		DETECTORFLAGS="$(DETECTORFLAGS)" BSNFLAGS="$(BSNFLAGS)" E2EFLAGS="$(E2EFLAGS)" ESFLAGS="$(ESFLAGS)" \
		GOBENCHFLAGS="$(GOBENCHFLAGS)" ./scripts/bench.sh

## soak: lekwacht run for an hour on a simulated 2,000-employee day replayed four times at 96x real time into live
## logs rotated every 5 minutes; samples RSS, goroutines, open files, lag and lines read from /metrics,
## then a verdict (memory, goroutines and files flat, lag bounded, every line read, verify clean).
## SOAKFLAGS="-duration 3m -employees 500" for a short run
soak:
	$(GO) run ./bench/soak $(SOAKFLAGS)

## eval: precision and recall per detector against the simulator's truth.json, for several seeds and
## sizes, and false drafts per 1,000 employees per day (EVALFLAGS="-v" lists every miss and false draft)
eval:
	$(GO) run ./bench/eval $(EVALFLAGS)

## fuzz: run every Fuzz test of the module (found by go test -list) for FUZZTIME each, one after
## another; a crasher is written to the package's testdata/fuzz/ and fails the target
FUZZTIME ?= 10s
fuzz:
	@GO="$(GO)" ./scripts/fuzz.sh $(FUZZTIME)

check: lint

tidy-check:
	$(GO) mod tidy
	@git diff --exit-code go.mod go.sum || (echo "go.mod/go.sum not tidy: run go mod tidy" && exit 1)

clean:
	rm -rf bin dist
