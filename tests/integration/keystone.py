#!/usr/bin/python3
"""Keystone changing under a running client, with the real Keystone.

    keystone.py MODULE KM_DIR   (OS_* of the test user in the env)

A user of its own (kmp11-rotated, creator in project kmp11) so that the
other tests' tokens are not revoked:
- its password changed: Keystone revokes the module's token; what needs
  the Key Manager (a key's first use) answers CKR_DEVICE_ERROR (logged
  "Keystone refused the credentials"), the listing stays, keys already
  fetched keep signing; the password restored, the next call
  authenticates again, without a restart;
- its role removed: CKR_DEVICE_ERROR; given back: recovery.
A revoked token is what an expired one looks like to the module (401);
the fault server's "401-once" covers the single-401 retry.
"""
import json
import os
import sys
import time

import PyKCS11 as P

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import keymanager  # noqa: E402
import kmconf  # noqa: E402
from checks import fail, ok  # noqa: E402

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
    """Signs with a key not fetched yet: the CKR_ name, or "signed"."""
    time.sleep(1.1)
    try:
        k = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_LABEL, label)])[0]
        s.sign(k, b"first use", P.Mechanism(mech))
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
    if first_use("rsa-www", P.CKM_SHA256_RSA_PKCS) != "CKR_DEVICE_ERROR":
        fail("a changed password: a key's first use did not fail cleanly")
    if listing() != n:
        fail("a changed password: the objects vanished")
    s.sign(key, b"still", P.Mechanism(P.CKM_ECDSA_SHA256))
    password(PASSWORD)
    if first_use("rsa-www", P.CKM_SHA256_RSA_PKCS) != "signed":
        fail("the password restored: no recovery")
    ok("password changed under a running client (its token revoked): "
       "CKR_DEVICE_ERROR for what needs the Key Manager, the objects stay, "
       "fetched keys keep signing; restored: it authenticates again")

    admin_call("DELETE", role_path)
    if first_use("ed-www", P.CKM_EDDSA) != "CKR_DEVICE_ERROR":
        fail("the role removed: a key's first use did not fail cleanly")
    admin_call("PUT", role_path)
    if first_use("ed-www", P.CKM_EDDSA) != "signed":
        fail("the role given back: no recovery")
    ok("role removed: CKR_DEVICE_ERROR; given back: recovery without a restart")
finally:
    admin_call("DELETE", f"users/{user}")
