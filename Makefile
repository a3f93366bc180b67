# Developer entry points. `make test` also makes sure PostgreSQL and a
# headless Chromium are available (scripts/ensure-postgres.sh,
# scripts/ensure-chromium.sh); plain `go test ./...` works too, starting a
# throw-away cluster when no server runs on 127.0.0.1:5432.

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN_DIR)/staticcheck

.PHONY: test demo lint ensure-postgres ensure-chromium

test: ensure-postgres ensure-chromium
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz-short

# demo serves the dashboard while it runs and prints its URL; SERVE=1 keeps
# it up after the summary, until interrupted.
demo: ensure-postgres
	$(GO) run ./cmd/demo $(if $(SERVE),-serve)

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$(STATICCHECK)" ]; then \
		echo "installing staticcheck $(STATICCHECK_VERSION)"; \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck ./...; else "$(STATICCHECK)" ./...; fi

ensure-postgres:
	bash scripts/ensure-postgres.sh

# ensure-chromium finds or installs (apt-get, as root) the headless Chromium
# the dashboard's browser tests drive.
ensure-chromium:
	bash scripts/ensure-chromium.sh

# bench runs asynqpg and River side by side on the same PostgreSQL and
# prints the table of docs/PERFORMANCE.md: every figure, with three
# side-by-side runs of each drain and insert case (drain, drivers, chart,
# insert, latency, limit, ceiling, scaleout, retained with 10 million
# finalized rows, memory, settings). The full run writes it into
# docs/PERFORMANCE.md and docs/benchmark-results.md, and the chart to
# docs/images/throughput.png.
# QUICK=1: 10,000 tasks, 100,000 retained rows, one run, results in
# benchmarks/results/.
# FIGURES=drain,scaleout runs only those figures.
# More flags: make bench BENCH_FLAGS='-workers 100 -processes 1,2,4,8'.
.PHONY: bench
BENCH_FLAGS ?=
FIGURES ?=
bench: ensure-postgres
	cd benchmarks && $(GO) run ./cmd/bench $(if $(QUICK),-quick -out results,-out ../docs -doc ../docs/PERFORMANCE.md) $(if $(FIGURES),-figures $(FIGURES)) $(BENCH_FLAGS)

# bench-stats times the dashboard's /api/stats on a table of 10 million
# tasks (ROWS=n for another size); see docs/PERFORMANCE.md.
.PHONY: bench-stats
ROWS ?= 10000000
bench-stats: ensure-postgres
	bash scripts/bench-stats.sh $(ROWS)

# test-reliability runs the reliability suite (reliability/, described in
# docs/GUARANTEES.md) at full size: 100,000 tasks without faults, 1,000
# completions racing the rescuer, 1,000 start/stop cycles, longer fault
# storms. `make test` runs the same scenarios in a shortened form.
.PHONY: test-reliability fuzz-short
test-reliability: ensure-postgres
	ASYNQPG_RELIABILITY=full $(GO) test -race -count=1 -v -timeout 60m ./reliability

# fuzz-short fuzzes each target for a number of inputs (about ten seconds
# each on a 2-core machine). Counts, not a duration: a duration ends the
# run with "context deadline exceeded" when it passes while a worker waits
# on the database. FUZZ=N multiplies every count.
FUZZ ?= 1
fuzz-short: ensure-postgres
	$(GO) test -run='^$$' -fuzz='^FuzzTaskValidation$$' -fuzztime=$$((20000*$(FUZZ)))x ./reliability
	$(GO) test -run='^$$' -fuzz='^FuzzListParams$$' -fuzztime=$$((20000*$(FUZZ)))x ./reliability
	$(GO) test -run='^$$' -fuzz='^FuzzDurations$$' -fuzztime=$$((10000*$(FUZZ)))x ./reliability
	$(GO) test -run='^$$' -fuzz='^FuzzPayloadRoundTrip$$' -fuzztime=$$((400*$(FUZZ)))x ./reliability
	$(GO) test -run='^$$' -fuzz='^FuzzHandlerResult$$' -fuzztime=$$((20000*$(FUZZ)))x ./internal/engine
	$(GO) test -run='^$$' -fuzz='^FuzzTaskType$$' -fuzztime=$$((100000*$(FUZZ)))x ./internal/validate
	$(GO) test -run='^$$' -fuzz='^FuzzIdempotencyToken$$' -fuzztime=$$((100000*$(FUZZ)))x ./internal/validate
	$(GO) test -run='^$$' -fuzz='^FuzzProcessAt$$' -fuzztime=$$((100000*$(FUZZ)))x ./internal/validate
