# Developer entry points. `make test` also makes sure PostgreSQL is available
# (see scripts/ensure-postgres.sh); plain `go test ./...` works too, starting
# a throw-away cluster when no server runs on 127.0.0.1:5432.

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN_DIR)/staticcheck

.PHONY: test demo lint ensure-postgres

test: ensure-postgres
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

demo:
	$(GO) run ./cmd/demo

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
