#!/bin/bash
# configure as a user without cmocka finds it, with the default prefix:
# the summary says where things go; make builds the module and kmp11-tool
# only and make check fails saying the tests are disabled; make install
# keeps everything under /usr/local (p11-kit's directories untouched), no
# .la beside the module, and make uninstall takes it all back.
# --enable-tests without cmocka stops configure.
# Usage: configure.sh   (any user)
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d /tmp/kmp11-configure.XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$HERE/../consumers/lib.sh"

# pkg-config sees the five libraries the module needs, and no cmocka.
mkdir "$T/pc" "$T/b"
for m in p11-kit-1 libcurl json-c libcrypto yaml-0.1; do
	ln -s "$(pkg-config --path "$m")" "$T/pc/"
done
export PKG_CONFIG_LIBDIR=$T/pc
cd "$T/b"
"$SRC/configure" --enable-werror >"$T/configure.log" 2>&1 || fail "configure: $(tail "$T/configure.log")"
summary() { # LABEL VALUE: a line of configure's summary
	grep -q "^  $1 *$2\$" "$T/configure.log" || fail "summary: no '$1 $2': $(tail -16 "$T/configure.log")"
}
summary module /usr/local/lib/pkcs11/kmp11.so
summary "module config" /usr/local/share/p11-kit/modules/kmp11.module
summary "systemd units" /usr/local/lib/systemd/system
summary kmp11.pc /usr/local/share/pkgconfig/kmp11.pc
summary "unit tests" "no (make check fails saying so)"
grep -q "WARNING: cmocka not found" "$T/configure.log" || fail "configure did not warn about cmocka"
ok "configure without cmocka: a warning, and a summary with /usr/local paths and no unit tests"

make -s -j"$(nproc)" >"$T/make.log" 2>&1 || fail "make without cmocka: $(tail "$T/make.log")"
[ -f module/.libs/kmp11.so ] || fail "make built no module"
[ -x tools/kmp11-tool ] || fail "make built no kmp11-tool"
built=$(find . \( -name 'test-*' -type f -perm -u+x -o -name 'libkmp11-testable*' \) -print)
[ -z "$built" ] || fail "make built test programs without cmocka: $built"
if make -s check >"$T/check.log" 2>&1; then
	fail "make check passed with the tests disabled"
fi
grep -q "the unit tests are disabled" "$T/check.log" || fail "make check: $(tail "$T/check.log")"
ok "make builds the module and kmp11-tool only; make check fails saying the tests are disabled"

make -s install DESTDIR="$T/root" >/dev/null 2>&1 || fail "make install DESTDIR"
[ -f "$T/root/usr/local/lib/pkcs11/kmp11.so" ] || fail "no /usr/local/lib/pkcs11/kmp11.so"
[ -f "$T/root/usr/local/share/p11-kit/modules/kmp11.module" ] || fail "no kmp11.module under /usr/local"
[ -z "$(find "$T/root" -name '*.la')" ] || fail "a .la is installed: $(find "$T/root" -name '*.la')"
outside=$(find "$T/root" -mindepth 1 -path "$T/root/usr/local" -prune -o -type f -print)
[ -z "$outside" ] || fail "make install outside the prefix: $outside"
grep -q "/usr/local/lib/pkcs11/kmp11.so" tools/kmp11-tool ||
	fail "kmp11-tool's default module is not /usr/local/lib/pkcs11/kmp11.so"
make -s uninstall DESTDIR="$T/root" >/dev/null 2>&1 || fail "make uninstall DESTDIR"
left=$(find "$T/root" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make install under /usr/local: the module and kmp11.module there, no .la, kmp11-tool's default follows; uninstall leaves nothing"

if "$SRC/configure" -q --enable-tests >"$T/enable.log" 2>&1; then
	fail "configure --enable-tests succeeded without cmocka"
fi
grep -q "cmocka not found" "$T/enable.log" || fail "configure --enable-tests: $(tail -3 "$T/enable.log")"
ok "configure --enable-tests without cmocka stops, naming libcmocka-dev"
