#!/bin/bash
# Every benchmark of docs/performance.md in one run, against baselines
# measured in the same run: signatures (raw OpenSSL, SoftHSM), TLS
# handshakes (nginx with the key in a file), listing cost by project size,
# nginx start-up requests, first-use latency (curl of the same payload).
# listing at 5,000 containers with pages one at a time and at once, and
# a fleet of processes starting at once against the Key Manager.
# Writes each section's figures into docs/performance.md between its
# markers; the sections not run keep theirs.
# Usage: bash tests/bench/run.sh [SECONDS per measurement, default 5] [SECTION...]
#   SECTION: sign, first-use, tls, listing (with nginx start-up), parallel,
#   fleet (FLEET processes, default 50); default all
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../setup.sh"
. "$SRC/tests/consumers/nginx-lib.sh"
SECS=${1:-5}
SECTIONS=${*:2}
SECTIONS=${SECTIONS:-sign first-use tls listing parallel fleet}
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
say() { echo "$*" | tee -a "$OUT"; }
export TOOL MODULE

bash "$SRC/tests/km/token-conf.sh" bench "rsa-www, ec-www, ed-www" "$KM/bench.conf"

# ---- 1. signatures: kmp11 and SoftHSM against OpenSSL on the same key ----
section_sign() {
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
}

# ---- 2. first use: find, then sign with a key not fetched yet ----
section_first-use() {
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
}

# ---- 3. TLS handshakes: nginx with the key from kmp11 (through the
# engine, and through the provider) or from a file ----
section_tls() {
# No EdDSA key in nginx's token: libp11 0.4.12 finds no key on a token
# with one.
bash "$SRC/tests/km/token-conf.sh" web "rsa-www, ec-www" "$KM/web.conf"
export KMP11_CONF=$KM/web.conf
mkdir -p "$KM/nginx-kmp11"
nginx_start "$KM/nginx-kmp11" 2 18471:rsa-www 18472:ec-www
# The provider route when a pkcs11-provider can be had (a package, or
# built from ../shared/vendor); else its columns say why not.
local provider routes="file kmp11" why=""
if provider=$(bash "$SRC/tests/km/build-provider.sh" "$BUILD_DIR"); then
	mkdir -p "$KM/nginx-provider"
	PROVIDER=$provider nginx_start "$KM/nginx-provider" 2 18473:rsa-www 18474:ec-www
	routes="$routes provider"
else
	why="no pkcs11-provider: $provider"
fi
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
say "The key in kmp11 through the pkcs11 engine (libp11), and through"
say "pkcs11-provider from the URI-PEM key file of \`kmp11-tool provider-key\`.${why:+ $why.}"
say ""
say "| key | key file | engine | engine/file | provider | provider/file | per CPU second: key file | engine | engine/file | provider | provider/file |"
say "|---|---|---|---|---|---|---|---|---|---|---|"
ports() { # NAME: the file, engine and provider ports of a key
	case $1 in
	RSA-2048) echo "18481 18471 18473" ;;
	EC-P-256) echo "18482 18472 18474" ;;
	esac
}
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf(a == "n/a" ? "n/a" : "%.1f%%", 100 * a / b) }'; }
for name in RSA-2048 EC-P-256; do
	read -r -a port <<<"$(ports "$name")"
	declare -A wall=() cpu=()
	for route in file kmp11 provider; do : >"$KM/tls-$route"; done
	for _ in 1 2 3 4 5; do
		i=0
		for route in $routes; do
			handshakes "${port[i++]}" "$KM/nginx-$route" >>"$KM/tls-$route"
		done
	done
	for route in file kmp11 provider; do
		wall[$route]=$(cut -d' ' -f1 "$KM/tls-$route" | median)
		cpu[$route]=$(cut -d' ' -f2 "$KM/tls-$route" | median)
		wall[$route]=${wall[$route]:-n/a} cpu[$route]=${cpu[$route]:-n/a}
	done
	say "| $name | ${wall[file]} | ${wall[kmp11]} | $(percent "${wall[kmp11]}" "${wall[file]}") | ${wall[provider]} | $(percent "${wall[provider]}" "${wall[file]}") | ${cpu[file]} | ${cpu[kmp11]} | $(percent "${cpu[kmp11]}" "${cpu[file]}") | ${cpu[provider]} | $(percent "${cpu[provider]}" "${cpu[file]}") |"
done
for route in $routes; do nginx_stop "$KM/nginx-$route"; done
say ""
}

# ---- 4. listing cost by project size, 5. nginx start-up on 1,000 ----
# The bulk project, grown as the sections need it.
have=0
grow_to() { # N: the bulk project holds N containers
	/usr/bin/python3 "$SRC/tests/km/seed_bulk.py" $(($1 - have)) "$have"
	have=$1
}
bulk_confs() {
	export OS_PROJECT_NAME=kmp11-bulk
	bash "$SRC/tests/km/token-conf.sh" bulk "*" "$KM/bulk.conf"
	export KMP11_CONF=$KM/bulk.conf
}

section_listing() {
bulk_confs
say "### Listing cost: C_Initialize + a find by class alone, then by label"
say ""
say "| containers | requests (auth + container pages + secret pages + payloads) | seconds | RSS growth (module loaded included) |"
say "|---|---|---|---|"
declare -A rss
for n in 10 100 1000 5000; do
	grow_to "$n"
	read -r probe < <(/usr/bin/python3 "$SRC/tests/bench/probe.py" enumerate "$MODULE" bulk-7 2>/dev/null)
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
}

# ---- 6. listing 5,000 pages one at a time or at once, 7. a fleet ----
five_thousand() {
	bulk_confs
	[ "$have" = 5000 ] || grow_to 5000
	bash "$SRC/tests/km/token-conf.sh" named "bulk-7" "$KM/named.conf"
	cp "$KM/bulk.conf" "$KM/serial.conf"
	echo "parallel_requests = 1" >>"$KM/serial.conf"
}
# The Key Manager as production runs it, several processes a server (only
# reads from here: sqlite takes one writer at a time).
km_processes() { # N
	/usr/bin/python3 "$SRC/tests/km/keymanager.py" stop "$KM"
	KM_SERVER_PROCESSES=$1 /usr/bin/python3 "$SRC/tests/km/keymanager.py" start "$KM" >/dev/null
	# Each new server process loads its application at its first request.
	for _ in $(seq "$1"); do
		KMP11_CONF=$KM/named.conf /usr/bin/python3 "$SRC/tests/bench/probe.py" listing "$MODULE" bulk-7 >/dev/null 2>&1
	done
}
listing_s() { # CONF: seconds of C_Initialize + a find, median of 3
	for _ in 1 2 3; do
		KMP11_CONF=$1 /usr/bin/python3 "$SRC/tests/bench/probe.py" enumerate "$MODULE" bulk-7 2>/dev/null |
			/usr/bin/python3 "$SRC/tests/bench/row.py" field find_s
	done | sort -n | sed -n 2p
}
section_parallel() {
	five_thousand
	say "### Listing 5,000 containers: pages one at a time or 4 at once"
	say ""
	say "C_Initialize + a find by class alone, median of 3; one at a time is what"
	say "kmp11 did before (parallel_requests = 1). The same 52 requests."
	say ""
	say "| Key Manager | one at a time (s) | 4 at once (s) | speed-up |"
	say "|---|---|---|---|"
	for procs in 1 4; do
		km_processes "$procs"
		one=$(listing_s "$KM/serial.conf") four=$(listing_s "$KM/bulk.conf")
		say "| $procs process(es) per server | $one | $four | $(awk -v a="$one" -v b="$four" 'BEGIN { printf "%.2fx", a / b }') |"
	done
}
section_fleet() {
	five_thousand
	FLEET=${FLEET:-50}
	km_processes 4
	say "### A fleet starting at once: $FLEET processes, each C_Initialize + a find, 5,000 containers"
	say ""
	say "Keystone and Barbican 4 processes each, on the same 2 cores as the"
	say "fleet. Requests: auth + container requests + secret pages + payloads + other (secret metadata)."
	say ""
	say "| token shows | processes | requests | Keystone CPU s | Barbican CPU s | p50 start s | p99 start s | wall s | failed |"
	say "|---|---|---|---|---|---|---|---|---|"
	KMP11_CONF=$KM/named.conf /usr/bin/python3 "$SRC/tests/bench/fleet.py" "$KM" "$MODULE" bulk-7 "$FLEET" "bulk-7 by name" | tee -a "$OUT"
	KMP11_CONF=$KM/bulk.conf /usr/bin/python3 "$SRC/tests/bench/fleet.py" "$KM" "$MODULE" bulk-7 "$FLEET" "every container, found by label" | tee -a "$OUT"
	KMP11_CONF=$KM/bulk.conf /usr/bin/python3 "$SRC/tests/bench/fleet.py" "$KM" "$MODULE" bulk-7 "$FLEET" "every container, enumerated first" enumerate | tee -a "$OUT"
	say ""
}

host="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
for section in $SECTIONS; do
	OUT=$KM/figures-$section.md
	say "Measured $(date -u +%Y-%m-%d) on $host, $SECS s per figure, by \`bash tests/bench/run.sh $SECS $section\`."
	say ""
	"section_$section"
done

/usr/bin/python3 - "$KM" "$SRC/docs/performance.md" $SECTIONS <<'PY'
import re, sys
doc = open(sys.argv[2]).read()
for section in sys.argv[3:]:
    figures = open(f"{sys.argv[1]}/figures-{section}.md").read()
    doc, n = re.subn(rf"(<!-- figures:{section}:begin -->\n).*(<!-- figures:{section}:end -->)",
                     lambda m: m.group(1) + figures + m.group(2), doc, flags=re.S)
    assert n == 1, f"no figures:{section} markers in docs/performance.md"
open(sys.argv[2], "w").write(doc)
PY
echo "figures of $SECTIONS written into docs/performance.md"
