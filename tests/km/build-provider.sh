#!/bin/bash
# Builds pkcs11-provider (latchset's OpenSSL 3 provider, the route modern
# distributions load PKCS#11 keys by) from its source in ../shared/vendor,
# for the tests that load kmp11 through it, unless a package installed it.
# Prints the path of pkcs11.so.
# Without the source or the tools to build it, prints why and exits 77:
# callers report their test as skipped, never as passed.
#
#   build-provider.sh [DIR]   builds into DIR/pkcs11-provider (default
#                             $BUILD_DIR, else SRC/build) and reuses it
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARBALL=${KMP11_PROVIDER_TARBALL:-$SRC/../shared/vendor/pkcs11-provider-1.2.0.tar.gz}
OUT=${1:-${BUILD_DIR:-$SRC/build}}/pkcs11-provider
SO=$OUT/pkcs11-provider-1.2.0/build/src/pkcs11.so
skip() {
	echo "$*"
	exit 77
}
# A distribution's package first (Debian 13, Ubuntu 24.04, RHEL 9 have one).
SYSTEM=$(pkg-config --variable=modulesdir libcrypto 2>/dev/null || true)/pkcs11.so
for so in "$SYSTEM" "$SO"; do
	if [ -f "$so" ]; then
		echo "$so"
		exit 0
	fi
done
[ -f "$TARBALL" ] || skip "no pkcs11-provider source ($TARBALL)"
for tool in meson ninja; do
	command -v "$tool" >/dev/null || skip "no $tool to build pkcs11-provider"
done
rm -rf "$OUT"
mkdir -p "$OUT"
tar xzf "$TARBALL" -C "$OUT"
# At most 2 jobs: others build on the same machine.
(cd "$OUT/pkcs11-provider-1.2.0" && meson setup build && ninja -j2 -C build) \
	>"$OUT/build.log" 2>&1 || {
	tail -20 "$OUT/build.log" >&2
	exit 1
}
echo "$SO"
