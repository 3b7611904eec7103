#!/bin/bash
# pkcs11-tool's own checks on a token of RSA, EC and Ed25519 containers:
# --test (random, digests, signatures, verification, decryption),
# --test-threads and --test-fork.
# Usage: pkcs11-tool.sh MODULE   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
bash "$(dirname "$0")/../km/token-conf.sh" conformance "rsa-www, ec-www, ed-www" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
tool() { pkcs11-tool --module "$MODULE" "$@" >"$T/out" 2>&1 || fail "pkcs11-tool $*: $(tail -5 "$T/out")"; }

# --allow-sw: kmp11's mechanisms are software (no CKF_HW), as SoftHSM's.
tool --login --pin unused --test --allow-sw
grep -q "^No errors" "$T/out" || fail "pkcs11-tool --test: $(tail -5 "$T/out")"
grep -q "all 4 signature functions seem to work" "$T/out" || fail "--test did not sign"
grep -q "RSA-PKCS-OAEP" "$T/out" || fail "--test did not decrypt with OAEP"
echo "ok - pkcs11-tool --test: random, digests, signatures, verify, decrypt (RSA, EC, Ed25519 token)"

# Two threads, each: C_Initialize with locking, C_GetInfo, slot list, token info.
tool --test-threads ILGISLT0 --test-threads ILGISLT0
grep -q "some errors" "$T/out" && fail "pkcs11-tool --test-threads: $(tail -5 "$T/out")"
tool --test-fork
grep -q "Calling C_Initialize in forked child process" "$T/out" || fail "--test-fork did not fork"
echo "ok - pkcs11-tool --test-threads and --test-fork"
