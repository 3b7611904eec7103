#!/usr/bin/python3
"""Session key pairs made here, as conformance suites make them before
every signature, verification, encryption and derivation test.

    session_keys.py MODULE    (OS_* of the test user in the env)

- C_GenerateKeyPair with CKA_TOKEN absent or FALSE (the spec's default), in
  a read-only session: RSA (1024 with exponent 3, 2048), EC P-256/384/521,
  Ed25519, made with OpenSSL and never sent to the Key Manager (no request
  in the debug log); each signs and verifies, RSA decrypts what its public
  half encrypted (OAEP), two EC pairs agree on an ECDH secret;
- their attributes: the template's CKA_ID and CKA_LABEL, CKA_LOCAL TRUE,
  CKA_KEY_GEN_MECHANISM, private keys sensitive and not extractable by
  default (their values unreadable), extractable when asked;
- templates the spec refuses: CKA_MODULUS given, a size out of range,
  CKA_TOKEN TRUE in one half and FALSE in the other, a class that is not
  the half's;
- the pair goes with its session;
- C_CreateObject of session private keys (EC, from CKA_EC_PARAMS and
  CKA_VALUE: it signs what the key's owner verifies), X.509 certificates
  (CKA_SUBJECT, CKA_ISSUER... read from the value) and data objects.
"""
import datetime
import os
import sys

import PyKCS11 as P
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import expect, fail, ok  # noqa: E402

M = P.Mechanism
LOG = f"/tmp/kmp11-session-keys-{os.getpid()}.log"
os.environ["KMP11_DEBUG"] = "4"
STDERR = os.dup(2)
os.dup2(os.open(LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)


def requests():
    with open(LOG) as f:
        return f.read().count("debug: http: ")


lib = kmconf.load(sys.argv[1], kmconf.token("session", "containers = ec-www"))
slot = lib.getSlotList(tokenPresent=True)[0]
s = lib.openSession(slot)  # read-only
CURVES = {"P-256": "06082a8648ce3d030107", "P-384": "06052b81040022",
          "P-521": "06052b81040023"}
try:
    before = requests()
    pairs = {}
    for bits, e in ((1024, (3,)), (2048, (1, 0, 1))):
        pairs[f"RSA-{bits}"] = s.generateKeyPair(
            [(P.CKA_MODULUS_BITS, bits), (P.CKA_PUBLIC_EXPONENT, e),
             (P.CKA_TOKEN, False), (P.CKA_LABEL, f"rsa-{bits}")],
            [(P.CKA_ID, b"\x0a\x0b"), (P.CKA_LABEL, f"rsa-{bits}")],
            mecha=M(P.CKM_RSA_PKCS_KEY_PAIR_GEN))
    for name, oid in CURVES.items():
        pairs[name] = s.generateKeyPair([(P.CKA_EC_PARAMS, bytes.fromhex(oid))],
                                        [(P.CKA_DERIVE, True)],
                                        mecha=M(P.CKM_EC_KEY_PAIR_GEN))
    pairs["Ed25519"] = s.generateKeyPair(
        [(P.CKA_EC_PARAMS, bytes.fromhex("06032b6570"))], [],
        mecha=M(P.CKM_EC_EDWARDS_KEY_PAIR_GEN))
    for name, (pub, priv) in pairs.items():
        mech = (M(P.CKM_SHA256_RSA_PKCS) if name.startswith("RSA")
                else M(P.CKM_EDDSA) if name == "Ed25519" else M(P.CKM_ECDSA_SHA256))
        if not s.verify(pub, b"signed", s.sign(priv, b"signed", mech), mech):
            fail(f"{name}: the signature does not verify")
    oaep = P.RSAOAEPMechanism(P.CKM_SHA256, P.CKG_MGF1_SHA256)
    pub, priv = pairs["RSA-2048"]
    if bytes(s.decrypt(priv, s.encrypt(pub, b"secret", oaep), oaep)) != b"secret":
        fail("RSA-2048: OAEP decryption gave something else")
    other = s.generateKeyPair([(P.CKA_EC_PARAMS, bytes.fromhex(CURVES["P-256"]))],
                              [(P.CKA_DERIVE, True)], mecha=M(P.CKM_EC_KEY_PAIR_GEN))
    secrets = []
    for (mine, theirs) in ((pairs["P-256"][1], other[0]), (other[1], pairs["P-256"][0])):
        point = bytes(s.getAttributeValue(theirs, [P.CKA_EC_POINT])[0])
        derived = s.deriveKey(mine, [(P.CKA_CLASS, P.CKO_SECRET_KEY),
                                     (P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
                                     (P.CKA_VALUE_LEN, 32), (P.CKA_SENSITIVE, False),
                                     (P.CKA_EXTRACTABLE, True)],
                              P.ECDH1_DERIVE_Mechanism(point))
        secrets.append(bytes(s.getAttributeValue(derived, [P.CKA_VALUE])[0]))
    if secrets[0] != secrets[1]:
        fail("ECDH between two session pairs: the secrets differ")
    if requests() != before:
        fail("making and using session keys asked the Key Manager")
    ok("session key pairs in a read-only session: RSA 1024 (e=3) and 2048, "
       "EC P-256/384/521, Ed25519 sign and verify, RSA OAEP round trip, ECDH "
       "agrees; no Key Manager request")

    pub, priv = pairs["RSA-1024"]
    got = s.getAttributeValue(priv, [P.CKA_ID, P.CKA_LABEL, P.CKA_LOCAL,
                                     P.CKA_KEY_GEN_MECHANISM, P.CKA_SENSITIVE,
                                     P.CKA_EXTRACTABLE, P.CKA_ALWAYS_SENSITIVE,
                                     P.CKA_NEVER_EXTRACTABLE, P.CKA_TOKEN, P.CKA_PRIVATE])
    want = [(0x0a, 0x0b), "rsa-1024", True, P.CKM_RSA_PKCS_KEY_PAIR_GEN, True,
            False, True, True, False, True]
    if [tuple(v) if isinstance(v, (list, tuple)) else v for v in got] != want:
        fail(f"RSA-1024 private key attributes {got}, expected {want}")
    if tuple(s.getAttributeValue(pub, [P.CKA_PUBLIC_EXPONENT])[0]) != (3,):
        fail("RSA-1024: the public exponent is not the template's")
    # PyKCS11 answers None for what the module says is sensitive.
    if s.getAttributeValue(priv, [P.CKA_PRIVATE_EXPONENT]) != [None]:
        fail("a sensitive private exponent was read")
    pub, priv = s.generateKeyPair(
        [(P.CKA_EC_PARAMS, bytes.fromhex(CURVES["P-256"]))],
        [(P.CKA_SENSITIVE, False), (P.CKA_EXTRACTABLE, True)],
        mecha=M(P.CKM_EC_KEY_PAIR_GEN))
    if len(bytes(s.getAttributeValue(priv, [P.CKA_VALUE])[0])) != 32:
        fail("an extractable session EC key: no 32-byte CKA_VALUE")
    ok("session pairs keep the template's CKA_ID and CKA_LABEL, are CKA_LOCAL "
       "with their CKA_KEY_GEN_MECHANISM, sensitive and not extractable "
       "unless asked")

    rsa = M(P.CKM_RSA_PKCS_KEY_PAIR_GEN)
    expect(P.CKR_TEMPLATE_INCONSISTENT, "CKA_MODULUS in a generation template",
           lambda: s.generateKeyPair([(P.CKA_MODULUS_BITS, 1024),
                                      (P.CKA_MODULUS, b"\x01")], [], mecha=rsa))
    expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "a 512-bit RSA pair",
           lambda: s.generateKeyPair([(P.CKA_MODULUS_BITS, 512)], [], mecha=rsa))
    expect(P.CKR_TEMPLATE_INCONSISTENT, "CKA_TOKEN TRUE and FALSE",
           lambda: s.generateKeyPair([(P.CKA_MODULUS_BITS, 1024), (P.CKA_TOKEN, True)],
                                     [(P.CKA_TOKEN, False)], mecha=rsa))
    expect(P.CKR_TEMPLATE_INCONSISTENT, "a public template of class private key",
           lambda: s.generateKeyPair([(P.CKA_MODULUS_BITS, 1024),
                                      (P.CKA_CLASS, P.CKO_PRIVATE_KEY)], [], mecha=rsa))
    expect(P.CKR_TEMPLATE_INCOMPLETE, "an RSA pair without CKA_MODULUS_BITS",
           lambda: s.generateKeyPair([], [], mecha=rsa))
    ok("generation templates the spec refuses get its codes")

    t = lib.openSession(slot)
    t.generateKeyPair([(P.CKA_EC_PARAMS, bytes.fromhex(CURVES["P-256"]))], [],
                      mecha=M(P.CKM_EC_KEY_PAIR_GEN))
    n = len(s.findObjects([(P.CKA_TOKEN, False)]))
    t.closeSession()
    if len(s.findObjects([(P.CKA_TOKEN, False)])) != n - 2:
        fail("a session's key pair outlived its session")
    ok("a session key pair goes with its session")

    key = ec.generate_private_key(ec.SECP256R1())
    priv = s.createObject([(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_KEY_TYPE, P.CKK_EC),
                           (P.CKA_EC_PARAMS, bytes.fromhex(CURVES["P-256"])),
                           (P.CKA_VALUE, key.private_numbers().private_value.to_bytes(32, "big")),
                           (P.CKA_SIGN, True), (P.CKA_LABEL, "given")])
    sig = bytes(s.sign(priv, b"given", M(P.CKM_ECDSA_SHA256)))
    r, t = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    key.public_key().verify(encode_dss_signature(r, t), b"given", ec.ECDSA(hashes.SHA256()))
    if s.getAttributeValue(priv, [P.CKA_VALUE]) != [None]:
        fail("a created private key's value is readable (sensitive by default)")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "session.example.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(4242)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    c = s.createObject([(P.CKA_CLASS, P.CKO_CERTIFICATE),
                        (P.CKA_CERTIFICATE_TYPE, P.CKC_X_509), (P.CKA_VALUE, der),
                        (P.CKA_ID, b"\x07")])
    subject, value, token = s.getAttributeValue(c, [P.CKA_SUBJECT, P.CKA_VALUE, P.CKA_TOKEN])
    if bytes(subject) != name.public_bytes() or bytes(value) != der or token:
        fail("a session certificate's CKA_SUBJECT, CKA_VALUE or CKA_TOKEN")
    d = s.createObject([(P.CKA_CLASS, P.CKO_DATA), (P.CKA_APPLICATION, "test"),
                        (P.CKA_VALUE, b"opaque")])
    if bytes(s.getAttributeValue(d, [P.CKA_VALUE])[0]) != b"opaque":
        fail("a session data object's value")
    expect(P.CKR_TEMPLATE_INCOMPLETE, "a certificate without CKA_CERTIFICATE_TYPE",
           lambda: s.createObject([(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_VALUE, der)]))
    expect(P.CKR_ATTRIBUTE_VALUE_INVALID, "a certificate of garbage",
           lambda: s.createObject([(P.CKA_CLASS, P.CKO_CERTIFICATE),
                                   (P.CKA_CERTIFICATE_TYPE, P.CKC_X_509),
                                   (P.CKA_VALUE, b"\x30\x03\x02\x01\x01")]))
    ok("C_CreateObject of session private keys (they sign), certificates "
       "(their subject read from the value) and data objects")
finally:
    os.unlink(LOG)
    os.dup2(STDERR, 2)
