#!/bin/bash
# make distcheck as an ordinary user, on the release tarball: it builds,
# runs the unit tests, installs, uninstalls and cleans under its own
# prefix. A write to p11-kit's or systemd's directories would fail for lack
# of permission; afterwards no file of that user exists outside the tree.
# Usage: distcheck.sh BUILD_DIR   (root)
set -euo pipefail
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDER=kmp11-build
T=$(mktemp -d /tmp/kmp11-distcheck.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$HERE/../consumers/lib.sh"

# A system user with no home and no shell, made once.
id -u "$BUILDER" >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$BUILDER"
start=$SECONDS
make -s -C "$BUILD" dist >/dev/null
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILD/Makefile")
mv "$BUILD/kmp11-$version.tar.gz" "$T/"
mkdir "$T/home"
chown -R "$BUILDER:" "$T"
as_builder() { (cd "$T" && runuser -u "$BUILDER" -- env HOME="$T/home" "$@"); }
as_builder tar -xzf "kmp11-$version.tar.gz"
as_builder sh -c "cd kmp11-$version && ./configure -q && make -s distcheck" >"$T/distcheck.log" 2>&1 ||
	fail "make distcheck as $BUILDER: $(tail -30 "$T/distcheck.log")"
grep -q "kmp11-$version archives ready for distribution" "$T/distcheck.log" ||
	fail "make distcheck said no archive is ready: $(tail -30 "$T/distcheck.log")"
outside=$(find / /dev/shm -xdev \( -path /proc -o -path "$T" \) -prune -o -user "$BUILDER" -print)
[ -z "$outside" ] || fail "make distcheck left files outside its tree: $outside"
ok "make distcheck as $BUILDER (not root): built, tested, installed and cleaned within its tree ($((SECONDS - start)) s)"
