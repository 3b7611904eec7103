#!/usr/bin/python3
"""Keystone tokens that really expire, with the real Keystone and Barbican.

    expiry.py MODULE KM_DIR   (OS_* of the test user in the env)

A second Keystone on the same database and keys issues tokens that live
20 s (keymanager.start_short_keystone); Barbican validates them with the
first Keystone, which refuses them once past the expiry they carry. Three
clients at once list, fetch and sign for 50 s, two and a half lifetimes:
- on this host's clock;
- with the host's clock 10 minutes ahead of Keystone's (faketime);
- with it 10 minutes behind.
Every call succeeds, and each client takes a new token before the last
one ends: 4 tokens in 50 s (at 0, 15, 30 and 45 s), not one per call (what
a clock ahead gives a module that trusts it), and no token refused by the
Key Manager (what a clock behind gives).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import keymanager  # noqa: E402
from checks import fail, ok  # noqa: E402

LIFETIME, DURATION = 20, 50
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

CLIENT = """
import json, select, sys, time
sys.path.insert(0, sys.argv[2])
import PyKCS11 as P
import kmconf
lib = kmconf.load(sys.argv[1], kmconf.token("short", "refresh_interval = 1",
                                             "timeout = 10"))
s = lib.openSession(lib.getSlotList()[0])
failures, calls = [], 0


def call(what, f):
    global calls
    calls += 1
    try:
        return f()
    except P.PyKCS11Error as e:
        failures.append(f"{what}: {P.CKR[e.value]} at {time.monotonic() - start:.0f} s")


def sign(label, mech):
    k = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, label)])[0]
    return s.sign(k, b"expiry", P.Mechanism(mech))


start = time.monotonic()
call("first use of ec-www", lambda: sign("ec-www", P.CKM_ECDSA_SHA256))
while time.monotonic() - start < float(sys.argv[3]):
    # Past refresh_interval: the listing goes to Barbican. (Under
    # libfaketime, time.sleep fails with EINVAL; select waits.)
    select.select([], [], [], 1.1)
    n = call("listing", lambda: len(s.findObjects([(P.CKA_CLASS, P.CKO_CERTIFICATE)])))
    if n == 0:
        failures.append("the listing is empty")
    call("signing with ec-www", lambda: sign("ec-www", P.CKM_ECDSA_SHA256))
# A key fetched with the last token.
call("first use of rsa-www", lambda: sign("rsa-www", P.CKM_SHA256_RSA_PKCS))
print(json.dumps({"calls": calls, "failures": failures}))
"""

CLOCKS = {"this host's clock": None, "the clock 10 min ahead": "+600",
          "the clock 10 min behind": "-600"}


def client(offset):
    env = dict(os.environ, KMP11_DEBUG="4",
               OS_AUTH_URL=f"http://127.0.0.1:{keymanager.SHORT_KS_PORT}/v3")
    if offset is not None:
        # Wall-clock time only: timeouts run on the monotonic clock.
        env.update(LD_PRELOAD=FAKETIME, FAKETIME=offset,
                   FAKETIME_DONT_FAKE_MONOTONIC="1")
    return subprocess.Popen(
        ["/usr/bin/python3", "-c", CLIENT, sys.argv[1],
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "km"),
         str(DURATION)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


keymanager.start_short_keystone(sys.argv[2], LIFETIME)
try:
    clients = {name: client(offset) for name, offset in CLOCKS.items()}
    for name, p in clients.items():
        out, log = p.communicate(timeout=DURATION + 120)
        if p.returncode != 0:
            fail(f"{name}: the client failed:\n{log[-2000:]}")
        result = json.loads(out)
        tokens = log.count("Keystone: token for project")
        refused = sum(1 for line in log.splitlines()
                      if line.endswith(" -> 401") and "/v1/" in line)
        if result["failures"]:
            fail(f"{name}: {result['failures']}")
        if not 3 <= tokens <= 6 or refused:
            fail(f"{name}: {tokens} tokens in {DURATION} s of {LIFETIME}-second "
                 f"tokens ({result['calls']} calls), {refused} refused by "
                 "the Key Manager; expected about 4, none refused")
        ok(f"{LIFETIME}-second tokens, {name}: {result['calls']} calls in "
           f"{DURATION} s all succeeded on {tokens} tokens, each renewed "
           "before it expired")
finally:
    keymanager.stop(sys.argv[2], ("keystone-short",))
