#!/bin/bash
# p11-kit: after make install, p11-kit lists kmp11 and its token and
# p11tool finds it without --provider; kmp11-tool finds the installed
# module; p11-kit server exports the token to p11-kit-client.so. The
# install is undone at the end (unless kmp11 was installed before).
# Usage: p11kit.sh BUILD_DIR MODULE   (OS_* of the test user in the env; root)
set -euo pipefail
BUILD=$1 MODULE=$2
T=$(mktemp -d)
MODDIR=$(pkg-config --variable=p11_module_path p11-kit-1)
[ -e "$MODDIR/kmp11.so" ] && installed_before=1 || installed_before=
cleanup() {
	[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null || true
	[ -n "$installed_before" ] || make -s -C "$BUILD" uninstall >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
web_token

make -s -C "$BUILD" install >"$T/install.log" 2>&1 || fail "make install: $(tail -5 "$T/install.log")"
p11-kit list-modules >"$T/modules" 2>&1 || fail "p11-kit list-modules: $(cat "$T/modules")"
grep -A8 '^kmp11: ' "$T/modules" | grep -q 'token: web' ||
	fail "p11-kit list-modules: no kmp11 with token web: $(cat "$T/modules")"
p11tool --list-tokens >"$T/tokens" 2>&1 || fail "p11tool --list-tokens: $(cat "$T/tokens")"
grep -q 'token=web' "$T/tokens" || fail "p11tool without --provider: no token web"
p11tool --list-all-certs "pkcs11:token=web" 2>&1 | grep -q 'object=ec-www;type=cert' ||
	fail "p11tool without --provider: no ec-www certificate"
env -u KMP11_MODULE "$(command -v kmp11-tool)" list "pkcs11:token=web;object=ec-www;type=cert" >"$T/list" 2>&1 ||
	fail "installed kmp11-tool: $(cat "$T/list")"
grep -q "object=ec-www;type=cert" "$T/list" || fail "installed kmp11-tool list: $(cat "$T/list")"
ok "make install: p11-kit lists kmp11 and its token, p11tool and kmp11-tool find it"

p11-kit server -f -n "$T/server.sock" --provider "$MODULE" "pkcs11:token=web" >"$T/server.env" 2>&1 &
SERVER=$!
for _ in $(seq 50); do [ -S "$T/server.sock" ] && break; sleep 0.1; done
CLIENT=$(pkg-config --variable=p11_module_path p11-kit-1)/p11-kit-client.so
P11_KIT_SERVER_ADDRESS="unix:path=$T/server.sock" pkcs11-tool --module "$CLIENT" -O \
	>"$T/remote" 2>&1 || fail "p11-kit-client: $(tail -5 "$T/remote")"
grep -q "label:      ec-www" "$T/remote" || fail "p11-kit-client: no ec-www: $(cat "$T/remote")"
ok "p11-kit server exports the token; pkcs11-tool lists it through p11-kit-client.so"
