#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server (issue 17, design.md §6): a new
# cluster in a temporary directory under target/, trust authentication, no TCP (Unix
# socket only), fsync off; run as the `postgres` user when we are root (initdb refuses
# root). Exports TOKENSTATION_TEST_PG (a postgresql:// URL to the `postgres` database
# as the cluster's superuser `tokenstation`, database `postgres`); each test creates
# its own database from it. The server is stopped and its directory removed when the command ends, whatever its end.
# Tests that stop and restart a server (the offline kiosk, tests/pg_offline_kiosk.rs)
# start clusters of their own, never this shared one: for them the script also exports
# TOKENSTATION_TEST_PG_BIN (the directory of initdb and pg_ctl), TOKENSTATION_TEST_PG_DIR
# (a directory the server's user owns, removed at the end) and TOKENSTATION_TEST_PG_RUNAS
# (the user to run them as when we are root, else empty).
#
# PostgreSQL missing: installed with apt-get (package `postgresql`) when possible; when
# it is still missing, under CI=true the run fails at once; otherwise the command runs
# without TOKENSTATION_TEST_PG and the PostgreSQL tests fail (never skip).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

find_bin() {
  local name="$1" d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/$name" ] && { echo "$d/$name"; return 0; }
  done
  command -v "$name" 2>/dev/null || return 1
}

if ! find_bin initdb >/dev/null; then
  echo "postgres: initdb not found, installing the Debian package postgresql" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  { $SUDO apt-get update -qq && \
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } >&2 || true
fi
if ! INITDB="$(find_bin initdb)" || ! PG_CTL="$(find_bin pg_ctl)"; then
  if [ "${CI:-}" = "true" ]; then
    echo "postgres: PostgreSQL is not installed and could not be installed; under CI=true the PostgreSQL tests must run" >&2
    exit 1
  fi
  echo "postgres: PostgreSQL is missing: the PostgreSQL tests will fail (install the Debian package postgresql)" >&2
  exec "$@"
fi

mkdir -p "$root/target"
T="$(mktemp -d "$root/target/test-pg.XXXXXX")"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$T"
  as_pg=(runuser -u postgres --)
fi

stop() {
  "${as_pg[@]}" "$PG_CTL" -D "$T/data" -m immediate stop >/dev/null 2>&1 || true
  # clusters the tests started (and a failed test may have left running)
  for d in "$T"/own-*/data; do
    [ -d "$d" ] && "${as_pg[@]}" "$PG_CTL" -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$T"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$INITDB" -D "$T/data" -A trust -U tokenstation --no-sync -E UTF8 >"$T/initdb.log" 2>&1 || {
  cat "$T/initdb.log" >&2; echo "postgres: initdb failed" >&2; exit 1; }
"${as_pg[@]}" "$PG_CTL" -D "$T/data" -l "$T/server.log" -w \
  -o "-k $T -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { cat "$T/server.log" >&2; echo "postgres: the server did not start" >&2; exit 1; }
echo "postgres: test server on socket directory $T" >&2

export TOKENSTATION_TEST_PG="postgresql://tokenstation@/postgres?host=$T"
export TOKENSTATION_TEST_PG_BIN="$(dirname "$PG_CTL")"
export TOKENSTATION_TEST_PG_DIR="$T"
if [ "$(id -u)" = 0 ]; then export TOKENSTATION_TEST_PG_RUNAS=postgres; else export TOKENSTATION_TEST_PG_RUNAS=""; fi
"$@"
