#!/usr/bin/python3
"""Mapping cases through the module's function list (PyKCS11), against the
real Key Manager seeded by seed.py.

    mapping.py MODULE SEED_DIR     (OS_* of the test user in the env)

- an unusable certificate payload fails that object only, and the public
  key of its container comes from the private key instead;
- a private key that does not match its certificate gets its own CKA_ID
  once its payload is fetched;
- a token whose credentials lack the password needs C_Login: a wrong PIN
  gives CKR_PIN_INCORRECT, the right one shows and signs with the keys,
  C_Logout hides them again;
- with a short refresh interval, a container stored or deleted in the Key
  Manager appears or disappears without restarting;
- after fork, the child's C_Initialize returns CKR_OK and the key the
  parent fetched signs in the child with the same handle, without a
  single request to the Key Manager.
"""
import json
import os
import sys
import time

import PyKCS11
from cryptography.hazmat.primitives.serialization import load_pem_public_key

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import expect, fail, in_child, ok  # noqa: E402
import kmrest  # noqa: E402

MODULE, SEED = sys.argv[1], sys.argv[2]
REFRESH = 1


def container_id(name):
    with open(f"{SEED}/manifest.json") as f:
        ref = json.load(f)["containers"][name]
    return bytes.fromhex(ref.rsplit("/", 1)[1].replace("-", ""))


lib = kmconf.load(MODULE, kmconf.token("main"),
                  kmconf.token("login", password=False),
                  kmconf.token("fresh", "containers = fresh-*",
                               f"refresh_interval = {REFRESH}"))
slots = {lib.getTokenInfo(s).label.strip(): s for s in lib.getSlotList()}


def find(session, **attrs):
    templ = [(getattr(PyKCS11, "CKA_" + k.upper()), v) for k, v in attrs.items()]
    return session.findObjects(templ)


def one(session, **attrs):
    found = find(session, **attrs)
    if len(found) != 1:
        fail(f"{attrs}: {len(found)} objects, expected 1")
    return found[0]


# ---- an unusable payload fails its object only ----
s = lib.openSession(slots["main"])
cert = one(s, label="garbage", **{"class": PyKCS11.CKO_CERTIFICATE})
# PyKCS11 answers None for CKR_ATTRIBUTE_TYPE_INVALID.
if s.getAttributeValue(cert, [PyKCS11.CKA_VALUE])[0] is not None:
    fail("the garbage certificate has a CKA_VALUE")
pub = one(s, label="garbage", **{"class": PyKCS11.CKO_PUBLIC_KEY})
modulus = bytes(s.getAttributeValue(pub, [PyKCS11.CKA_MODULUS])[0])
with open(f"{SEED}/garbage-key.pub.pem", "rb") as f:
    expected = load_pem_public_key(f.read()).public_numbers().n
if int.from_bytes(modulus, "big") != expected:
    fail("public key of the garbage container: not the private key's")
good = one(s, label="rsa-www", **{"class": PyKCS11.CKO_CERTIFICATE})
s.getAttributeValue(good, [PyKCS11.CKA_VALUE])
ok("a garbage certificate fails alone; its public key comes from the key")

# ---- a mismatched key is not paired ----
# The mismatch shows once the key's payload is fetched (reading its key
# material, or its first use): metadata alone cannot tell.
key = one(s, label="mismatch", **{"class": PyKCS11.CKO_PRIVATE_KEY})
s.getAttributeValue(key, [PyKCS11.CKA_MODULUS])
key_id = bytes(s.getAttributeValue(key, [PyKCS11.CKA_ID])[0])
if key_id == container_id("mismatch") or len(key_id) != 16:
    fail("the mismatched private key shares the certificate's CKA_ID")
ok("a private key that does not match its certificate has its own CKA_ID")
s.closeSession()

# ---- fork: the child signs with what the parent fetched ----
s = lib.openSession(slots["main"])
key = one(s, label="ec-www", **{"class": PyKCS11.CKO_PRIVATE_KEY})
mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256)
s.sign(key, b"before fork", mech)


def child_signs():
    if lib.lib.C_Initialize() != PyKCS11.CKR_OK:
        raise RuntimeError("C_Initialize")
    lib.openSession(slots["main"]).sign(key, b"in the child", mech)


trace = in_child("forked child could not sign", child_signs)
if "forked child: state kept" not in trace or "http:" in trace:
    fail(f"forked child: {trace}")
s.closeSession()
ok("fork: the child's C_Initialize is OK and it signs with no Key Manager request")

# ---- login with the password as PIN ----
slot = slots["login"]
if not lib.getTokenInfo(slot).flags & PyKCS11.CKF_LOGIN_REQUIRED:
    fail("token without a password: CKF_LOGIN_REQUIRED not set")
s = lib.openSession(slot)
if find(s, **{"class": PyKCS11.CKO_PRIVATE_KEY}):
    fail("private keys visible before login")
expect(PyKCS11.CKR_PIN_INCORRECT, "C_Login with a wrong PIN",
       lambda: s.login("not-the-password"))
# v2.40 3.2: a wrong user PIN since the last successful login.
if not lib.getTokenInfo(slot).flags & PyKCS11.CKF_USER_PIN_COUNT_LOW:
    fail("no CKF_USER_PIN_COUNT_LOW after a wrong PIN")
s.login(os.environ["OS_PASSWORD"])
if lib.getTokenInfo(slot).flags & PyKCS11.CKF_USER_PIN_COUNT_LOW:
    fail("CKF_USER_PIN_COUNT_LOW still set after a successful login")
key = one(s, label="rsa-www", **{"class": PyKCS11.CKO_PRIVATE_KEY})
s.sign(key, b"data", PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS))
s.logout()
if find(s, **{"class": PyKCS11.CKO_PRIVATE_KEY}):
    fail("private keys visible after logout")
s.closeSession()
ok("login token: wrong PIN refused (CKF_USER_PIN_COUNT_LOW until the right one), right PIN signs, logout hides keys")

# The login ends with the last session (v2.40 6.7): a new session is
# public, the private key hidden, and logging in again is no error.
s = lib.openSession(slot)
s.login(os.environ["OS_PASSWORD"])
other = lib.openSession(slot)
s.closeSession()
if other.getSessionInfo().state != PyKCS11.CKS_RO_USER_FUNCTIONS:
    fail("the login ended while a session was still open")
other.closeSession()
s = lib.openSession(slot)
if s.getSessionInfo().state != PyKCS11.CKS_RO_PUBLIC_SESSION:
    fail("after the last session closed, a new session is still logged in")
if find(s, **{"class": PyKCS11.CKO_PRIVATE_KEY}):
    fail("private keys visible after the last session closed")
s.login(os.environ["OS_PASSWORD"])
lib.closeAllSessions(slot)
s = lib.openSession(slot)
if s.getSessionInfo().state != PyKCS11.CKS_RO_PUBLIC_SESSION:
    fail("after C_CloseAllSessions, a new session is still logged in")
s.closeSession()
ok("login token: the login ends with the last session (C_CloseSession, C_CloseAllSessions)")

# Private session objects are destroyed at the end of the login, public
# ones stay (v2.40 6.7.4).
s = lib.openSession(slot)
s.login(os.environ["OS_PASSWORD"])
def session_aes(private):
    return s.createObject([
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
        (PyKCS11.CKA_VALUE, bytes(16)), (PyKCS11.CKA_TOKEN, False),
        (PyKCS11.CKA_PRIVATE, private)])
private, public = session_aes(True), session_aes(False)
s.logout()
expect(PyKCS11.CKR_OBJECT_HANDLE_INVALID, "a private session object after C_Logout",
       lambda: s.getAttributeValue(private, [PyKCS11.CKA_CLASS]))
s.login(os.environ["OS_PASSWORD"])
expect(PyKCS11.CKR_OBJECT_HANDLE_INVALID, "a private session object at the next login",
       lambda: s.getAttributeValue(private, [PyKCS11.CKA_CLASS]))
s.getAttributeValue(public, [PyKCS11.CKA_CLASS])
s.logout()
s.closeSession()
ok("login token: private session objects are destroyed at C_Logout, public ones stay")

# ---- refresh: containers appear and disappear ----
s = lib.openSession(slots["fresh"])
if find(s):
    fail("fresh token: objects before any fresh-* container exists")
with open(f"{SEED}/manifest.json") as f:
    source = kmrest.get(json.load(f)["containers"]["rsa-www"])
refs = {r["name"]: r["secret_ref"] for r in source["secret_refs"]
        if r["name"] in ("certificate", "private_key")}
ref = kmrest.container("fresh-1", refs)
time.sleep(REFRESH + 0.5)
handles = find(s, label="fresh-1")
if len(handles) != 3:
    fail(f"stored container: {len(handles)} objects after a refresh, expected 3")
kmrest.delete(ref)
time.sleep(REFRESH + 0.5)
if find(s):
    fail("deleted container: objects still listed after a refresh")
expect(PyKCS11.CKR_OBJECT_HANDLE_INVALID, "handle of a deleted container",
       lambda: s.getAttributeValue(handles[0], [PyKCS11.CKA_LABEL]))
s.closeSession()
ok("refresh: a stored container appears, a deleted one disappears")
