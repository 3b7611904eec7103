#!/bin/bash
# Every kmp11-tool command as a script meets it when things go wrong:
# Keystone down, Keystone refusing the password, a typo in a label, a bad
# option. Each must exit with its documented status within 12 s (the
# 10 s request timeout of the tools, and some), say why on
# stderr, and never crash (run under ASan by sanitizers.sh too).
# (list, expiring and verify: tool-monitoring.sh.)
# Usage: tool-failures.sh MODULE TOOL   (OS_* of the test user)
set -euo pipefail
MODULE=$1 TOOL=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
bash "$HERE/../km/token-conf.sh" failures "tf-*" "$T/kmp11.conf"
echo "extractable = yes" >>"$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
# expect STATUS PATTERN COMMAND...: exit status, a line of stderr, in time.
expect() {
	local want=$1 pattern=$2 got=0 start
	shift 2
	start=$(date +%s)
	"$TOOL" --module "$MODULE" "$@" >"$T/out" 2>"$T/err" || got=$?
	[ "$got" = "$want" ] || fail "kmp11-tool $*: exit $got, expected $want: $(cat "$T/err")"
	# doctor reports on stdout what the others say on stderr.
	cat "$T/err" "$T/out" | grep -q -- "$pattern" ||
		fail "kmp11-tool $*: no '$pattern' in: $(cat "$T/err" "$T/out")"
	[ $(($(date +%s) - start)) -le 12 ] || fail "kmp11-tool $*: took over 12 s"
}

# What the commands work on: a stored certificate and key, a CSR.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=tf-www \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 30 2>/dev/null
openssl req -new -key "$T/key.pem" -subj /CN=tf-www -out "$T/req.csr" 2>/dev/null
"$TOOL" --module "$MODULE" store --cert "$T/cert.pem" --key "$T/key.pem" --label "tf-www" >/dev/null

URI="pkcs11:object=tf-www;type=cert"
commands() { # one command per line: NAME ARGS (tab-free)
	cat <<EOF
export-cert $URI -o $T/x.pem
haproxy-sync $URI --socket $T/none.sock --crt $T/x.pem
deploy $URI --file $T/x.pem
provider-key $URI -o $T/x.key
store --cert $T/cert.pem --key $T/key.pem --label tf-again
order --csr $T/req.csr --label tf-order --wait 5
orders
renew $URI --wait 5
delete pkcs11:object=tf-www
doctor
EOF
}

# Keystone down, and refusing the password, in the config file.
sed "s|^auth_url = .*|auth_url = http://127.0.0.1:1/v3|" "$T/kmp11.conf" >"$T/down.conf"
sed "s|^password = .*|password = wrong|" "$T/kmp11.conf" >"$T/refused.conf"
while read -r cmd args; do
	KMP11_CONF=$T/down.conf expect 5 "cannot be reached: check OS_AUTH_URL" $cmd $args
	KMP11_CONF=$T/refused.conf expect 5 "refused the credentials of user '$OS_USERNAME'" $cmd $args
	expect 2 "" $cmd $args --no-such-option
done < <(commands)
ok "every command: Keystone down and a refused password exit 5 in seconds with the reason, a bad option exits 2"

# The same from the OS_* environment (no config file), and configs that
# are wrong.
KMP11_CONF= OS_AUTH_URL=http://127.0.0.1:1/v3 expect 5 "cannot be reached" export-cert "$URI"
KMP11_CONF= OS_PASSWORD=wrong expect 5 "check OS_PASSWORD" renew "$URI"
printf '[token]\nrefresh_intervall = 3\n' >"$T/typo.conf"
KMP11_CONF=$T/typo.conf expect 1 "typo.conf:2: unknown key 'refresh_intervall'" orders
KMP11_CONF=$T/missing.conf expect 1 "missing.conf: No such file or directory" delete "$URI"
KMP11_CONF= OS_AUTH_URL= expect 1 "no auth_url (OS_AUTH_URL)" export-cert "$URI"
ok "OS_* with Keystone down or a wrong password, a typo'd config key, a missing file, no OS_AUTH_URL: each says which"

# A Keystone that takes the connection and never answers: the tools'
# request timeout (10 s, --timeout) bounds the wait, and says so.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$T/port" &
MUTE=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
mute="http://127.0.0.1:$(cat "$T/port")/v3"
start=$(date +%s)
KMP11_CONF= OS_AUTH_URL=$mute expect 5 "timed out" --timeout 2 orders
[ $(($(date +%s) - start)) -le 4 ] || fail "--timeout 2 took $(($(date +%s) - start)) s"
KMP11_CONF= OS_AUTH_URL=$mute expect 5 "cannot be reached" export-cert "$URI"
kill "$MUTE"
ok "a Keystone that never answers: reported as timed out after --timeout (2 s), or the 10 s default"

# doctor on the whole seeded project: the container whose key is not its
# certificate's fails, and the Ed25519 key meets Debian 12's libp11.
KMP11_CONF= expect 1 "" doctor
grep -q "^FAIL token .*: keys: 'mismatch': the private key does not match the certificate; fix: " "$T/out" ||
	fail "doctor, mismatch: $(cat "$T/out")"
grep -q "^warn token .*: libp11: libp11 0.4.12.* finds no private key on a token with an Ed25519 key.*fix: set 'key_types = rsa, ec'" "$T/out" ||
	fail "doctor, Ed25519: $(cat "$T/out")"
ok "doctor: a key that is not its certificate's fails, the libp11 limit warns"

# Typos in what to act on: exit 4, saying what did not match.
typo="pkcs11:object=tf-wwww;type=cert"
expect 4 "no certificate matches" export-cert "$typo" -o "$T/x.pem"
expect 4 "no certificate matches" haproxy-sync "$typo" --socket "$T/none.sock" --crt x
expect 4 "no certificate matches" deploy "$typo" --file "$T/x.pem"
expect 4 "no private key matches" provider-key "$typo" -o "$T/x.key"
expect 4 "no certificate matches" renew "$typo"
expect 4 "no object matches" delete "pkcs11:object=tf-wwww"
expect 4 "no private key" order --stored-key "pkcs11:object=tf-wwww" --subject CN=x
expect 4 "no token matches" orders "pkcs11:token=no-such-token"
expect 2 "not 1 to 3600 seconds" --timeout 0 orders
expect 2 "unknown command" lsit
expect 2 "usage: delete" delete
expect 2 "names no object" delete "pkcs11:"
expect 2 "" deploy "$URI"
expect 2 "" deploy "$URI" --provider-key "$T/x.key"
expect 2 "one URI or label expected" provider-key
expect 2 "" renew "$URI" --wait soon
# A label with a newline and a tab is said on one line.
expect 4 "no private key matches no such label$" provider-key $'no\nsuch\tlabel' -o "$T/x.key"
[ "$(wc -l <"$T/err")" = 1 ] || fail "a label's newline split the message: $(cat "$T/err")"
ok "typos: a label that matches nothing exits 4 and says so, on one line; bad usage exits 2"

# A configuration that defines no token (and no OS_* to fall back on):
# exit 1 naming the file, not "no token matches" as for a typo.
printf '[global]\nlog_level = warning\n' >"$T/none.conf"
for cmd in list orders "expiring --days 30" "verify pkcs11:object=tf-www"; do
	got=0
	env -i PATH="$PATH" KMP11_CONF="$T/none.conf" "$TOOL" --module "$MODULE" $cmd \
		>"$T/out" 2>"$T/err" || got=$?
	[ "$got" = 1 ] && grep -q "no token is configured: $T/none.conf defines none" "$T/err" ||
		fail "$cmd with no token: exit $got: $(cat "$T/err")"
done
ok "a configuration with no token: exit 1, naming the file"

# Standard output that cannot be written (a full disk; a closed pipe
# when SIGPIPE is ignored, as under systemd): exit 1, never 0 with the
# certificate lost.
for args in "export-cert $URI" "provider-key $URI" "orders" "delete --dry-run $URI" \
	"list $URI" "expiring --days 100000 $URI" "doctor" "--help" "list --help"; do
	got=0
	"$TOOL" --module "$MODULE" $args >/dev/full 2>"$T/err" || got=$?
	[ "$got" = 1 ] && grep -q "cannot write the output" "$T/err" ||
		fail "kmp11-tool $args >/dev/full: exit $got: $(cat "$T/err")"
done
(trap '' PIPE; got=0; "$TOOL" --module "$MODULE" export-cert "$URI" 2>"$T/err" || got=$?
	echo "exit $got" >"$T/status") |
	(exec 0<&-; sleep 1)
grep -q "^exit 1$" "$T/status" && grep -q "cannot write the output: Broken pipe" "$T/err" ||
	fail "export-cert into a closed pipe: $(cat "$T/status" "$T/err")"
ok "stdout that cannot be written (/dev/full, a closed pipe with SIGPIPE ignored): exit 1 and said"

# The file deploy writes is never half-written nor lost: a failing check
# puts the previous one back.
echo previous >"$T/site.crt"
expect 1 "is back as it was" deploy "$URI" --file "$T/site.crt" --check false --reload "touch $T/reloaded"
[ "$(cat "$T/site.crt")" = previous ] || fail "deploy: the previous file is not back"
[ ! -e "$T/reloaded" ] || fail "deploy: reloaded after a failed check"
expect 1 "the reload command failed (exit 3)" deploy "$URI" --file "$T/site.crt" --reload "exit 3"
grep -q "BEGIN CERTIFICATE" "$T/site.crt" || fail "deploy: the certificate was not written"
# Both files of the provider route come back, the key file too.
echo previous-key >"$T/site.key"
expect 1 "site.key is back as it was" deploy "$URI" --file "$T/site.crt" --provider-key "$T/site.key" \
	--check false
[ "$(cat "$T/site.key")" = previous-key ] || fail "deploy: the previous key file is not back"
grep -q "BEGIN CERTIFICATE" "$T/site.crt" || fail "deploy: the certificate file is not back"
expect 0 "deployed the key of $URI to $T/site.key" deploy "$URI" --file "$T/site.crt" \
	--provider-key "$T/site.key" --check "grep -q 'PKCS#11 PROVIDER URI' $T/site.key"
expect 0 "deployed" deploy "$URI" --file "$T/site.crt" --provider-key "$T/site.crt"
[ "$(grep -c "^-----BEGIN" "$T/site.crt")" = 2 ] && tail -1 "$T/site.crt" | grep -q "END PKCS#11 PROVIDER URI" ||
	fail "deploy --provider-key into the certificate file: $(cat "$T/site.crt")"
ok "deploy: a failed check restores the previous files (with --provider-key too) and skips the reload; a failed reload exits 1"

# The Key Manager lists but does not give payloads: what needs one says
# the Key Manager failed (5), never "no certificate matches" (4), a
# mismatch (1) or "ok"; the files in place stay.
. "$HERE/tool-lib.sh"
km_proxy "$T/kmp11.conf" "$T/nopayload.conf" "/payload=503"
cp "$T/site.crt" "$T/site.before"
KMP11_CONF=$T/nopayload.conf expect 5 "the Key Manager failed while objects were read" \
	export-cert "$URI" -o "$T/site.crt"
KMP11_CONF=$T/nopayload.conf expect 5 "payload: HTTP 503" deploy "$URI" --file "$T/site.crt" \
	--reload "touch $T/reloaded"
cmp -s "$T/site.crt" "$T/site.before" && [ ! -e "$T/reloaded" ] || fail "deploy changed the file, or reloaded"
KMP11_CONF=$T/nopayload.conf expect 5 "the Key Manager failed" renew "$URI" --wait 5
KMP11_CONF=$T/nopayload.conf expect 5 "^FAIL token failures: keys: 'tf-www': not checked: the Key Manager failed" doctor
grep -q "^ok .*: keys: " "$T/out" && fail "doctor says ok: $(cat "$T/out")"
KMP11_CONF=$T/nopayload.conf expect 5 "the Key Manager failed" haproxy-sync "$URI" \
	--socket "$T/none.sock" --crt x
km_proxy_stop
ok "payloads the Key Manager does not give: export-cert, deploy, renew, doctor, haproxy-sync exit 5 and say so; deploy keeps the file"
"$TOOL" --module "$MODULE" delete --force "pkcs11:object=tf-www" >/dev/null
