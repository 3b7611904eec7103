#!/usr/bin/python3
"""Keystone changing under a running client, with the real Keystone.

    keystone.py MODULE KM_DIR   (OS_* of the test user in the env)

A user of its own (kmp11-rotated, creator in project kmp11) so that the
other tests' tokens are not revoked:
- its password changed: Keystone revokes the module's token and refuses
  the credentials; at the next listing (refresh_interval, also when a key
  is used) the token's objects go and keys already fetched stop signing
  (CKR_KEY_HANDLE_INVALID): revocation holds for a running process. The
  password restored, the next listing brings the same handles back,
  without a restart;
- its role removed: the same; given back: recovery.
A revoked token is what an expired one looks like to the module (401);
the fault server's "401-once" covers the single-401 retry, and a Key
Manager that cannot be reached keeps the listing (outage.py).
"""
import json
import os
import sys
import time

import PyKCS11 as P

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import keymanager  # noqa: E402
import kmconf  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

ids = json.load(open(os.path.join(sys.argv[2], "ids.json")))
KS = os.environ["OS_AUTH_URL"]
admin = keymanager.admin_token()
PASSWORD = "rotated-secret-1"


def admin_call(method, path, body=None):
    return keymanager.request(method, f"{KS}/{path}", body, admin)[1]


def password(value):
    admin_call("PATCH", f"users/{user}", {"user": {"password": value}})


user = admin_call("POST", "users", {"user": {
    "name": f"kmp11-rotated-{os.getpid()}", "domain_id": "default",
    "password": PASSWORD}})["user"]["id"]
role_path = f"projects/{ids['project']}/users/{user}/roles/{ids['creator']}"
admin_call("PUT", role_path)
os.environ["OS_USERNAME"] = admin_call("GET", f"users/{user}")["user"]["name"]
os.environ["OS_PASSWORD"] = PASSWORD
lib = kmconf.load(sys.argv[1], kmconf.token("rotated", "refresh_interval = 1",
                                             "timeout = 10"))
s = lib.openSession(lib.getSlotList()[0])


def listing():
    """The number of certificates (a failed refresh keeps the last)."""
    time.sleep(1.1)  # past refresh_interval: the call goes to Keystone
    return len(s.findObjects([(P.CKA_CLASS, P.CKO_CERTIFICATE)]))


def first_use(label, mech):
    """Signs with a key not fetched yet: the CKR_ name, "gone" (no such
    key listed), or "signed"."""
    time.sleep(1.1)
    try:
        k = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, label)])
        if not k:
            return "gone"
        s.sign(k[0], b"first use", P.Mechanism(mech))
        return "signed"
    except P.PyKCS11Error as e:
        return P.CKR[e.value]


n = listing()
key = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, "ec-www")])[0]
s.sign(key, b"fetched", P.Mechanism(P.CKM_ECDSA_SHA256))
if n == 0:
    fail("the rotated user lists nothing")
try:
    password("changed-elsewhere-2")
    time.sleep(1.1)
    # A process that only signs lists again at C_SignInit once due.
    expect(P.CKR_KEY_HANDLE_INVALID, "a fetched key after the password changed",
           lambda: s.sign(key, b"revoked", P.Mechanism(P.CKM_ECDSA_SHA256)))
    if listing() != 0 or first_use("rsa-www", P.CKM_SHA256_RSA_PKCS) != "gone":
        fail("a changed password: the objects are still listed")
    password(PASSWORD)
    if first_use("rsa-www", P.CKM_SHA256_RSA_PKCS) != "signed":
        fail("the password restored: no recovery")
    s.sign(key, b"back", P.Mechanism(P.CKM_ECDSA_SHA256))
    ok("password changed under a running signer (its credentials refused): "
       "the objects go and fetched keys stop signing at the next listing; "
       "restored: the same handles sign again, no restart")

    admin_call("DELETE", role_path)
    if first_use("ed-www", P.CKM_EDDSA) != "gone":
        fail("the role removed: the key is still listed")
    admin_call("PUT", role_path)
    if first_use("ed-www", P.CKM_EDDSA) != "signed":
        fail("the role given back: no recovery")
    ok("role removed: the objects go; given back: recovery without a restart")
finally:
    admin_call("DELETE", f"users/{user}")
