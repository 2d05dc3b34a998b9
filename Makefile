# tokenstation: build, test and demo. `make test` is the README's test command and what
# .ci/run calls: it installs the Debian packages it needs, starts pcscd (with the
# vsmartcard-vpcd virtual readers) and runs every check and test.

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Build: a C compiler for the bundled SQLite, pkg-config and the -dev packages of the
# hardware crates. Test: pcscd and the vsmartcard-vpcd driver, pskctool (RFC 6030 schema
# validation), FreeRADIUS with rlm_rest and radtest (the API's RADIUS test). Bench: GNU
# time, wrk (the API's load generator).
DEB_PACKAGES := build-essential pkg-config libpcsclite-dev libudev-dev libusb-1.0-0-dev \
                pcscd vsmartcard-vpcd time pskctool \
                freeradius freeradius-rest freeradius-utils wrk
PCSCD_SOCKET := /run/pcscd/pcscd.comm
PCSCD_LOG ?= $(CURDIR)/target/pcscd.log

.PHONY: all deps check-toolchain build lint check-layers unit unit-run pcscd test test-hw demo bench

all: build

check-toolchain:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust 1.95 or newer (https://rustup.rs)"; exit 1; }
	@v=$$(rustc --version | awk '{print $$2}'); \
	 if [ "$$(printf '%s\n1.95.0\n' "$$v" | sort -V | head -1)" != "1.95.0" ]; then \
	   echo "rustc $$v is too old: tokenstation needs 1.95 or newer (rustup update)"; exit 1; fi

# Installs missing Debian/Ubuntu packages (via sudo when not root), then checks them:
# apt-get has been seen to exit 0 without installing every -dev package.
deps: check-toolchain
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || exit 1; \
	fi
	@pkg-config --exists libpcsclite libudev libusb-1.0 || \
	  { echo "deps: pkg-config cannot find libpcsclite, libudev or libusb-1.0 after install"; exit 1; }
	@command -v pcscd >/dev/null 2>&1 || [ -x /usr/sbin/pcscd ] || \
	  { echo "deps: pcscd binary missing (package pcscd)"; exit 1; }
	@dpkg -s vsmartcard-vpcd >/dev/null 2>&1 || { echo "deps: vsmartcard-vpcd is not installed"; exit 1; }

# pcscd must start after vsmartcard-vpcd is installed, or the Virtual PCD readers are
# missing. A running pcscd is reused. A stale socket left by a killed pcscd makes a new
# one exit at once; it cleans up on a retry.
pcscd: deps
	@PCSCD=$$(command -v pcscd || echo /usr/sbin/pcscd); \
	if [ -S $(PCSCD_SOCKET) ] && pgrep -x pcscd >/dev/null; then \
	  echo "pcscd: already running ($(PCSCD_SOCKET))"; exit 0; \
	fi; \
	mkdir -p "$$(dirname $(PCSCD_LOG))"; \
	for attempt in 1 2 3; do \
	  echo "pcscd: starting $$PCSCD --foreground (log $(PCSCD_LOG))"; \
	  setsid $(SUDO) "$$PCSCD" --foreground >>"$(PCSCD_LOG)" 2>&1 < /dev/null & \
	  for i in $$(seq 1 100); do \
	    if [ -S $(PCSCD_SOCKET) ] && pgrep -x pcscd >/dev/null; then echo "pcscd: ready"; exit 0; fi; \
	    sleep 0.1; \
	  done; \
	  echo "pcscd: not ready after 10 s (attempt $$attempt), see $(PCSCD_LOG)"; \
	done; \
	exit 1

build: deps
	$(CARGO) build --release

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --no-default-features -- -D warnings
	$(CARGO) clippy -p check-layers --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p tokenstation

# The layer rules of design.md §3, checked by parsing src/ (tools/check-layers, its rule
# table in tools/check-layers/src/rules.rs): first the checker's own tests (one planted
# violation of each kind), then the check of src/, one line per violation.
check-layers: check-toolchain
	$(CARGO) test -q -p check-layers
	$(CARGO) run -q -p check-layers -- .

# Every test target but the PC/SC ones in parallel, the doc tests (among them the
# compile-fail proofs that a read handle cannot write), then the real-pcscd tests one at
# a time (one virtual card per vpcd slot: tests/pcsc_*.rs and the burn CLI tests), then
# the build without hardware backends. Under CI=true the PC/SC tests fail, not skip, when
# pcscd or vpcd is missing.
PCSC_TESTS = $(wildcard tests/pcsc_*.rs) tests/cli_burn.rs tests/cli_burn_guide.rs tests/presence_pcsc.rs
TEST_TARGETS = $(patsubst tests/%.rs,--test %,$(filter-out $(PCSC_TESTS),$(wildcard tests/*.rs)))

unit: deps pcscd
	tools/with-test-postgres.sh $(MAKE) --no-print-directory unit-run

unit-run:
	$(CARGO) test --no-fail-fast --lib --bins $(TEST_TARGETS)
	$(CARGO) test --doc
	@set -e; for t in $(patsubst tests/%.rs,%,$(PCSC_TESTS)); do $(CARGO) test --test $$t -- --test-threads=1; done
	$(CARGO) test --no-default-features --lib --bins $(TEST_TARGETS)
	$(MAKE) --no-print-directory unit-postgres

# PostgreSQL (issue 17): `unit` runs beside a throwaway server, started and stopped by
# tools/with-test-postgres.sh (it installs the Debian package postgresql when missing,
# runs the cluster as the postgres user in target/test-pg.*, Unix socket only, and
# exports TOKENSTATION_TEST_PG). Under CI=true a missing PostgreSQL fails the run.
# `make pg-shell` opens a psql on such a server for manual work.
# `unit-postgres` runs the store and engine tests a second time with every test store
# on the server (TOKENSTATION_TEST_BACKEND=postgres, tests/common/backend.rs);
# tests/pg_store.rs runs on it in the first pass already.
PG_TEST_TARGETS = engine many_stations presence_station views import_race jobs \
                  drift_baseline drift_fix drift_report cli_presence cli_seeds cli_drift \
                  cli_import_refusals molto2_last_try
.PHONY: pg-shell unit-postgres
unit-postgres:
	@if [ -z "$$TOKENSTATION_TEST_PG" ]; then \
	  if [ "$$CI" = true ]; then echo "postgres: no test server (TOKENSTATION_TEST_PG): under CI=true this fails"; exit 1; fi; \
	  echo "postgres: NOT RUN: no test server (TOKENSTATION_TEST_PG); run make test or tools/with-test-postgres.sh"; exit 1; \
	fi
	TOKENSTATION_TEST_BACKEND=postgres $(CARGO) test $(patsubst %,--test %,$(PG_TEST_TARGETS))

pg-shell:
	tools/with-test-postgres.sh bash -c 'psql "$$TOKENSTATION_TEST_PG"'

# Verifications per second with 1, 4 and 8 stations, SQLite beside PostgreSQL
# (benches/stations.rs), on a throwaway server like the tests'.
.PHONY: bench-stations bench-outbox
bench-stations: deps
	tools/with-test-postgres.sh $(CARGO) bench --bench stations

# Offline kiosk outbox drained into PostgreSQL, events per second (benches/outbox_drain.rs).
bench-outbox: deps
	tools/with-test-postgres.sh $(CARGO) bench --bench outbox_drain

test-hw: unit

# The README's test command: formatting, lints, layer rules, every test.
test: lint check-layers unit

# The README's quick start: a scripted demo of the station's main job.
demo: deps
	$(CARGO) run --release --quiet -- demo

bench: deps
	$(CARGO) bench

# --- Running as a service (issue 18): man pages, completions, install, Debian package.
# `make assets` writes the man pages and completions from the binary; `make install`
# installs binary, units, udev rules, pages and completions under $(DESTDIR)$(PREFIX);
# `make deb` builds target/debian/tokenstation_*.deb with cargo-deb (installed when
# missing); `make deb-check` (part of `make test`) builds a package from the test build
# and checks it: lintian without errors, then install, upgrade and purge in a
# throwaway root (packaging/deb-check.sh).
DEB_PACKAGES += systemd man-db lintian
PREFIX ?= /usr/local
PROFILE ?= release
BIN_DIR = target/$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
ASSETS := target/assets

.PHONY: assets install cargo-deb deb deb-check

assets:
	$(CARGO) build --profile $(PROFILE)
	rm -rf $(ASSETS) && mkdir -p $(ASSETS)/man $(ASSETS)/completions
	$(BIN_DIR)/tokenstation manpages $(ASSETS)/man >/dev/null
	gzip -9n $(ASSETS)/man/*.1
	$(BIN_DIR)/tokenstation completions bash > $(ASSETS)/completions/tokenstation.bash
	$(BIN_DIR)/tokenstation completions zsh > $(ASSETS)/completions/_tokenstation
	$(BIN_DIR)/tokenstation completions fish > $(ASSETS)/completions/tokenstation.fish

install: assets
	install -Dm755 $(BIN_DIR)/tokenstation $(DESTDIR)$(PREFIX)/bin/tokenstation
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m644 $(ASSETS)/man/*.1.gz $(DESTDIR)$(PREFIX)/share/man/man1/
	install -Dm644 $(ASSETS)/completions/tokenstation.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tokenstation
	install -Dm644 $(ASSETS)/completions/_tokenstation $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_tokenstation
	install -Dm644 $(ASSETS)/completions/tokenstation.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tokenstation.fish
	install -d $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/udev/rules.d
	sed 's#/usr/bin/tokenstation#$(PREFIX)/bin/tokenstation#' systemd/tokenstation-kiosk@.service > $(DESTDIR)/etc/systemd/system/tokenstation-kiosk@.service
	sed 's#/usr/bin/tokenstation#$(PREFIX)/bin/tokenstation#' systemd/tokenstation-serve.service > $(DESTDIR)/etc/systemd/system/tokenstation-serve.service
	install -m644 udev/71-tokenstation-kiosk.rules $(DESTDIR)/etc/udev/rules.d/
	[ -e $(DESTDIR)/etc/tokenstation/station.toml ] || install -Dm644 packaging/station.toml $(DESTDIR)/etc/tokenstation/station.toml

cargo-deb:
	@command -v cargo-deb >/dev/null 2>&1 || $(CARGO) install cargo-deb --version 3.8.0 --locked

deb: deps cargo-deb assets
	$(CARGO) deb --no-build --strip --profile $(PROFILE)

deb-check: deps cargo-deb
	$(MAKE) --no-print-directory assets PROFILE=dev
	packaging/deb-check.sh

# `make test` also checks the package (lintian, install/upgrade/purge in a scratch root).
test: deb-check
