#!/bin/bash
# Key hygiene in the logs: at the most verbose level (trace: every
# PKCS#11 call with its arguments and return code), through listing,
# payload fetches (keys, an encrypted key and its passphrase, secrets),
# signing, login with a PIN and key generation, the module's log holds no
# password, PIN, Keystone token, key, passphrase or secret value.
# Usage: hygiene.sh MODULE SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 SEED=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/../km/token-conf.sh" hygiene "*" "$T/kmp11.conf"
printf 'show_secrets = yes\n' >>"$T/kmp11.conf"
cat >>"$T/kmp11.conf" <<CNF

[token]
label = hygiene-login
auth_url = $OS_AUTH_URL
username = $OS_USERNAME
project_name = $OS_PROJECT_NAME
CNF
export KMP11_CONF=$T/kmp11.conf KMP11_DEBUG=5
{
	pkcs11-tool --module "$MODULE" -O
	for id in rsa-www enc-key ec-www; do
		pkcs11-tool --module "$MODULE" --sign -m SHA256-RSA-PKCS --label "$id" \
			-i "$SEED/ca.pem" -o "$T/sig" || true
	done
	pkcs11-tool --module "$MODULE" --token-label hygiene-login --login \
		--pin "$OS_PASSWORD" -O
	pkcs11-tool --module "$MODULE" --token-label hygiene-login --login --pin wrong -O || true
	pkcs11-tool --module "$MODULE" --test --allow-sw
} >/dev/null 2>"$T/log"
[ "$(grep -c 'debug: http: ' "$T/log")" -gt 10 ] || fail "the log did not record the requests"
# The trace: calls with their arguments (a PIN by its length), and codes.
grep -q "trace: C_Login(session=[0-9]*, user=1, pin_len=${#OS_PASSWORD})" "$T/log" &&
	grep -q 'trace: C_Login = 0x0$' "$T/log" && grep -q 'trace: C_Login = 0xa0$' "$T/log" &&
	grep -q 'trace: C_SignInit(session=[0-9]*, mechanism=0x40/0, key=[0-9]*)' "$T/log" &&
	grep -q 'trace: C_FindObjectsInit(session=[0-9]*, template={0x0/8' "$T/log" ||
	fail "KMP11_DEBUG=5 traced no calls: $(grep -m5 'trace:' "$T/log")"
token=$(cd "$HERE/../km" && /usr/bin/python3 -c 'import kmrest; print(kmrest.TOKEN[:24])')
for needle in "$OS_PASSWORD" "pass-4" "PRIVATE KEY" "$token" \
	"$(od -An -tx1 -N8 "$SEED/aes-256.key" | tr -d ' \n')" \
	"$(od -An -tx1 -N8 "$SEED/hmac-secret.key" | tr -d ' \n')"; do
	! grep -qF "$needle" "$T/log" || fail "the log holds a secret: '${needle:0:6}...'"
done
# Keystone tokens of this user start alike (fernet): none may appear.
! grep -qE 'gAAAAA[A-Za-z0-9_-]{20}' "$T/log" || fail "the log holds a Keystone token"
echo "ok - hygiene: the trace of listing, fetching, signing and login holds every call and no secret"

# Key material in OpenSSL's secure heap: locked, left out of core dumps.
grep -q "secure heap: 8192 KiB for key material, locked in memory and left out of core dumps\|secure heap: 8192 KiB left out of core dumps but not locked" "$T/log" ||
	fail "no secure heap: $(grep 'secure heap' "$T/log")"
KMP11_DEBUG=1 /usr/bin/python3 - "$MODULE" <<'PY' || exit 1
import ctypes, sys
import PyKCS11 as P
lib = P.PyKCS11Lib()
lib.load(sys.argv[1])
crypto = ctypes.CDLL("libcrypto.so.3")
crypto.CRYPTO_secure_used.restype = ctypes.c_size_t
before = crypto.CRYPTO_secure_used()
s = lib.openSession(lib.getSlotList()[0])
key = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, "rsa-www")])[0]
s.sign(key, b"x", P.Mechanism(P.CKM_SHA256_RSA_PKCS))
used = crypto.CRYPTO_secure_used()
if crypto.CRYPTO_secure_malloc_initialized() != 1 or used <= before:
    sys.exit(f"FAIL: the RSA key is not in the secure heap ({before} -> {used} bytes)")
print(f"ok - hygiene: a fetched RSA key lives in the secure heap ({used - before} bytes)")
PY
grep -h "secure heap" "$T/log" | sed 's/^.*secure heap/  platform: secure heap/' | sort -u
