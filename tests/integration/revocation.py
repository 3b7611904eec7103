#!/usr/bin/python3
"""Revocation under a running signer, with the real Keystone and Barbican.

    revocation.py MODULE KM_DIR   (OS_* of the test user in the env)

A process that only signs (as nginx's workers do: C_SignInit on a handle,
never a search) lists again once per refresh_interval:
- a container deleted by someone else: its key no longer signs
  (CKR_KEY_HANDLE_INVALID);
- the user's role on the project removed: the token's objects are gone
  and the keys fetched from them dropped, the log says why; with the role
  back, the next listing brings them again;
- C_Logout of a login token drops the private keys fetched: after the
  next login, signing fetches the key again.
"""
import json
import os
import sys
import time

import PyKCS11

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import keymanager  # noqa: E402
import kmconf  # noqa: E402
import kmrest  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

P = PyKCS11
REFRESH = 2
KM_DIR = sys.argv[2]
ids = json.load(open(os.path.join(KM_DIR, "ids.json")))
RUN = os.urandom(3).hex()
USER, PASSWORD = f"kmp11-revoked-{RUN}", f"pw-{RUN}"
KS = os.environ["OS_AUTH_URL"].rstrip("/")
ADMIN = keymanager.admin_token()

# The module logs to stderr: into a file this test reads.
LOG = f"/tmp/kmp11-revocation-{RUN}.log"
os.environ["KMP11_DEBUG"] = "4"
STDERR = os.dup(2)  # back for the failure message
os.dup2(os.open(LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)


def log_text():
    with open(LOG) as f:
        return f.read()


def role(method):
    keymanager.request(method, f"{KS}/projects/{ids['project']}/users/"
                       f"{user_id}/roles/{ids['creator']}", token=ADMIN)


def token_of_user(label, *extra, password=True):
    saved = os.environ["OS_USERNAME"], os.environ["OS_PASSWORD"]
    os.environ["OS_USERNAME"], os.environ["OS_PASSWORD"] = USER, PASSWORD
    try:
        return kmconf.token(label, f"refresh_interval = {REFRESH}",
                            "key_cache = none", *extra, password=password)
    finally:
        os.environ["OS_USERNAME"], os.environ["OS_PASSWORD"] = saved


def key_of(session, label):
    keys = session.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY),
                                (P.CKA_LABEL, label)])
    if len(keys) != 1:
        fail(f"{label}: {len(keys)} private keys found, expected 1")
    return keys[0]


def sign(session, key):
    return session.sign(key, b"\x01" * 32, P.Mechanism(P.CKM_ECDSA))


_, made = keymanager.request("POST", f"{KS}/users", {"user": {
    "name": USER, "domain_id": "default", "password": PASSWORD}}, ADMIN)
user_id = made["user"]["id"]
try:
    role("PUT")
    with open(f"{KM_DIR}/seed/manifest.json") as f:
        source = kmrest.get(json.load(f)["containers"]["ec-www"])
    refs = {r["name"]: r["secret_ref"] for r in source["secret_refs"]
            if r["name"] in ("certificate", "private_key")}
    ref = kmrest.container(f"revoked-{RUN}", refs)

    lib = kmconf.load(sys.argv[1],
                      token_of_user("signer", f"containers = revoked-{RUN}, ec-www"),
                      token_of_user("login", "containers = ec-www", password=False))
    slots = {lib.getTokenInfo(i).label.strip(): i for i in lib.getSlotList()}
    s = lib.openSession(slots["signer"])
    mine, shared = key_of(s, f"revoked-{RUN}"), key_of(s, "ec-www")
    sign(s, mine)
    sign(s, shared)

    # ---- a container deleted by someone else ----
    kmrest.delete(ref)
    time.sleep(REFRESH + 0.5)
    expect(P.CKR_KEY_HANDLE_INVALID, "signing with a deleted container's key",
           lambda: sign(s, mine))
    sign(s, shared)
    ok("a process that only signs sees a container deleted elsewhere "
       f"within refresh_interval ({REFRESH} s)")

    # ---- the user's role removed, then given back ----
    role("DELETE")
    time.sleep(REFRESH + 0.5)
    expect(P.CKR_KEY_HANDLE_INVALID, "signing after the role was removed",
           lambda: sign(s, shared))
    if s.findObjects([]):
        fail("objects still listed after the role was removed")
    if "refuses this user the project" not in log_text():
        fail("no log line says the Key Manager refuses the user")
    if "payloads dropped" not in log_text():
        fail("the keys fetched were not dropped with the objects")
    role("PUT")
    time.sleep(REFRESH + 0.5)
    sign(s, key_of(s, "ec-www"))
    ok("a role removed under a running signer: objects and fetched keys "
       "dropped, said in the log; the role back, it signs again")
    s.closeSession()

    # ---- C_Logout drops the private keys fetched ----
    s = lib.openSession(slots["login"])

    def signed_after_login():
        before = log_text().count("/payload ->")
        s.login(PASSWORD)
        sign(s, key_of(s, "ec-www"))
        s.logout()
        return log_text().count("/payload ->") - before

    first, again = signed_after_login(), signed_after_login()
    if first == 0 or again == 0:
        fail(f"payload requests at each login: {first} then {again}; "
             "C_Logout kept the private key")
    s.closeSession()
    ok(f"C_Logout drops the private keys fetched ({again} payload requests "
       "after the next login)")
finally:
    keymanager.request("DELETE", f"{KS}/users/{user_id}", token=ADMIN)
    os.unlink(LOG)
    os.dup2(STDERR, 2)
