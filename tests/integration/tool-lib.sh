# kmp11-tool as the tests run it. Sourced; needs TOOL, MODULE, T and fail.
#
#   tool ARGS...               kmp11-tool with the module under test
#   status EXPECTED ARGS...    runs it, its output in $T/out, and fails
#                              unless it exits EXPECTED

tool() { "$TOOL" --module "$MODULE" "$@"; }

status() {
	local want=$1 got=0
	shift
	tool "$@" >"$T/out" 2>&1 || got=$?
	[ "$got" = "$want" ] || fail "kmp11-tool $*: exit $got, expected $want: $(cat "$T/out")"
}

# km_proxy CONF OUT RULES...: OUT is CONF with its token's endpoint a
# proxy of the real Key Manager that answers the requests the rules name
# (TEXT=STATUS, km-proxy.py) with their status; the proxy stops with the
# shell that sourced this (km_proxy_stop stops it before).
km_proxy() {
	local conf=$1 out=$2 upstream port
	shift 2
	upstream=$(PYTHONPATH=$(dirname "${BASH_SOURCE[0]}")/../km /usr/bin/python3 -c \
		'import kmrest; print(kmrest.KM.rsplit("/v1", 1)[0])')
	rm -f "$T/proxy.port"
	/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/km-proxy.py" "$upstream" "$@" \
		>"$T/proxy.port" 2>"$T/proxy.log" &
	PROXY_PID=$!
	for _ in $(seq 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
	port=$(cat "$T/proxy.port")
	[ -n "$port" ] || fail "km-proxy.py did not start: $(cat "$T/proxy.log")"
	{ grep -v '^endpoint' "$conf"; echo "endpoint = http://127.0.0.1:$port/v1"; } >"$out"
	chmod 600 "$out"
}
km_proxy_stop() { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }
