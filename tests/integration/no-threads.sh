#!/bin/bash
# CKF_LIBRARY_CANT_CREATE_OS_THREADS: GnuTLS sets it, so p11tool's process
# must see no thread started by kmp11, even when Keystone is reached by a
# host name (libcurl's resolver would start one; kmp11 resolves in the
# calling thread instead). pkcs11-tool does not set the flag: there the
# resolver thread shows, which proves the check can fail.
# Usage: no-threads.sh MODULE   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A name for 127.0.0.1 other than "localhost", which libcurl answers itself.
name=$(hostname)
case "$(getent ahostsv4 "$name" | awk 'NR==1 {print $1}')" in
127.*) ;;
*) echo "ok - # SKIP no host name other than localhost maps to 127.0.0.1"; exit 0 ;;
esac
bash "$(dirname "$0")/../km/token-conf.sh" named "rsa-*" "$T/kmp11.conf"
sed -i "s|//127.0.0.1:|//$name:|" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
threads() { # command...: clone calls it made
	strace -f -e trace=clone,clone3 -o "$T/strace" "$@" >"$T/out" 2>&1 ||
		fail "$*: $(tail -3 "$T/out")"
	grep -c 'clone' "$T/strace" || true
}
n=$(threads p11tool --provider "$MODULE" --list-all)
grep -q "object=rsa-www" "$T/out" || fail "p11tool listed nothing: $(tail -3 "$T/out")"
[ "$n" = 0 ] || fail "p11tool (CKF_LIBRARY_CANT_CREATE_OS_THREADS): $n threads started"
n=$(threads pkcs11-tool --module "$MODULE" -O)
[ "$n" -ge 1 ] || fail "pkcs11-tool: no resolver thread, the check proves nothing"
echo "ok - no thread of kmp11's under CKF_LIBRARY_CANT_CREATE_OS_THREADS (Keystone by name)"
