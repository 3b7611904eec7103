#!/bin/bash
# The systemd units as make install puts them: systemd-analyze verify
# accepts them, and kmp11-renew.service's command line, run with its
# Environment= defaults and an env file the way systemd expands them,
# renews a certificate that expires within KMP11_RENEW_DAYS and runs the
# deploy hook once for it. No systemd is needed: its expansion rules are
# applied here.
# Usage: units.sh BUILD_DIR MODULE KM_DIR   (OS_* of the test user)
set -euo pipefail
BUILD=$1 MODULE=$2 KM=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

make -s -C "$BUILD" install DESTDIR="$T/root" >"$T/install.log" 2>&1 ||
	fail "make install: $(cat "$T/install.log")"
units=$(find "$T/root" -path "*/systemd/system/*" -type f | sort)
[ "$(echo "$units" | wc -l)" = 3 ] || fail "installed units: $units"
tool=$(find "$T/root" -path "*/bin/kmp11-tool")
mkdir -p "$T/units"
for u in $units; do
	# The installed path of kmp11-tool, under DESTDIR here.
	sed "s|ExecStart=[^ ]*kmp11-tool|ExecStart=$tool|" "$u" >"$T/units/$(basename "$u")"
done
cp "$T/units/kmp11-haproxy-sync@.service" "$T/units/kmp11-haproxy-sync@www.service"
systemd-analyze verify --man=no "$T/units/kmp11-renew.service" "$T/units/kmp11-renew.timer" \
	"$T/units/kmp11-haproxy-sync@www.service" 2>"$T/verify" || fail "systemd-analyze: $(cat "$T/verify")"
ok "systemd-analyze verify accepts the three units as installed"

# A certificate that expired yesterday, on a token of its own. (The Key
# Manager's snakeoil CA issues certificates for 730 s: the renewal is due
# within days too, but not expired.)
run=$RANDOM
bash "$HERE/../km/token-conf.sh" units "un-*" "$T/kmp11.conf"
faketime -f "-2d" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj "/CN=un-$run.example" -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 2>/dev/null
KMP11_CONF=$T/kmp11.conf "$tool" --module "$MODULE" store --cert "$T/cert.pem" --key "$T/key.pem" \
	--label "un-$run" >/dev/null
cat >"$T/renew.env" <<ENV
KMP11_CONF=$T/kmp11.conf
KMP11_MODULE=$MODULE
KMP11_RENEW_DAYS=0
KMP11_RENEW_URI=pkcs11:token=units
KMP11_DEPLOY_HOOK='echo "\$KMP11_RENEWED_LABEL \$KMP11_RENEWED_UUID" >>$T/hook.log'
ENV
# ExecStart as systemd runs it: Environment= first, then the env file;
# "\${VAR}" is one argument, whatever it holds.
/usr/bin/python3 - "$T/units/kmp11-renew.service" "$T/renew.env" >"$T/command" <<'PY'
import re, shlex, sys
env, command = {}, None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("Environment="):
        k, _, v = line[len("Environment="):].partition("=")
        env[k] = v
    elif line.startswith("ExecStart="):
        command = line[len("ExecStart="):]
for line in open(sys.argv[2]):
    k, _, v = line.strip().partition("=")
    env[k] = shlex.split(v)[0] if v else ""
args = [re.sub(r"^\$\{(\w+)\}$", lambda m: env.get(m.group(1), ""), word)
        for word in command.split()]
print("\0".join(k + "=" + v for k, v in env.items()))
print("\0".join(args))
PY
mapfile -d '' -t vars < <(sed -n 1p "$T/command" | tr -d '\n')
mapfile -d '' -t argv < <(sed -n 2p "$T/command" | tr -d '\n')
status=0
env "${vars[@]}" "${argv[@]}" >"$T/out" 2>&1 || status=$?
[ "$status" = 0 ] || fail "kmp11-renew.service's command: exit $status: $(cat "$T/out")"
grep -q "^ACTIVE custom 'un-$run'" "$T/out" || fail "no renewal: $(cat "$T/out")"
[ "$(wc -l <"$T/hook.log")" = 1 ] || fail "the deploy hook ran $(wc -l <"$T/hook.log") times"
read -r label uuid <"$T/hook.log"
[ "$label" = "un-$run" ] || fail "the hook's label: $label"
id=$(echo "$uuid" | tr -d - | sed 's/../%&/g')
KMP11_CONF=$T/kmp11.conf "$tool" --module "$MODULE" verify "pkcs11:object=un-$run;id=$id" >/dev/null ||
	fail "the renewed container does not verify"
KMP11_CONF=$T/kmp11.conf "$tool" --module "$MODULE" export-cert --no-chain "pkcs11:object=un-$run" |
	openssl verify -CAfile "$KM/snakeoil/ca.pem" >/dev/null 2>&1 ||
	fail "the newest certificate is not the Key Manager CA's"
# Run again: the renewed certificate is not due and the expired one is
# replaced by it: nothing more happens.
env "${vars[@]}" "${argv[@]}" >"$T/out" 2>&1 || fail "second run: $(cat "$T/out")"
[ "$(wc -l <"$T/hook.log")" = 1 ] || fail "the second run renewed again: $(cat "$T/out")"
ok "kmp11-renew.service's command renews what expires within KMP11_RENEW_DAYS, runs the hook once, and nothing when run again"
