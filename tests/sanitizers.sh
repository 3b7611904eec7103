#!/bin/bash
# kmp11 under AddressSanitizer + UndefinedBehaviorSanitizer, ThreadSanitizer
# and valgrind, against the real Key Manager. Sourced by run-all.sh after
# the Key Manager is up and seeded (SRC, KM and OS_* set).
#
# - ASan+UBSan build: the unit tests and kmp11-tool with leak detection;
#   sign-threads (RSA, EC, Ed25519: init, listing, fetch, sign, verify,
#   finalize) with leak detection; pkcs11-tool, the mechanism suite, a
#   forked child adopting its parent's tokens, key generation, C_CreateObject of token objects and kmp11-tool's writes
#   with the sanitizers preloaded (memory errors only:
#   those programs leak on their own).
# - TSan build: 8 threads x 1000 signatures and verifications;
#   C_CloseSession while other threads rename, read and sign
#   (tests/integration/close-race.c, also under ASan); a C_Logout and a
#   fork() while another thread lists (tests/fault/midcall.c).
# - valgrind on the normal build: kmp11-tool, no error and no leak.
set -euo pipefail
san_build() { # DIR CFLAGS
	mkdir -p "$SRC/$1"
	(cd "$SRC/$1" && "$SRC/configure" -q --enable-werror CFLAGS="$2" LDFLAGS="$2" &&
		make -s -j"$(nproc)") >/dev/null
}
ASAN_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
san_build build-asan "$ASAN_FLAGS"
A=$SRC/build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$A" && make -s check >/dev/null) || { cat "$A"/tests/unit/*.log; exit 1; }
echo "ok - unit tests under ASan+UBSan, leaks checked"

bash "$SRC/tests/km/token-conf.sh" sanitized "rsa-www, ec-www, ed-www" "$KM/sanitized.conf"
export KMP11_CONF=$KM/sanitized.conf
for key in rsa-www ec-www ed-www; do
	"$A/tests/integration/sign-threads" "$A/module/.libs/kmp11.so" "$key" 4 50 >/dev/null
done
"$A/tools/kmp11-tool" --module "$A/module/.libs/kmp11.so" list >/dev/null
"$A/tools/kmp11-tool" --module "$A/module/.libs/kmp11.so" verify "pkcs11:" >/dev/null
"$A/tools/kmp11-tool" --module "$A/module/.libs/kmp11.so" provider-key ec-www >/dev/null
echo "ok - sign-threads (RSA, EC, Ed25519) and kmp11-tool under ASan+UBSan, leaks checked"

# C_CloseSession while other threads rename, read and sign on the session.
bash "$SRC/tests/km/token-conf.sh" race "race-*" "$KM/race.conf"
echo "refresh_interval = 1" >>"$KM/race.conf"
KMP11_CONF=$KM/race.conf "$A/tools/kmp11-tool" --module "$A/module/.libs/kmp11.so" \
	store --cert "$KM/seed/ec-www.pem" --key "$KM/seed/ec-www-key.pem" --label race-a >/dev/null
KMP11_CONF=$KM/race.conf "$A/tests/integration/close-race" "$A/module/.libs/kmp11.so" race-a race-b 6
# The same on a token that needs a login: closing its last session logs
# out, and drops the listing, under the other threads' calls.
printf '[token]\nlabel = race-login\nauth_url = %s\nusername = %s\nproject_name = %s\ncontainers = race-*\nrefresh_interval = 1\n' \
	"$OS_AUTH_URL" "$OS_USERNAME" "$OS_PROJECT_NAME" >"$KM/race-login.conf"
KMP11_CONF=$KM/race-login.conf "$A/tests/integration/close-race" "$A/module/.libs/kmp11.so" \
	race-a race-b 6 "$OS_PASSWORD"
echo "ok - C_CloseSession while other threads rename, read and sign on the session (a login token's last: a logout), under ASan+UBSan"

PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
(
	export LD_PRELOAD=$PRELOAD ASAN_OPTIONS=detect_leaks=0
	pkcs11-tool --module "$A/module/.libs/kmp11.so" -O
	pkcs11-tool --module "$A/module/.libs/kmp11.so" --test --allow-sw --login --pin unused
	unset KMP11_CONF
	/usr/bin/python3 "$SRC/tests/integration/mechanisms.py" kmp11 "$A/module/.libs/kmp11.so" "$KM/seed"
	/usr/bin/python3 "$SRC/tests/integration/adopt.py" "$A/module/.libs/kmp11.so"
	/usr/bin/python3 "$SRC/tests/integration/keygen.py" "$A/module/.libs/kmp11.so"
	/usr/bin/python3 "$SRC/tests/integration/store.py" "$A/module/.libs/kmp11.so" "$KM"
	bash "$SRC/tests/integration/tool-writes.sh" "$A/module/.libs/kmp11.so" "$A/tools/kmp11-tool" "$KM"
	bash "$SRC/tests/integration/tool-failures.sh" "$A/module/.libs/kmp11.so" "$A/tools/kmp11-tool"
	bash "$SRC/tests/integration/tool-monitoring.sh" "$A/module/.libs/kmp11.so" "$A/tools/kmp11-tool" "$KM/seed"
) >"$KM/sanitized.log" 2>&1 || { tail -40 "$KM/sanitized.log"; exit 1; }
echo "ok - pkcs11-tool -O, --test, the mechanism suite, key generation, stored objects and kmp11-tool's writes under ASan+UBSan"

san_build build-tsan "-O1 -g -fsanitize=thread"
TSAN_OPTIONS=halt_on_error=1 "$SRC/build-tsan/tests/integration/sign-threads" \
	"$SRC/build-tsan/module/.libs/kmp11.so" ec-www 8 1000
echo "ok - ThreadSanitizer: 8 threads x 1000 signatures, no race"
KMP11_CONF=$KM/race.conf TSAN_OPTIONS=halt_on_error=1 "$SRC/build-tsan/tests/integration/close-race" \
	"$SRC/build-tsan/module/.libs/kmp11.so" race-a race-b 6
KMP11_CONF=$KM/race-login.conf TSAN_OPTIONS=halt_on_error=1 "$SRC/build-tsan/tests/integration/close-race" \
	"$SRC/build-tsan/module/.libs/kmp11.so" race-a race-b 6 "$OS_PASSWORD"
echo "ok - ThreadSanitizer: C_CloseSession while other threads rename, read and sign, no race"

# The same build: a C_Logout and a fork() while another thread waits for
# the Key Manager (the fault server's slow answers; tests/fault/midcall.c).
/usr/bin/python3 "$SRC/tests/fault/faultserver.py" 18611 slow 2>/dev/null &
FAULTS=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/18611) 2>/dev/null && break; sleep 0.1; done
printf '[token]\nlabel = fault\nauth_url = http://127.0.0.1:18611/v3\nusername = u\nproject_name = fault\n' \
	>"$KM/midcall-logout.conf"
printf '[token]\nlabel = fault\nauth_url = http://127.0.0.1:18611/v3\nusername = u\nproject_name = fault\npassword = p\nrefresh_interval = 1\n' \
	>"$KM/midcall-fork.conf"
for mode in logout fork; do
	KMP11_CONF=$KM/midcall-$mode.conf TSAN_OPTIONS=halt_on_error=1 \
		"$SRC/build-tsan/tests/fault/midcall" "$SRC/build-tsan/module/.libs/kmp11.so" \
		"$mode" >"$KM/midcall.log" 2>&1 || { kill "$FAULTS"; cat "$KM/midcall.log"; exit 1; }
done
kill "$FAULTS"
echo "ok - ThreadSanitizer: a C_Logout and a fork() while another thread waits for the Key Manager, no race"

# valgrind 3.19 does not know mlock2 (syscall 325), which OpenSSL's secure
# heap tries first: it warns "unhandled amd64-linux syscall: 325", and
# OpenSSL falls back to mlock.
for cmd in "list" "verify pkcs11:object=rsa-www" "export-cert pkcs11:object=ec-www"; do
	# shellcheck disable=SC2086
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		"$BUILD_DIR/tools/kmp11-tool" --module "$MODULE" $cmd >/dev/null
done
echo "ok - valgrind: kmp11-tool list, verify and export-cert without errors or leaks"
unset KMP11_CONF
