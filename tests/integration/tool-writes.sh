#!/bin/bash
# kmp11-tool's writing commands against the real Key Manager and its
# snakeoil CA: store, order, orders, renew, delete.
# Usage: tool-writes.sh MODULE TOOL KM_DIR   (OS_* of the test user)
set -euo pipefail
MODULE=$1 TOOL=$2 KM=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
bash "$HERE/../km/token-conf.sh" tool-writes "tw-*" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
run=$RANDOM
. "$HERE/tool-lib.sh"

# A CA, an intermediate, and an EC leaf it issues.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$T/ca.key" \
	-out "$T/ca.pem" -subj "/CN=tool-writes root" -days 3650 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/mid.key" \
	-out "$T/mid.csr" -subj "/CN=tool-writes intermediate" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\n' >"$T/ca.ext"
openssl x509 -req -in "$T/mid.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 3650 -extfile "$T/ca.ext" -out "$T/mid.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/leaf.key" \
	-out "$T/leaf.csr" -subj "/CN=tw-$run-store" 2>/dev/null
openssl x509 -req -in "$T/leaf.csr" -CA "$T/mid.pem" -CAkey "$T/mid.key" -CAcreateserial \
	-days 3650 -out "$T/leaf.pem" 2>/dev/null

# store: one container with the chain; the label is the CN.
status 0 store --cert "$T/leaf.pem" --key "$T/leaf.key" --chain "$T/mid.pem"
grep -q "stored 'tw-$run-store': certificate, key and 1 chain" "$T/out" || fail "store: $(cat "$T/out")"
status 0 verify "pkcs11:object=tw-$run-store"
status 0 export-cert "pkcs11:object=tw-$run-store;type=cert" -o "$T/exported.pem"
[ "$(grep -c BEGIN "$T/exported.pem")" = 2 ] || fail "store: the chain is not exported with it"
openssl verify -CAfile "$T/ca.pem" -untrusted "$T/mid.pem" "$T/exported.pem" >/dev/null ||
	fail "store: the exported certificate does not verify"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
status 1 store --cert "$T/leaf.pem" --key "$T/other.key" --label "tw-$run-bad"
grep -q "the key is not the certificate's" "$T/out" || fail "store, other key: $(cat "$T/out")"
openssl pkey -in "$T/leaf.key" -aes256 -passout pass:secret -out "$T/locked.key"
status 1 store --cert "$T/leaf.pem" --key "$T/locked.key" --label "tw-$run-bad"
status 2 store --cert "$T/leaf.pem"
ok "store: certificate, key and chain in one container (verify, export-cert); a wrong or encrypted key refused"

# order: from a CSR, and from a key pair the Key Manager made.
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/o.key" -out "$T/o.csr" \
	-subj "/CN=tw-$run-order.example" 2>/dev/null
status 0 order --csr "$T/o.csr" --label "tw-$run-order" --wait 30
grep -q "^ACTIVE custom 'tw-$run-order' http" "$T/out" || fail "order --csr: $(cat "$T/out")"
ordered=$(cut -d' ' -f4 "$T/out")
pkcs11-tool --module "$MODULE" --login --pin unused --keypairgen --key-type rsa:2048 \
	--label "tw-$run-pair" >"$T/out" 2>&1 || fail "keypairgen: $(cat "$T/out")"
status 0 order --stored-key "pkcs11:object=tw-$run-pair;type=private" \
	--subject "CN=tw-$run-stored.example" --label "tw-$run-stored"
status 0 verify "pkcs11:object=tw-$run-stored"
echo "garbage" >"$T/bad.csr"
status 1 order --csr "$T/bad.csr"
grep -q "^ERROR custom" "$T/out" || fail "order of a bad CSR: $(cat "$T/out")"
status 4 order --stored-key "pkcs11:object=tw-$run-none" --subject "CN=x"
status 2 order --csr "$T/o.csr" --stored-key "pkcs11:object=x" --subject "CN=x"
status 0 orders
grep -q "^ACTIVE stored-key 'tw-$run-stored'" "$T/out" || fail "orders: $(cat "$T/out")"
grep -q "^ERROR custom" "$T/out" || fail "orders: no ERROR order: $(cat "$T/out")"
status 0 orders -o json
python3 - "$T/out" "tw-$run-order" "$ordered" <<'PY' || fail "orders -o json: $(cat "$T/out")"
import json, sys
orders = json.load(open(sys.argv[1]))
mine = [o for o in orders if o["label"] == sys.argv[2]]
# The ref that order printed: the named copy, not the order's own container.
assert [o["result_ref"] for o in mine] == [sys.argv[3]], mine
assert mine[0]["status"] == "ACTIVE" and mine[0]["request_type"] == "custom", mine
assert any(o["status"] == "ERROR" and o["error"] for o in orders), orders
PY
status 2 orders -o xml
ok "order --csr / --stored-key issue (exit 0), a bad CSR fails (exit 1); orders lists them, as text and JSON, with the ref order printed"

# renew: a new certificate for the same key and subject, same name, in a
# container that holds the key; the newest is found last, so export-cert
# and the servers take it.
serial_before=$(openssl x509 -in "$T/exported.pem" -noout -serial)
status 0 renew "pkcs11:object=tw-$run-store;type=cert" \
	--deploy-hook 'echo "hook $KMP11_RENEWED_TOKEN $KMP11_RENEWED_LABEL $KMP11_RENEWED_UUID"; echo "uri $KMP11_RENEWED_URI"'
grep -q "^ACTIVE custom 'tw-$run-store'" "$T/out" || fail "renew: $(cat "$T/out")"
renewed=$(sed -n "s,^ACTIVE custom 'tw-$run-store' .*/containers/\([0-9a-f-]*\) .*,\1,p" "$T/out")
grep -q "^hook tool-writes tw-$run-store $renewed$" "$T/out" || fail "renew --deploy-hook: $(cat "$T/out")"
grep "^uri " "$T/out" | cut -d' ' -f2- >"$T/uri"
status 0 list "$(cat "$T/uri")"
[ "$(grep -c "pkcs11:" "$T/out")" = 1 ] && grep -q "id=$(echo "$renewed" | tr -d - | sed 's/../%&/g' | tr a-f A-F);" "$T/out" ||
	fail "KMP11_RENEWED_URI $(cat "$T/uri") names: $(cat "$T/out")"
status 0 export-cert --no-chain "pkcs11:object=tw-$run-store;type=cert" -o "$T/renewed.pem"
[ "$(openssl x509 -in "$T/renewed.pem" -noout -serial)" != "$serial_before" ] ||
	fail "renew: export-cert still gives the old certificate"
cmp -s <(openssl x509 -in "$T/renewed.pem" -noout -pubkey) \
	<(openssl pkey -in "$T/leaf.key" -pubout) || fail "renew: another key"
openssl verify -CAfile "$KM/snakeoil/ca.pem" "$T/renewed.pem" >/dev/null 2>&1 ||
	fail "renew: the new certificate does not chain to the Key Manager's CA"
# The new container itself holds the key: verify signs with the private
# key of the new container's CKA_ID.
id=$(echo "$renewed" | tr -d - | sed 's/../%&/g')
status 0 verify "pkcs11:object=tw-$run-store;id=$id"
grep -q "^ok: 'tw-$run-store'" "$T/out" || fail "renew: the new container has no key: $(cat "$T/out")"
ok "renew: a certificate from the Key Manager's CA for the same key and subject, found first, in a container with the key; the deploy hook runs with what was renewed, its URI naming the new certificate alone"

# renew --new-key: another key like it (EC P-256), in the new container;
# the key pair container it was made in is gone.
status 1 renew --new-key "pkcs11:object=tw-$run-store;type=cert" --deploy-hook 'exit 7'
grep -q "renewed (.*), but the deploy hook failed (exit 7)" "$T/out" || fail "renew, failed hook: $(cat "$T/out")"
status 0 export-cert --no-chain "pkcs11:object=tw-$run-store;type=cert" -o "$T/rekeyed.pem"
cmp -s <(openssl x509 -in "$T/rekeyed.pem" -noout -pubkey) \
	<(openssl pkey -in "$T/leaf.key" -pubout) && fail "renew --new-key: the same key"
openssl x509 -in "$T/rekeyed.pem" -noout -text | grep -q "NIST CURVE: P-256" ||
	fail "renew --new-key: not a P-256 key"
status 0 verify "pkcs11:object=tw-$run-store"
[ "$(grep -c "^ok: 'tw-$run-store'" "$T/out")" = 3 ] || fail "verify after renewals: $(cat "$T/out")"
status 0 list "pkcs11:object=tw-$run-store;type=private"
[ "$(grep -c "private" "$T/out")" = 3 ] || fail "renew --new-key left a key pair container: $(cat "$T/out")"
status 4 renew "pkcs11:object=tw-$run-nothing"
status 2 renew "pkcs11:object=tw-$run-store" --wait forever
ok "renew --new-key: a new key of the same kind in the new container, no key pair left over; a failed hook is exit 1 with the renewal kept"

# delete: the first container shares its key with the renewal: refused
# (nothing deleted), then with --force the container goes and the key
# stays for the renewal; then every container of the name.
first=$(tool list "pkcs11:object=tw-$run-store;type=cert" | sed -n 's/.*;id=\([^;]*\);.*/\1/p' | head -1)
status 1 delete "pkcs11:object=tw-$run-store;id=$first"
grep -q "its private key is also held by 'tw-$run-store' ($renewed); --force" "$T/out" ||
	fail "delete of a container sharing its key: $(cat "$T/out")"
status 0 delete --dry-run --force "pkcs11:object=tw-$run-store;id=$first"
grep -q "^would delete 'tw-$run-store' (" "$T/out" || fail "delete --dry-run: $(cat "$T/out")"
status 0 verify "pkcs11:object=tw-$run-store"
[ "$(grep -c "^ok:" "$T/out")" = 3 ] || fail "delete refused or dry, yet: $(cat "$T/out")"
status 0 delete --force "pkcs11:object=tw-$run-store;id=$first"
[ "$(grep -c "^deleted 'tw-$run-store' (" "$T/out")" = 1 ] || fail "delete --force: $(cat "$T/out")"
status 0 verify "pkcs11:object=tw-$run-store;id=$id"
ok "delete: refused while another container holds the key, --force keeps the key for it (the renewal still verifies), --dry-run deletes nothing"
status 4 delete "pkcs11:object=tw-$run-nothing"
status 0 delete "pkcs11:object=tw-$run-store"
# A label with a line break (made elsewhere): still one line per deletion.
PYTHONPATH=$HERE/../km /usr/bin/python3 - "$KM/seed/manifest.json" "tw-$run-line
break" <<'PY'
import json, sys, kmrest
source = kmrest.get(json.load(open(sys.argv[1]))["containers"]["rsa-www"])
kmrest.container(sys.argv[2], {r["name"]: r["secret_ref"] for r in source["secret_refs"]
                               if r["name"] in ("certificate", "private_key")})
PY
status 0 delete "pkcs11:object=tw-$run-line%0Abreak"
[ "$(wc -l <"$T/out")" = 1 ] && grep -q "^deleted 'tw-$run-line?break' (" "$T/out" ||
	fail "delete of a label with a line break: $(cat "$T/out")"
status 4 export-cert "pkcs11:object=tw-$run-store;type=cert" -o "$T/gone.pem"
status 2 delete "pkcs11:"
ok "delete: every container of the name, one line each even for a label with a line break; 'pkcs11:' alone refused"
