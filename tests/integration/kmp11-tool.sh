#!/bin/bash
# kmp11-tool against the real Key Manager seeded by seed.py.
# Usage: kmp11-tool.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 TOOL=$2 SEED=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
tool() { "$TOOL" --module "$MODULE" "$@"; }
status() { # expected-status command...: runs it, output in $T/out, $T/err
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" = "$want" ] || fail "$*: exit $got, expected $want: $(cat "$T/err")"
}

for cmd in list export-cert verify expiring provider-key; do
	status 0 tool "$cmd" --help
	grep -q "^usage: kmp11-tool $cmd" "$T/out" || fail "$cmd --help: no usage"
done
status 2 tool frobnicate
status 2 tool expiring --days soon
status 2 tool export-cert
status 2 tool list "http://not-a-pkcs11-uri"
ok "--help on every command; usage errors exit 2"

status 0 tool list
grep -q "^  cert .*expires 2035-12-30 .*object=rsa-www;type=cert" "$T/out" ||
	fail "list: no rsa-www certificate with its expiry"
grep -q "^  private .*object=rsa-www;type=private" "$T/out" || fail "list: no rsa-www key"
status 0 tool list "pkcs11:object=ec-www;type=cert"
[ "$(grep -c '^  ' "$T/out")" = 1 ] || fail "list by URI: $(cat "$T/out")"
ok "list shows the objects, expiry dates and URIs; a URI narrows it"

status 0 tool export-cert "pkcs11:object=rsa-www;type=cert" -o "$T/www.pem"
[ "$(grep -c "BEGIN CERTIFICATE" "$T/www.pem")" = 2 ] || fail "export-cert: not leaf + intermediate"
openssl crl2pkcs7 -nocrl -certfile "$T/www.pem" | openssl pkcs7 -print_certs |
	grep "^subject" >"$T/subjects"
cmp -s "$T/subjects" <(printf 'subject=CN = rsa.example.test\nsubject=CN = kmp11 test intermediate\n') ||
	fail "export-cert: $(cat "$T/subjects")"
openssl verify -CAfile "$SEED/ca.pem" -untrusted "$T/www.pem" "$T/www.pem" >/dev/null ||
	fail "export-cert: the chain does not verify up to the test root"
status 0 tool export-cert --no-chain "pkcs11:object=der-cert"
cmp -s <(openssl x509 -in "$T/out" -outform DER) <(openssl x509 -in "$SEED/der-cert.pem" -outform DER) ||
	fail "export-cert --no-chain: not the stored certificate"
status 0 tool export-cert "pkcs11:object=renewed"
grep -q renewed-new <(openssl x509 -in "$T/out" -noout -subject) ||
	fail "export-cert: of two containers named renewed, not the newest"
status 4 tool export-cert "pkcs11:object=nothing-here" -o "$T/none.pem"
grep -q "no certificate matches" "$T/err" || fail "export-cert: $(cat "$T/err")"
[ ! -e "$T/none.pem" ] && [ -z "$(ls "$T" | grep none.pem)" ] || fail "export-cert left a file"
ok "export-cert writes certificate + chain (newest of a name); a miss leaves no file"

# provider-key: the PEM block pkcs11-provider decodes, naming the newest
# key of a name by its container's id (the provider would take the
# oldest); tests/consumers/provider.sh loads it through the provider.
status 2 tool provider-key
status 2 tool provider-key rsa-www ec-www
status 2 tool provider-key "pkcs11:object=%zz"
status 4 tool provider-key no-such-label -o "$T/none.key"
grep -q "no private key matches no-such-label" "$T/err" || fail "provider-key: $(cat "$T/err")"
[ -z "$(ls "$T" | grep none.key)" ] || fail "provider-key left a file"
status 4 tool provider-key "pkcs11:token=no-such-token;object=rsa-www"
status 1 tool provider-key rsa-www -o "$T/no/such/dir/key.pem"
status 0 tool provider-key "pkcs11:object=renewed;type=cert" -o "$T/renewed.key"
[ "$(stat -c %a "$T/renewed.key")" = 644 ] || fail "provider-key: mode $(stat -c %a "$T/renewed.key")"
status 0 tool list "pkcs11:object=renewed;type=private"
newest=$(grep -o "pkcs11:.*" "$T/out" | tail -1)
[ "$(grep -c "pkcs11:" "$T/out")" = 2 ] && [ -n "$newest" ] || fail "list renewed: $(cat "$T/out")"
openssl asn1parse -in "$T/renewed.key" >"$T/asn1" 2>&1 || fail "provider-key: $(cat "$T/asn1")"
grep -q "^-----BEGIN PKCS#11 PROVIDER URI-----$" "$T/renewed.key" || fail "provider-key: $(cat "$T/renewed.key")"
sed 's/^ *[0-9]*:d=\([0-9]\).*\(cons\|prim\): *\([A-Z0-9]*\) *:\?/\1 \3 /' "$T/asn1" >"$T/fields"
printf '0 SEQUENCE \n1 VISIBLESTRING PKCS#11 Provider URI v1.0\n1 UTF8STRING %s\n' "$newest" |
	cmp -s - "$T/fields" || fail "provider-key: $(cat "$T/asn1"), expected the URI $newest"
status 0 tool provider-key rsa-www
grep -q "^-----END PKCS#11 PROVIDER URI-----$" "$T/out" || fail "provider-key to stdout: $(cat "$T/out")"
ok "provider-key: the PKCS#11 PROVIDER URI block of the newest key of a name; exits 2, 4, 1"

status 0 tool verify "pkcs11:object=rsa-www"
status 0 tool verify "pkcs11:object=ec-www"
status 0 tool verify "pkcs11:object=ed-www"
status 1 tool verify "pkcs11:object=mismatch"
grep -q "'mismatch': the private key does not match the certificate" "$T/err" ||
	fail "verify mismatch: $(cat "$T/err")"
status 4 tool verify "pkcs11:object=nothing-here"
ok "verify proves RSA, EC and Ed25519 pairs by a signature; a mismatch exits 1, no match 4"

status 0 tool expiring --days 30
[ ! -s "$T/out" ] || fail "expiring --days 30: $(cat "$T/out")"
status 6 tool expiring --days 4000 "pkcs11:object=rsa-www"
grep -q "^2035-12-30T00:00:00Z	expires-in=[0-9]*d	rsa-www	pkcs11:.*	CN = rsa.example.test$" "$T/out" ||
	fail "expiring: $(cat "$T/out")"
ok "expiring exits 6 and lists certificates only within the period"

# A token that needs login: the PIN from a file or the URI.
cat >"$T/login.conf" <<CNF
[token]
label = login
auth_url = $OS_AUTH_URL
username = $OS_USERNAME
project_name = $OS_PROJECT_NAME
CNF
echo "$OS_PASSWORD" >"$T/pin"
export KMP11_CONF=$T/login.conf
status 2 tool verify "pkcs11:object=rsa-www"
grep -q "token login needs a PIN" "$T/err" || fail "no PIN: $(cat "$T/err")"
status 0 tool --pin-file "$T/pin" verify "pkcs11:object=rsa-www"
status 0 tool verify "pkcs11:object=rsa-www?pin-source=$T/pin"
echo wrong >"$T/bad-pin"
status 5 tool --pin-file "$T/bad-pin" list
grep -q "C_Login" "$T/err" || fail "wrong PIN: $(cat "$T/err")"
ok "login token: PIN from --pin-file or pin-source; a missing PIN is a usage error (2), a wrong one refused (5)"
