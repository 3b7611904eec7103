#!/bin/bash
# nginx (master + 2, then 4 workers) serves TLS 1.2 and 1.3 with RSA and EC
# keys from kmp11 through the OpenSSL pkcs11 engine; a renewed container is
# served after a reload; the workers fetch no key of their own.
# Usage: nginx.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
export MODULE=$1 TOOL=$2
SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/nginx-lib.sh"
T=$(mktemp -d)
trap 'nginx_stop "$T/nginx"; rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	tail -20 "$T/nginx/error.log" >&2 || true
	exit 1
}
ok() { echo "ok - $*"; }

# Containers of its own (the renewal below must not change the seed's);
# the token shows them only, and no EdDSA key: libp11 0.4.12 stops its
# key search at the first one (README, Known limits).
for kind in rsa ec; do
	/usr/bin/python3 "$HERE/../km/store_cert.py" "$SEED" "nginx-$kind" "$kind" \
		"$kind.nginx.test" >/dev/null
done
REFRESH=2
bash "$HERE/../km/token-conf.sh" web "nginx-*" "$T/kmp11.conf"
echo "refresh_interval = $REFRESH" >>"$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
# A write through kmp11 marks the project changed (/run/kmp11): the
# workers, which run as another user than the master, must not take that
# for a change since the master's listing.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=nginx-mark \
	-keyout "$T/mark.key" -out "$T/mark.pem" -days 1 2>/dev/null
"$TOOL" --module "$MODULE" store --cert "$T/mark.pem" --key "$T/mark.key" --label nginx-mark >/dev/null
"$TOOL" --module "$MODULE" delete "pkcs11:object=nginx-mark" >/dev/null
CA=(--cacert "$SEED/ca.pem")

served_subject() { # PORT
	openssl s_client -connect "127.0.0.1:$1" -CAfile "$SEED/ca.pem" </dev/null 2>/dev/null |
		openssl x509 -noout -subject
}

check_log() { nginx_check_log "$T/nginx" "$@"; } # [what may be said: a regex]

for workers in 2 4; do
	nginx_stop "$T/nginx"
	rm -rf "$T/nginx"
	mkdir -p "$T/nginx"
	started=$(date +%s)
	nginx_start "$T/nginx" "$workers" 18443:nginx-rsa 18444:nginx-ec ||
		fail "nginx with $workers workers did not start"
	for port in 18443 18444; do
		for tls in "--tlsv1.2 --tls-max 1.2" "--tlsv1.3"; do
			# shellcheck disable=SC2086
			n=$(nginx_get "$T/nginx" $port 200 "${CA[@]}" $tls)
			[ "$n" = 200 ] || fail "port $port $tls, $workers workers: $n of 200 requests"
		done
	done
	check_log
	ok "nginx, $workers workers: RSA and EC keys, TLS 1.2 and 1.3, 800 handshakes"
done

# The key was fetched once, by the process that loaded the configuration;
# the workers use it without a payload request of their own (they run as
# another user than the master, who marked the project changed when the
# test stored its containers). A worker lists again at most once per
# refresh_interval, at a key's use, so that it sees revocation
# (docs/security.md); never at each handshake.
elapsed=$(($(date +%s) - started))
workers=$(grep -o "start worker process [0-9]*" "$T/nginx/error.log" | awk '{print $4}')
for pid in $workers; do
	! grep -q "kmp11\[$pid\] debug: http: GET .*/payload" "$T/nginx/error.log" ||
		fail "worker $pid fetched a payload: $(grep "kmp11\[$pid\] debug: http: GET .*/payload" "$T/nginx/error.log")"
	listings=$(grep -c "kmp11\[$pid\] debug: http: GET .*/containers?" "$T/nginx/error.log" || true)
	[ "$listings" -le $((elapsed / REFRESH + 1)) ] ||
		fail "worker $pid listed $listings times in $elapsed s (refresh_interval $REFRESH)"
done
payloads=$(grep -c "debug: http: GET .*/payload" "$T/nginx/error.log" || true)
[ "$payloads" = 4 ] || fail "$payloads payload requests, expected 4 (2 keys, 2 certificates)"
ok "workers fetch no payload: 4 payload requests in all; they list at most once per refresh_interval"

# Renewal: a new container under the same name, then a reload.
/usr/bin/python3 "$HERE/../km/store_cert.py" "$SEED" nginx-rsa rsa renewed-rsa.example.test >/dev/null
sleep $((REFRESH + 1))
nginx_reload "$T/nginx" || fail "reload"
case "$(served_subject 18443)" in
*renewed-rsa.example.test*) ;;
*) fail "after reload nginx serves $(served_subject 18443)" ;;
esac
n=$(nginx_get "$T/nginx" 18443 200 "${CA[@]}")
[ "$n" = 200 ] || fail "after reload: $n of 200 requests"
check_log
ok "reload (HUP) serves the renewed certificate and its key"

# A Key Manager outage: nginx keeps serving with the key it holds, and
# after the Key Manager is back.
KM=$(dirname "$SEED")
/usr/bin/python3 "$HERE/../km/keymanager.py" stop-barbican "$KM"
n=$(nginx_get "$T/nginx" 18443 100 "${CA[@]}") || true
/usr/bin/python3 "$HERE/../km/keymanager.py" start-barbican "$KM" >/dev/null
[ "$n" = 100 ] || fail "during the Key Manager outage: $n of 100 requests"
n=$(nginx_get "$T/nginx" 18443 100 "${CA[@]}")
[ "$n" = 100 ] || fail "after the Key Manager outage: $n of 100 requests"
# A worker's check of the containers it uses (or its listing) during the
# outage says so; nothing else may.
check_log "kmp11\[[0-9]+\] error: GET [^ ]*/v1/containers[?/][^ ]*: Failed to connect to 127.0.0.1"
ok "nginx serves through a Key Manager outage and after it"
