#!/bin/bash
# Every benchmark of docs/performance.md in one run, against baselines
# measured in the same run: signatures (raw OpenSSL, SoftHSM), TLS
# handshakes (nginx with the key in a file), listing cost by project size,
# nginx start-up requests, first-use latency (curl of the same payload).
# Writes the figures into docs/performance.md between its markers.
# Usage: bash tests/bench/run.sh [SECONDS per measurement, default 5]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup.sh"
. "$SRC/tests/consumers/nginx-lib.sh"
SECS=${1:-5}
KM=$(mktemp -d /tmp/kmp11-bench.XXXXXX)
cleanup() {
	for d in "$KM"/nginx-*; do nginx_stop "$d"; done
	/usr/bin/python3 "$SRC/tests/km/keymanager.py" stop "$KM"
	rm -rf "$KM"
}
trap cleanup EXIT
# Barbican caches validated tokens, as in production (the tests do not).
KM_TOKEN_CACHE_TIME=300 /usr/bin/python3 "$SRC/tests/km/keymanager.py" start "$KM" >/dev/null
. "$KM/openrc"
/usr/bin/python3 "$SRC/tests/km/seed.py" "$KM/seed"
OUT=$KM/figures.md
say() { echo "$*" | tee -a "$OUT"; }
export TOOL MODULE

say "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $SECS s per figure, by \`bash tests/bench/run.sh $SECS\`."
say ""

# ---- 1. signatures: kmp11 and SoftHSM against OpenSSL on the same key ----
bash "$SRC/tests/km/token-conf.sh" bench "rsa-www, ec-www, ed-www" "$KM/bench.conf"
mkdir -p "$KM/softhsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$KM/softhsm/tokens" >"$KM/softhsm/softhsm2.conf"
export SOFTHSM2_CONF=$KM/softhsm/softhsm2.conf
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
id=0
for k in rsa-www ec-www ed-www; do
	softhsm2-util --import "$KM/seed/$k-key.pem" --token bench --label "$k" \
		--id "0$((++id))" --pin 1234 --no-public-key >/dev/null
done
SOFTHSM=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
say "### Signatures per second (C_Sign vs OpenSSL EVP in the same process)"
say ""
say "Per second of wall time; the last column compares the CPU time a"
say "signature takes, which the other work of a shared machine does not move."
say ""
say "| mechanism | threads | OpenSSL | kmp11 | kmp11/OpenSSL | SoftHSM | kmp11/SoftHSM | kmp11/OpenSSL per CPU second |"
say "|---|---|---|---|---|---|---|---|"
for k in rsa-www ec-www ed-www; do
	KMP11_CONF=$KM/bench.conf "$BUILD_DIR/tests/bench/sign-bench" "$SECS" \
		"$KM/seed/$k-key.pem" "$k" "$MODULE" "" "$SOFTHSM" 1234 >"$KM/sign.tsv"
	awk -F'\t' '
		$3 == "openssl" { o[$1 FS $2] = $4; oc[$1 FS $2] = $5; order[++n] = $1 FS $2 }
		$3 == "kmp11.so" { k[$1 FS $2] = $4; kc[$1 FS $2] = $5 }
		$3 == "libsofthsm2.so" { s[$1 FS $2] = $4 }
		END {
			for (i = 1; i <= n; i++) {
				key = order[i]; split(key, p, FS)
				# SoftHSM has no CKM_ECDSA_SHA256: -1 from sign-bench.
				sh = s[key] > 0 ? sprintf("%d", s[key]) : "n/a"
				r = s[key] > 0 ? sprintf("%.2f", k[key] / s[key]) : "-"
				printf "| %s | %s | %d | %d | %.1f%% | %s | %s | %.1f%% |\n", p[1], p[2],
					o[key], k[key], 100 * k[key] / o[key], sh, r,
					100 * kc[key] / oc[key]
			}
		}' "$KM/sign.tsv" | tee -a "$OUT"
done
say ""

# ---- 2. first use: find, then sign with a key not fetched yet ----
read -r first < <(KMP11_CONF=$KM/bench.conf /usr/bin/python3 "$SRC/tests/bench/probe.py" \
	first-use "$MODULE" rsa-www 2>/dev/null)
curl_s=$(cd "$SRC/tests/km" && /usr/bin/python3 -c '
import json, subprocess, sys, kmrest
ref = json.load(open(sys.argv[1]))["containers"]["rsa-www"]
key = [r["secret_ref"] for r in kmrest.get(ref)["secret_refs"] if r["name"] == "private_key"][0]
times = []
for _ in range(5):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}",
                          "-H", "X-Auth-Token: " + kmrest.TOKEN, "-H", "Accept: text/plain",
                          key + "/payload"], capture_output=True, text=True, check=True)
    times.append(float(out.stdout))
print(min(times))' "$KM/seed/manifest.json")
say "### First use of a key"
say ""
say "A new process finds rsa-www by label, then signs once: the first signature"
say "fetches the key and its certificate (2 payload requests) and parses them."
say ""
say "| step | seconds |"
say "|---|---|"
say "| C_Initialize + login to Keystone + listing + find | $(echo "$first" | /usr/bin/python3 "$SRC/tests/bench/row.py" field find_s) |"
say "| first C_Sign (2 payloads fetched, parsed, signed) | $(echo "$first" | /usr/bin/python3 "$SRC/tests/bench/row.py" field sign_s) |"
say "| curl of the key's payload alone (best of 5) | $curl_s |"
say ""

# ---- 3. TLS handshakes: nginx with the key from kmp11 or from a file ----
# No EdDSA key in nginx's token: libp11 0.4.12 stops its search there.
bash "$SRC/tests/km/token-conf.sh" web "rsa-www, ec-www" "$KM/web.conf"
export KMP11_CONF=$KM/web.conf
mkdir -p "$KM/nginx-kmp11"
nginx_start "$KM/nginx-kmp11" 2 18471:rsa-www 18472:ec-www
mkdir -p "$KM/nginx-file/tmp"
for k in rsa-www ec-www; do
	"$TOOL" --module "$MODULE" export-cert "pkcs11:object=$k;type=cert" -o "$KM/nginx-file/$k.crt"
done
sed -e "s|$KM/nginx-kmp11|$KM/nginx-file|g" \
	-e 's|"engine:pkcs11:pkcs11:object=\([a-z-]*\);type=private"|'"$KM"'/seed/\1-key.pem|' \
	-e 's|18471|18481|; s|18472|18482|' "$KM/nginx-kmp11/nginx.conf" >"$KM/nginx-file/nginx.conf"
nginx -c "$KM/nginx-file/nginx.conf" -e "$KM/nginx-file/error.log" ||
	{ tail "$KM/nginx-file/error.log"; exit 1; }
nginx_cpu() { # DIR: CPU seconds the nginx of DIR (master and workers) used so far
	local master
	master=$(cat "$1/nginx.pid")
	for p in $master $(pgrep -P "$master"); do cat "/proc/$p/stat"; done |
		awk -v hz="$(getconf CLK_TCK)" '{ s += $14 + $15 } END { printf "%.2f", s / hz }'
}
handshakes() { # PORT DIR: TLS 1.3 handshakes per second of wall time, and per
	# second of the server's CPU time (which the client's load moves less)
	local before after n
	before=$(nginx_cpu "$2")
	n=$(openssl s_time -connect "127.0.0.1:$1" -new -time "$SECS" 2>/dev/null |
		awk '/connections in [0-9]+ real seconds/ { print $1 }')
	after=$(nginx_cpu "$2")
	awk -v n="$n" -v secs="$SECS" -v before="$before" -v after="$after" \
		'BEGIN { cpu = after - before; printf "%.0f %.0f\n", n / secs, (cpu > 0 ? n / cpu : 0) }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
say "### TLS handshakes per second (nginx, master + 2 workers, TLS 1.3, openssl s_time -new, medians of 5 alternating rounds)"
say ""
say "Per second of wall time, and per second of the CPU time nginx used"
say "(the load generator shares the 2 cores and moves the first figure more)."
say ""
say "| key | key file | kmp11 | kmp11/file | per CPU second: key file | kmp11 | kmp11/file |"
say "|---|---|---|---|---|---|---|"
for pair in "RSA-2048 18481 18471" "EC-P-256 18482 18472"; do
	read -r name file_port kmp_port <<<"$pair"
	: >"$KM/tls-file" && : >"$KM/tls-kmp"
	for _ in 1 2 3 4 5; do
		handshakes "$file_port" "$KM/nginx-file" >>"$KM/tls-file"
		handshakes "$kmp_port" "$KM/nginx-kmp11" >>"$KM/tls-kmp"
	done
	file=$(cut -d' ' -f1 "$KM/tls-file" | median) kmp=$(cut -d' ' -f1 "$KM/tls-kmp" | median)
	file_cpu=$(cut -d' ' -f2 "$KM/tls-file" | median) kmp_cpu=$(cut -d' ' -f2 "$KM/tls-kmp" | median)
	say "| $name | $file | $kmp | $(awk -v a="$kmp" -v b="$file" 'BEGIN { printf "%.1f%%", 100 * a / b }') | $file_cpu | $kmp_cpu | $(awk -v a="$kmp_cpu" -v b="$file_cpu" 'BEGIN { printf "%.1f%%", 100 * a / b }') |"
done
nginx_stop "$KM/nginx-kmp11"
nginx_stop "$KM/nginx-file"
say ""

# ---- 4. listing cost by project size, 5. nginx start-up on 1,000 ----
export OS_PROJECT_NAME=kmp11-bulk
bash "$SRC/tests/km/token-conf.sh" bulk "*" "$KM/bulk.conf"
export KMP11_CONF=$KM/bulk.conf
say "### Listing cost: C_Initialize + a find by label"
say ""
say "| containers | requests (auth + container pages + secret pages + payloads) | seconds | RSS growth (module loaded included) |"
say "|---|---|---|---|"
have=0
declare -A rss
for n in 10 100 1000 5000; do
	/usr/bin/python3 "$SRC/tests/km/seed_bulk.py" $((n - have)) "$have"
	have=$n
	read -r probe < <(/usr/bin/python3 "$SRC/tests/bench/probe.py" listing "$MODULE" bulk-7 2>/dev/null)
	say "$(echo "$probe" | /usr/bin/python3 "$SRC/tests/bench/row.py" listing "$n")"
	rss[$n]=$(echo "$probe" | /usr/bin/python3 "$SRC/tests/bench/row.py" field rss_growth_kib)
	if [ "$n" = 1000 ]; then
		for start in first second; do
			d=$KM/nginx-start-$start
			mkdir -p "$d"
			nginx_start "$d" 4 18491:bulk-7
			sleep 1
			counts=$(/usr/bin/python3 "$SRC/tests/bench/row.py" requests <"$d/error.log")
			nginx_stop "$d"
			echo "$start|$counts" >>"$KM/starts"
		done
	fi
done
say ""
say "Memory per container listed (from 1,000 to 5,000 containers): $(( (rss[5000] - rss[1000]) * 1024 / 4000 )) bytes."
say ""
say "### nginx start-up (4 workers, key bulk-7 of a 1,000-container project)"
say ""
say "| start | requests (auth + container pages + secret pages + payloads) |"
say "|---|---|"
while IFS='|' read -r start counts; do say "| $start | $counts |"; done <"$KM/starts"

/usr/bin/python3 - "$OUT" "$SRC/docs/performance.md" <<'PY'
import re, sys
figures, doc = open(sys.argv[1]).read(), open(sys.argv[2]).read()
doc = re.sub(r"(<!-- figures:begin -->\n).*(<!-- figures:end -->)",
             lambda m: m.group(1) + figures + m.group(2), doc, flags=re.S)
open(sys.argv[2], "w").write(doc)
PY
echo "figures written into docs/performance.md"
