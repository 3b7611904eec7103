#!/usr/bin/python3
"""Key pairs made through PKCS#11, against the real Key Manager.

    keygen.py MODULE     (OS_* of the test user in the env)

- C_GenerateKeyPair: RSA-2048 by an asymmetric order, EC P-256 and
  Ed25519 made in the module and stored as a generic container; each pair
  signs and verifies, private and public key share label and CKA_ID;
- the templates' errors give the spec's codes; a read-only session or a
  read-only token refuses; a label the token would not show is refused;
- C_SetAttributeValue renames (a new container, same keys); CKA_ID is
  read-only;
- C_DestroyObject deletes the container and its secrets, refused while a
  consumer is registered; the pair's other handle then destroys fine.
"""
import os
import subprocess
import sys
import tempfile

import PyKCS11
from PyKCS11 import Mechanism

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import expect, fail, ok  # noqa: E402
import kmrest  # noqa: E402

P = PyKCS11
lib = kmconf.load(sys.argv[1], kmconf.token("gen", "containers = gen-*"),
                  kmconf.token("frozen", "containers = gen-*", "read_only = yes"))
slots = {lib.getTokenInfo(s).label.strip(): s for s in lib.getSlotList()}
RW = P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION
CKR_ACTION_PROHIBITED = 0x1B  # not in PyKCS11's table
RUN = os.urandom(3).hex()  # labels of this run only


def templates(label, **pub):
    public = [(P.CKA_TOKEN, True), (P.CKA_VERIFY, True), (P.CKA_LABEL, label)]
    public += [(getattr(P, "CKA_" + k.upper()), v) for k, v in pub.items()]
    private = [(P.CKA_TOKEN, True), (P.CKA_SIGN, True), (P.CKA_PRIVATE, True),
               (P.CKA_SENSITIVE, True), (P.CKA_LABEL, label)]
    return public, private


P256 = bytes.fromhex("06082a8648ce3d030107")
ED25519 = bytes.fromhex("06032b6570")
s = lib.openSession(slots["gen"], RW)
pairs = {}
for label, mech, pub_attrs, sign_mech in (
        (f"gen-{RUN}-rsa", P.CKM_RSA_PKCS_KEY_PAIR_GEN,
         {"modulus_bits": 2048, "public_exponent": b"\x01\x00\x01"}, P.CKM_SHA256_RSA_PKCS),
        (f"gen-{RUN}-ec", P.CKM_EC_KEY_PAIR_GEN, {"ec_params": P256}, P.CKM_ECDSA_SHA256),
        (f"gen-{RUN}-ed", P.CKM_EC_EDWARDS_KEY_PAIR_GEN, {"ec_params": ED25519}, P.CKM_EDDSA)):
    pub, priv = s.generateKeyPair(*templates(label, **pub_attrs), mecha=Mechanism(mech))
    sig = bytes(s.sign(priv, b"made by kmp11", Mechanism(sign_mech)))
    if not s.verify(pub, b"made by kmp11", sig, Mechanism(sign_mech)):
        fail(f"{label}: the new pair does not verify")
    a = s.getAttributeValue(priv, [P.CKA_LABEL, P.CKA_ID])
    b = s.getAttributeValue(pub, [P.CKA_LABEL, P.CKA_ID])
    if a != b or a[0] != label or len(a[1]) != 16:
        fail(f"{label}: label and id {a} / {b}")
    pairs[label] = (pub, priv)
ok("C_GenerateKeyPair: RSA-2048 (order), EC P-256 and Ed25519 pairs sign and verify")

pub, priv = templates("gen-bad", modulus_bits=2048, public_exponent=b"\x03")
expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "exponent 3",
       lambda: s.generateKeyPair(pub, priv, mecha=Mechanism(P.CKM_RSA_PKCS_KEY_PAIR_GEN)))
pub, priv = templates("gen-bad", modulus_bits=1000)
expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "1000 bits",
       lambda: s.generateKeyPair(pub, priv, mecha=Mechanism(P.CKM_RSA_PKCS_KEY_PAIR_GEN)))
pub, priv = templates("gen-bad")
expect(P.CKR_TEMPLATE_INCOMPLETE, "EC without CKA_EC_PARAMS",
       lambda: s.generateKeyPair(pub, priv, mecha=Mechanism(P.CKM_EC_KEY_PAIR_GEN)))
pub, priv = templates("elsewhere", ec_params=P256)
expect(P.CKR_TEMPLATE_INCONSISTENT, "a label outside the token's patterns",
       lambda: s.generateKeyPair(pub, priv, mecha=Mechanism(P.CKM_EC_KEY_PAIR_GEN)))
ro = lib.openSession(slots["gen"])
pub, priv = templates("gen-ro", ec_params=P256)
expect(P.CKR_SESSION_READ_ONLY, "a read-only session",
       lambda: ro.generateKeyPair(pub, priv, mecha=Mechanism(P.CKM_EC_KEY_PAIR_GEN)))
if not lib.getTokenInfo(slots["frozen"]).flags & P.CKF_WRITE_PROTECTED:
    fail("read_only token without CKF_WRITE_PROTECTED")
expect(P.CKR_TOKEN_WRITE_PROTECTED, "a read-write session on a read-only token",
       lambda: lib.openSession(slots["frozen"], RW))
ok("bad templates, read-only sessions and tokens, hidden labels: refused with their codes")

# A CKA_ID in the templates is the pair's (as OpenSSL's pkcs11-provider
# and pkcs11-tool --id give it), found by it at once and by another process.
wanted = bytes.fromhex("0a0b" + RUN)  # this run's only
pub_t, priv_t = templates(f"gen-{RUN}-id", ec_params=P256)
made = s.generateKeyPair(pub_t + [(P.CKA_ID, wanted)], priv_t + [(P.CKA_ID, wanted)],
                         mecha=Mechanism(P.CKM_EC_KEY_PAIR_GEN))
classes = sorted(s.getAttributeValue(h, [P.CKA_CLASS])[0]
                 for h in s.findObjects([(P.CKA_ID, wanted)]))
if classes != [P.CKO_PUBLIC_KEY, P.CKO_PRIVATE_KEY]:
    fail(f"a pair generated with CKA_ID {wanted.hex()}: found classes {classes}")
if bytes(s.getAttributeValue(made[1], [P.CKA_ID])[0]) != wanted:
    fail("the generated private key does not show the templates' CKA_ID")
with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
    conf.write(kmconf.token("other", "containers = gen-*"))
conf_path = conf.name
os.chmod(conf_path, 0o600)
child = subprocess.run(["/usr/bin/python3", "-c", """
import sys, PyKCS11 as P
lib = P.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
print(len(s.findObjects([(P.CKA_ID, bytes.fromhex(sys.argv[2]))])))
""", sys.argv[1], wanted.hex()], env=dict(os.environ, KMP11_CONF=conf_path),
    capture_output=True, text=True)
os.unlink(conf_path)
if child.stdout.strip() != "2":
    fail(f"another process finds {child.stdout.strip()} objects by the pair's "
         f"CKA_ID: {child.stderr[-300:]}")
expect(P.CKR_TEMPLATE_INCONSISTENT, "two CKA_IDs for one pair",
       lambda: s.generateKeyPair(pub_t + [(P.CKA_ID, b"\x01")], priv_t + [(P.CKA_ID, b"\x02")],
                                 mecha=Mechanism(P.CKM_EC_KEY_PAIR_GEN)))
ok("C_GenerateKeyPair keeps the templates' CKA_ID: found by it in this process and another")

pub, priv = pairs[f"gen-{RUN}-ec"]
before = bytes(s.getAttributeValue(priv, [P.CKA_ID])[0])
s.setAttributeValue(priv, [(P.CKA_LABEL, f"gen-{RUN}-renamed")])
renamed = s.findObjects([(P.CKA_LABEL, f"gen-{RUN}-renamed")])
if len(renamed) != 2 or s.findObjects([(P.CKA_LABEL, f"gen-{RUN}-ec")]):
    fail(f"rename: {len(renamed)} objects under the new name")
if any(bytes(s.getAttributeValue(h, [P.CKA_ID])[0]) != before for h in renamed):
    fail("a renamed pair changed its CKA_ID")
s.setAttributeValue(priv, [(P.CKA_ID, b"\x42")])
if len(s.findObjects([(P.CKA_ID, b"\x42"), (P.CKA_LABEL, f"gen-{RUN}-renamed")])) != 2:
    fail("C_SetAttributeValue(CKA_ID): the pair is not found by its new id")
ok("C_SetAttributeValue renames a pair (CKA_LABEL) keeping its CKA_ID, and sets its CKA_ID")

# What C_SetAttributeValue and C_DestroyObject do, the attributes say.
def flags(session, handle):
    """CKA_MODIFIABLE, CKA_DESTROYABLE (PyKCS11 reads the second as bytes)."""
    return [bool(v[0]) if isinstance(v, (tuple, list)) else bool(v) for v in
            session.getAttributeValue(handle, [P.CKA_MODIFIABLE, P.CKA_DESTROYABLE])]


if flags(s, priv) != [True, True]:
    fail(f"a writable token's key: CKA_MODIFIABLE, CKA_DESTROYABLE "
         f"{flags(s, priv)}, expected TRUE")
frozen = lib.openSession(slots["frozen"])
seen = frozen.findObjects([(P.CKA_LABEL, f"gen-{RUN}-renamed")])
if not seen or flags(frozen, seen[0]) != [False, False]:
    fail("a read_only token's object: CKA_MODIFIABLE or CKA_DESTROYABLE not FALSE")
ok("CKA_MODIFIABLE and CKA_DESTROYABLE: TRUE where renaming and deleting "
   "work, FALSE on a read_only token")

pub, priv = pairs[f"gen-{RUN}-rsa"]
cid = bytes(s.getAttributeValue(priv, [P.CKA_ID])[0]).hex()
ref = f"{kmrest.KM}/containers/{cid[:8]}-{cid[8:12]}-{cid[12:16]}-{cid[16:20]}-{cid[20:]}"
secrets = [r["secret_ref"] for r in kmrest.get(ref)["secret_refs"]]
consumer = {"name": "lb-www", "URL": "https://lb.example.test"}
kmrest.post(ref.split("/v1/", 1)[1] + "/consumers", consumer)
expect(CKR_ACTION_PROHIBITED, "a container with a consumer", lambda: s.destroyObject(priv))
kmrest.delete(ref + "/consumers", consumer)
s.destroyObject(priv)
s.destroyObject(pub)  # gone with its container: fine
for r in [ref] + secrets:
    try:
        kmrest.get(r)
        fail(f"{r} is still in the Key Manager")
    except Exception as e:
        if getattr(e, "code", None) != 404:
            raise
if s.findObjects([(P.CKA_LABEL, f"gen-{RUN}-rsa")]):
    fail("destroyed pair still listed")
ok("C_DestroyObject deletes the container and its secrets; refused while it has consumers")
