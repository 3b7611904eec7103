# Shared by the consumer tests. Sourced; T is the test's scratch directory.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() { echo "ok - $*"; }

wait_port() { # PORT: until something listens on 127.0.0.1:PORT (10 s)
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$1"
}

# A token "web" of the OS_* user's project showing the RSA and EC
# containers, in $T/kmp11.conf, exported as KMP11_CONF.
web_token() {
	bash "$(dirname "${BASH_SOURCE[0]}")/../km/token-conf.sh" web "rsa-*, ec-*" "$T/kmp11.conf"
	export KMP11_CONF=$T/kmp11.conf
}

# The OpenSSL 3 provider route: PROVIDER is the pkcs11-provider that
# tests/km/build-provider.sh finds or builds (under BUILD_DIR), and
# DIR/openssl.cnf loads it with MODULE. Without a provider the test ends
# here, reported as skipped with the reason (TAP's "# SKIP"), never as
# passed; a provider that does not build fails it.
provider_setup() { # DIR
	local rc=0
	PROVIDER=$(bash "$(dirname "${BASH_SOURCE[0]}")/../km/build-provider.sh" "${BUILD_DIR:-}") || rc=$?
	case $rc in
	0) ;;
	77) echo "ok - # SKIP OpenSSL 3 provider route: $PROVIDER"; exit 0 ;;
	*) fail "pkcs11-provider could not be built" ;;
	esac
	bash "$(dirname "${BASH_SOURCE[0]}")/../km/provider-conf.sh" "$MODULE" "$PROVIDER" "$1/openssl.cnf"
}
