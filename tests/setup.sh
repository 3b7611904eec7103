#!/bin/bash
# Installs what kmp11 builds and tests with (Debian 12), then builds it.
# Sourced by demo.sh and run-all.sh; BUILD_DIR receives the build.
set -euo pipefail
PACKAGES="autoconf automake libtool pkg-config make gcc libp11-kit-dev
 libcurl4-openssl-dev libjson-c-dev libssl-dev libyaml-dev libcmocka-dev
 p11-kit opensc gnutls-bin libengine-pkcs11-openssl openssl curl
 python3-barbican python3-keystone python3-pykcs11 python3-cryptography
 nginx haproxy libnss3-tools strace softhsm2 valgrind clang libclang-rt-14-dev
 faketime debhelper lintian meson ninja-build"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	echo "installing:" $missing
	export DEBIAN_FRONTEND=noninteractive
	# Servers that packages would start (nginx on port 80) stay stopped:
	# the tests start their own on loopback ports.
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		own_policy=1
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
fi
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC/build}
(cd "$SRC" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$BUILD_DIR"
# Prefix /usr, p11-kit's own: consumers/p11kit.sh's make install puts the
# module where p11-kit looks, as a distribution package does.
(cd "$BUILD_DIR" && "$SRC/configure" --prefix=/usr --enable-werror -q &&
	make -s -j"$(nproc)")
MODULE=$BUILD_DIR/module/.libs/kmp11.so
TOOL=$BUILD_DIR/tools/kmp11-tool
