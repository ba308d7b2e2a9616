# canto's build, test and lint entry points. `make check` is what CI runs.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -buildid= \
	-X github.com/canto-build/canto/internal/version.Version=$(VERSION) \
	-X github.com/canto-build/canto/internal/version.Commit=$(COMMIT)
GOLANGCI_LINT_VERSION := v2.15.0
BIN := bin/canto
# The test world's state lives here; see docs/testworld.md.
export CANTO_TESTWORLD ?= $(HOME)/.cache/canto-testworld

.PHONY: build test e2e lint check ci deps testworld testworld-down fuzz tools demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/canto

test:
	$(GO) test -race -count=1 ./...

tools:
	@command -v golangci-lint >/dev/null 2>&1 && golangci-lint version 2>/dev/null | grep -q '$(patsubst v%,%,$(GOLANGCI_LINT_VERSION))' || \
		$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" golangci-lint run ./...

testworld:
	bash testworld/up.sh

testworld-down:
	bash testworld/down.sh

# End-to-end tests drive the real binary against the running test world.
e2e: build testworld
	CANTO_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -tags e2e -timeout 60m ./e2e/...

check: lint test

# Every Go fuzz target in the repository (each `func FuzzXxx` in a
# *_test.go file), each for FUZZTIME. With 26 targets at 10s the whole run
# takes about six minutes on two cores. New corpus entries that fail are
# written to the package's testdata/fuzz/ as usual.
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash hack/fuzz.sh

# The README's first command: set up, then run canto's main job on an example.
demo: build testworld
	bash hack/demo.sh

# Everything: lint, unit tests, the test world and the end-to-end tests.
# This is the README's test command and what .ci/run runs.
ci: deps lint test fuzz e2e

# The Debian packages the tests need, unit tests included (part 10 of the
# test world; fast when they are present).
deps:
	bash testworld/up.sh 10-apt
