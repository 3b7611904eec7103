#!/bin/bash
# The main job on the embedded default: a local Key Manager on loopback
# holds a certificate container; nginx (a master and 2 workers) serves TLS
# with its key through kmp11; curl shows it works. Everything it starts
# is stopped at the end.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
. "$SRC/tests/consumers/nginx-lib.sh"
KM=$(mktemp -d /tmp/kmp11-demo.XXXXXX)
trap 'nginx_stop "$KM/nginx"; /usr/bin/python3 "$SRC/tests/km/keymanager.py" stop "$KM"; rm -rf "$KM"' EXIT
/usr/bin/python3 "$SRC/tests/km/keymanager.py" start "$KM"
. "$KM/openrc"

echo "== a certificate and its key stored in the Key Manager as container 'www'"
/usr/bin/python3 "$SRC/tests/km/store_cert.py" "$KM/pki" www rsa www.example.test

echo "== kmp11-tool list: the token kmp11 makes of the project"
bash "$SRC/tests/km/token-conf.sh" demo "www" "$KM/kmp11.conf"
export KMP11_CONF=$KM/kmp11.conf
"$TOOL" --module "$MODULE" list
"$TOOL" --module "$MODULE" verify "pkcs11:object=www"

echo "== nginx: master + 2 workers, key \"engine:pkcs11:pkcs11:object=www;type=private\""
mkdir -p "$KM/nginx"
nginx_start "$KM/nginx" 2 18443:www
cat "$KM/nginx/nginx.conf"

echo "== curl https://127.0.0.1:18443/"
curl -sS --cacert "$KM/pki/ca.pem" -w 'HTTP %{http_code}, certificate verified: %{ssl_verify_result} (0 = ok)\n' \
	https://127.0.0.1:18443/
openssl s_client -connect 127.0.0.1:18443 -CAfile "$KM/pki/ca.pem" </dev/null 2>/dev/null |
	grep -E "^(subject|issuer)=|Verify return code"
echo "== Key Manager requests made by nginx's processes"
grep -o "kmp11\[[0-9]*\] debug: http: [A-Z]* [^ ]*" "$KM/nginx/error.log" |
	sed -E 's/[0-9a-f-]{36}/<uuid>/'
