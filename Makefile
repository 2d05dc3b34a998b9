# tokenstation: build, test and demo. `make test` is the README's test command and
# what .ci/run calls; it installs the system packages it needs first.

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Build: a C compiler for the bundled SQLite, pkg-config for the -sys crates.
APT_PACKAGES := build-essential pkg-config
PKGCONFIG_LIBS :=

.PHONY: all deps check-toolchain build test lint check-layers unit demo bench clean-demo

all: build

check-toolchain:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust 1.95 or newer (https://rustup.rs)"; exit 1; }
	@v=$$(rustc --version | awk '{print $$2}'); \
	 if [ "$$(printf '%s\n1.95.0\n' "$$v" | sort -V | head -1)" != "1.95.0" ]; then \
	   echo "rustc $$v is too old: tokenstation needs 1.95 or newer (rustup update)"; exit 1; fi

# Installs missing Debian/Ubuntu packages (via sudo when not root), then checks them.
deps: check-toolchain
	@missing=""; for p in $(APT_PACKAGES); do \
	   dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	 done; \
	 if [ -n "$$missing" ]; then \
	   echo "installing:$$missing"; \
	   $(SUDO) apt-get update -qq && \
	   DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	 fi
	@for l in $(PKGCONFIG_LIBS); do pkg-config --exists $$l || { echo "pkg-config cannot find $$l after installing"; exit 1; }; done

build: deps
	$(CARGO) build --release

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

check-layers:
	.ci/check-layers

unit: deps
	$(CARGO) test

# The README's test command: formatting, lints, layer rules, every test.
test: lint check-layers unit

# The README's quick start: a scripted demo of the station's main job.
demo: deps
	$(CARGO) run --release --quiet -- demo

bench: deps
	$(CARGO) bench
