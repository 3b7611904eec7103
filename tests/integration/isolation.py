#!/usr/bin/python3
"""Projects, ACLs and roles, with the real Keystone users and Barbican.

    isolation.py MODULE KM_DIR   (OS_* of the test user in the env)

- a token of project kmp11 never shows a container of project
  kmp11-other, not even one shared with its user by ACL, unless the
  token's container_refs names it; then its key signs (payloads read
  through the ACL);
- an observer (read-only role) lists and signs; every write is
  CKR_TOKEN_WRITE_PROTECTED;
- sensitivity cannot be weakened: token objects' attributes are
  read-only, a sensitive session key stays sensitive (C_CopyObject is not
  offered: test-api.c).
"""
import json
import os
import subprocess
import sys
import urllib.request

import PyKCS11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
import kmrest  # noqa: E402
import testca  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

P = PyKCS11
E = os.environ
ids = json.load(open(os.path.join(sys.argv[2], "ids.json")))
RUN = os.urandom(3).hex()
PEM = serialization.Encoding.PEM


def as_user(user, project):
    """Makes kmrest call the Key Manager as another user."""
    saved = E["OS_USERNAME"], E["OS_PROJECT_NAME"]
    E["OS_USERNAME"], E["OS_PROJECT_NAME"] = user, project
    try:
        kmrest.TOKEN, _ = kmrest.token()
    finally:
        E["OS_USERNAME"], E["OS_PROJECT_NAME"] = saved


def share(ref):
    """Read access for the test user, by ACL, to what ref names."""
    body = json.dumps({"read": {"users": [ids["user"]], "project-access": False}})
    req = urllib.request.Request(f"{ref}/acl", body.encode(), method="PUT",
                                 headers={"X-Auth-Token": kmrest.TOKEN,
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req).close()


def observer():
    """The observer reads and signs; writes are refused by the Key Manager."""
    lib = kmconf.load(sys.argv[1], kmconf.token("observed"))
    obs = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    keys = obs.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_KEY_TYPE, P.CKK_EC)])
    if not keys:
        fail("the observer sees no key")
    obs.sign(keys[0], b"observed", P.Mechanism(P.CKM_ECDSA_SHA256))
    pub = [(P.CKA_TOKEN, True), (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")),
           (P.CKA_LABEL, f"iso-{RUN}-observer")]
    expect(P.CKR_TOKEN_WRITE_PROTECTED, "an observer generating a key pair",
           lambda: obs.generateKeyPair(pub, [(P.CKA_TOKEN, True),
                                             (P.CKA_LABEL, f"iso-{RUN}-observer")],
                                       mecha=P.Mechanism(P.CKM_EC_KEY_PAIR_GEN)))
    expect(P.CKR_TOKEN_WRITE_PROTECTED, "an observer deleting a container",
           lambda: obs.destroyObject(keys[0]))
    ok("an observer lists and signs; its writes are CKR_TOKEN_WRITE_PROTECTED")


if sys.argv[3:] == ["observer"]:
    observer()
    sys.exit(0)

# Another project's containers: one private, one shared by ACL.
as_user("kmp11-other-user", "kmp11-other")
key = ec.generate_private_key(ec.SECP256R1())
cert = testca.certificate(f"iso-{RUN}", key, f"iso-{RUN}", key)
refs = {}
for name in ("private", "shared"):
    secrets = {
        "certificate": kmrest.secret(f"iso-{RUN}-{name}", cert.public_bytes(PEM),
                                     "certificate", True),
        "private_key": kmrest.secret(f"iso-{RUN}-{name}", key.private_bytes(
            PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            "private", True, "ec", 256),
    }
    refs[name] = kmrest.container(f"iso-{RUN}-{name}", secrets)
    if name == "shared":
        for ref in [refs[name], *secrets.values()]:
            share(ref)
as_user(E["OS_USERNAME"], E["OS_PROJECT_NAME"])

lib = kmconf.load(sys.argv[1], kmconf.token("mine"),
                  kmconf.token("sharing", f"container_refs = {refs['shared']}"))
slots = {lib.getTokenInfo(s).label.strip(): s for s in lib.getSlotList()}
mine = lib.openSession(slots["mine"])
if mine.findObjects([(P.CKA_LABEL, f"iso-{RUN}-private")]) or \
        mine.findObjects([(P.CKA_LABEL, f"iso-{RUN}-shared")]):
    fail("a token shows another project's container")
sharing = lib.openSession(slots["sharing"])
if sharing.findObjects([(P.CKA_LABEL, f"iso-{RUN}-private")]):
    fail("container_refs shows a container that is not shared")
found = sharing.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY),
                             (P.CKA_LABEL, f"iso-{RUN}-shared")])
if len(found) != 1:
    fail(f"the shared container: {len(found)} keys")
sharing.sign(found[0], b"shared", P.Mechanism(P.CKM_ECDSA_SHA256))
ok("another project's containers stay hidden; one shared by ACL shows "
   "through container_refs, and its key signs")

# The observer, in a process of its own (a module is initialized once per
# process).
run = subprocess.run([sys.executable, __file__, *sys.argv[1:3], "observer"],
                     env=dict(E, OS_USERNAME="kmp11-observer"))
if run.returncode != 0:
    sys.exit(run.returncode)

# Sensitivity cannot be weakened.
s = lib.openSession(slots["mine"], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
keys = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY)])
for attr, value in ((P.CKA_SENSITIVE, False), (P.CKA_EXTRACTABLE, True)):
    expect(P.CKR_ATTRIBUTE_READ_ONLY, f"{P.CKA[attr]} on a token key",
           lambda: s.setAttributeValue(keys[0], [(attr, value)]))
secret = s.createObject([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
                         (P.CKA_TOKEN, False), (P.CKA_SENSITIVE, True),
                         (P.CKA_EXTRACTABLE, False), (P.CKA_VALUE, bytes(16))])
for attr, value in ((P.CKA_SENSITIVE, False), (P.CKA_EXTRACTABLE, True)):
    expect(P.CKR_ATTRIBUTE_READ_ONLY, f"{P.CKA[attr]} on a sensitive session key",
           lambda: s.setAttributeValue(secret, [(attr, value)]))
# PyKCS11 answers None for a value the module calls sensitive.
if s.getAttributeValue(secret, [P.CKA_VALUE])[0] is not None:
    fail("a sensitive session key's value was read")
ok("CKA_SENSITIVE and CKA_EXTRACTABLE cannot be weakened (token and session keys)")
