#!/bin/bash
# The Key Manager behind HTTPS on loopback: nginx terminates TLS, with a
# certificate of a test CA, in front of the real Keystone and Barbican.
# - the right CA (cacert): the token lists;
# - no cacert (the system's CAs) or another CA: CKR_DEVICE_ERROR and a log
#   line with the URL and libcurl's reason, no hang;
# - OS_INSECURE=yes, and only then: it lists, with a warning in the log.
# Usage: tls.sh MODULE   (OS_* of the test user; seed.py has run)
set -euo pipefail
MODULE=$1
T=$(mktemp -d)
trap '[ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
KS_TLS=35443 BB_TLS=39443

ca() { # NAME: a CA certificate and key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.pem" -subj "/CN=kmp11 $1" -days 30 2>/dev/null
}
ca tls-ca
ca other-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/server.key" \
	-out "$T/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/server.ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/tls-ca.pem" -CAkey "$T/tls-ca.key" \
	-CAcreateserial -days 30 -extfile "$T/server.ext" -out "$T/server.pem" 2>/dev/null

. "$(dirname "$0")/../consumers/nginx-lib.sh"
proxy() { # TLS_PORT BACKEND_PORT
	cat <<CONF
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $T/server.pem;
		ssl_certificate_key $T/server.key;
		location / {
			proxy_pass http://127.0.0.1:$2;
			proxy_set_header Host 127.0.0.1:$2;
		}
	}
CONF
}
cat >"$T/nginx.conf" <<CONF
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 64; }
http {
	access_log off;
$(nginx_temp_paths "$T")
$(proxy $KS_TLS 35000)
$(proxy $BB_TLS 39311)
}
CONF
nginx -c "$T/nginx.conf" -p "$T" || fail "nginx did not start: $(cat "$T/error.log")"
for _ in $(seq 50); do
	curl -s --cacert "$T/tls-ca.pem" "https://127.0.0.1:$KS_TLS/v3" >/dev/null && break
	sleep 0.1
done

conf() { # CACERT-LINE: a token through the TLS front
	cat >"$T/kmp11.conf" <<CNF
[token]
label = tls
auth_url = https://127.0.0.1:$KS_TLS/v3
endpoint = https://127.0.0.1:$BB_TLS
username = $OS_USERNAME
password = $OS_PASSWORD
project_name = $OS_PROJECT_NAME
connect_timeout = 5
timeout = 10
$1
CNF
}
# Lists the token: "found N" or the CKR_ code; the module's log in $T/log.
list() {
	/usr/bin/python3 - "$MODULE" 2>"$T/log" <<'PY'
import sys
import PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
try:
    print("found", len(s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE)])))
except PyKCS11.PyKCS11Error as e:
    print(PyKCS11.CKR[e.value])
PY
}
export KMP11_CONF=$T/kmp11.conf KMP11_DEBUG=2

conf "cacert = $T/tls-ca.pem"
out=$(list)
case "$out" in "found "[1-9]*) ;; *) fail "the right CA: $out: $(cat "$T/log")" ;; esac
ok "Keystone and Barbican behind HTTPS with the test CA as cacert: the token lists ($out)"

for wrong in "" "cacert = $T/other-ca.pem"; do
	conf "$wrong"
	out=$(list)
	[ "$out" = CKR_DEVICE_ERROR ] || fail "${wrong:-no cacert}: $out"
	grep -q "https://127.0.0.1:$KS_TLS/v3/auth/tokens: SSL certificate problem" "$T/log" ||
		fail "${wrong:-no cacert}: the log does not say why: $(cat "$T/log")"
done
ok "no cacert, or another CA: CKR_DEVICE_ERROR, the log names the URL and the TLS failure"

# The environment's OS_INSECURE, without a config file.
out=$(unset KMP11_CONF; OS_AUTH_URL=https://127.0.0.1:$KS_TLS/v3 OS_INSECURE=yes list)
case "$out" in "found "[1-9]*) ;; *) fail "OS_INSECURE=yes: $out: $(cat "$T/log")" ;; esac
grep -q "TLS verification is OFF" "$T/log" || fail "OS_INSECURE=yes: no warning: $(cat "$T/log")"
out=$(unset KMP11_CONF; OS_AUTH_URL=https://127.0.0.1:$KS_TLS/v3 list)
[ "$out" = CKR_DEVICE_ERROR ] || fail "OS_AUTH_URL https without OS_INSECURE: $out"
ok "OS_INSECURE=yes (only then) skips verification, with a warning in the log"
