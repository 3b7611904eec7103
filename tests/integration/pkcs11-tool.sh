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
# Its multi-part test signs with the key's first mechanism, CKM_RSA_X_509:
# single-part only (v2.40), so C_SignUpdate is refused; each mechanism
# then signs and verifies.
grep -q "C_SignUpdate failed: rv = CKR_FUNCTION_NOT_SUPPORTED" "$T/out" ||
	fail "--test: C_SignUpdate of a single-part mechanism accepted"
[ "$(grep -c "^    SHA256-RSA-PKCS: OK\|^    RSA-PKCS: OK\|^    RSA-X-509: OK" "$T/out")" -ge 5 ] ||
	fail "--test did not sign and verify"
grep -q "RSA-PKCS-OAEP" "$T/out" || fail "--test did not decrypt with OAEP"
echo "ok - pkcs11-tool --test: random, digests, signatures, verify, decrypt (RSA, EC, Ed25519 token)"

# Two threads, each: C_Initialize with locking, C_GetInfo, slot list, token info.
tool --test-threads ILGISLT0 --test-threads ILGISLT0
grep -q "some errors" "$T/out" && fail "pkcs11-tool --test-threads: $(tail -5 "$T/out")"
tool --test-fork
grep -q "Calling C_Initialize in forked child process" "$T/out" || fail "--test-fork did not fork"
echo "ok - pkcs11-tool --test-threads and --test-fork"

# Key generation: an RSA order, and --test-ec (an EC pair made, used,
# relabelled where allowed and deleted). --session-rw: pkcs11-tool opens
# read-only sessions otherwise, where token objects cannot be made.
bash "$(dirname "$0")/../km/token-conf.sh" keygen "ptgen-*" "$T/keygen.conf"
export KMP11_CONF=$T/keygen.conf
run=$RANDOM
tool --login --pin unused --keypairgen --key-type rsa:2048 --label "ptgen-$run-rsa"
grep -q "label:      ptgen-$run-rsa" "$T/out" || fail "--keypairgen: $(cat "$T/out")"
tool --login --pin unused --session-rw --test-ec --id 01 --key-type EC:prime256v1 \
	--label "ptgen-$run-ec"
grep -q "Deleting the private and the public key again" "$T/out" || fail "--test-ec: $(cat "$T/out")"
grep -q "^error" "$T/out" && fail "--test-ec: $(grep ^error "$T/out")"
echo "ok - pkcs11-tool --keypairgen (RSA order) and --test-ec (EC pair made, used, deleted)"
