# nofault: two commands do everything.
#   make run    build and start the compositor (nested when a display exists,
#               headless otherwise); ARGS="--size=1920x1080 -- foot" passes flags
#   make test   install what the tests need and run the whole suite
SHELL := /bin/bash
GO ?= go
BIN := bin
ARGS ?=
GOTEST_FLAGS ?= -race -timeout 30m
FUZZTIME ?= 30s

export GOFLAGS := -mod=mod

.PHONY: run build test test-go fuzz bench bench-compare kernel-demo soak generate deps-run deps-test clean

run: deps-run build
	$(BIN)/compositor $(ARGS)

build:
	$(GO) build -o $(BIN)/compositor ./cmd/compositor
	$(GO) build -o $(BIN)/misbehave ./cmd/misbehave

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

# The whole suite: vet, generated code up to date, unit and integration
# tests with the race detector (real clients run against the compositor).
test: deps-test
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test $(GOTEST_FLAGS) ./...

generate:
	$(GO) generate ./...

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

kernel-demo:
	kernel/demo.sh

clean:
	rm -rf $(BIN)
