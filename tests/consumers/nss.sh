#!/bin/bash
# NSS: kmp11 added to a database with modutil; certutil pairs the
# certificate with its key (u,u,u) and lists the keys.
# Usage: nss.sh MODULE   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
web_token
mkdir "$T/db"
certutil -N -d "sql:$T/db" --empty-password
modutil -dbdir "sql:$T/db" -add kmp11 -libfile "$MODULE" -force >"$T/out" 2>&1 </dev/null ||
	fail "modutil -add: $(cat "$T/out")"
certutil -L -d "sql:$T/db" -h all >"$T/certs" 2>&1 || fail "certutil -L: $(cat "$T/certs")"
grep -Eq '^web:rsa-www +u,u,u$' "$T/certs" || fail "certutil -L: rsa-www not u,u,u: $(cat "$T/certs")"
grep -Eq '^web:ec-www +u,u,u$' "$T/certs" || fail "certutil -L: ec-www not u,u,u"
certutil -K -d "sql:$T/db" -h web >"$T/keys" 2>&1 </dev/null || fail "certutil -K: $(cat "$T/keys")"
grep -Eq '> rsa +[0-9a-f]{32} +rsa-www$' "$T/keys" || fail "certutil -K: $(cat "$T/keys")"
grep -Eq '> ec +[0-9a-f]{32} +ec-www$' "$T/keys" || fail "certutil -K: $(cat "$T/keys")"
ok "NSS: certutil -L shows the certificates paired (u,u,u), -K lists RSA and EC keys"
