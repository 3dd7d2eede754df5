# nofault: two commands do everything.
#   make run    build and start the compositor (nested when a display exists,
#               headless otherwise); ARGS="--size=1920x1080 -- foot" passes flags
#   make test   install what the tests need and run the whole suite
SHELL := /bin/bash
# scripts/go.sh runs the Go toolchain go.mod names: a go on PATH that is new
# enough, else the one it fetched once (the go command's own toolchain
# module from the Go module proxy, checked against the checksum database)
# into ~/.cache/nofault/go. No Go needs to be installed. GO=go uses PATH's.
GO ?= scripts/go.sh
# WITHGO puts that toolchain first on PATH, for scripts that call go.
WITHGO = PATH="$$(dirname "$$(scripts/go.sh --which)"):$$PATH"
BIN := bin
ARGS ?=
# -count=1: several tests build and start the compositor binary with `go
# build`, which Go's test cache cannot see, so a cached pass could hide a
# change that breaks them.
GOTEST_FLAGS ?= -race -count=1 -timeout 30m
FUZZTIME ?= 30s

export GOFLAGS := -mod=mod

.PHONY: run build test test-go lint fuzz bench bench-compare kernel-demo soak generate deps-run deps-test clean misbehave-report libwayland-demo wlroots-demo wlcs

# The nested backend (a window in your desktop) needs cgo: GLFW and OpenGL.
# GLFW picks its platform at build time: bin/compositor is the X11 build
# (DISPLAY, Xwayland included), bin/compositor-wayland the Wayland one, which
# `make run` builds and uses when only WAYLAND_DISPLAY is set. The compositor
# itself picks nested when a display exists and headless otherwise; a
# CGO_ENABLED=0 build has no nested backend and always runs headless.
RUN_BIN := $(if $(DISPLAY),compositor,$(if $(WAYLAND_DISPLAY),compositor-wayland,compositor))

# A login shell without systemd (a root console, ssh without pam_systemd)
# has no XDG_RUNTIME_DIR; the compositor refuses to start without one, so
# make run provides a private 0700 directory for this run alone (mktemp),
# removed when it ends.
run: deps-run build
	@if [ -z "$$XDG_RUNTIME_DIR" ]; then \
		dir=$$(mktemp -d /tmp/nofault-runtime-XXXXXX) || exit 1; \
		trap 'rm -rf "$$dir"' EXIT; \
		echo "XDG_RUNTIME_DIR was not set; using $$dir for this run (export it for clients started elsewhere)"; \
		XDG_RUNTIME_DIR=$$dir $(BIN)/$(RUN_BIN) $(ARGS); \
	else \
		$(BIN)/$(RUN_BIN) $(ARGS); \
	fi

build:
	$(GO) build -o $(BIN)/compositor ./cmd/compositor
	$(GO) build -o $(BIN)/misbehave ./cmd/misbehave
	$(if $(filter compositor-wayland,$(RUN_BIN)),$(GO) build -tags wayland -o $(BIN)/compositor-wayland ./cmd/compositor)

deps-run:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

# The whole suite: vet, staticcheck, generated code up to date, unit and
# integration tests with the race detector (real clients run against the
# compositor).
test: deps-test lint
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test $(GOTEST_FLAGS) ./...

# staticcheck, the version pinned in tools/go.mod (a module of its own, so
# the main module's go.mod and builds stay free of it; go.sum checks it),
# built into $(BIN) with the same Go. One run checks every build
# configuration the code has (STATICCHECK_MATRIX: the X11 and Wayland
# nested builds, the cgo-free core, the race build with the shm probe); a
# finding counts once, an identifier is unused only if it is unused in all.
STATICCHECK_MATRIX := 'x11: CGO_ENABLED=1' 'wayland: CGO_ENABLED=1 -tags=wayland' \
	'nocgo: CGO_ENABLED=0' 'race: CGO_ENABLED=1 -race -tags=nofault_shmprobe'
lint: deps-test
	$(GO) build -C tools -o $(abspath $(BIN))/staticcheck honnef.co/go/tools/cmd/staticcheck
	printf '%s\n' $(STATICCHECK_MATRIX) | $(WITHGO) $(abspath $(BIN))/staticcheck -matrix ./...

generate:
	$(GO) generate ./...

# Runs every fuzz target for FUZZTIME each.
fuzz:
	@$(WITHGO) scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# nofault vs weston 10 vs sway 1.7 headless (about 20 min): regenerates the
# compare section of docs/benchmarks.md and docs/bench/*.png.
bench-compare:
	@scripts/deps.sh bench
	$(GO) run ./bench/cmd/compare $(COMPARE_ARGS)

# The MAP_NOSIGBUS v2 series (kernel/patches/linux) on Linux 6.12: builds
# stock and patched kernels (VM debugging on), boots both with nofault, the
# shm tests and the kselftest map_nosigbus inside, checks the tables
# (docs/kernel.md).
kernel-demo:
	$(WITHGO) kernel/demo.sh
	NOFAULT_KERNEL_DEMO=1 $(GO) test -count=1 -run TestKernelDemoTable ./kernel/demo

clean:
	rm -rf $(BIN)

# The issue 8 soak for 60 s: 200 clients connecting, committing at 60 Hz,
# misbehaving at random; no fd, mapping or goroutine may leak. (make test
# runs the same soak for 10 s.)
soak:
	SOAK_DURATION=60s $(GO) test -count=1 -timeout 15m -run '^TestSoak' -v ./internal/e2e

# Every misbehave scenario against weston, sway, cage, mutter, kwin, phoc
# and nofault, headless, one after the other (installs the missing ones;
# about 40 min): regenerates the table in docs/misbehave.md.
misbehave-report:
	$(GO) build -o $(BIN)/compositor ./cmd/compositor
	scripts/misbehave-compare.sh --install --nofault $(BIN)/compositor

# libwayland 1.21 built stock and with the sealed-resize fix; the reproducer
# against each compositor with each (docs/findings/libwayland-sealed-resize.md).
libwayland-demo:
	findings/libwayland/demo.sh

# wlroots 0.15 built stock and with the destroyed-buffer fix; sway 1.7 on
# the shrink-then-disconnect reproducer with each
# (docs/findings/wlroots-0.15-destroyed-buffer.md).
wlroots-demo:
	findings/wlroots/demo.sh

# Canonical's Wayland Conformance Test Suite against nofault (Debian's wlcs
# runner loading bin/nofault-wlcs.so): prints the pass/fail/skip table and
# fails on any failure not in wlcs/testdata/disagreements.txt
# (docs/conformance.md). make test runs the same check (TestWLCS).
wlcs: deps-test
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -o $(BIN)/nofault-wlcs.so ./cmd/nofault-wlcs
	NOFAULT_WLCS_SO=$(CURDIR)/$(BIN)/nofault-wlcs.so $(GO) test -count=1 -timeout 30m -run '^TestWLCS$$' -v ./wlcs
