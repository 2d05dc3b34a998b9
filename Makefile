# Hardware-layer targets (issue 5). The lead merges these into the project Makefile;
# each target is self-contained.
#
#   make deps     install the Debian packages the hardware layer builds and tests with
#   make pcscd    start pcscd (with the vsmartcard-vpcd readers) unless it already runs
#   make test-hw  every cargo test, the PC/SC tests one at a time against the real pcscd

SHELL := /bin/bash

HW_DEB_PACKAGES := pcscd vsmartcard-vpcd libpcsclite-dev libudev-dev libusb-1.0-0-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PCSCD_SOCKET := /run/pcscd/pcscd.comm
PCSCD_LOG ?= $(CURDIR)/target/pcscd.log

.PHONY: deps pcscd test-hw

deps:
	@missing=""; \
	for p in $(HW_DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing || exit 1; \
	else \
	  echo "deps: all hardware packages present"; \
	fi
	@# apt-get has been seen to exit 0 without installing every -dev package: check.
	@pkg-config --exists libpcsclite libudev libusb-1.0 || \
	  { echo "deps: pkg-config cannot find libpcsclite, libudev or libusb-1.0 after install"; exit 1; }
	@command -v pcscd >/dev/null 2>&1 || [ -x /usr/sbin/pcscd ] || \
	  { echo "deps: pcscd binary missing (package pcscd)"; exit 1; }
	@dpkg -s vsmartcard-vpcd >/dev/null 2>&1 || \
	  { echo "deps: vsmartcard-vpcd is not installed"; exit 1; }
	@echo "deps: ok (pcscd, vsmartcard-vpcd, libpcsclite, libudev, libusb-1.0)"

# pcscd must be started after vsmartcard-vpcd is installed, or the Virtual PCD readers
# are missing. One pcscd per machine: a running one is reused. A stale socket left by a
# killed pcscd makes a new one exit at once; it cleans up on a retry a second later.
pcscd:
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

# Every test target but pcsc_vpcd in parallel, then the real-pcscd tests one at a time
# (one virtual card per vpcd slot), then the build without hardware backends. Under
# CI=true the PC/SC tests fail, not skip, when pcscd or vpcd is missing.
HW_TEST_TARGETS = $(patsubst tests/%.rs,--test %,$(filter-out tests/pcsc_vpcd.rs,$(wildcard tests/*.rs)))

test-hw: deps pcscd
	cargo test --lib --bins $(HW_TEST_TARGETS)
	cargo test --test pcsc_vpcd -- --test-threads=1
	cargo test --no-default-features
