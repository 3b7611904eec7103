#!/bin/bash
# Every test: unit tests (make check), then the integration tests against
# a real Keystone + Barbican started on 127.0.0.1 and stopped at the end.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
(cd "$BUILD_DIR" && make -s check) || {
	cat "$BUILD_DIR"/tests/unit/*.log
	exit 1
}
bash "$SRC/tests/fuzz/run.sh" 10
# configure without cmocka and under /usr/local; the release tarball's
# make distcheck as an ordinary user.
bash "$SRC/tests/packaging/configure.sh"
bash "$SRC/tests/packaging/distcheck.sh" "$BUILD_DIR"
# What a real Key Manager cannot be made to do, from a local fault server.
/usr/bin/python3 "$SRC/tests/fault/faults.py" "$MODULE" "$BUILD_DIR/tests/fault/midcall"
KM=$(mktemp -d /tmp/kmp11-km.XXXXXX)
trap '/usr/bin/python3 "$SRC/tests/km/keymanager.py" stop "$KM"; rm -rf "$KM"' EXIT
/usr/bin/python3 "$SRC/tests/km/keymanager.py" start "$KM"
. "$KM/openrc"
/usr/bin/python3 "$SRC/tests/km/seed.py" "$KM/seed"
bash "$SRC/tests/integration/tools.sh" "$MODULE" "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/mapping.py" "$MODULE" "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/adopt.py" "$MODULE"
bash "$SRC/tests/integration/no-threads.sh" "$MODULE"
bash "$SRC/tests/integration/pkcs11-tool.sh" "$MODULE"
/usr/bin/python3 "$SRC/tests/integration/keygen.py" "$MODULE"
/usr/bin/python3 "$SRC/tests/integration/session_keys.py" "$MODULE"
/usr/bin/python3 "$SRC/tests/integration/store.py" "$MODULE" "$KM"
bash "$SRC/tests/integration/write-tools.sh" "$MODULE" "$TOOL"
/usr/bin/python3 "$SRC/tests/integration/keytypes.py" "$MODULE"
bash "$SRC/tests/integration/hygiene.sh" "$MODULE" "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/mechanisms.py" softhsm "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/mechanisms.py" kmp11 "$MODULE" "$KM/seed"
# The host's openssl.cnf (fips=yes; pkcs11-provider preferred) changes nothing.
bash "$SRC/tests/integration/host-openssl.sh" "$MODULE" "$KM/seed" "$BUILD_DIR"
bash "$SRC/tests/integration/kmp11-tool.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/integration/tool-monitoring.sh" "$MODULE" "$TOOL" "$KM/seed"
# After kmp11-tool.sh's expiring check: Barbican 15's snakeoil CA issues
# certificates valid for 730 seconds.
bash "$SRC/tests/integration/orders.sh" "$MODULE" "$BUILD_DIR/docs/examples/kmp11-order" "$TOOL" "$KM"
bash "$SRC/tests/integration/tool-writes.sh" "$MODULE" "$TOOL" "$KM"
bash "$SRC/tests/integration/tool-failures.sh" "$MODULE" "$TOOL"
bash "$SRC/tests/integration/lifecycle.sh" "$MODULE" "$TOOL"
bash "$SRC/tests/integration/units.sh" "$BUILD_DIR" "$MODULE" "$KM"
/usr/bin/python3 "$SRC/tests/integration/isolation.py" "$MODULE" "$KM"
/usr/bin/python3 "$SRC/tests/integration/keystone.py" "$MODULE" "$KM"
/usr/bin/python3 "$SRC/tests/integration/revocation.py" "$MODULE" "$KM"
bash "$SRC/tests/integration/setuid.sh" "$MODULE"
bash "$SRC/tests/integration/memscan.sh" "$BUILD_DIR/tests/integration/memscan" "$MODULE" "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/expiry.py" "$MODULE" "$KM"
/usr/bin/python3 "$SRC/tests/integration/corpus.py" "$MODULE" "$SRC/tests/km/data"
bash "$SRC/tests/integration/tls.sh" "$MODULE"
bash "$SRC/tests/consumers/nginx.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/consumers/key-types.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/consumers/haproxy.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/consumers/gnutls.sh" "$MODULE" "$KM/seed"
bash "$SRC/tests/consumers/openssl.sh" "$MODULE" "$TOOL" "$KM/seed"
# The OpenSSL 3 provider route (pkcs11-provider built from ../shared/vendor
# where no package has it; skipped, saying why, without either).
bash "$SRC/tests/consumers/provider.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/consumers/provider-servers.sh" "$MODULE" "$TOOL" "$KM/seed"
bash "$SRC/tests/consumers/nss.sh" "$MODULE"
bash "$SRC/tests/consumers/p11kit.sh" "$BUILD_DIR" "$MODULE"
# The Debian packages, installed, used through p11-kit and nginx, removed.
bash "$SRC/tests/packaging/deb.sh" "$BUILD_DIR" "$KM/seed"
/usr/bin/python3 "$SRC/tests/integration/outage.py" "$MODULE" "$KM"
# Listing cost: 300 containers in a project of their own.
(
	export OS_PROJECT_NAME=kmp11-bulk
	/usr/bin/python3 "$SRC/tests/km/seed_bulk.py" 300
	bash "$SRC/tests/km/token-conf.sh" bulk "*" "$KM/bulk.conf"
	bash "$SRC/tests/km/token-conf.sh" bulk "bulk-7, bulk-250, bulk_8" "$KM/named.conf"
)
KMP11_CONF="$KM/bulk.conf" /usr/bin/python3 "$SRC/tests/integration/listing_cost.py" "$MODULE" 300
KMP11_CONF="$KM/named.conf" /usr/bin/python3 "$SRC/tests/integration/listing_cost.py" "$MODULE" 300 "bulk-7, bulk-250, bulk_8"
# A search by label before anything is listed: that name only.
(
	export OS_PROJECT_NAME=kmp11-bulk
	KMP11_CONF="$KM/bulk.conf" /usr/bin/python3 "$SRC/tests/integration/label_scope.py" "$MODULE" 300
)
. "$SRC/tests/sanitizers.sh"
echo "all tests passed"
