# nginx serving TLS with keys from kmp11, through the OpenSSL pkcs11 engine,
# or with PROVIDER set (lib.sh's provider_setup) through OpenSSL 3's
# pkcs11-provider and key files from kmp11-tool provider-key.
# Sourced; needs MODULE (kmp11.so; empty: the module p11-kit registers,
# for the engine and kmp11-tool alike) and KMP11_CONF, and kmp11-tool as
# TOOL.
#
#   nginx_start DIR WORKERS PORT:LABEL...   master + WORKERS workers, one
#                                           TLS server per PORT with the
#                                           key of the container LABEL
#   nginx_reload DIR                        certificates exported again, HUP,
#                                           wait for the old workers to exit
#   nginx_stop DIR
#   nginx_temp_paths DIR                    the http block's temp paths
#   nginx_get DIR PORT N [curl args]        N requests, each a new
#                                           handshake; prints the 200s
#   nginx_check_log DIR [REGEX]             fails when the error log has
#                                           an error REGEX does not allow

nginx_export_certs() { # DIR: the certificate (and provider key) files nginx reads
	local d=$1 label
	for label in $(cat "$d/labels"); do
		"$TOOL" ${MODULE:+--module "$MODULE"} export-cert "pkcs11:object=$label;type=cert" -o "$d/$label.crt" ||
			return 1
		[ -z "${PROVIDER:-}" ] ||
			"$TOOL" ${MODULE:+--module "$MODULE"} provider-key "$label" -o "$d/$label.key" || return 1
	done
}

nginx_key() { # DIR LABEL: ssl_certificate_key's value
	if [ -n "${PROVIDER:-}" ]; then
		echo "$1/$2.key"
	else
		echo "\"engine:pkcs11:pkcs11:object=$2;type=private\""
	fi
}

nginx_temp_paths() { # DIR: nginx's temporary files under DIR/tmp
	mkdir -p "$1/tmp"
	local what
	for what in client_body proxy fastcgi uwsgi scgi; do
		printf '\t%s_temp_path %s/tmp/%s;\n' "$what" "$1" "$what"
	done
}

nginx_start() {
	local d=$1 workers=$2 port label
	shift 2
	mkdir -p "$d/tmp"
	: >"$d/labels"
	if [ -n "${PROVIDER:-}" ]; then
		bash "$(dirname "${BASH_SOURCE[0]}")/../km/provider-conf.sh" "$MODULE" "$PROVIDER" "$d/openssl.cnf"
	else
		bash "$(dirname "${BASH_SOURCE[0]}")/../km/engine-conf.sh" "$MODULE" "$d/openssl.cnf"
	fi
	cat >"$d/nginx.conf" <<CONF
worker_processes $workers;
master_process on;
pid $d/nginx.pid;
error_log $d/error.log info;
# nginx clears the workers' environment but for these.
env OPENSSL_CONF;
env KMP11_CONF;
env KMP11_DEBUG;
$(compgen -e | grep '^OS_' | sed 's/.*/env &;/')
events { worker_connections 256; }
http {
	access_log off;
$(nginx_temp_paths "$d")
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
	ssl_session_cache off;
	ssl_session_tickets off;
CONF
	for spec in "$@"; do
		port=${spec%%:*} label=${spec#*:}
		echo "$label" >>"$d/labels"
		cat >>"$d/nginx.conf" <<CONF
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $d/$label.crt;
		ssl_certificate_key $(nginx_key "$d" "$label");
		location / { return 200 "$label via kmp11\n"; }
	}
CONF
	done
	echo "}" >>"$d/nginx.conf"
	nginx_export_certs "$d" || return 1
	# The error log records each Key Manager request of nginx's processes.
	OPENSSL_CONF="$d/openssl.cnf" KMP11_DEBUG=4 nginx -c "$d/nginx.conf" -e "$d/error.log" \
		2>>"$d/error.log"
}

nginx_reload() {
	local d=$1 master old pid
	master=$(cat "$d/nginx.pid")
	old=$(pgrep -P "$master" | tr '\n' ' ')
	nginx_export_certs "$d" || return 1
	kill -HUP "$master"
	# Done when the old workers are gone: until then they may still
	# accept connections with the old configuration.
	for _ in $(seq 100); do
		sleep 0.1
		for pid in $old; do
			kill -0 "$pid" 2>/dev/null && continue 2
		done
		pgrep -P "$master" >/dev/null && return 0
	done
	return 1
}

nginx_stop() {
	local d=$1 pid
	[ -f "$d/nginx.pid" ] || return 0
	pid=$(cat "$d/nginx.pid")
	kill -QUIT "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

nginx_get() {
	local d=$1 port=$2 n=$3 i
	shift 3
	for i in $(seq "$n"); do
		printf 'url = "https://127.0.0.1:%s/"\noutput = "/dev/null"\n' "$port"
	done >"$d/urls"
	# A new connection and a full handshake for every request.
	curl -s --config "$d/urls" --no-sessionid -H "Connection: close" \
		-w '%{http_code}\n' "$@" | grep -c '^200$' || true
}

nginx_check_log() {
	! grep -E "\[(crit|error|alert|emerg)\]|kmp11\[[0-9]+\] error" "$1/error.log" |
		grep -Ev "${2:-^$}" || fail "errors in nginx's error log"
}
