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
