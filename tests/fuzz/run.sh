#!/bin/bash
# libFuzzer (clang, with ASan and UBSan) on what kmp11 reads from outside:
# the config parser, the Key Manager's list pages, payloads, the token
# object templates applications give C_CreateObject, and sequences of
# PKCS#11 calls against the whole module with a Key Manager in memory
# (fuzz-api.c, fake-km.c).
# Usage: bash tests/fuzz/run.sh [SECONDS per target, default 600] [TARGET...]
# (targets: config listing payload template api; default all)
# The test command runs it for a few seconds each; a crash stops with the
# input that made it (crash-* in the build directory), to be turned into
# a regression test.
set -euo pipefail
SECS=${1:-600}
shift || true
TARGETS=${*:-config listing payload template api}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$SRC/build-fuzz
mkdir -p "$OUT"
PKGS="p11-kit-1 libcurl json-c libcrypto yaml-0.1"
TOKENS="log secure config clouds http curl-memory errors json keystone names listing uuid
 barbican crypto-ctx keytypes safefile
 payload"
sources=$(for t in $TOKENS; do echo "$SRC/tokens/$t.c"; done)
MODULE_FOR_TEMPLATE="attrs keyattrs keybuild newobject"
template_sources=$(for m in $MODULE_FOR_TEMPLATE; do echo "$SRC/module/$m.c"; done)
# The api target: the whole module, its HTTP client replaced by fake-km.c.
api_sources=$(ls "$SRC"/tokens/*.c "$SRC"/module/*.c | grep -v -e /http.c -e /curl-memory.c)

# Seeds: a few well-formed inputs of each kind.
seed=$OUT/seeds
mkdir -p "$seed/config" "$seed/listing" "$seed/payload" "$seed/template" "$seed/api"
cp "$SRC"/tests/fuzz/seeds-api/* "$seed/api/"
printf '[global]\nlog_level = error\n[token]\nlabel = a\nauth_url = http://127.0.0.1:1/v3\nusername = u\npassword = p\nproject_name = x\ncontainers = a-*, b\n' \
	>"$seed/config/token"
printf '[token]\nOS_AUTH_URL = http://127.0.0.1:1/v3\nOS_TOKEN = t\nOS_PROJECT_ID = 0123456789abcdef\nrefresh_interval = 60s\n' \
	>"$seed/config/env-style"
printf '\x01{"containers": [{"container_ref": "http://h/v1/containers/00000000-0000-4000-8000-000000000001", "name": "www", "type": "certificate", "created": "2026-01-01T00:00:00", "secret_refs": [{"name": "certificate", "secret_ref": "http://h/v1/secrets/00000000-0000-4000-8000-000000000002"}]}], "total": 1}' \
	>"$seed/listing/containers"
printf '\x00{"secrets": [{"secret_ref": "http://h/v1/secrets/00000000-0000-4000-8000-000000000002", "secret_type": "certificate", "algorithm": "RSA", "bit_length": 2048, "name": "www-cert", "content_types": {"default": "text/plain"}}], "total": 1}' \
	>"$seed/listing/secrets"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=fuzz \
	-keyout "$seed/payload/key.pem" -out "$seed/payload/cert.pem" 2>/dev/null
openssl x509 -in "$seed/payload/cert.pem" -outform DER -out "$seed/payload/cert.der"
openssl pkey -in "$seed/payload/key.pem" -outform DER -out "$seed/payload/key.der"
# CKA_CLASS certificate (index 0, 8 bytes), then CKA_VALUE (index 5).
{ printf '\x00\x08\x01\x00\x00\x00\x00\x00\x00\x00\x05\xff'; } >"$seed/template/cert"

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export KMP11_DEBUG=0 # errors about bad input are expected by the thousand
for target in $TARGETS; do
	files="$sources"
	[ "$target" = template ] && files="$sources $template_sources"
	[ "$target" = api ] && files="$api_sources $SRC/tests/fuzz/fake-km.c"
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_GNU_SOURCE -I"$SRC" $(pkg-config --cflags $PKGS) \
		"$SRC/tests/fuzz/fuzz-$target.c" $files \
		$(pkg-config --libs $PKGS) -lpthread -o "$OUT/fuzz-$target"
	mkdir -p "$OUT/corpus-$target"
	(cd "$OUT" && "./fuzz-$target" -max_total_time="$SECS" -max_len=65536 \
		-timeout=10 "corpus-$target" "$seed/$target" >"$OUT/fuzz-$target.log" 2>&1) ||
		{ tail -40 "$OUT/fuzz-$target.log"; exit 1; }
	echo "ok - fuzz $target: $(grep -o 'Done [0-9]* runs' \
		"$OUT/fuzz-$target.log" | awk '{print $2}') inputs in $SECS s, no crash"
done
