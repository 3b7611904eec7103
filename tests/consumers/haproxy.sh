#!/bin/bash
# haproxy 2.6 (no engine support) serves a Key Manager certificate pushed by
# kmp11-tool haproxy-sync over its runtime API; a renewal is pushed by the
# watch loop; a token without 'extractable = yes' refuses.
# Usage: haproxy.sh MODULE TOOL SEED_DIR   (OS_* of the test user in the env)
set -euo pipefail
MODULE=$1 TOOL=$2 SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
PORT=18543
. "$HERE/haproxy-lib.sh"
stop_all() {
	[ -z "${WATCH:-}" ] || kill "$WATCH" 2>/dev/null || true
	haproxy_stop "$T"
	rm -rf "$T"
}
trap stop_all EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
served_subject() {
	openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null |
		openssl x509 -noout -subject
}

# haproxy starts with a self-signed placeholder: the key is never on disk.
haproxy_start "$T" "$PORT" || fail "haproxy did not start"
case "$(served_subject)" in *placeholder*) ;; *) fail "haproxy did not start" ;; esac

sync() { "$TOOL" --module "$MODULE" haproxy-sync "$@" --socket "$T/admin.sock" --crt "$T/site.pem"; }

# A container of its own, renewed below.
/usr/bin/python3 "$HERE/../km/store_cert.py" "$SEED" hap-www rsa hap.example.test >/dev/null

# Without extraction allowed, nothing leaves the module.
bash "$HERE/../km/token-conf.sh" hap "hap-*" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
sync "pkcs11:object=hap-www" >"$T/out" 2>&1 && fail "synced from a token that does not allow extraction"
grep -q "extractable = yes" "$T/out" || fail "refusal does not say why: $(cat "$T/out")"
ok "haproxy-sync refuses a token without 'extractable = yes'"

REFRESH=2
printf 'extractable = yes\nrefresh_interval = %s\n' "$REFRESH" >>"$T/kmp11.conf"
sync "pkcs11:object=hap-www" >"$T/out" 2>&1 || fail "haproxy-sync: $(cat "$T/out")"
curl -sS --cacert "$SEED/ca.pem" "https://127.0.0.1:$PORT/" | grep -q haproxy ||
	fail "curl does not verify the pushed certificate"
case "$(served_subject)" in *hap.example.test*) ;; *) fail "served: $(served_subject)" ;; esac
ok "haproxy serves the Key Manager's certificate, chain and key; curl verifies it"

# The watch loop pushes a renewed container under the same name.
"$TOOL" --module "$MODULE" haproxy-sync "pkcs11:object=hap-www" --watch 1 \
	--socket "$T/admin.sock" --crt "$T/site.pem" >"$T/watch.log" 2>&1 &
WATCH=$!
sleep 1
/usr/bin/python3 "$HERE/../km/store_cert.py" "$SEED" hap-www ec renewed-hap.example.test >/dev/null
for _ in $(seq 100); do
	case "$(served_subject)" in *renewed-hap*) break ;; esac
	sleep 0.2
done
case "$(served_subject)" in *renewed-hap*) ;; *) fail "renewal not pushed: $(cat "$T/watch.log")" ;; esac
curl -sS --cacert "$SEED/ca.pem" "https://127.0.0.1:$PORT/" | grep -q haproxy ||
	fail "curl after renewal"
[ "$(grep -c "^pushed" "$T/watch.log")" = 2 ] || fail "watch: $(cat "$T/watch.log")"
kill "$WATCH"
wait "$WATCH" || fail "watch loop exited with an error: $(cat "$T/watch.log")"
WATCH=
ok "haproxy-sync --watch pushes the renewed container (RSA to EC) once"
