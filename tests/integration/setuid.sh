#!/bin/bash
# Under a set-gid program (as pam_pkcs11 or any privileged caller would be)
# the caller's environment chooses nothing: KMP11_CONF, OS_* and
# KMP11_DEBUG are ignored (so the log, off by default, cannot be turned on
# to show what the system's config file holds). Run as nobody through a
# set-gid copy of pkcs11-tool (a group of the test's own).
# Usage: setuid.sh MODULE   (root; OS_* of the test user in the env)
set -euo pipefail
MODULE=$1
T=$(mktemp -d)
GROUP=kmp11-sgid
made_group=
cleanup() {
	[ -z "$made_group" ] || groupdel "$GROUP"
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

getent group "$GROUP" >/dev/null || { groupadd --system "$GROUP"; made_group=1; }
chmod 755 "$T"
install -m 755 "$MODULE" "$T/kmp11.so"
install -m 2755 -g "$GROUP" "$(command -v pkcs11-tool)" "$T/pkcs11-tool"
bash "$(dirname "$0")/../km/token-conf.sh" planted "*" "$T/planted.conf"
chmod 644 "$T/planted.conf"

as_nobody() { # pkcs11-tool arguments...: stdout and stderr into $T/out
	runuser -u nobody -- env KMP11_CONF="$T/planted.conf" KMP11_DEBUG=4 \
		"$@" >"$T/out" 2>&1 || true
}
# Unprivileged, the environment is obeyed: the check can fail.
as_nobody "$(command -v pkcs11-tool)" --module "$T/kmp11.so" -L
grep -q "planted" "$T/out" || fail "nobody, unprivileged: no token planted: $(cat "$T/out")"
grep -q "kmp11\[[0-9]*\] info: initialized" "$T/out" || fail "nobody, unprivileged: no debug log"

as_nobody "$T/pkcs11-tool" --module "$T/kmp11.so" -L
! grep -q "planted" "$T/out" || fail "set-gid: KMP11_CONF obeyed: $(cat "$T/out")"
! grep -q "kmp11\[[0-9]*\] info" "$T/out" || fail "set-gid: KMP11_DEBUG obeyed: $(cat "$T/out")"
! grep -q "token label" "$T/out" || fail "set-gid: a token from OS_*: $(cat "$T/out")"
echo "ok - a set-gid caller's KMP11_CONF, OS_* and KMP11_DEBUG are ignored"

