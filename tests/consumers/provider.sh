#!/bin/bash
# openssl through the OpenSSL 3 provider (latchset pkcs11-provider) and
# kmp11: storeutl, pkey, pkeyutl (sign; decrypt PKCS#1 v1.5 and OAEP),
# dgst, req and s_server (TLS 1.2 and 1.3) with the RSA, EC and Ed25519
# keys of the seed, each result checked by the default provider alone
# against the seed's certificates; no private key value leaves kmp11.
# Skipped, saying why, when no provider can be had (tests/km/build-provider.sh).
# Usage: provider.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 TOOL=$2 SEED=$3
T=$(mktemp -d)
trap '[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
provider_setup "$T"
bash "$HERE/../km/token-conf.sh" web "rsa-*, ec-*, ed-*, renewed" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf OPENSSL_CONF=$T/openssl.cnf
KEYS="rsa-www ec-www ed-www"

key() { echo "pkcs11:object=$1;type=private"; }
# openssl with the default provider only: the checker, never the provider.
soft() { OPENSSL_CONF=/dev/null openssl "$@"; }
run() { # WHAT COMMAND...: fails with the command's output
	local what=$1
	shift
	"$@" >"$T/out" 2>&1 || fail "$what: $(cat "$T/out")"
}
for k in $KEYS; do
	soft x509 -in "$SEED/$k.pem" -pubkey -noout >"$T/$k.pub"
done

for k in $KEYS; do
	run "storeutl -certs $k" openssl storeutl -certs "pkcs11:object=$k;type=cert"
	cmp -s <(soft x509 -in "$T/out" -outform DER) <(soft x509 -in "$SEED/$k.pem" -outform DER) ||
		fail "storeutl $k: not the seed's certificate: $(cat "$T/out")"
	run "storeutl -keys $k" openssl storeutl -keys "$(key "$k")"
	grep -q "^Total found: 1$" "$T/out" || fail "storeutl -keys $k: $(cat "$T/out")"
done
ok "storeutl: the certificates of RSA, EC and Ed25519 containers, one private key each"

# The provider writes RSA public keys as PKCS#1 and EC ones with explicit
# curve parameters: compared as SPKI, with a named curve.
spki() { # FILE KEY
	case $2 in
	ec-* | renewed) soft pkey -pubin -in "$1" -ec_param_enc named_curve ;;
	*) soft pkey -pubin -in "$1" ;;
	esac
}
for k in $KEYS; do
	run "pkey -pubout $k" openssl pkey -in "$(key "$k")" -pubout
	cmp -s <(spki "$T/out" "$k") "$T/$k.pub" || fail "pkey $k: not the certificate's public key: $(cat "$T/out")"
	openssl pkey -in "$(key "$k")" -out "$T/priv.pem" >"$T/out" 2>&1 &&
		fail "pkey $k wrote the private key out"
	! grep -q "PRIVATE KEY" "$T/priv.pem" || fail "pkey $k: a private key in $T/priv.pem"
	run "pkey -text $k" openssl pkey -in "$(key "$k")" -text -noout
	grep -q "Can't export and print private key data" "$T/out" || fail "pkey -text $k: $(cat "$T/out")"
done
ok "pkey: each private key gives its certificate's public key and never its value"

# Key files for servers without OSSL_STORE (nginx, haproxy): of two
# containers named renewed, the newest's key, which the provider alone
# would not pick by label.
for k in $KEYS renewed; do
	"$TOOL" --module "$MODULE" provider-key "$k" -o "$T/$k.key" >"$T/out" 2>&1 ||
		fail "provider-key $k: $(cat "$T/out")"
	run "pkey -in provider-key $k" openssl pkey -in "$T/$k.key" -pubout
	[ $k != renewed ] || soft x509 -in "$SEED/renewed-new.pem" -pubkey -noout >"$T/$k.pub"
	cmp -s <(spki "$T/out" "$k") "$T/$k.pub" || fail "provider-key $k: another key: $(cat "$T/out")"
done
ok "provider-key files load through the provider: RSA, EC, Ed25519, and the newest of a name"

head -c 1000 /dev/urandom >"$T/msg"
soft dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"
sign_verify() { # WHAT KEY INPUT [pkeyutl options]: signed in kmp11, verified in software
	local what=$1 k=$2 in=$3
	shift 3
	rm -f "$T/sig"
	run "pkeyutl -sign $what" openssl pkeyutl -sign -inkey "$(key "$k")" -in "$in" -out "$T/sig" "$@"
	run "verify $what" soft pkeyutl -verify -pubin -inkey "$T/$k.pub" -in "$in" -sigfile "$T/sig" "$@"
}
sign_verify "RSA PKCS#1" rsa-www "$T/msg.sha256" -pkeyopt digest:sha256
sign_verify "RSA PSS" rsa-www "$T/msg.sha256" -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss
sign_verify ECDSA ec-www "$T/msg.sha256"
sign_verify Ed25519 ed-www "$T/msg" -rawin
ok "pkeyutl -sign: RSA PKCS#1 and PSS, ECDSA and Ed25519 signatures verify"

head -c 100 /dev/urandom >"$T/plain"
decrypt() { # WHAT [pkeyutl options]: encrypted in software, decrypted in kmp11
	local what=$1
	shift
	run "encrypt $what" soft pkeyutl -encrypt -pubin -inkey "$T/rsa-www.pub" -in "$T/plain" \
		-out "$T/enc" "$@"
	run "pkeyutl -decrypt $what" openssl pkeyutl -decrypt -inkey "$(key rsa-www)" -in "$T/enc" \
		-out "$T/dec" "$@"
	cmp -s "$T/plain" "$T/dec" || fail "pkeyutl -decrypt $what: another plaintext"
}
decrypt "PKCS#1 v1.5"
# pkcs11-provider 1.2.0 sends hash 0 and MGF 0 unless both are given.
decrypt "OAEP SHA-1" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1 -pkeyopt rsa_mgf1_md:sha1
decrypt "OAEP SHA-256" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
	-pkeyopt rsa_mgf1_md:sha256
ok "pkeyutl -decrypt: RSA PKCS#1 v1.5, OAEP SHA-1 and SHA-256"

# openssl 3.0's dgst cannot sign with EdDSA at all (one-shot only), so
# Ed25519 is left to pkeyutl -rawin above and to req and s_server below.
for k in rsa-www ec-www; do
	run "dgst -sign $k" openssl dgst -sha256 -sign "$(key "$k")" -out "$T/sig" "$T/msg"
	run "dgst -verify $k" soft dgst -sha256 -verify "$T/$k.pub" -signature "$T/sig" "$T/msg"
done
ok "dgst -sha256 -sign: RSA and EC signatures verify"

for k in $KEYS; do
	run "req $k" openssl req -new -key "$(key "$k")" -subj "/CN=csr.$k.test" -out "$T/$k.csr"
	run "CSR $k" soft req -in "$T/$k.csr" -verify -noout
	cmp -s <(soft req -in "$T/$k.csr" -pubkey -noout) "$T/$k.pub" || fail "CSR $k: another public key"
done
ok "req: RSA, EC and Ed25519 CSRs verify and carry the container's key"

PORT=19800
for k in $KEYS; do
	openssl s_server -key "$(key "$k")" -cert "$SEED/$k.pem" -cert_chain "$SEED/intermediate.pem" \
		-accept $PORT -www >"$T/server.log" 2>&1 &
	SERVER=$!
	wait_port $PORT
	for tls in -tls1_2 -tls1_3; do
		soft s_client -connect 127.0.0.1:$PORT $tls -CAfile "$SEED/ca.pem" -verify_return_error \
			</dev/null >"$T/client" 2>&1 || fail "s_client $tls to $k: $(tail -5 "$T/client")"
		cmp -s <(soft x509 -in "$T/client" -pubkey -noout) "$T/$k.pub" ||
			fail "s_server $k $tls: another certificate"
	done
	kill "$SERVER"
	wait "$SERVER" 2>/dev/null || true
	SERVER=
done
ok "s_server: RSA, EC and Ed25519 keys, TLS 1.2 and 1.3 handshakes verified"
