#!/usr/bin/python3
"""A Key Manager outage: Barbican stopped while kmp11 is in use.

    outage.py MODULE KM_DIR     (OS_* of the test user in the env)

- a key fetched before keeps signing, without a request;
- a refresh that fails keeps the previous listing: finds still answer;
- a key not fetched yet fails with CKR_DEVICE_ERROR, quickly (the
  token's timeouts), never hangs;
- once Barbican is back, the same call succeeds: no restart needed.
"""
import os
import subprocess
import sys
import time

import PyKCS11
from PyKCS11 import Mechanism

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

MODULE, KM = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
P = PyKCS11


def barbican(action):
    subprocess.run(["/usr/bin/python3", f"{HERE}/../km/keymanager.py",
                    f"{action}-barbican", KM], check=True, capture_output=True)


lib = kmconf.load(MODULE, kmconf.token(
    "outage", "containers = rsa-www, ec-www", "refresh_interval = 1",
    "connect_timeout = 1", "timeout = 2"))
s = lib.openSession(lib.getSlotList()[0])


def key(label):
    found = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, label)])
    if len(found) != 1:
        fail(f"{label}: {len(found)} private keys")
    return found[0]


rsa = key("rsa-www")
s.sign(rsa, b"before", Mechanism(P.CKM_SHA256_RSA_PKCS))
barbican("stop")
try:
    s.sign(rsa, b"during", Mechanism(P.CKM_SHA256_RSA_PKCS))
    ok("outage: a key fetched before keeps signing")
    time.sleep(1.5)  # the listing is now due for a refresh, which fails
    ec = key("ec-www")
    ok("outage: a failed refresh keeps the previous listing")
    t0 = time.monotonic()
    expect(P.CKR_DEVICE_ERROR, "a key not fetched yet",
           lambda: s.sign(ec, b"during", Mechanism(P.CKM_ECDSA_SHA256)))
    took = time.monotonic() - t0
    if took > 10:
        fail(f"the failed fetch took {took:.1f} s")
    ok(f"outage: a key not fetched yet fails with CKR_DEVICE_ERROR in {took:.2f} s")
finally:
    barbican("start")
time.sleep(1.5)
s.sign(key("ec-www"), b"after", Mechanism(P.CKM_ECDSA_SHA256))
ok("outage over: the same key signs, no restart")
