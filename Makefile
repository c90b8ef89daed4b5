# Tollgate — build, test, run. `make demo` and `make test` work on a fresh Debian machine as root.
SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT ?= swift
# System packages the build and the tests need; installed only when missing.
DEPS := libncurses-dev libsqlite3-dev libcurl4-openssl-dev pkg-config tmux sqlite3 groff-base man-db openssl python3 python3-venv
# What only `make test` adds: PostgreSQL for the second ledger backend's tests (scripts/with-postgres.sh runs
# them against a throwaway cluster; Debian 12's server is postgresql-15) and nginx, the TLS reverse proxy in front
# of two replicas (`nginx` holds /usr/sbin/nginx, built with http_ssl and proxy; nginx-light only adds an echo module).
TEST_DEPS := postgresql-15 nginx
# The schema-driven API fuzzer the reliability tests run (SchemaFuzzTests), in a venv under .build.
SCHEMATHESIS := .build/schemathesis-venv/bin/schemathesis
# The official Python MCP SDK, a second client for `tollgate mcp` (McpPythonClientTests), in a venv under .build
# (the target is the SDK's own script, so a failed pip install is retried).
MCP_VENV := .build/mcp-venv/bin/mcp
# The official Python Prometheus client, whose parser reads `GET /metrics` (MetricsEndpointTests), in a venv under
# .build (the client installs no script, so the target is a stamp written once pip succeeded: a failed install is retried).
PROMETHEUS_VENV := .build/prometheus-venv/installed
BIN_DEBUG := .build/debug/tollgate
BIN_RELEASE := .build/release/tollgate
# The release binary links the Swift runtime and Foundation in, so it runs where no Swift toolchain
# is installed (a bastion host): only Debian's own shared libraries remain. No $ORIGIN rpath: it
# loads nothing from beside itself. -z now: every symbol bound at start-up, then read-only (full RELRO).
RELEASE_FLAGS := -c release --product tollgate --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now
# What only `make deb` and `make dist-test` need (packaging/); installed by them, not by `make deps`.
DIST_DEPS := dpkg-dev fakeroot binutils lintian systemd util-linux adduser strace curl
# The version `tollgate --version` says, and the package's (packaging/debian/changelog must agree).
VERSION := $(shell sed -n 's/.*version: "\([0-9][0-9A-Za-z.+~]*\).*/\1/p' Sources/tollgate/Tollgate.swift)
DEB_DIR := .build/deb

.PHONY: all deps test-deps dist-deps build release demo test lint format install install-files uninstall deb dist-test bench fuzz clean

all: build

## deps: install the missing system packages with apt-get (needs root; says what is missing otherwise)
## test-deps: the same for what the tests need besides (PostgreSQL, nginx)
## dist-deps: the same for the packaging tools `make deb` and `make dist-test` need
deps: PACKAGES = $(DEPS)
test-deps: PACKAGES = $(DEPS) $(TEST_DEPS)
dist-deps: PACKAGES = $(DIST_DEPS)
deps test-deps dist-deps:
	@missing=""; for p in $(PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	    echo "make: missing system packages:$$missing (run as root, or install them: apt-get install$$missing)" >&2; exit 1; fi; \
	  echo "installing system packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

## release: the self-contained release binary, .build/release/tollgate, with its commit linked in
release: deps
	@commit=$$(bash packaging/build-commit.sh .build) && set -x && $(SWIFT) build $(RELEASE_FLAGS) -Xlinker "$$commit"

## demo: an embedded server, simulated agents and the console, all in one terminal
demo: build
	$(BIN_DEBUG) demo

## test: the style check, then every test: unit, integration (real server on 127.0.0.1), console tests in tmux, man page lint;
## all of them inside a throwaway PostgreSQL cluster (scripts/with-postgres.sh), stopped at the end however the tests end
test: test-deps lint $(SCHEMATHESIS) $(MCP_VENV) $(PROMETHEUS_VENV)
	$(SWIFT) build --build-tests
	SWIFT=$(SWIFT) bash scripts/with-postgres.sh bash scripts/run-tests.sh
	$(MAKE) --no-print-directory dist-test

## lint: the toolchain's swift format, with .swift-format, over every Swift file; `make format` fixes what it can
lint:
	$(SWIFT) format lint --strict --parallel --recursive Package.swift Sources Tests fuzz

format:
	$(SWIFT) format format --in-place --parallel --recursive Package.swift Sources Tests fuzz

## bench: release-built benchmarks printed as one table (QUICK=1 for a short sanity run); see BENCHMARKS.md
bench: test-deps
	bash bench/setup.sh
	$(SWIFT) build -c release --product tollgate
	$(SWIFT) build -c release --product tollgate-bench
	@mkdir -p .build-bench-data
	set -o pipefail; bash scripts/with-postgres.sh .build/release/tollgate-bench $(if $(QUICK),--quick) | tee .build-bench-data/last-run.md

$(SCHEMATHESIS):
	python3 -m venv .build/schemathesis-venv
	.build/schemathesis-venv/bin/pip install -q 'schemathesis>=4,<5'

$(MCP_VENV):
	python3 -m venv .build/mcp-venv
	.build/mcp-venv/bin/pip install -q 'mcp>=1.30,<2'

$(PROMETHEUS_VENV):
	python3 -m venv .build/prometheus-venv
	.build/prometheus-venv/bin/pip install -q 'prometheus-client>=0.20,<1'
	touch $@

## fuzz: build the libFuzzer targets (fuzz/README.md) and run each for FUZZ_SECONDS (default 600); crashes land in fuzz-out/
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
fuzz: deps
	bash fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) bash fuzz/run.sh

install: release
	$(MAKE) install-files BIN=$(BIN_RELEASE)

## install-files: copy an already-built BIN (stripped) and its files under PREFIX (the tests use it with the debug build)
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/tollgate/themes
	install -s -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tollgate
	install -m 0644 man/tollgate.1 $(DESTDIR)$(PREFIX)/share/man/man1/tollgate.1
	install -m 0644 themes/*.toml $(DESTDIR)$(PREFIX)/share/tollgate/themes/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tollgate
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_tollgate
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tollgate.fish

## deb: the Debian package, $(DEB_DIR)/tollgate_<version>_<arch>.deb, from the release binary (packaging/build-deb.sh)
deb: release dist-deps
	bash packaging/build-deb.sh $(BIN_RELEASE) $(VERSION) $(DEB_DIR)

## dist-test: the release binary with the toolchain hidden, the package installed and removed in a throwaway namespace, lintian, the unit (packaging/dist-test.sh)
dist-test: deb
	bash packaging/dist-test.sh $(BIN_RELEASE) $(DEB_DIR)/tollgate_$(VERSION)_$$(dpkg --print-architecture).deb

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tollgate $(DESTDIR)$(PREFIX)/share/man/man1/tollgate.1
	rm -rf $(DESTDIR)$(PREFIX)/share/tollgate
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tollgate $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_tollgate $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tollgate.fish

clean:
	rm -rf .build
