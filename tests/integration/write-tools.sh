#!/bin/bash
# Certificates and keys written by the standard tools, each call its own
# process: pkcs11-tool --write-object (key, then certificate, then an
# intermediate, all with one --id) and p11tool --write (key and
# certificate with different ids, one label). Each ends as one
# certificate container, which nginx then serves.
# Usage: write-tools.sh MODULE TOOL   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 TOOL=$2
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../consumers/nginx-lib.sh"
trap 'nginx_stop "$T/nginx" 2>/dev/null || true; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
bash "$HERE/../km/token-conf.sh" written "wt-*" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
run=$RANDOM
containers() { # NAME: "type: ref names" of the containers of that name
	/usr/bin/python3 - "$1" <<'PY'
import os, sys
sys.path.insert(0, os.environ["KM_SCRIPTS"])
import kmrest
for kind, refs in kmrest.containers_named(sys.argv[1]):
    print(kind + ": " + " ".join(refs))
PY
}
export KM_SCRIPTS=$HERE/../km

# A CA, an intermediate and a leaf for 127.0.0.1.
cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ca.key \
	-out ca.pem -subj "/CN=write test root" -days 3650 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout mid.key \
	-out mid.csr -subj "/CN=write test intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n' >ca.ext
openssl x509 -req -in mid.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
	-extfile ca.ext -out mid.pem 2>/dev/null
leaf() { # NAME KEYTYPE...
	local name=$1
	shift
	openssl req -newkey "$@" -nodes -keyout "$name.key" -out "$name.csr" \
		-subj "/CN=$name" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA mid.pem -CAkey mid.key -CAcreateserial \
		-days 3650 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
	openssl pkey -in "$name.key" -outform DER -out "$name.key.der"
	openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}
openssl x509 -in mid.pem -outform DER -out mid.der

# pkcs11-tool: key, certificate, intermediate; three processes.
leaf "wt-$run-tool" rsa:2048
w() { pkcs11-tool --module "$MODULE" --login --pin unused "$@" >"$T/out" 2>&1 ||
	fail "pkcs11-tool $*: $(tail -3 "$T/out")"; }
w --write-object "wt-$run-tool.key.der" --type privkey --id 7701 --label "wt-$run-tool"
w --write-object "wt-$run-tool.der" --type cert --id 7701 --label "wt-$run-tool"
[ "$(containers "wt-$run-tool")" = "certificate: certificate private_key" ] ||
	fail "pkcs11-tool: the Key Manager holds $(containers "wt-$run-tool")"
# pkcs11-tool cannot set CKA_CERTIFICATE_CATEGORY: the intermediate by PyKCS11.
/usr/bin/python3 - "$MODULE" "wt-$run-tool" >"$T/out" 2>&1 <<'PY' || fail "intermediate: $(tail -3 "$T/out")"
import sys, PyKCS11 as P
lib = P.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
s.createObject([(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_TOKEN, True),
                (P.CKA_CERTIFICATE_TYPE, P.CKC_X_509), (P.CKA_ID, b"\x77\x01"),
                (P.CKA_CERTIFICATE_CATEGORY, (2).to_bytes(8, sys.byteorder)),
                (P.CKA_LABEL, "write test intermediate"),
                (P.CKA_VALUE, open("mid.der", "rb").read())])
PY
[ "$(containers "wt-$run-tool")" = "certificate: certificate intermediates private_key" ] ||
	fail "intermediate: the Key Manager holds $(containers "wt-$run-tool")"
ok "pkcs11-tool --write-object key then certificate (separate processes), then an intermediate: one certificate container"

# p11tool: key and certificate in one call; it gives them different ids.
leaf "wt-$run-gnutls" ec -pkeyopt ec_paramgen_curve:P-256
GNUTLS_PIN=unused p11tool --provider "$MODULE" --login --write --label "wt-$run-gnutls" \
	--load-privkey "wt-$run-gnutls.key" --load-certificate "wt-$run-gnutls.pem" \
	"pkcs11:token=written" >"$T/out" 2>&1 || fail "p11tool --write: $(tail -3 "$T/out")"
[ "$(containers "wt-$run-gnutls")" = "certificate: certificate private_key" ] ||
	fail "p11tool: the Key Manager holds $(containers "wt-$run-gnutls")"
ok "p11tool --write --load-privkey --load-certificate: one certificate container"

# nginx serves both; the first with the chain written to it, which
# verifies to the root alone.
cat ca.pem mid.pem >both.pem
nginx_start "$T/nginx" 2 18461:"wt-$run-tool" 18462:"wt-$run-gnutls"
for check in 18461:ca.pem 18462:both.pem; do
	curl -sS --cacert "${check#*:}" "https://127.0.0.1:${check%%:*}/" >"$T/body" 2>&1 || true
	grep -q "via kmp11" "$T/body" || fail "nginx :${check%%:*}: $(cat "$T/body")"
done
nginx_stop "$T/nginx"
ok "nginx serves the written containers with their keys and chain"
