"""The test PKI: a root (P-384), an intermediate (P-256) it signs, and the
leaf certificates the intermediate issues.

The intermediate's key is written beside the certificates so that later
test steps (renewal) can issue more leaves; it is a test key only.
"""
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(cn, key, issuer_cn, issuer_key, ca=False):
    now = datetime.datetime(2026, 1, 1)
    b = (x509.CertificateBuilder().subject_name(name(cn))
         .issuer_name(name(issuer_cn)).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             issuer_key.public_key()), False))
    if not ca:
        # Test servers listen on 127.0.0.1.
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(cn), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False)
    algo = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(issuer_key, algo)


class TestCA:
    ROOT, INTER = "kmp11 test root", "kmp11 test intermediate"

    def __init__(self, root, inter, inter_key):
        self.root, self.inter, self.inter_key = root, inter, inter_key

    @classmethod
    def new(cls):
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = certificate(cls.ROOT, root_key, cls.ROOT, root_key, True)
        inter_key = ec.generate_private_key(ec.SECP256R1())
        inter = certificate(cls.INTER, inter_key, cls.ROOT, root_key, True)
        return cls(root, inter, inter_key)

    @classmethod
    def load(cls, d):
        def read(f):
            with open(f"{d}/{f}", "rb") as fh:
                return fh.read()
        return cls(x509.load_pem_x509_certificate(read("ca.pem")),
                   x509.load_pem_x509_certificate(read("intermediate.pem")),
                   serialization.load_pem_private_key(read("intermediate-key.pem"), None))

    def save(self, d):
        for f, data in (("ca.pem", self.root.public_bytes(PEM)),
                        ("intermediate.pem", self.inter.public_bytes(PEM)),
                        ("intermediate-key.pem", self.inter_key.private_bytes(
                            PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()))):
            with open(f"{d}/{f}", "wb") as fh:
                fh.write(data)

    def leaf(self, cn, key):
        return certificate(cn, key, self.INTER, self.inter_key)

    def chain_pem(self):
        return self.inter.public_bytes(PEM) + self.root.public_bytes(PEM)

    def chain_p7(self):
        return pkcs7.serialize_certificates([self.inter, self.root], DER)
