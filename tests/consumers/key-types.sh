#!/bin/bash
# An Ed25519 container on the token nginx's pkcs11 engine uses: libp11
# 0.4.12 then finds no private key, and kmp11 says once which setting
# helps; with `key_types = rsa, ec` nginx serves, the Ed25519 container
# keeps its certificate, and its key, whose secret has no algorithm, is
# fetched once to tell its type, then known from key_cache.
# Usage: key-types.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
export MODULE=$1 TOOL=$2
SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
. "$HERE/lib.sh"
. "$HERE/nginx-lib.sh"
trap 'nginx_stop "$T/nginx"; rm -rf "$T"' EXIT
log() { tail -5 "$T/nginx/error.log"; }

HINT="set 'key_types = rsa, ec' on the token"
CA=(--cacert "$SEED/ca.pem")
export KMP11_CONF=$T/kmp11.conf
token_conf() { # [key_types line]
	bash "$HERE/../km/token-conf.sh" web "rsa-www, ed-www" "$KMP11_CONF"
	# A key type cache of the test's own: the first process learns the
	# types from the payloads (the seed's keys have no algorithm).
	echo "key_cache = $T/keytypes" >>"$KMP11_CONF"
	[ -z "${1:-}" ] || echo "$1" >>"$KMP11_CONF"
}
fresh_nginx() {
	nginx_stop "$T/nginx"
	rm -rf "$T/nginx"
	mkdir -p "$T/nginx"
}

# Without key_types: the engine finds no key, and kmp11 says why.
token_conf
fresh_nginx
! nginx_start "$T/nginx" 2 18445:rsa-www 2>/dev/null ||
	fail "nginx started with an Ed25519 key on the engine's token"
grep -q "private key not found\|cannot load certificate key" "$T/nginx/error.log" ||
	fail "nginx failed for another reason: $(log)"
n=$(grep -c "warning: token web: .*EdDSA key 'ed-www'.*$HINT" "$T/nginx/error.log" || true)
[ "$n" = 1 ] || fail "the key_types hint was logged $n times, expected once"
ok "libp11 0.4.12 finds no key with ed-www on the token; kmp11 names key_types once"

# With key_types = rsa, ec: served, no hint; ed-www's key was fetched
# once to tell its type (nginx's first search) and is then known.
ed_key=$(awk '$2 == "ed25519" {print $1}' "$T/keytypes")
[ -n "$ed_key" ] || fail "key_cache did not learn ed-www's type"
rm "$T/keytypes"
token_conf "key_types = rsa, ec"
for run in first cached; do
	fresh_nginx
	nginx_start "$T/nginx" 2 18445:rsa-www || fail "nginx ($run run) did not start: $(log)"
	for tls in "--tlsv1.2 --tls-max 1.2" "--tlsv1.3"; do
		# shellcheck disable=SC2086
		n=$(nginx_get "$T/nginx" 18445 50 "${CA[@]}" $tls)
		[ "$n" = 50 ] || fail "$run run, $tls: $n of 50 requests"
	done
	nginx_check_log "$T/nginx"
	! grep -q "$HINT" "$T/nginx/error.log" || fail "the hint was logged with key_types set"
	fetched=$(grep -c "GET .*/secrets/$ed_key/payload" "$T/nginx/error.log" || true)
	want=1
	[ $run = first ] || want=0
	[ "$fetched" = $want ] || fail "$run run: ed-www's key fetched $fetched times, expected $want"
done
ok "key_types = rsa, ec: nginx serves rsa-www over TLS 1.2 and 1.3; ed-www's key fetched once, then known from key_cache"

# The certificate stays; the keys go.
"$TOOL" --module "$MODULE" export-cert "pkcs11:object=ed-www;type=cert" -o "$T/ed.crt" ||
	fail "ed-www's certificate is gone"
[ "$(openssl x509 -in "$T/ed.crt" -noout -fingerprint)" = \
	"$(openssl x509 -in "$SEED/ed-www.pem" -noout -fingerprint)" ] || fail "ed-www's certificate differs"
"$TOOL" --module "$MODULE" list >"$T/list" || fail "kmp11-tool list"
grep -q "^  cert .*object=rsa-www;type=cert" "$T/list" || fail "no rsa-www in: $(cat "$T/list")"
! grep -E "^  (private|public) .*object=ed-www;" "$T/list" ||
	fail "ed-www's keys are still on the token"
ok "ed-www keeps its certificate; its keys are left out"
