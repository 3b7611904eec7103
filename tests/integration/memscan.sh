#!/bin/bash
# No secret outlives its use in the process's memory (memscan.c): the PIN
# and the private key a login token signed with are gone after C_Logout,
# the config file's password, or the Keystone token it gives instead,
# after C_Finalize; the PIN and key are first seen while in use, so that
# the scan can fail.
# Usage: memscan.sh MEMSCAN MODULE SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MEMSCAN=$1 MODULE=$2 SEED=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)

umask 077
printf '%s\n' "$OS_PASSWORD" >"$T/password"
/usr/bin/python3 - "$SEED/ec-www-key.pem" >"$T/key" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
print("%064x" % key.private_numbers().private_value)
PY
PYTHONPATH=$HERE/../km /usr/bin/python3 -c "
import kmconf
open('$T/login.conf', 'w').write(kmconf.token('login', 'containers = ec-www', password=False))
open('$T/password.conf', 'w').write(kmconf.token('password', 'containers = ec-www'))"
# A Keystone token of the test user's, as a token section may give.
PYTHONPATH=$HERE/../km /usr/bin/python3 -c "import kmrest; print(kmrest.TOKEN)" >"$T/token"
printf '[token]\nlabel = token\nauth_url = %s\nproject_name = %s\ntoken = %s\ncontainers = ec-www\n' \
	"$OS_AUTH_URL" "$OS_PROJECT_NAME" "$(cat "$T/token")" >"$T/token.conf"

scan() { # CONF WHAT FILE...
	local conf=$1
	shift
	env -u OS_PASSWORD KMP11_CONF="$conf" "$MEMSCAN" "$MODULE" "$@" >"$T/out" 2>&1 ||
		fail "memscan $1: $(cat "$T/out")"
}
scan "$T/login.conf" pin "$T/password"
scan "$T/login.conf" key "$T/key" "$T/password"
scan "$T/password.conf" password "$T/password"
scan "$T/token.conf" token "$T/token"
echo "ok - memory scans: the PIN and the private key gone after C_Logout, the password and a configured Keystone token after C_Finalize"
