#!/bin/bash
# The host's openssl.cnf does not change kmp11's crypto (docs/security.md):
# host-openssl.py's checks, from a process whose OPENSSL_CONF is
#  1. default_properties = fips=yes, with no FIPS provider (Debian 12): every
#     fetch from OpenSSL's default library context fails;
#  2. pkcs11-provider with kmp11 as its module and default_properties =
#     ?provider=pkcs11, as its documentation suggests: calls made in the
#     default context go through the provider, back into kmp11.
#   host-openssl.sh MODULE SEED_DIR [BUILD_DIR]   (OS_* of the test user;
#   pkcs11-provider is built into BUILD_DIR/pkcs11-provider, see
#   tests/km/build-provider.sh)
set -euo pipefail
MODULE=$1 SEED=$2 BUILD=${3:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D=$(mktemp -d /tmp/kmp11-hostssl.XXXXXX)
trap 'rm -rf "$D"' EXIT

cat >"$D/fips.cnf" <<END
openssl_conf = openssl_init
[openssl_init]
alg_section = evp_properties
[evp_properties]
default_properties = fips=yes
END
/usr/bin/python3 "$HERE/host-openssl.py" "$MODULE" "$SEED" "$D/fips.cnf" \
	"default_properties = fips=yes"

if ! provider=$(bash "$HERE/../km/build-provider.sh" "$BUILD"); then
	[ -n "$provider" ] || exit 1 # a failed build: its log is on stderr
	echo "ok - # SKIP pkcs11-provider with default_properties = ?provider=pkcs11: $provider"
	exit 0
fi
bash "$HERE/../km/provider-conf.sh" "$MODULE" "$provider" "$D/provider.cnf" "?provider=pkcs11"
/usr/bin/python3 "$HERE/host-openssl.py" "$MODULE" "$SEED" "$D/provider.cnf" \
	"pkcs11-provider with default_properties = ?provider=pkcs11"
