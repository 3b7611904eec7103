#!/bin/bash
# Certificate orders through the vendor mechanism (docs/vendor.md), by
# the documented example program, against the real Barbican and its
# snakeoil CA; key orders (C_GenerateKey) and order objects by PyKCS11.
# Usage: orders.sh MODULE EXAMPLE TOOL KM_DIR   (OS_* of the test user)
set -euo pipefail
MODULE=$1 EXAMPLE=$2 TOOL=$3 KM=$4
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap '/usr/bin/python3 "$HERE/../km/keymanager.py" stop-pending "$KM"; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
export KM_SCRIPTS=$HERE/../km
bash "$HERE/../km/token-conf.sh" orders "ord-*" "$T/kmp11.conf"
echo "show_secrets = yes" >>"$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
run=$RANDOM
# The example as an application builds it: pkg-config --cflags kmp11, on
# kmp11.pc and kmp11.h installed (under DESTDIR: its prefix moved there).
make -s -C "$(dirname "$EXAMPLE")/../.." install-includeHEADERS install-pkgconfigDATA \
	DESTDIR="$T/inst" >/dev/null
pc=$(find "$T/inst" -name kmp11.pc)
[ -n "$pc" ] || fail "make install put no kmp11.pc"
mkdir "$T/pc"
sed "s|^prefix=|prefix=$T/inst|" "$pc" >"$T/pc/kmp11.pc"
cflags=$(PKG_CONFIG_PATH=$T/pc pkg-config --cflags kmp11) || fail "pkg-config --cflags kmp11"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags \
	-o "$T/kmp11-order" "$HERE/../../docs/examples/kmp11-order.c" -ldl ||
	fail "the example does not build with pkg-config --cflags kmp11 ($cflags)"
EXAMPLE=$T/kmp11-order
echo "ok - kmp11.h and kmp11.pc installed; the example built with pkg-config --cflags kmp11 ($cflags)"
order() { "$EXAMPLE" "$MODULE" "$@" >"$T/out" 2>&1 || fail "kmp11-order $*: $(cat "$T/out")"; }
issued() { # LABEL: the certificate on the token chains to the snakeoil CA
	"$TOOL" --module "$MODULE" export-cert --no-chain "pkcs11:object=$1;type=cert" \
		-o "$T/$1.pem" || fail "$1: no certificate to export"
	openssl verify -CAfile "$KM/snakeoil/ca.pem" "$T/$1.pem" >/dev/null 2>&1 ||
		fail "$1: does not chain to the snakeoil CA"
}

# custom: a CSR, PEM then DER; issued within the wait, found at once.
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/csr.key" -out "$T/csr.pem" \
	-subj "/CN=ord-$run.example" 2>/dev/null
openssl req -in "$T/csr.pem" -outform DER -out "$T/csr.der"
order custom "$T/csr.pem" "ord-$run-custom" 30
grep -q "^ACTIVE custom .*containers/" "$T/out" || fail "custom order: $(cat "$T/out")"
grep -q "certificate 'ord-$run-custom' found" "$T/out" || fail "custom: not found at once"
issued "ord-$run-custom"
order custom "$T/csr.der" "ord-$run-der" 30
grep -q "^ACTIVE custom" "$T/out" || fail "custom order (DER CSR): $(cat "$T/out")"
ok "custom orders (PEM and DER CSR): ACTIVE, the certificate found at once, chains to the CA"

# stored-key: an RSA pair the Key Manager made, and a subject; the new
# certificate goes with that key.
pkcs11-tool --module "$MODULE" --login --pin unused --keypairgen --key-type rsa:2048 \
	--label "ord-$run-key" >"$T/out" 2>&1 || fail "keypairgen: $(cat "$T/out")"
order stored-key "ord-$run-key" "CN=ord-$run-stored.example,O=kmp11" "ord-$run-stored" 30
grep -q "^ACTIVE stored-key" "$T/out" || fail "stored-key order: $(cat "$T/out")"
issued "ord-$run-stored"
openssl x509 -in "$T/ord-$run-stored.pem" -noout -subject | grep -q "CN = ord-$run-stored.example" ||
	fail "stored-key: subject $(openssl x509 -in "$T/ord-$run-stored.pem" -noout -subject)"
"$TOOL" --module "$MODULE" verify "pkcs11:object=ord-$run-stored" >"$T/out" 2>&1 ||
	fail "stored-key: the certificate and the key do not pair: $(cat "$T/out")"
ok "stored-key order: ACTIVE, the certificate has the subject and the stored key"

# Failures: an invalid CSR is an ERROR order with the Key Manager's
# reason; what the Key Manager refuses at once, and a key that is not a
# Key Manager key pair, are CKR_MECHANISM_PARAM_INVALID.
echo "not a CSR" >"$T/bad.csr"
order custom "$T/bad.csr"
grep -q "^ERROR custom .*| 500: .*failure" "$T/out" || fail "invalid CSR: $(cat "$T/out")"
"$EXAMPLE" "$MODULE" simple-cmc "$T/bad.csr" >"$T/out" 2>&1 && fail "simple-cmc of garbage accepted"
grep -q "C_GenerateKey: 0x71" "$T/out" || fail "simple-cmc of garbage: $(cat "$T/out")"
"$EXAMPLE" "$MODULE" stored-key "ord-$run-none" "CN=x" >"$T/out" 2>&1 && fail "stored-key without key accepted"
grep -q "C_GenerateKey: 0x71" "$T/out" || fail "stored-key without key: $(cat "$T/out")"
ok "an invalid CSR: an ERROR order with the reason; refused requests: CKR_MECHANISM_PARAM_INVALID"

# PENDING: the second Barbican's CA never answers.
/usr/bin/python3 "$HERE/../km/keymanager.py" start-pending "$KM" >/dev/null
cp "$T/kmp11.conf" "$T/pending.conf"
echo "endpoint = http://127.0.0.1:$(( ${KM_BARBICAN_PORT:-39311} + 1 ))" >>"$T/pending.conf"
KMP11_CONF=$T/pending.conf order simple-cmc "$T/csr.pem" "" 1
grep -q "^PENDING simple-cmc Request has been submitted" "$T/out" || fail "simple-cmc: $(cat "$T/out")"
ok "simple-cmc order: PENDING, with the Key Manager's message"


# Order objects: listed by class, a pending one's status read again,
# deleted; AES and generic secret keys by key orders.
/usr/bin/python3 - "$MODULE" "ord-$run" <<'PY' || exit 1
import sys
import PyKCS11 as P
sys.path.insert(0, __import__("os").environ["KM_SCRIPTS"])
from checks import expect, fail, ok

VENDOR = 0x4B4D0000
CKO_ORDER = P.CKO_VENDOR_DEFINED | VENDOR | 1
STATUS = P.CKA_VENDOR_DEFINED | VENDOR | 1
RESULT = P.CKA_VENDOR_DEFINED | VENDOR | 5
lib = P.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
orders = s.findObjects([(P.CKA_CLASS, CKO_ORDER)])
status = [int.from_bytes(bytes(s.getAttributeValue(o, [STATUS], True)[0]), sys.byteorder)
          for o in orders]
# Pending ones were asked again; all three states are there.
if not {0, 1, 2} <= set(status):
    fail(f"order statuses {status}: not PENDING, ACTIVE and ERROR")
if set(s.findObjects([])) & set(orders):
    fail("orders found by a search without the order class")
# Barbican lets only a project's admins delete orders.
expect(P.CKR_TOKEN_WRITE_PROTECTED, "a creator deleting an order",
       lambda: s.destroyObject(orders[0]))
ro = lib.openSession(lib.getSlotList()[0])
expect(P.CKR_SESSION_READ_ONLY, "deleting an order in a read-only session",
       lambda: ro.destroyObject(orders[0]))
ok(f"{len(orders)} orders listed by class with their status; deleting needs "
   "a read-write session and the project's admin")

label = sys.argv[2] + "-aes"
aes = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
                     (P.CKA_TOKEN, True), (P.CKA_VALUE_LEN, 32), (P.CKA_LABEL, label)],
                    P.Mechanism(P.CKM_AES_KEY_GEN))
if s.getAttributeValue(aes, [P.CKA_LABEL, P.CKA_VALUE_LEN]) != [label, 32]:
    fail(f"AES key: {s.getAttributeValue(aes, [P.CKA_LABEL, P.CKA_VALUE_LEN])}")
iv = bytes(16)
ct = bytes(s.encrypt(aes, b"sixteen bytes..!", P.Mechanism(P.CKM_AES_CBC, iv)))
if bytes(s.decrypt(aes, ct, P.Mechanism(P.CKM_AES_CBC, iv))) != b"sixteen bytes..!":
    fail("the ordered AES key does not decrypt what it encrypted")
mac = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_TOKEN, True),
                     (P.CKA_VALUE_LEN, 32), (P.CKA_LABEL, sys.argv[2] + "-mac")],
                    P.Mechanism(P.CKM_GENERIC_SECRET_KEY_GEN))
if len(bytes(s.sign(mac, b"data", P.Mechanism(P.CKM_SHA256_HMAC)))) != 32:
    fail("the ordered generic secret does not sign")
session_key = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_TOKEN, False),
                             (P.CKA_VALUE_LEN, 16)], P.Mechanism(P.CKM_AES_KEY_GEN))
s.encrypt(session_key, b"sixteen bytes..!", P.Mechanism(P.CKM_AES_ECB))
expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "an AES key of 20 bytes",
       lambda: s.generateKey([(P.CKA_TOKEN, True), (P.CKA_VALUE_LEN, 20)],
                             P.Mechanism(P.CKM_AES_KEY_GEN)))
expect(P.CKR_TEMPLATE_INCOMPLETE, "an AES key without CKA_VALUE_LEN",
       lambda: s.generateKey([(P.CKA_TOKEN, True)], P.Mechanism(P.CKM_AES_KEY_GEN)))
ok("C_GenerateKey: AES and generic secret key orders encrypt and sign; a session "
   "AES key is made here; wrong templates refused")
PY

# On a token that needs a login, orders are the login's: gone with it.
printf '[token]\nlabel = orders-login\nauth_url = %s\nusername = %s\nproject_name = %s\n' \
	"$OS_AUTH_URL" "$OS_USERNAME" "$OS_PROJECT_NAME" >"$T/login.conf"
KMP11_CONF=$T/login.conf /usr/bin/python3 - "$MODULE" <<'PY' || exit 1
import os, sys
import PyKCS11 as P
sys.path.insert(0, os.environ["KM_SCRIPTS"])
from checks import expect, fail, ok

CKO_ORDER = P.CKO_VENDOR_DEFINED | 0x4B4D0000 | 1
lib = P.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
if s.findObjects([(P.CKA_CLASS, CKO_ORDER)]):
    fail("orders listed before the login")
s.login(os.environ["OS_PASSWORD"])
orders = s.findObjects([(P.CKA_CLASS, CKO_ORDER)])
if not orders:
    fail("no order listed after the login")
s.logout()
expect(P.CKR_OBJECT_HANDLE_INVALID, "deleting an order after C_Logout",
       lambda: s.destroyObject(orders[0]))
expect(P.CKR_OBJECT_HANDLE_INVALID, "reading an order after C_Logout",
       lambda: s.getAttributeValue(orders[0], [P.CKA_LABEL]))
ok("a login token's orders: none before the login, gone with C_Logout")
PY

# The project's admin deletes a failed order; the others stay.
OS_USERNAME=kmp11-admin bash "$HERE/../km/token-conf.sh" admin "ord-*" "$T/admin.conf"
KMP11_CONF=$T/admin.conf /usr/bin/python3 - "$MODULE" <<'PY' || exit 1
import sys
import PyKCS11 as P
sys.path.insert(0, __import__("os").environ["KM_SCRIPTS"])
from checks import fail, ok

CKO_ORDER = P.CKO_VENDOR_DEFINED | 0x4B4D0001
STATUS = P.CKA_VENDOR_DEFINED | 0x4B4D0001
lib = P.PyKCS11Lib()
lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
orders = s.findObjects([(P.CKA_CLASS, CKO_ORDER)])
failed = s.findObjects([(P.CKA_CLASS, CKO_ORDER), (STATUS, (2).to_bytes(8, sys.byteorder))])
s.destroyObject(failed[0])
if len(s.findObjects([(P.CKA_CLASS, CKO_ORDER)])) != len(orders) - 1:
    fail("C_DestroyObject left the order")
ok("the project's admin deletes a failed order with C_DestroyObject")
PY
