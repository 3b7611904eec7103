#!/bin/bash
# The Debian packages as an operator gets them: built from the release
# tree (make distdir) with dpkg-buildpackage, checked by lintian, installed
# with apt, used through the installed paths only (p11-kit list-modules,
# p11tool, kmp11-tool, nginx through the engine's p11-kit-proxy, the vendor
# API example built with pkg-config), removed (nothing left but the
# conffile) and purged (nothing left).
# Usage: deb.sh BUILD_DIR SEED_DIR   (root; OS_* of the test user; the Key
# Manager up)
set -euo pipefail
export LC_ALL=C # comm and sort agree
BUILD=$1 SEED=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
PKGS=(kmp11 kmp11-tool libkmp11-dev)
PORT=18593
T=$(mktemp -d /tmp/kmp11-deb.XXXXXX)
. "$HERE/../consumers/lib.sh"
. "$HERE/../consumers/nginx-lib.sh"

status() { # PACKAGE: installed, config-files, not-installed...
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed
}
known() { # the packages dpkg knows, installed or with conffiles
	for p in "${PKGS[@]}"; do [ "$(status "$p")" = not-installed ] || echo "$p"; done
}
cleanup() {
	nginx_stop "$T/nginx"
	# dpkg, not apt: apt refuses a package it no longer knows.
	dpkg --purge "${PKGS[@]}" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

MODDIR=$(pkg-config --variable=p11_module_path p11-kit-1)
CONFDIR=$(pkg-config --variable=p11_module_configs p11-kit-1)
for p in "${PKGS[@]}"; do
	[ "$(status "$p")" = not-installed ] || fail "$p is already installed: not touching it"
done
[ ! -e "$MODDIR/kmp11.so" ] || fail "$MODDIR/kmp11.so is there already (make install?)"
[ ! -e /etc/kmp11/kmp11.conf ] || fail "/etc/kmp11/kmp11.conf is there already: not touching it"

# Files with kmp11 in their name where a package can put them.
kmp11_paths() {
	find /etc /usr /var -xdev \( -path /var/lib/dpkg -o -path /var/cache -o -path /var/log \
		-o -path /var/tmp \) -prune -o -name '*kmp11*' -print | sort
}
kmp11_paths >"$T/before"

start=$SECONDS
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILD/Makefile")
debian=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
[ "${debian%-*}" = "$version" ] || fail "debian/changelog is $debian, configure.ac $version"
make -s -C "$BUILD" distdir distdir="$T/kmp11-$version" >/dev/null
cp -r "$SRC/debian" "$T/kmp11-$version/"
(cd "$T/kmp11-$version" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$T/build.log" 2>&1 || fail "dpkg-buildpackage: $(tail -30 "$T/build.log")"
# dh_auto_test ran the unit tests, and those only.
if ! grep -q "^# TOTAL: *[1-9]" "$T/build.log" || ! grep -q "^# FAIL: *0" "$T/build.log"; then
	fail "the package build ran no unit tests: $(grep -A12 dh_auto_test "$T/build.log")"
fi
ok "dpkg-buildpackage -us -uc -b with its unit tests: $(cd "$T" && echo *.deb) ($((SECONDS - start)) s)"

start=$SECONDS
lintian --fail-on error "$T"/kmp11_*.changes >"$T/lintian" 2>&1 || fail "lintian: $(cat "$T/lintian")"
ok "lintian: no error, $(grep -c '^W: ' "$T/lintian" || true) warnings ($((SECONDS - start)) s)"
sed -n 's/^W: /  lintian warning: /p' "$T/lintian"

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "$T"/kmp11_*.deb "$T"/kmp11-tool_*.deb \
	"$T"/libkmp11-dev_*.deb >"$T/install.log" 2>&1 || fail "apt-get install: $(tail "$T/install.log")"
[ -f "$MODDIR/kmp11.so" ] || fail "no kmp11.so in p11-kit's module directory $MODDIR"
[ -f "$CONFDIR/kmp11.module" ] || fail "no kmp11.module in p11-kit's config directory $CONFDIR"
! dpkg -L "${PKGS[@]}" | grep '\.la$' || fail "a libtool .la is installed"
[ "$(stat -c %a:%U /etc/kmp11/kmp11.conf)" = 640:root ] ||
	fail "/etc/kmp11/kmp11.conf: $(stat -c %a:%U /etc/kmp11/kmp11.conf), not 640:root"
dpkg-query -W -f='${Conffiles}\n' kmp11 | grep -q ' /etc/kmp11/kmp11.conf ' ||
	fail "/etc/kmp11/kmp11.conf is no conffile"
man -w kmp11.conf kmp11-tool >/dev/null || fail "man pages kmp11.conf(5), kmp11-tool(1) missing"
units=$(dpkg -L kmp11-tool | grep -c '/systemd/system/kmp11-.*\.\(service\|timer\)$' || true)
[ "$units" = 3 ] || fail "$units systemd units in kmp11-tool, not 3"
[ ! -e /etc/systemd/system/timers.target.wants/kmp11-renew.timer ] ||
	fail "the package enabled kmp11-renew.timer"
ok "apt-get install: module, kmp11.module, conffile 0640, man pages, 3 units (disabled), no .la"

web_token
p11-kit list-modules >"$T/modules" 2>&1 || fail "p11-kit list-modules: $(cat "$T/modules")"
grep -A8 '^kmp11: ' "$T/modules" | grep -q 'token: web' ||
	fail "p11-kit list-modules: no kmp11 with token web: $(cat "$T/modules")"
p11tool --list-all-certs "pkcs11:token=web" 2>&1 | grep -q 'object=ec-www;type=cert' ||
	fail "p11tool without --provider: no ec-www certificate"
env -u KMP11_MODULE kmp11-tool list "pkcs11:token=web;object=ec-www;type=cert" >"$T/list" 2>&1 ||
	fail "kmp11-tool without --module: $(cat "$T/list")"
grep -q "object=ec-www;type=cert" "$T/list" || fail "kmp11-tool list: $(cat "$T/list")"
ok "p11-kit list-modules, p11tool and kmp11-tool find the installed module with no module option"

# The commented /etc/kmp11/kmp11.conf: root reads it and finds no token,
# nobody cannot read it; both get the token of their OS_* environment.
label="token: $OS_PROJECT_NAME"
env -u KMP11_CONF p11-kit list-modules 2>&1 | grep -A8 '^kmp11: ' | grep -q "$label" ||
	fail "root, the example kmp11.conf: no token from OS_*"
env -u KMP11_CONF runuser -u nobody -- p11-kit list-modules 2>&1 | grep -A8 '^kmp11: ' |
	grep -q "$label" || fail "nobody, kmp11.conf unreadable: no token from OS_*"
# (The seed's mismatched container makes doctor fail: its status is not
# the point here.)
env -u KMP11_CONF runuser -u nobody -- kmp11-tool doctor >"$T/doctor" 2>&1 || true
grep -q "^ok   configuration: /etc/kmp11/kmp11.conf not readable by you: one token from the OS_" \
	"$T/doctor" || fail "doctor as nobody: $(cat "$T/doctor")"
ok "the installed kmp11.conf example leaves root and nobody their OS_* token"

# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags kmp11) -o "$T/kmp11-order" \
	"$SRC/docs/examples/kmp11-order.c" -ldl || fail "the example does not build with pkg-config --cflags kmp11"
"$T/kmp11-order" "$MODDIR/kmp11.so" list >"$T/orders" 2>&1 || fail "kmp11-order list: $(cat "$T/orders")"
ok "libkmp11-dev: the vendor API example builds with pkg-config --cflags kmp11 and runs"

# nginx through the engine's default module, p11-kit-proxy.so; kmp11-tool
# exports the certificate through its default module.
export MODULE="" TOOL=kmp11-tool
mkdir -p "$T/nginx"
nginx_start "$T/nginx" 2 "$PORT:ec-www" || fail "nginx did not start: $(tail "$T/nginx/error.log")"
n=$(nginx_get "$T/nginx" "$PORT" 20 --cacert "$SEED/ca.pem")
[ "$n" = 20 ] || fail "nginx through p11-kit-proxy: $n of 20 requests: $(tail "$T/nginx/error.log")"
! grep -E "\[(crit|error|alert|emerg)\]" "$T/nginx/error.log" || fail "errors in nginx's error log"
nginx_stop "$T/nginx"
ok "nginx (2 workers) serves with ec-www's key through p11-kit-proxy and the installed module"

apt-get remove -y -qq "${PKGS[@]}" >"$T/remove.log" 2>&1 || fail "apt-get remove: $(tail "$T/remove.log")"
kmp11_paths >"$T/after"
# Left until purge: the conffile, and deb-systemd-helper's record of the
# timer's enablement (none here), as for every package with units.
left=$(comm -13 "$T/before" "$T/after" | grep -v '^/var/lib/systemd/deb-systemd-helper-enabled/kmp11-[^/]*\.dsh-also$' || true)
conffile=$(printf '/etc/kmp11\n/etc/kmp11/kmp11.conf\n' | comm -13 "$T/before" -)
[ "$left" = "$conffile" ] || fail "after apt-get remove: $left"
[ "$(status kmp11)" = config-files ] || fail "kmp11 after remove: $(status kmp11)"
p11-kit list-modules 2>&1 | grep -q '^kmp11: ' && fail "p11-kit still lists kmp11 after remove"
ok "apt-get remove leaves the conffile /etc/kmp11/kmp11.conf (and the units' deb-systemd-helper record) only"

# shellcheck disable=SC2046
apt-get purge -y -qq $(known) >"$T/purge.log" 2>&1 || fail "apt-get purge: $(tail "$T/purge.log")"
kmp11_paths >"$T/after"
left=$(comm -13 "$T/before" "$T/after")
[ -z "$left" ] || fail "after apt-get purge: $left"
for p in "${PKGS[@]}"; do
	[ "$(status "$p")" = not-installed ] || fail "$p after purge: $(status "$p")"
done
ok "apt-get purge leaves nothing"
