#!/bin/bash
# Checks the Debian package (make deb-check): builds it from the test build, runs
# lintian (no errors allowed), then installs, upgrades and purges it in a throwaway
# root with dpkg --root and --force-script-chrootless (the maintainer scripts honour
# DPKG_ROOT), checking the tokenstation user and group, the enabled units, the store
# kept across the upgrade, and what purge removes and keeps. No container or chroot:
# the scripts run on this machine's tools (useradd --prefix, systemctl --root).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }
say() { echo "deb-check: $*"; }

build() { # build VERSION -> path of the .deb
    cargo deb --no-build --strip --profile dev --fast --deb-version "$1" 2>/dev/null | tail -1
}

W=$(mktemp -d /tmp/tokenstation-deb-check.XXXXXX)
trap 'rm -rf "$W"' EXIT
# cargo-deb replaces the previous .deb in target/debian: keep each one aside.
OLD="$W/$(basename "$(build 0.1.0-1)")" && cp "target/debian/$(basename "$OLD")" "$OLD"
NEW="$W/$(basename "$(build 0.1.0-2)")" && cp "target/debian/$(basename "$NEW")" "$NEW"
[ -f "$OLD" ] && [ -f "$NEW" ] || fail "cargo deb built no package"

say "lintian $OLD"
out=$(lintian "$OLD" 2>&1 || true)
echo "$out" | grep -v appstream-metadata-missing-modalias || true
if echo "$out" | grep -q '^E:'; then fail "lintian reports errors"; fi

R="$W/root"
mkdir -p "$R"/var/lib/dpkg/{info,updates,triggers} "$R"/etc "$R"/usr/sbin
touch "$R"/var/lib/dpkg/{status,available}
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$R/etc/shadow"
printf 'root:*::\n' > "$R/etc/gshadow"
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"

# The throwaway root holds no other package: its dependencies are not installed
# (--force-depends); dpkg's complaints about them go to a log shown on failure.
dpkg_r() {
    dpkg --root="$R" --force-script-chrootless --force-depends --force-not-root \
        --log=/dev/null "$@" >>"$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log" >&2; fail "dpkg $*"; }
}

say "install 0.1.0-1 into $R"
dpkg_r -i "$OLD"
[ -x "$R/usr/bin/tokenstation" ] || fail "binary not installed"
for f in lib/systemd/system/tokenstation-kiosk@.service lib/systemd/system/tokenstation-serve.service \
         lib/udev/rules.d/71-tokenstation-kiosk.rules etc/tokenstation/station.toml \
         usr/share/man/man1/tokenstation-kiosk.1.gz usr/share/bash-completion/completions/tokenstation \
         usr/share/doc/tokenstation/changelog.Debian.gz; do
    [ -e "$R/$f" ] || fail "$f not installed"
done
grep -q '^tokenstation:x:[0-9]*:' "$R/etc/group" || fail "no tokenstation group"
grep -q '^tokenstation:x:[0-9]*:[0-9]*:.*:/var/lib/tokenstation:/usr/sbin/nologin$' "$R/etc/passwd" \
    || fail "no tokenstation system user: $(cat "$R/etc/passwd")"
uid=$(awk -F: '$1 == "tokenstation" { print $3 }' "$R/etc/passwd")
[ "$(stat -c %u "$R/var/lib/tokenstation")" = "$uid" ] || fail "state directory not owned by tokenstation"

say "enable the units, create the store with the packaged binary and configuration"
systemctl --root="$R" enable tokenstation-serve.service tokenstation-kiosk@Lobby.service >/dev/null 2>&1
for u in tokenstation-serve.service tokenstation-kiosk@Lobby.service; do
    [ -L "$R/etc/systemd/system/multi-user.target.wants/$u" ] || fail "$u not enabled"
done
ts() { "$R/usr/bin/tokenstation" --config "$R/etc/tokenstation/station.toml" \
           --db "$R/var/lib/tokenstation/station.db" "$@"; }
ts init >/dev/null
ts location add Lobby --tz UTC >/dev/null
before=$(sha256sum "$R/var/lib/tokenstation/station.db" "$R/var/lib/tokenstation/station.db.key")
sed -i 's/^#name = .*/name = "lobby-1"/' "$R/etc/tokenstation/station.toml"

say "upgrade to 0.1.0-2"
dpkg_r -i "$NEW"
[ "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Version}' tokenstation)" = 0.1.0-2 ] \
    || fail "not upgraded"
[ "$(sha256sum "$R/var/lib/tokenstation/station.db" "$R/var/lib/tokenstation/station.db.key")" = "$before" ] \
    || fail "the store changed on upgrade"
grep -q 'lobby-1' "$R/etc/tokenstation/station.toml" || fail "the edited configuration was replaced"
[ "$(grep -c '^tokenstation:' "$R/etc/passwd")" = 1 ] || fail "user created twice"
for u in tokenstation-serve.service tokenstation-kiosk@Lobby.service; do
    [ -L "$R/etc/systemd/system/multi-user.target.wants/$u" ] || fail "$u no longer enabled"
done
ts location list | grep -q Lobby || fail "the store does not answer after the upgrade"

say "purge"
dpkg_r --purge tokenstation
[ ! -e "$R/usr/bin/tokenstation" ] || fail "binary left after purge"
[ ! -e "$R/etc/tokenstation/station.toml" ] || fail "configuration left after purge"
ls "$R"/etc/systemd/system/*.wants/tokenstation-* >/dev/null 2>&1 && fail "unit links left after purge"
[ -f "$R/var/lib/tokenstation/station.db" ] || fail "purge deleted the store (it is kept by design)"
say "ok: lintian without errors; install, upgrade (store kept, units enabled) and purge"
