#!/bin/bash
# nginx (master + 2, then 4 workers) and haproxy 2.6 serve TLS through
# OpenSSL 3's pkcs11-provider, their keys in kmp11 named by the key files of
# kmp11-tool provider-key: RSA, EC and Ed25519 keys (no libp11 limit here),
# TLS 1.2 and 1.3, on a token that never lets a key out; a renewal with a
# new key reaches each through kmp11-tool deploy --provider-key.
# Skipped, saying why, when no provider can be had (tests/km/build-provider.sh).
# Usage: provider-servers.sh MODULE TOOL SEED_DIR   (OS_* of the test user)
set -euo pipefail
export MODULE=$1 TOOL=$2
SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
. "$HERE/lib.sh"
. "$HERE/nginx-lib.sh"
. "$HERE/haproxy-lib.sh"
stop_all() {
	nginx_stop "$T/nginx"
	haproxy_stop "$T/haproxy"
	haproxy_stop "$T/haproxy-mw"
	rm -rf "$T"
}
trap stop_all EXIT
provider_setup "$T"
# A kmp11.conf only root reads: the workers (nobody), which the provider
# makes call C_Finalize and C_Initialize, adopt what the master set up
# (docs/objects.md, "Fork") and never read it.
bash "$HERE/../km/token-conf.sh" pnx "pnx-*" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
CA=(--cacert "$SEED/ca.pem")
soft() { OPENSSL_CONF=/dev/null openssl "$@"; }
tool() { "$TOOL" --module "$MODULE" "$@"; }

served_key() { # PORT: the public key of the certificate served
	soft s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null | soft x509 -noout -pubkey
}
wait_served() { # PORT CERT: within 10 s
	for _ in $(seq 100); do
		[ "$(served_key "$1")" = "$(soft x509 -in "$2" -noout -pubkey)" ] && return 0
		sleep 0.1
	done
	fail "port $1 does not serve $2: $(served_key "$1")"
}
# The Key Manager requests of nginx's processes: 1 Keystone token, the
# listing's pages and 2 payloads per server (key and certificate) in all,
# made before the workers start; none by a worker, at start or after a
# reload.
requests() { # [PID [WHAT]]
	grep -c "kmp11\[${1:-[0-9]*}\] debug: http: ${2:-}" "$T/nginx/error.log" || true
}
workers_silent() { # LOG PID...: the workers made no request, each adopted its parent's token
	local log=$1 pid
	shift
	for pid in "$@"; do
		! grep -q "kmp11\[$pid\] debug: http" "$log" ||
			fail "worker $pid made Key Manager requests: $(grep "kmp11\[$pid\]" "$log")"
		grep -q "kmp11\[$pid\] info: C_Initialize after C_Finalize in a forked process: the 1 token(s) of the parent adopted" \
			"$log" || fail "worker $pid adopted nothing"
	done
}
nginx_workers_silent() {
	workers_silent "$T/nginx/error.log" \
		$(grep -o "start worker process [0-9]*" "$T/nginx/error.log" | awk '{print $4}')
}
workers_quiet() { # SERVERS
	local total
	nginx_workers_silent
	[ "$(requests "" "POST [^ ]*/auth/tokens")" = 1 ] && [ "$(requests "" "GET [^ ]*/payload")" = $((2 * $1)) ] ||
		fail "Keystone tokens and payloads: $(grep "debug: http" "$T/nginx/error.log")"
}
handshakes() { # PORT N: N verified requests over TLS 1.2, N over 1.3
	local tls n
	for tls in "--tlsv1.2 --tls-max 1.2" "--tlsv1.3"; do
		# shellcheck disable=SC2086
		n=$(nginx_get "$T" "$1" "$2" "${CA[@]}" $tls)
		[ "$n" = "$2" ] || fail "port $1 $tls: $n of $2 requests"
	done
}
# A new key and certificate under LABEL, stored through kmp11 (which marks
# the project changed, so every process lists again at once).
renew() { # LABEL CN
	soft req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$T/new.key" -out "$T/new.csr" 2>/dev/null
	soft x509 -req -in "$T/new.csr" -CA "$SEED/intermediate.pem" -CAkey "$SEED/intermediate-key.pem" \
		-set_serial "0x$(soft rand -hex 8)" -days 3650 -out "$T/$2.pem" \
		-extfile <(printf 'subjectAltName=DNS:%s,IP:127.0.0.1\n' "$2") 2>/dev/null
	tool store --cert "$T/$2.pem" --key "$T/new.key" --chain "$SEED/intermediate.pem" --label "$1" \
		>"$T/out" 2>&1 || fail "store $1: $(cat "$T/out")"
}

for kind in rsa ec ed; do
	/usr/bin/python3 "$HERE/../km/store_cert.py" "$SEED" "pnx-$kind" "$kind" "$kind.pnx.test" >/dev/null
done
tool haproxy-sync "pkcs11:object=pnx-rsa" --socket "$T/none.sock" --crt x >"$T/out" 2>&1 &&
	fail "haproxy-sync took a key out of the token"
grep -q "extractable = yes" "$T/out" || fail "haproxy-sync: $(cat "$T/out")"
ok "the token keeps its keys: haproxy-sync cannot have them"

for workers in 2 4; do
	nginx_stop "$T/nginx"
	rm -rf "$T/nginx"
	mkdir -p "$T/nginx"
	nginx_start "$T/nginx" "$workers" 19810:pnx-rsa 19811:pnx-ec 19812:pnx-ed ||
		fail "nginx with $workers workers did not start: $(tail "$T/nginx/error.log")"
	for port in 19810 19811 19812; do
		handshakes $port 50
	done
	nginx_check_log "$T/nginx"
	workers_quiet 3
	ok "nginx, $workers workers, through the provider: RSA, EC and Ed25519 keys, TLS 1.2 and 1.3; $(requests) Key Manager requests, none by a worker"
done

mkdir -p "$T/haproxy"
tool deploy "pkcs11:object=pnx-ec;type=cert" --file "$T/haproxy/site.pem" \
	--provider-key "$T/haproxy/site.pem" >"$T/out" 2>&1 || fail "deploy for haproxy: $(cat "$T/out")"
OPENSSL_CONF=$T/openssl.cnf haproxy_start "$T/haproxy" 19820 || fail "haproxy did not start"
wait_served 19820 "$SEED/ec.pnx.test.pem"
curl -sS "${CA[@]}" https://127.0.0.1:19820/ | grep -q haproxy || fail "curl to haproxy"
ok "haproxy 2.6 through the provider: the key in kmp11, named in its crt file"

# haproxy in master-worker mode: the master loads the key, its worker
# adopts what it set up (at its first connection, when the provider sees
# the fork) and requests nothing, also after a reload (SIGUSR2: the
# master runs itself anew, loading the key again, and forks a new worker).
haproxy_mw_serves() { # LOADS: once the master has loaded the configuration that often
	local log=$T/haproxy-mw/haproxy.log
	for _ in $(seq 100); do
		[ "$(grep -c "Loading success" "$log")" -ge "$1" ] && break
		sleep 0.1
	done
	wait_served 19821 "$SEED/ed.pnx.test.pem"
	for _ in 1 2 3; do
		curl -sS "${CA[@]}" https://127.0.0.1:19821/ | grep -q haproxy || fail "curl to haproxy -W"
	done
	[ "$(grep -c "debug: http: POST [^ ]*/auth/tokens" "$log")" = "$1" ] ||
		fail "haproxy master-worker: Keystone tokens: $(grep "debug: http" "$log")"
	workers_silent "$log" $(grep -o "New worker ([0-9]*)" "$log" | tr -dc '0-9\n')
}
mkdir -p "$T/haproxy-mw"
tool deploy "pkcs11:object=pnx-ed;type=cert" --file "$T/haproxy-mw/site.pem" \
	--provider-key "$T/haproxy-mw/site.pem" >"$T/out" 2>&1 || fail "deploy for haproxy -W: $(cat "$T/out")"
OPENSSL_CONF=$T/openssl.cnf KMP11_DEBUG=4 haproxy_start "$T/haproxy-mw" 19821 -W ||
	fail "haproxy -W did not start"
haproxy_mw_serves 1
kill -USR2 "$(cat "$T/haproxy-mw/haproxy.pid")"
haproxy_mw_serves 2
ok "haproxy 2.6 in master-worker mode through the provider (Ed25519): its workers make no Key Manager request, at start and after a reload"

# Renewal with a new key: deploy writes the certificate and the key file,
# checks the configuration (which loads the new key) and reloads.
renew pnx-rsa renewed.pnx.test
OPENSSL_CONF=$T/nginx/openssl.cnf tool deploy "pkcs11:object=pnx-rsa;type=cert" \
	--file "$T/nginx/pnx-rsa.crt" --provider-key "$T/nginx/pnx-rsa.key" \
	--check "nginx -t -q -c $T/nginx/nginx.conf" --reload "nginx -s reload -c $T/nginx/nginx.conf" \
	>"$T/out" 2>&1 || fail "deploy to nginx: $(cat "$T/out")"
wait_served 19810 "$T/renewed.pnx.test.pem"
handshakes 19810 20
nginx_check_log "$T/nginx"
nginx_workers_silent
renew pnx-ec renewed-hap.pnx.test
OPENSSL_CONF=$T/openssl.cnf tool deploy "pkcs11:object=pnx-ec;type=cert" \
	--file "$T/haproxy/site.pem" --provider-key "$T/haproxy/site.pem" \
	--check "haproxy -c -q -f $T/haproxy/haproxy.cfg" --reload "$(haproxy_reload_command "$T/haproxy")" \
	>"$T/out" 2>&1 || fail "deploy to haproxy: $(cat "$T/out")"
wait_served 19820 "$T/renewed-hap.pnx.test.pem"
curl -sS "${CA[@]}" https://127.0.0.1:19820/ | grep -q haproxy || fail "curl to haproxy after renewal"
ok "renewal with a new key, deployed: nginx and haproxy serve it at once; nginx's new workers request nothing"
