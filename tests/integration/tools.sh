#!/bin/bash
# Standard tools against kmp11 and the real Key Manager (seeded by seed.py).
# Usage: tools.sh MODULE SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 SEED=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

id_of() { # container UUID without dashes: the CKA_ID of its objects
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["containers"][sys.argv[2]].rsplit("/",1)[1].replace("-",""))' \
		"$SEED/manifest.json" "$1"
}

# pkcs11-tool -O: certificate, private and public key share one ID.
pkcs11-tool --module "$MODULE" -O >"$T/objects.txt" 2>"$T/objects.err"
id=$(id_of rsa-www)
n=$(grep -c "ID:         $id" "$T/objects.txt" || true)
[ "$n" = 3 ] || fail "pkcs11-tool -O: $n objects with ID $id, expected 3"
grep -q "label:      kmp11 test intermediate" "$T/objects.txt" ||
	fail "pkcs11-tool -O: intermediate not listed"
ok "pkcs11-tool -O shows certificate, private and public key with one ID"

# p11tool --list-all lists them.
p11tool --provider "$MODULE" --list-all >"$T/p11tool.txt" 2>&1 ||
	fail "p11tool --list-all: $(tail -3 "$T/p11tool.txt")"
grep -q "object=rsa-www;type=cert" "$T/p11tool.txt" || fail "p11tool: no rsa-www cert"
grep -q "object=rsa-www;type=private" "$T/p11tool.txt" || fail "p11tool: no rsa-www key"
ok "p11tool --list-all lists certificate and key"

# The certificate read back is the one stored.
for name in rsa-www ec-www der-cert; do
	pkcs11-tool --module "$MODULE" --read-object --type cert --label "$name" \
		-o "$T/$name.der" 2>/dev/null
	openssl x509 -inform DER -in "$T/$name.der" -out "$T/$name.pem"
	cmp -s <(openssl x509 -in "$T/$name.pem" -outform DER) \
		<(openssl x509 -in "$SEED/$name.pem" -outform DER) ||
		fail "$name: certificate differs from the stored one"
done
ok "certificates read back (PEM, PEM+PKCS#7 chain, DER) equal the stored ones"

# Of two containers with one name, the newest is found last (libp11 and
# the engine take the last match).
last=$(grep -A2 "^Certificate Object" "$T/objects.txt" | grep -A1 "label:      renewed$" |
	grep subject | tail -1)
case "$last" in *renewed-new*) ;; *) fail "label 'renewed': last found is '$last'" ;; esac
ok "a label shared by two containers finds the newest last"

# Signatures verify with openssl against the stored certificate.
echo "kmp11 signs this" >"$T/data"
sign_verify() { # label mechanism openssl-digest-args...
	local label=$1 mech=$2
	shift 2
	pkcs11-tool --module "$MODULE" --sign --id "$(id_of "$label")" -m "$mech" \
		-i "$T/data" -o "$T/$label.sig" "$@" 2>/dev/null ||
		fail "$label: pkcs11-tool --sign -m $mech failed"
	openssl x509 -in "$SEED/$label.pem" -pubkey -noout >"$T/$label.pub"
}
sign_verify rsa-www SHA256-RSA-PKCS
openssl dgst -sha256 -verify "$T/rsa-www.pub" -signature "$T/rsa-www.sig" "$T/data" >/dev/null ||
	fail "rsa-www: SHA256-RSA-PKCS signature does not verify"
sign_verify rsa-www SHA256-RSA-PKCS-PSS
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
	-verify "$T/rsa-www.pub" -signature "$T/rsa-www.sig" "$T/data" >/dev/null ||
	fail "rsa-www: PSS signature does not verify"
sign_verify ec-www ECDSA-SHA256 --signature-format openssl
openssl dgst -sha256 -verify "$T/ec-www.pub" -signature "$T/ec-www.sig" "$T/data" >/dev/null ||
	fail "ec-www: ECDSA signature does not verify"
sign_verify enc-key SHA256-RSA-PKCS
openssl dgst -sha256 -verify "$T/enc-key.pub" -signature "$T/enc-key.sig" "$T/data" >/dev/null ||
	fail "enc-key: signature with the passphrase-protected key does not verify"
ok "RSA PKCS#1, PSS, ECDSA and encrypted-key signatures verify with openssl"

# The OpenSSL pkcs11 engine sees the certificate's public key on the key.
# libp11 0.4.12 finds no private key once it meets an EdDSA key, so this
# token shows RSA and EC keys only (see README, Known limits).
bash "$(dirname "$0")/../km/token-conf.sh" web "rsa-*, ec-*, ed-*" "$T/kmp11.conf"
echo "key_types = rsa, ec" >>"$T/kmp11.conf"
export KMP11_CONF="$T/kmp11.conf"
bash "$(dirname "$0")/../km/engine-conf.sh" "$MODULE" "$T/openssl.cnf"
for name in rsa-www ec-www; do
	OPENSSL_CONF="$T/openssl.cnf" openssl pkey -engine pkcs11 -inform engine \
		-in "pkcs11:object=$name;type=private" -pubout -out "$T/$name.engine.pub" \
		2>"$T/engine.err" || fail "engine $name: $(tail -3 "$T/engine.err")"
	cmp -s "$T/$name.engine.pub" <(openssl x509 -in "$SEED/$name.pem" -pubkey -noout) ||
		fail "engine $name: public key differs from the certificate's"
done
ok "openssl pkey through the pkcs11 engine prints the certificate's public key"

# OS_CLOUD alone: clouds.yaml from ~/.config/openstack names the cloud.
mkdir -p "$T/home/.config/openstack"
cat >"$T/home/.config/openstack/clouds.yaml" <<YAML
clouds:
  kmp11-test:
    auth:
      auth_url: $OS_AUTH_URL
      username: $OS_USERNAME
      password: $OS_PASSWORD
      project_name: $OS_PROJECT_NAME
      user_domain_name: $OS_USER_DOMAIN_NAME
      project_domain_name: $OS_PROJECT_DOMAIN_NAME
    region_name: $OS_REGION_NAME
YAML
(cd "$T" && env -i PATH="$PATH" HOME="$T/home" OS_CLOUD=kmp11-test \
	pkcs11-tool --module "$MODULE" -O >"$T/cloud.txt" 2>&1) ||
	fail "OS_CLOUD: $(tail -3 "$T/cloud.txt")"
grep -q "ID:         $(id_of rsa-www)" "$T/cloud.txt" ||
	fail "OS_CLOUD: rsa-www not listed"
ok "OS_CLOUD with ~/.config/openstack/clouds.yaml lists the project's objects"
