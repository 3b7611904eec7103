# haproxy serving TLS with a certificate kmp11-tool pushes over its runtime
# API. Sourced.
#
#   haproxy_start DIR PORT   haproxy on 127.0.0.1:PORT with a self-signed
#                            placeholder in DIR/site.pem (haproxy updates
#                            only certificates it loaded at start) unless
#                            there is one (the provider route's: certificate
#                            and key URI), its admin socket DIR/admin.sock,
#                            pid DIR/haproxy.pid
#   haproxy_start DIR PORT -W  the same in master-worker mode, kept in the
#                            foreground (in the background) so that its
#                            stderr, kmp11's log, goes to DIR/haproxy.log
#   haproxy_reload_command DIR  a new haproxy taking over from the running one
#                            (the command, for deploy --reload)
#   haproxy_stop DIR

haproxy_start() {
	local d=$1 port=$2 mode=${3:-}
	if [ ! -s "$d/site.pem" ]; then
		OPENSSL_CONF=/dev/null openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=placeholder \
			-days 1 -keyout "$d/site.pem" -out "$d/placeholder.pem" 2>/dev/null
		cat "$d/placeholder.pem" >>"$d/site.pem"
	fi
	cat >"$d/haproxy.cfg" <<CFG
global
	stats socket $d/admin.sock mode 600 level admin
	log stdout format raw local0 err
defaults
	mode http
	timeout connect 5s
	timeout client 5s
	timeout server 5s
frontend www
	bind 127.0.0.1:$port ssl crt $d/site.pem
	http-request return status 200 content-type text/plain string "haproxy\n"
CFG
	if [ "$mode" = -W ]; then
		haproxy -W -p "$d/haproxy.pid" -f "$d/haproxy.cfg" >>"$d/haproxy.log" 2>&1 &
	else
		haproxy -D -p "$d/haproxy.pid" -f "$d/haproxy.cfg" || return 1
	fi
	for _ in $(seq 50); do [ -S "$d/admin.sock" ] && return 0; sleep 0.1; done
	return 1
}

haproxy_reload_command() {
	echo "haproxy -D -p $1/haproxy.pid -f $1/haproxy.cfg -sf \$(cat $1/haproxy.pid)"
}

haproxy_stop() {
	[ ! -f "$1/haproxy.pid" ] || kill "$(cat "$1/haproxy.pid")" 2>/dev/null || true
}
