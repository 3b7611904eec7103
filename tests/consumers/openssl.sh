#!/bin/bash
# openssl with the pkcs11 engine: a CSR signed by a key in kmp11, and
# s_server completing handshakes with it.
# Usage: openssl.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 TOOL=$2 SEED=$3
T=$(mktemp -d)
trap '[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
web_token
bash "$(dirname "$0")/../km/engine-conf.sh" "$MODULE" "$T/openssl.cnf"
export OPENSSL_CONF=$T/openssl.cnf

for k in rsa-www ec-www; do
	openssl req -new -engine pkcs11 -keyform engine -key "pkcs11:object=$k;type=private" \
		-subj "/CN=csr.$k.test" -out "$T/$k.csr" >"$T/err" 2>&1 || fail "req $k: $(cat "$T/err")"
	openssl req -in "$T/$k.csr" -verify -noout >"$T/err" 2>&1 || fail "CSR $k: $(cat "$T/err")"
	# The newest container of the name, as the engine picks it.
	"$TOOL" --module "$MODULE" export-cert --no-chain "pkcs11:object=$k;type=cert" -o "$T/$k.pem"
	cmp -s <(openssl req -in "$T/$k.csr" -pubkey -noout) \
		<(openssl x509 -in "$T/$k.pem" -pubkey -noout) || fail "CSR $k: not the container's key"
done
ok "openssl req -engine pkcs11: RSA and EC CSRs verify and carry the container's key"

PORT=18743
"$TOOL" --module "$MODULE" export-cert "pkcs11:object=rsa-www;type=cert" -o "$T/chain.pem"
openssl s_server -engine pkcs11 -keyform engine -key "pkcs11:object=rsa-www;type=private" \
	-cert "$T/chain.pem" -cert_chain "$T/chain.pem" -accept $PORT -www >"$T/server.log" 2>&1 &
SERVER=$!
wait_port $PORT
for tls in -tls1_2 -tls1_3; do
	for _ in 1 2 3; do
		OPENSSL_CONF=/dev/null openssl s_client -connect 127.0.0.1:$PORT $tls \
			-CAfile "$SEED/ca.pem" -verify_return_error </dev/null >"$T/client" 2>&1 ||
			fail "s_client $tls: $(tail -5 "$T/client")"
	done
done
ok "openssl s_server -engine pkcs11 completes TLS 1.2 and 1.3 handshakes"
