#!/usr/bin/python3
"""A corpus of odd and broken payloads in the real Key Manager: each is
mapped, or fails for its own object only, and never takes the token down.

    corpus.py MODULE DATA_DIR   (OS_* of the test user; DATA_DIR holds
                                 rsa-16384-test-key.pem, made once: a
                                 16384-bit key takes minutes to make)

Every container has a good certificate or key next to the broken part,
which must keep working.
"""
import os
import subprocess
import sys

import PyKCS11 as P
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
import kmrest  # noqa: E402
import testca  # noqa: E402
from checks import fail, ok  # noqa: E402

RUN = os.urandom(3).hex()
PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
NOENC = serialization.NoEncryption()


def key_pem(key, password=None):
    enc = (serialization.BestAvailableEncryption(password) if password else NOENC)
    return key.private_bytes(PEM, PKCS8, enc)


def store(case, cert_bytes, key_bytes, chain=None, passphrase=None, name=True):
    refs = {"certificate": kmrest.secret(f"corpus-{case}", cert_bytes, "certificate"),
            "private_key": kmrest.secret(f"corpus-{case}", key_bytes, "private")}
    if chain is not None:
        refs["intermediates"] = kmrest.secret(f"corpus-{case}", chain, "certificate")
    if passphrase is not None:
        refs["private_key_passphrase"] = kmrest.secret(f"corpus-{case}", passphrase,
                                                       "passphrase")
    kmrest.container(f"corpus-{RUN}-{case}" if name else None, refs)


def self_signed(key, cn, subject=None):
    return testca.certificate(cn, key, cn, key) if subject is None else (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(testca.datetime.datetime(2026, 1, 1))
        .not_valid_after(testca.datetime.datetime(2036, 1, 1))
        .sign(key, hashes.SHA256()))


ec_key = ec.generate_private_key(ec.SECP256R1())
good = self_signed(ec_key, "corpus.example.test")
good_pem = good.public_bytes(PEM)

# Certificates that do not parse: the key still signs.
store("trunc-cert", good_pem[:len(good_pem) // 2], key_pem(ec_key))
store("wrong-label", ec_key.public_key().public_bytes(
    PEM, serialization.PublicFormat.SubjectPublicKeyInfo), key_pem(ec_key))
# Keys that do not parse or do not open: the certificate still reads.
store("der-garbage-key", good_pem, os.urandom(300))
store("wrong-pass", good_pem, key_pem(ec_key, b"right"), passphrase=b"wrong")
store("no-pass", good_pem, key_pem(ec_key, b"right"))
store("other-curve", good_pem, key_pem(ec.generate_private_key(ec.SECP384R1())))
# Chains: a loop, a PKCS#7 without certificates.
a_key, b_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
loop_a, loop_b = f"corpus loop a {RUN}", f"corpus loop b {RUN}"
loop = (testca.certificate(loop_a, a_key, loop_b, b_key, ca=True).public_bytes(PEM)
        + testca.certificate(loop_b, b_key, loop_a, a_key, ca=True).public_bytes(PEM))
store("loop-chain", good_pem, key_pem(ec_key), chain=loop)
empty = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-outform", "DER"],
                       capture_output=True, check=True, stdin=subprocess.DEVNULL).stdout
store("empty-p7", good_pem, key_pem(ec_key), chain=empty)
# Big: a 16384-bit RSA key; a certificate with a 64 KB subject.
# (Made by openssl: loading the key in Python checks it for half a minute.)
big_key_file = os.path.join(sys.argv[2], "rsa-16384-test-key.pem")
big_cert = subprocess.run(["openssl", "req", "-x509", "-key", big_key_file, "-subj",
                           "/CN=corpus 16384", "-days", "3650"],
                          capture_output=True, check=True).stdout
with open(big_key_file, "rb") as f:
    store("rsa-16384", big_cert, f.read())
huge = x509.Name([x509.NameAttribute(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), "x" * 65536)])
store("huge-subject", self_signed(ec_key, "", huge).public_bytes(PEM), key_pem(ec_key))
# An unnamed container whose CN is a BMPString: its label is UTF-8.
bmp_cn = f"café-{RUN}"
store("bmp-cn", self_signed(ec_key, "", x509.Name([x509.NameAttribute(
    NameOID.COMMON_NAME, bmp_cn, _type=_ASN1Type.BMPString)])).public_bytes(PEM),
    key_pem(ec_key), name=False)

lib = kmconf.load(sys.argv[1], kmconf.token("corpus"))
s = lib.openSession(lib.getSlotList()[0])


def objects(case, klass):
    return s.findObjects([(P.CKA_CLASS, klass), (P.CKA_LABEL, f"corpus-{RUN}-{case}")])


def signs(case, mech=P.CKM_ECDSA_SHA256):
    key = objects(case, P.CKO_PRIVATE_KEY)
    try:
        return key and len(bytes(s.sign(key[0], b"corpus", P.Mechanism(mech)))) > 0
    except P.PyKCS11Error:
        return False


def cert_value(case):
    try:
        return bytes(s.getAttributeValue(objects(case, P.CKO_CERTIFICATE)[0],
                                         [P.CKA_VALUE])[0] or b"")
    except P.PyKCS11Error:
        return None


for case in ("trunc-cert", "wrong-label"):
    if cert_value(case):
        fail(f"{case}: a certificate value from a broken payload")
    if not signs(case):
        fail(f"{case}: the key of a broken certificate does not sign")
for case in ("der-garbage-key", "wrong-pass", "no-pass"):
    if signs(case):
        fail(f"{case}: signed with a key that cannot be read")
    if cert_value(case) != good.public_bytes(DER):
        fail(f"{case}: the certificate next to a broken key is lost")
ok("broken certificates (truncated PEM, wrong PEM label) and keys (DER "
   "garbage, wrong or missing passphrase) fail alone")

key = objects("other-curve", P.CKO_PRIVATE_KEY)[0]
cert = objects("other-curve", P.CKO_CERTIFICATE)[0]
signs("other-curve", P.CKM_ECDSA)  # fetches the key: the mismatch shows
if s.getAttributeValue(key, [P.CKA_ID]) == s.getAttributeValue(cert, [P.CKA_ID]):
    fail("a P-384 key paired with a P-256 certificate")
ok("a key of another curve than its certificate's is not paired with it")

chain = s.findObjects([(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_LABEL, loop_a)])
if len(chain) != 1 or not signs("loop-chain"):
    fail(f"a looping chain: {len(chain)} '{loop_a}' certificates")
if cert_value("empty-p7") != good.public_bytes(DER) or not signs("empty-p7"):
    fail("a PKCS#7 without certificates broke its container")
ok("a chain with a loop lists each certificate once; an empty PKCS#7 is no chain")

key = objects("rsa-16384", P.CKO_PRIVATE_KEY)[0]
sig = bytes(s.sign(key, b"corpus", P.Mechanism(P.CKM_SHA256_RSA_PKCS)))
x509.load_pem_x509_certificate(big_cert).public_key().verify(
    sig, b"corpus", padding.PKCS1v15(), hashes.SHA256())
if len(bytes(s.getAttributeValue(key, [P.CKA_MODULUS])[0])) != 2048:
    fail("the 16384-bit modulus")
subject = s.getAttributeValue(objects("huge-subject", P.CKO_CERTIFICATE)[0], [P.CKA_SUBJECT])[0]
if len(bytes(subject)) < 65536 or not signs("huge-subject"):
    fail("the certificate with a 64 KB subject")
ok("a 16384-bit RSA key signs (a 2048-byte signature); a 64 KB subject is read whole")

found = s.findObjects([(P.CKA_CLASS, P.CKO_CERTIFICATE), (P.CKA_LABEL, bmp_cn)])
if len(found) != 1:
    fail(f"the BMPString CN as a UTF-8 label: {len(found)} found")
ok("an unnamed container's BMPString CN is its UTF-8 label")
