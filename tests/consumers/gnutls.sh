#!/bin/bash
# GnuTLS: p11tool lists, exports the chain and test-signs; gnutls-serv
# serves certificate + intermediates by PKCS#11 URI.
# Usage: gnutls.sh MODULE SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 SEED=$2
T=$(mktemp -d)
trap '[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
web_token
p11() { p11tool --provider "$MODULE" "$@"; }

p11 --list-all-certs >"$T/certs" 2>&1 || fail "p11tool --list-all-certs: $(tail -3 "$T/certs")"
for o in rsa-www ec-www "kmp11%20test%20intermediate"; do
	grep -q "object=$o;type=cert" "$T/certs" || fail "--list-all-certs: no $o"
done
p11 --export-chain "pkcs11:object=ec-www;type=cert" >"$T/chain.pem" 2>"$T/err" ||
	fail "p11tool --export-chain: $(cat "$T/err")"
openssl crl2pkcs7 -nocrl -certfile "$T/chain.pem" | openssl pkcs7 -print_certs |
	grep '^subject' >"$T/subjects"
cmp -s "$T/subjects" <(printf 'subject=CN = ec.example.test\nsubject=CN = kmp11 test intermediate\nsubject=CN = kmp11 test root\n') ||
	fail "--export-chain: $(cat "$T/subjects")"
for k in rsa-www ec-www; do
	p11 --test-sign "pkcs11:object=$k;type=private" >"$T/sign" 2>&1 ||
		fail "p11tool --test-sign $k: $(tail -3 "$T/sign")"
	[ "$(grep -c '\.\.\. ok' "$T/sign")" = 3 ] || fail "--test-sign $k: $(cat "$T/sign")"
done
ok "p11tool: --list-all-certs, --export-chain (leaf to root), --test-sign RSA and EC"

PORT=18643
gnutls-serv --provider "$MODULE" --http -p $PORT \
	--x509certfile "pkcs11:object=ec-www;type=cert" \
	--x509keyfile "pkcs11:object=ec-www;type=private" >"$T/serv.log" 2>&1 &
SERVER=$!
wait_port $PORT
openssl s_client -connect 127.0.0.1:$PORT -showcerts -CAfile "$SEED/ca.pem" \
	-verify_return_error </dev/null >"$T/client" 2>&1 || fail "s_client: $(tail -5 "$T/client")"
grep -E '^ [0-9] s:' "$T/client" >"$T/served"
cmp -s "$T/served" <(printf ' 0 s:CN = ec.example.test\n 1 s:CN = kmp11 test intermediate\n') ||
	fail "gnutls-serv served: $(cat "$T/served")"
ok "gnutls-serv with PKCS#11 URIs serves leaf + intermediate; openssl verifies"
