#!/bin/bash
# A certificate's whole life through kmp11-tool, against the real Key
# Manager and its CA, with nginx (a master and 2 workers, the pkcs11
# engine) and haproxy (runtime API) serving it, each step's exit status
# checked: order, deploy, expiring, renew (same key), deploy, renew
# --new-key, deploy, delete of the old containers (refused while another
# holds their key), and nothing lost. The token keeps the default
# refresh_interval (300 s): the servers see each renewal at once.
# Usage: lifecycle.sh MODULE TOOL   (OS_* of the test user)
set -euo pipefail
MODULE=$1 TOOL=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
NGINX_PORT=18643 HAPROXY_PORT=18644
stop_all() {
	nginx_stop "$T/nginx"
	haproxy_stop "$T"
	rm -rf "$T"
}
. "$HERE/../consumers/nginx-lib.sh"
. "$HERE/../consumers/haproxy-lib.sh"
trap stop_all EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
run=$RANDOM
name=lc-$run
. "$HERE/tool-lib.sh"
served() { # PORT: serial and public key of the certificate served
	openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
		openssl x509 -noout -serial -pubkey
}
wait_served() { # PORT EXPECTED-SERIAL: within 10 s
	for _ in $(seq 100); do
		served "$1" | grep -q "^serial=$2$" && return 0
		sleep 0.1
	done
	fail "port $1 serves $(served "$1" | head -1), expected serial=$2"
}
newest() { # the newest container's certificate: serial and public key
	tool export-cert --no-chain "pkcs11:object=$name;type=cert" |
		openssl x509 -noout -serial -pubkey
}
newest_uuid() {
	tool list "pkcs11:object=$name;type=cert" | sed -n 's/.*;id=\([^;]*\);.*/\1/p' | tail -1
}

bash "$HERE/../km/token-conf.sh" lifecycle "lc-*" "$T/kmp11.conf"
echo "extractable = yes" >>"$T/kmp11.conf" # haproxy's runtime API takes the key
export KMP11_CONF=$T/kmp11.conf

# Order: a key pair the Key Manager makes, and a certificate for it.
pkcs11-tool --module "$MODULE" --login --pin unused --keypairgen --key-type rsa:2048 \
	--label "$name-key" >"$T/out" 2>&1 || fail "keypairgen: $(cat "$T/out")"
status 0 order --stored-key "pkcs11:object=$name-key;type=private" \
	--subject "CN=$name.example" --label "$name"
first=$(newest_uuid)
status 0 verify "pkcs11:object=$name"
ok "order: a certificate of the Key Manager's CA in a container with its key"
status 0 doctor
for check in "configuration: $T/kmp11.conf (mode 600)" "module: started" \
	"token lifecycle: Keystone: token issued for project" "token lifecycle: listing" \
	"token lifecycle: keys: [0-9]* certificates match their private keys; 0 have none" \
	"token lifecycle: libp11: no Ed25519 key"; do
	grep -q "^ok   $check" "$T/out" || fail "doctor: no 'ok $check' in $(cat "$T/out")"
done
ok "doctor: every check ok"

# Serving: nginx with the key through the engine, haproxy with a
# placeholder until the first deploy.
mkdir -p "$T/nginx"
TOOL=$TOOL nginx_start "$T/nginx" 2 "$NGINX_PORT:$name" || fail "nginx: $(cat "$T/nginx/error.log")"
export OPENSSL_CONF=$T/nginx/openssl.cnf # nginx -t loads the key as nginx does
haproxy_start "$T" "$HAPROXY_PORT" || fail "haproxy did not start"
deploy() {
	status 0 deploy "pkcs11:object=$name;type=cert" --file "$T/nginx/$name.crt" \
		--check "nginx -t -q -c $T/nginx/nginx.conf" \
		--reload "nginx -s reload -c $T/nginx/nginx.conf" \
		--haproxy-socket "$T/admin.sock" --haproxy-crt "$T/site.pem"
	grep -q "^deployed pkcs11:object=$name;type=cert to $T/nginx/$name.crt$" "$T/out" ||
		fail "deploy: $(cat "$T/out")"
	grep -q "^pushed .* to haproxy" "$T/out" || fail "deploy to haproxy: $(cat "$T/out")"
	local serial
	serial=$(newest | sed -n 's/^serial=//p')
	wait_served "$NGINX_PORT" "$serial"
	wait_served "$HAPROXY_PORT" "$serial"
	served "$NGINX_PORT" | cmp -s - <(newest) || fail "nginx serves another key or certificate"
	served "$HAPROXY_PORT" | cmp -s - <(newest) || fail "haproxy serves another key or certificate"
}
deploy
ok "deploy: nginx (2 workers) and haproxy serve the ordered certificate"

# Monitoring: the certificate is reported with its label and uuid.
status 6 expiring --days 36500 -o json "pkcs11:object=$name"
python3 - "$T/out" "$name" "$first" <<'PY' || fail "expiring -o json: $(cat "$T/out")"
import json, sys
certs = json.load(open(sys.argv[1]))
assert [c["label"] for c in certs] == [sys.argv[2]], certs
assert certs[0]["uuid"].replace("-", "") == sys.argv[3].replace("%", "").lower(), certs
assert certs[0]["not_after"].endswith("Z") and certs[0]["seconds_left"] > 0, certs
PY
status 0 expiring --days 0 "pkcs11:object=$name"
ok "expiring -o json reports it (exit 6 within the period, 0 outside)"

# Renewal with the same key, deployed: served at once.
before=$(newest)
status 0 renew "pkcs11:object=$name;type=cert"
second=$(newest_uuid)
[ "$(newest | sed -n 's/^serial=//p')" != "$(echo "$before" | sed -n 's/^serial=//p')" ] ||
	fail "renew: the same certificate"
[ "$(newest | grep -v serial)" = "$(echo "$before" | grep -v serial)" ] || fail "renew: another key"
status 0 verify "pkcs11:object=$name;id=$second"
deploy
ok "renew (same key) + deploy: both servers serve the new certificate with the key"

# Renewal with a new key, deployed.
status 0 renew --new-key "pkcs11:object=$name;type=cert"
third=$(newest_uuid)
[ "$(newest | grep -v serial)" != "$(echo "$before" | grep -v serial)" ] || fail "renew --new-key: the same key"
status 0 verify "pkcs11:object=$name;id=$third"
deploy
ok "renew --new-key + deploy: both servers serve the new certificate and key"

# Deleting the old containers: each is refused while another container
# holds its key; --force keeps the key for the others; the key pair's
# container, last holder of the old key, deletes without --force.
status 1 delete "pkcs11:object=$name;id=$first"
grep -q "its private key is also held by" "$T/out" || fail "delete: $(cat "$T/out")"
status 0 delete --force "pkcs11:object=$name;id=$first"
status 0 verify "pkcs11:object=$name;id=$second"
status 1 delete "pkcs11:object=$name;id=$second"
status 0 delete --force "pkcs11:object=$name;id=$second"
status 0 delete "pkcs11:object=$name-key"
grep -q "^deleted '$name-key'" "$T/out" || fail "delete of the key pair: $(cat "$T/out")"
status 4 delete "pkcs11:object=$name;id=$first"
ok "delete: refused while the key is held elsewhere, --force keeps it, the last holder deletes it"

# Nothing lost: one container of the name, its certificate, key and public
# key, verified, and still served after a reload.
status 0 list "pkcs11:object=$name"
[ "$(grep -c "id=$third;" "$T/out")" = 3 ] || fail "after the deletions: $(cat "$T/out")"
[ "$(grep -c "pkcs11:" "$T/out")" = 3 ] || fail "after the deletions: $(cat "$T/out")"
status 0 verify "pkcs11:object=$name"
deploy
! grep -E "\[(emerg|alert|crit)\]|mismatch" "$T/nginx/error.log" || fail "nginx's error log"
ok "nothing lost: the renewed container alone, verified and served; nginx logged no error"
