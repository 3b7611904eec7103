#!/bin/bash
# kmp11-tool's read commands (list, expiring, verify) as monitoring
# scripts run them, against the real Key Manager: exact exit statuses,
# their JSON and Prometheus outputs parsed and compared with the seeded
# certificates, labels that need escaping, and failures (Key Manager
# down, a refused password, typos) reported in seconds with the reason,
# never a crash nor half a document (run under ASan by sanitizers.sh too).
# Usage: tool-monitoring.sh MODULE TOOL SEED_DIR   (OS_* of the test user)
set -euo pipefail
MODULE=$1 TOOL=$2 SEED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run=$RANDOM
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
unset KMP11_CONF # the seeded project, from OS_*

# expect STATUS ARGS...: kmp11-tool exits STATUS, not killed by a signal;
# its stdout in $T/out, its stderr in $T/err, its time in $took seconds.
expect() {
	local want=$1 got=0 start=$SECONDS
	shift
	"$TOOL" --module "$MODULE" "$@" >"$T/out" 2>"$T/err" || got=$?
	took=$((SECONDS - start))
	[ "$got" -lt 128 ] || fail "kmp11-tool $*: killed by signal $((got - 128)): $(cat "$T/err")"
	[ "$got" = "$want" ] || fail "kmp11-tool $*: exit $got, expected $want: $(cat "$T/err")"
}
# says PATTERN: stderr has it.
says() { grep -q -- "$1" "$T/err" || fail "no '$1' in stderr: $(cat "$T/err")"; }
# holds WHAT PYTHON: the Python expression, over d (the JSON on stdout) and
# the variables given as name=value arguments, is true.
holds() {
	local what=$1 expr=$2
	shift 2
	python3 - "$T/out" "$expr" "$@" <<'PY' || fail "$what: $(head -c 2000 "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
env = dict(a.split("=", 1) for a in sys.argv[3:])
sys.exit(0 if eval("(" + sys.argv[2] + ")", {"d": d, **env}) else 1)
PY
}

# What the seeded rsa-www certificate is, from its file and the manifest.
enddate=$(openssl x509 -enddate -noout -in "$SEED/rsa-www.pem" | cut -d= -f2)
iso=$(date -u -d "$enddate" +%Y-%m-%dT%H:%M:%SZ)
epoch=$(date -u -d "$enddate" +%s)
uuid=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["containers"]["rsa-www"].rsplit("/", 1)[1])' "$SEED/manifest.json")
mid=$(openssl x509 -in "$SEED/intermediate.pem" -outform DER | sha256sum | cut -d' ' -f1)

expect 0 list
grep -q "^  cert .*expires ${iso:0:10} .*object=rsa-www;type=cert$" "$T/out" || fail "list: $(cat "$T/out")"
expect 0 list -o json
holds "list -o json, rsa-www" '[(o["class"], o["id"], o["not_after"], o["category"], o["subject"])
	for o in d if o["uuid"] == uuid and o["class"] == "cert"]
	== [("cert", uuid.replace("-", ""), iso, 1, "CN = rsa.example.test")]' uuid="$uuid" iso="$iso"
holds "list -o json, rsa-www key" 'any(o["class"] == "private" and o["label"] == "rsa-www"
	and o["uuid"] == uuid and "subject" not in o
	and o["uri"].endswith("object=rsa-www;type=private") for o in d)' uuid="$uuid"
holds "list -o json, intermediate" 'all(o["category"] == 2 and o["uuid"] is None
	for o in d if o.get("sha256") == mid)' mid="$mid"
expect 4 list "pkcs11:object=rsa-wwww"
[ "$(cat "$T/err")" = "kmp11-tool: no object matches pkcs11:object=rsa-wwww" ] ||
	fail "list, no match: $(cat "$T/err")"
expect 4 list -o json "pkcs11:object=rsa-wwww"
holds "list -o json, no match" 'd == []'
expect 4 list "pkcs11:token=no-such-token"
ok "list: text and JSON (uuid, id, not_after, category); a label that matches nothing exits 4 and says so"

expect 6 expiring --days 100000 -o json
holds "expiring -o json, seeded" '{"rsa-www", "ec-www", "ed-www", "der-cert", "enc-key", "mismatch",
	"renewed"} <= {c["label"] for c in d}'
holds "expiring -o json, rsa-www" '[(c["not_after"], c["expired"], abs(int(epoch) - int(now) - c["seconds_left"]) < 60)
	for c in d if c["uuid"] == uuid] == [(iso, False, True)]' uuid="$uuid" iso="$iso" epoch="$epoch" now="$(date +%s)"
holds "expiring -o json, the intermediate once" '[c["sha256"] for c in d].count(mid) == 1' mid="$mid"
holds "expiring -o json, each once" 'len({(c["sha256"], c["uuid"]) for c in d}) == len(d)'
expect 6 expiring --days 100000 "pkcs11:object=rsa-www"
IFS=$'\t' read -r when state label uri subject <"$T/out"
[ "$when $state $label $subject" = "$iso expires-in=$(((epoch - $(date +%s)) / 86400))d rsa-www CN = rsa.example.test" ] &&
	[[ $uri == pkcs11:*object=rsa-www\;type=cert ]] || fail "expiring, text: $(cat "$T/out")"
ok "expiring: every seeded certificate, not_after as openssl says, intermediates once; text fields tab-separated"

metric=kmp11_certificate_not_after_seconds
expect 0 expiring -o prometheus
grep -qx "# TYPE $metric gauge" "$T/out" || fail "prometheus: no TYPE: $(head -3 "$T/out")"
bad=$(grep -v '^#' "$T/out" | grep -Ev "^$metric\{token=\"[^\"]*\",label=\"([^\"\\]|\\\\.)*\",uuid=\"[-0-9a-f]*\",sha256=\"[0-9a-f]{64}\"\} [0-9]+$" || true)
[ -z "$bad" ] || fail "prometheus, malformed: $bad"
[ "$(grep -F "uuid=\"$uuid\"" "$T/out" | awk '{print $NF}')" = "$epoch" ] ||
	fail "prometheus, rsa-www: $(grep -F "$uuid" "$T/out")"
[ "$(grep -c "sha256=\"$mid\"" "$T/out")" = 1 ] || fail "prometheus: the intermediate not once"
[ -z "$(grep -v '^#' "$T/out" | sed 's/ [0-9]*$//' | sort | uniq -d)" ] || fail "prometheus: a series twice"
expect 6 expiring -o prometheus --days 100000 "pkcs11:object=rsa-www"
[ "$(grep -vc '^#' "$T/out")" = 1 ] || fail "prometheus by URI: $(cat "$T/out")"
ok "expiring -o prometheus: every certificate once, not_after as openssl says; --days optional, 6 within it"

expect 0 expiring --days 0 "pkcs11:object=rsa-www"
[ ! -s "$T/out" ] || fail "expiring --days 0: $(cat "$T/out")"
expect 0 expiring --days 0 -o json "pkcs11:type=cert;object=ec-www"
holds "expiring --days 0 -o json" 'd == []'
# Over the whole project: what other tests left may have expired.
got=0
"$TOOL" --module "$MODULE" expiring --days 0 -o json >"$T/out" 2>"$T/err" || got=$?
holds "expiring --days 0, status $got" '(got == "6") == (d != []) and all(c["expired"]
	and c["seconds_left"] <= 0 and c["label"] not in ("rsa-www", "ec-www") for c in d)' got="$got"
expect 4 expiring --days 30 "pkcs11:object=ww"
says "no certificate matches pkcs11:object=ww"
expect 4 expiring -o prometheus "pkcs11:object=ww"
ok "expiring --days 0: 0 and nothing when nothing has expired; a typo exits 4"

expect 0 verify -o json "pkcs11:object=rsa-www"
holds "verify -o json" '[(c["label"], c["uuid"], c["ok"], c["reason"]) for c in d]
	== [("rsa-www", uuid, True, None)]' uuid="$uuid"
expect 1 verify -o json "pkcs11:object=mismatch"
holds "verify -o json, mismatch" '[(c["ok"], c["reason"]) for c in d]
	== [(False, "the private key does not match the certificate")]'
expect 4 verify -o json "pkcs11:object=nothing-here"
holds "verify -o json, no match" 'd == []'
says "no certificate matches pkcs11:object=nothing-here"
ok "verify -o json: ok and reason per certificate; 1 when one fails, 4 when none matches"

# Certificates of our own, on a token of their own: one expired, one
# expiring in half an hour, and labels that need escaping in every format.
cert() { # NAME MINUTES-LEFT
	/usr/bin/python3 - "$T/$1" "$2" <<'PY'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.utcnow()
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "monitoring.example")])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=2))
        .not_valid_after(now + datetime.timedelta(minutes=int(sys.argv[2])))
        .sign(key, hashes.SHA256()))
open(sys.argv[1] + ".pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(sys.argv[1] + ".key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
PY
}
bash "$HERE/../km/token-conf.sh" monitoring "tm-$run-*" "$T/kmp11.conf"
export KMP11_CONF=$T/kmp11.conf
cleanup() { # deletes the containers this test stored, by their ids
	KMP11_CONF=$T/kmp11.conf "$TOOL" --module "$MODULE" list -o json "pkcs11:type=cert" 2>/dev/null |
		python3 -c 'import json, sys
for o in json.load(sys.stdin):
    if o["label"].startswith("tm-%s-" % sys.argv[1]):
        print("pkcs11:type=cert;id=" + "".join("%" + o["id"][i:i + 2] for i in range(0, len(o["id"]), 2)))' \
			"$run" | while read -r uri; do
		KMP11_CONF=$T/kmp11.conf "$TOOL" --module "$MODULE" delete --force "$uri" >/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
odd=$(printf 'tm-%s-a"b\\c\té\nz' "$run")
cert expired -60
cert soon 30
cert odd 600000
expect 0 store --cert "$T/expired.pem" --key "$T/expired.key" --label "tm-$run-expired"
expect 0 store --cert "$T/soon.pem" --key "$T/soon.key" --label "tm-$run-soon"
expect 0 store --cert "$T/odd.pem" --key "$T/odd.key" --label "$odd"
expect 0 list -o json
holds "list -o json, escaped label" 'sorted(o["label"] for o in d if o["class"] == "cert")
	== sorted([odd, "tm-" + run + "-expired", "tm-" + run + "-soon"])' odd="$odd" run="$run"

expect 6 expiring --days 0
IFS=$'\t' read -r when state label uri subject <"$T/out"
[ "$state $label $(wc -l <"$T/out")" = "expired tm-$run-expired 1" ] || fail "expiring --days 0: $(cat "$T/out")"
expect 6 expiring --days 1
grep -q $'\texpires-in=[23][0-9]m\ttm-'"$run"$'-soon\t' "$T/out" || fail "expiring in minutes: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" = 2 ] || fail "expiring --days 1: $(cat "$T/out")"
expect 6 expiring --days 1 -o json
holds "expiring -o json, expired and soon" 'sorted((c["label"].split("-")[-1], c["expired"],
	c["seconds_left"] <= 0, 0 < c["seconds_left"] <= 1800) for c in d)
	== [("expired", True, True, False), ("soon", False, False, True)]'
expect 6 expiring --days 100000
grep -q $'\ttm-'"$run"$'-a"b\\\\c?é?z\tpkcs11:' "$T/out" || fail "text, control characters: $(cat -A "$T/out")"
expect 0 expiring -o prometheus
grep -qF "label=\"tm-$run-a\\\"b\\\\c"$'\t'"é\\nz\"" "$T/out" || fail "prometheus, escaping: $(cat "$T/out")"
[ "$(grep -vc '^#' "$T/out")" = 3 ] || fail "prometheus on our token: $(cat "$T/out")"
expect 0 verify -o json "pkcs11:"
holds "verify -o json, our token" 'len(d) == 3 and all(c["ok"] for c in d)'
ok "our certificates: expired, in 30 minutes (expires-in=…m), a label with quote, backslash, tab, UTF-8, newline"
unset KMP11_CONF

# The Key Manager down or refusing: 5 within seconds, the module's reason
# on stderr, nothing on stdout.
for args in "list" "list -o json" "expiring --days 30" "expiring -o prometheus" \
	"expiring --days 3 -o json pkcs11:object=rsa-www" "verify pkcs11:object=rsa-www" \
	"verify -o json pkcs11:object=rsa-www"; do
	# shellcheck disable=SC2086
	OS_AUTH_URL=http://127.0.0.1:1/v3 expect 5 $args
	says "Failed to connect"
	[ ! -s "$T/out" ] && [ "$took" -lt 10 ] || fail "$args, Keystone down: $took s, printed $(cat "$T/out")"
	# shellcheck disable=SC2086
	OS_PASSWORD=wrong expect 5 $args
	says "401"
	[ ! -s "$T/out" ] && [ "$took" -lt 10 ] || fail "$args, password refused: $took s, printed $(cat "$T/out")"
done
ok "Keystone down or refusing the password: exit 5 in seconds, the reason on stderr, stdout empty"

# The Key Manager lists but does not give payloads (down between the
# listing and the fetch, its secret store failing): what could not be
# read was not checked, so 5 and no output, never 0 with nothing
# expiring nor 1 as if a key did not match.
. "$HERE/tool-lib.sh"
bash "$HERE/../km/token-conf.sh" seeded "*" "$T/seeded.conf"
km_proxy "$T/seeded.conf" "$T/nopayload.conf" "/payload=503"
for args in "expiring --days 100000" "expiring --days 0 -o json" "expiring -o prometheus" \
	"list -o json pkcs11:type=cert" "verify pkcs11:object=rsa-www" "verify -o json pkcs11:object=rsa-www"; do
	# shellcheck disable=SC2086
	KMP11_CONF=$T/nopayload.conf expect 5 $args
	says "the Key Manager failed while objects were read"
	says "payload: HTTP 503"
	[ ! -s "$T/out" ] || fail "$args, payloads failing: printed $(cat "$T/out")"
done
km_proxy_stop
# Only rsa-www's private key fails: its certificate is read, the
# signature cannot be made.
key=$(PYTHONPATH=$HERE/../km /usr/bin/python3 -c 'import kmrest, sys
c = kmrest.get("%s/containers/%s" % (kmrest.KM, sys.argv[1]))
print([r["secret_ref"].rsplit("/", 1)[1] for r in c["secret_refs"] if r["name"] == "private_key"][0])' "$uuid")
km_proxy "$T/seeded.conf" "$T/nokey.conf" "$key/payload=503"
KMP11_CONF=$T/nokey.conf expect 5 verify -o json "pkcs11:object=rsa-www"
says "'rsa-www': the token cannot sign with the private key: "
[ ! -s "$T/out" ] || fail "verify, key failing: printed $(cat "$T/out")"
KMP11_CONF=$T/nokey.conf expect 1 verify "pkcs11:object=mismatch"
km_proxy_stop
ok "payloads the Key Manager does not give: list, expiring, verify exit 5 (not 0, not 1) with no output, the HTTP status on stderr"

expect 2 list --jsn
expect 2 expiring --dayz 3
expect 2 verify --outptu json "pkcs11:"
expect 2 list -o yaml
says "list: -o yaml: the formats are text, json"
expect 2 expiring --days 3 -o csv
says "the formats are text, json, prometheus"
expect 2 verify -o prometheus "pkcs11:"
expect 2 expiring --days x
says "not a number of days"
expect 2 expiring
says "--days N is required"
expect 2 verify
expect 2 list "pkcs11:" "pkcs11:"
expect 2 list "http://not-a-pkcs11-uri"
says "http://not-a-pkcs11-uri"
expect 2 expiring --days 3 "pkcs11:object=%zz"
says "pkcs11:object=%zz"
expect 2 verify -o json "pkcs11:id=%G1"
[ ! -s "$T/out" ] || fail "verify, bad URI: printed $(cat "$T/out")"
for cmd in list expiring verify; do
	expect 0 "$cmd" --help
	grep -q "^usage: kmp11-tool $cmd .*-o text|json" "$T/out" || fail "$cmd --help: $(cat "$T/out")"
done
ok "typos: an unknown option, a bad -o or --days, a malformed URI exit 2 and say which"
