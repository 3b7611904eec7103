#!/bin/bash
# The main job on the embedded default: a local Key Manager on loopback,
# certificates stored in it, kmp11 listing them and signing with one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
KM=$(mktemp -d /tmp/kmp11-demo.XXXXXX)
trap '/usr/bin/python3 "$SRC/tests/km/keymanager.py" stop "$KM"; rm -rf "$KM"' EXIT
/usr/bin/python3 "$SRC/tests/km/keymanager.py" start "$KM"
. "$KM/openrc"
/usr/bin/python3 "$SRC/tests/km/seed.py" "$KM/seed"
echo "== p11tool --list-all (kmp11 on the Key Manager's containers)"
p11tool --provider "$MODULE" --list-all
echo "== a signature by the Key Manager's rsa-www key, verified by openssl"
echo "signed through kmp11" >"$KM/data"
id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["containers"]["rsa-www"].rsplit("/",1)[1].replace("-",""))' "$KM/seed/manifest.json")
pkcs11-tool --module "$MODULE" --sign --id "$id" -m SHA256-RSA-PKCS \
	-i "$KM/data" -o "$KM/sig"
openssl x509 -in "$KM/seed/rsa-www.pem" -pubkey -noout >"$KM/pub"
openssl dgst -sha256 -verify "$KM/pub" -signature "$KM/sig" "$KM/data"
