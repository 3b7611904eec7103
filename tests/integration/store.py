#!/usr/bin/python3
"""Token objects stored with C_CreateObject, against the real Key Manager.

    store.py MODULE KM_DIR    (OS_* of the test user in the env; KM_DIR
                               as keymanager.py made it)

- a certificate and a private key with one CKA_ID become one certificate
  container, in either order (RSA, EC, Ed25519); the handle of the one
  written first still works once the container replaced its half;
- different CKA_IDs but one label and one public key pair too (p11tool);
- intermediates with that CKA_ID, or that label and issuing the
  certificate, join the chain;
- public keys, AES keys and data objects become standalone secrets where
  the token shows them;
- wrong templates give the spec's codes; a read-only session or token
  refuses; a failed container (quota reached) leaves no secret behind.
"""
import json
import os
import sys

import PyKCS11
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import keymanager  # noqa: E402
import kmconf  # noqa: E402
import kmrest  # noqa: E402
import testca  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

P = PyKCS11
RUN = os.urandom(3).hex()
E = os.environ
tokens = [kmconf.token("store", "containers = st-*"),
          kmconf.token("store-all", "containers = st-*", "show_secrets = yes"),
          kmconf.token("frozen", "containers = st-*", "read_only = yes")]
project = E["OS_PROJECT_NAME"]
E["OS_PROJECT_NAME"] = "kmp11-quota"
tokens.append(kmconf.token("quota"))
E["OS_PROJECT_NAME"] = project
lib = kmconf.load(sys.argv[1], *tokens)
slots = {lib.getTokenInfo(s).label.strip(): s for s in lib.getSlotList()}
RW = P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION
s = lib.openSession(slots["store"], RW)
DER = serialization.Encoding.DER


def der_int(n):
    return n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")


def cert_template(cert, label, cka_id=None, category=None):
    t = [(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_CERTIFICATE_TYPE, P.CKC_X_509),
         (P.CKA_TOKEN, True), (P.CKA_VALUE, cert.public_bytes(DER)),
         (P.CKA_SUBJECT, cert.subject.public_bytes()), (P.CKA_LABEL, label)]
    if cka_id is not None:
        t.append((P.CKA_ID, cka_id))
    if category is not None:  # PyKCS11 takes it for bytes: a native CK_ULONG
        t.append((P.CKA_CERTIFICATE_CATEGORY, category.to_bytes(8, sys.byteorder)))
    return t


def key_template(key, label, cka_id=None):
    t = [(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_TOKEN, True),
         (P.CKA_PRIVATE, True), (P.CKA_SENSITIVE, True), (P.CKA_SIGN, True),
         (P.CKA_LABEL, label)]
    if cka_id is not None:
        t.append((P.CKA_ID, cka_id))
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        t += [(P.CKA_KEY_TYPE, P.CKK_RSA),
              (P.CKA_MODULUS, der_int(n.public_numbers.n)),
              (P.CKA_PUBLIC_EXPONENT, der_int(n.public_numbers.e)),
              (P.CKA_PRIVATE_EXPONENT, der_int(n.d)), (P.CKA_PRIME_1, der_int(n.p)),
              (P.CKA_PRIME_2, der_int(n.q)), (P.CKA_EXPONENT_1, der_int(n.dmp1)),
              (P.CKA_EXPONENT_2, der_int(n.dmq1)),
              (P.CKA_COEFFICIENT, der_int(n.iqmp))]
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        t += [(P.CKA_KEY_TYPE, P.CKK_EC),
              (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")),
              (P.CKA_VALUE, key.private_numbers().private_value.to_bytes(32, "big"))]
    else:
        raw = key.private_bytes(serialization.Encoding.Raw,
                                serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        t += [(P.CKA_KEY_TYPE, P.CKK_EC_EDWARDS),
              (P.CKA_EC_PARAMS, bytes.fromhex("06032b6570")), (P.CKA_VALUE, raw)]
    return t


def self_signed(key, cn):
    return testca.certificate(cn, key, cn, key)


containers = kmrest.containers_named


def sign_check(handle, key, mech):
    sig = bytes(s.sign(handle, b"stored by kmp11", P.Mechanism(mech)))
    pub = key.public_key()
    if isinstance(key, rsa.RSAPrivateKey):
        pub.verify(sig, b"stored by kmp11", padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        r, t = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        pub.verify(encode_dss_signature(r, t), b"stored by kmp11", ec.ECDSA(hashes.SHA256()))
    else:
        pub.verify(sig, b"stored by kmp11")


# ---- a certificate and its key, in either order ----
cases = (("rsa", rsa.generate_private_key(65537, 2048), P.CKM_SHA256_RSA_PKCS, True),
         ("ec", ec.generate_private_key(ec.SECP256R1()), P.CKM_ECDSA_SHA256, False),
         ("ed", ed25519.Ed25519PrivateKey.generate(), P.CKM_EDDSA, True))
for kind, key, mech, cert_first in cases:
    label = f"st-{RUN}-{kind}"
    cert = self_signed(key, label)
    cka_id = os.urandom(8)
    if cert_first:
        first = s.createObject(cert_template(cert, label, cka_id))
        second = s.createObject(key_template(key, label, cka_id))
        hc, hk = first, second
    else:
        first = s.createObject(key_template(key, label, cka_id))
        second = s.createObject(cert_template(cert, label, cka_id))
        hk, hc = first, second
    if containers(label) != [("certificate", ["certificate", "private_key"])]:
        fail(f"{kind}: the Key Manager holds {containers(label)}")
    # The first handle outlived the half container it was made in.
    v = s.getAttributeValue(hc, [P.CKA_VALUE, P.CKA_ID])
    if bytes(v[0]) != cert.public_bytes(DER):
        fail(f"{kind}: the certificate read back differs")
    if bytes(s.getAttributeValue(hk, [P.CKA_ID])[0]) != bytes(v[1]):
        fail(f"{kind}: certificate and key ids differ")
    if bytes(v[1]) != cka_id:
        fail(f"{kind}: CKA_ID {bytes(v[1]).hex()}, the templates gave {cka_id.hex()}")
    sign_check(hk, key, mech)
    found = s.findObjects([(P.CKA_LABEL, label)])
    if len(found) != 3 or len(s.findObjects([(P.CKA_ID, cka_id)])) != 3:
        fail(f"{kind}: {len(found)} objects labelled {label}, expected 3, "
             "all found by their CKA_ID")
ok("certificate + key with one CKA_ID: one certificate container (RSA cert "
   "first, EC key first, Ed25519) showing that CKA_ID; the first handle "
   "still works; the key signs")

# ---- p11tool's way: one label, different ids, one public key ----
key = rsa.generate_private_key(65537, 2048)
label = f"st-{RUN}-label"
cert = self_signed(key, label)
hk = s.createObject(key_template(key, label, b"\x01" * 20))
hc = s.createObject(cert_template(cert, label, b"\x02" * 20))
if containers(label) != [("certificate", ["certificate", "private_key"])]:
    fail(f"by label: the Key Manager holds {containers(label)}")
sign_check(hk, key, P.CKM_SHA256_RSA_PKCS)
other = rsa.generate_private_key(65537, 2048)
s.createObject(key_template(other, f"st-{RUN}-lonely", b"\x03"))
s.createObject(cert_template(self_signed(key, "x"), f"st-{RUN}-lonely", b"\x04"))
if sorted(containers(f"st-{RUN}-lonely")) != [("certificate", ["certificate"]),
                                               ("generic", ["private_key", "public_key"])]:
    fail(f"a certificate paired with another key: {containers(f'st-{RUN}-lonely')}")
ok("one label and one public key pair a certificate and a key of different "
   "CKA_IDs; another key of that label is not taken")

# ---- intermediates: by CKA_ID, then by label and issuer ----
root_key = ec.generate_private_key(ec.SECP384R1())
root = testca.certificate("st root", root_key, "st root", root_key, ca=True)
mid_key = ec.generate_private_key(ec.SECP256R1())
mid = testca.certificate("st intermediate", mid_key, "st root", root_key, ca=True)
leaf_key = rsa.generate_private_key(65537, 2048)
label = f"st-{RUN}-chain"
leaf = testca.certificate(label, leaf_key, "st intermediate", mid_key)
cka_id = os.urandom(4)
s.createObject(cert_template(leaf, label, cka_id))
s.createObject(key_template(leaf_key, label, cka_id))
hm = s.createObject(cert_template(mid, "st intermediate", cka_id, category=2))
hr = s.createObject(cert_template(root, label, None, category=2))
if containers(label) != [("certificate", ["certificate", "intermediates", "private_key"])]:
    fail(f"chain: the Key Manager holds {containers(label)}")
chain = s.findObjects([(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_LABEL, "st intermediate"),
                       (P.CKA_CERTIFICATE_CATEGORY, (2).to_bytes(8, sys.byteorder))])
if not chain or bytes(s.getAttributeValue(hm, [P.CKA_VALUE])[0]) != mid.public_bytes(DER):
    fail("the intermediate is not found, or its handle reads another certificate")
if bytes(s.getAttributeValue(hr, [P.CKA_VALUE])[0]) != root.public_bytes(DER):
    fail("the root's handle reads another certificate")
expect(P.CKR_TEMPLATE_INCONSISTENT, "an intermediate with nothing to chain to",
       lambda: s.createObject(cert_template(mid, f"st-{RUN}-none", b"\x99" * 4, 2)))
ok("intermediates join the chain by CKA_ID and by label + issuer; "
   "an intermediate with no certificate is refused")

# ---- standalone secrets ----
pub_key = ec.generate_private_key(ec.SECP256R1()).public_key()
point = pub_key.public_bytes(serialization.Encoding.X962,
                             serialization.PublicFormat.UncompressedPoint)
public = [(P.CKA_CLASS, P.CKO_PUBLIC_KEY), (P.CKA_KEY_TYPE, P.CKK_EC),
          (P.CKA_TOKEN, True), (P.CKA_LABEL, f"st-{RUN}-pub"),
          (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")),
          (P.CKA_EC_POINT, bytes([4, len(point)]) + point)]
expect(P.CKR_TEMPLATE_INCONSISTENT, "a public key where standalone secrets are not shown",
       lambda: s.createObject(public))
sa = lib.openSession(slots["store-all"], RW)
hp = sa.createObject(public)
if bytes(sa.getAttributeValue(hp, [P.CKA_EC_POINT])[0])[2:] != point:
    fail("the stored public key reads back another point")
aes = sa.createObject([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
                       (P.CKA_TOKEN, True), (P.CKA_LABEL, f"st-{RUN}-aes"),
                       (P.CKA_VALUE, bytes(range(32)))])
iv = bytes(16)
ct = bytes(sa.encrypt(aes, b"sixteen bytes..!", P.Mechanism(P.CKM_AES_CBC, iv)))
want = Cipher(algorithms.AES(bytes(range(32))), modes.CBC(iv)).encryptor().update(b"sixteen bytes..!")
if ct != want:
    fail("the stored AES key encrypts differently")
data = sa.createObject([(P.CKA_CLASS, P.CKO_DATA), (P.CKA_TOKEN, True),
                        (P.CKA_LABEL, f"st-{RUN}-data"), (P.CKA_VALUE, b"opaque bytes")])
if bytes(sa.getAttributeValue(data, [P.CKA_VALUE])[0]) != b"opaque bytes":
    fail("the data object reads back other bytes")
for h in (hp, aes, data):
    sa.destroyObject(h)
ok("public key, AES key and data object: standalone secrets, refused where "
   "the token does not show them")

# ---- wrong templates, read-only sessions and tokens ----
key = ec.generate_private_key(ec.SECP256R1())
good = key_template(key, f"st-{RUN}-bad")
expect(P.CKR_TEMPLATE_INCOMPLETE, "a key without CKA_VALUE",
       lambda: s.createObject([a for a in good if a[0] != P.CKA_VALUE]))
expect(P.CKR_TEMPLATE_INCOMPLETE, "an EC key typed RSA (no modulus...)",
       lambda: s.createObject([(a, P.CKK_RSA if a == P.CKA_KEY_TYPE else v) for a, v in good]))
expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "an EC key of scalar 0",
       lambda: s.createObject([(a, bytes(32) if a == P.CKA_VALUE else v) for a, v in good]))
expect(P.CKR_TEMPLATE_INCOMPLETE, "an RSA key without CKA_PRIME_2",
       lambda: s.createObject([a for a in key_template(leaf_key, f"st-{RUN}-bad")
                               if a[0] != P.CKA_PRIME_2]))
expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "a certificate of garbage",
       lambda: s.createObject([(a, b"\x30\x03\x02\x01\x01" if a == P.CKA_VALUE else v)
                               for a, v in cert_template(leaf, f"st-{RUN}-bad")]))
expect(P.CKR_TEMPLATE_INCONSISTENT, "a label outside the token's patterns",
       lambda: s.createObject(key_template(key, "elsewhere")))
expect(P.CKR_TEMPLATE_INCONSISTENT, "CKA_LABEL twice",
       lambda: s.createObject(good + [(P.CKA_LABEL, "st-twice")]))
expect(P.CKR_SESSION_READ_ONLY, "a read-only session",
       lambda: lib.openSession(slots["store"]).createObject(good))
expect(P.CKR_TOKEN_WRITE_PROTECTED, "a read-write session on a read-only token",
       lambda: lib.openSession(slots["frozen"], RW))
ok("wrong templates, a read-only session and a read-only token get the spec's codes")

# ---- a container refused half-way: its secrets are deleted again ----
admin = keymanager.admin_token()
ids = json.load(open(os.path.join(sys.argv[2], "ids.json")))
keymanager.request("PUT", f"{kmrest.KM}/project-quotas/{ids['quota_project']}",
                   {"project_quotas": {"containers": 0}}, admin)
q = lib.openSession(slots["quota"], RW)


def quota_secrets():
    h, doc = keymanager.request("GET", f"{kmrest.KM}/secrets?limit=1",
                                token=q_token())
    return doc["total"]


def q_token():
    E["OS_PROJECT_NAME"] = "kmp11-quota"
    try:
        return kmrest.token()[0]
    finally:
        E["OS_PROJECT_NAME"] = project


before = quota_secrets()
expect(P.CKR_DEVICE_MEMORY, "a key pair over the container quota",
       lambda: q.createObject(key_template(key, "quota-key")))
if quota_secrets() != before:
    fail(f"{quota_secrets() - before} secrets left behind by the failed write")
ok("over the container quota: CKR_DEVICE_MEMORY, and the secrets made for "
   "it are deleted again")
