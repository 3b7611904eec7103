#!/usr/bin/python3
"""Seeds the Key Manager with the containers the tests expect.

    seed.py OUT_DIR

Reads OS_* from the environment, writes OUT_DIR/manifest.json and the
certificates (PEM) the tests compare against (and the public key of the
container whose certificate is garbage).
"""
import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from kmrest import container, secret

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
TRAD = serialization.PrivateFormat.TraditionalOpenSSL
NOENC = serialization.NoEncryption()


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
    algo = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(issuer_key, algo)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = certificate("kmp11 test root", root_key, "kmp11 test root", root_key, True)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = certificate("kmp11 test intermediate", inter_key, "kmp11 test root", root_key, True)
    chain_pem = inter.public_bytes(PEM) + root.public_bytes(PEM)
    chain_p7 = pkcs7.serialize_certificates([inter, root], DER)
    m = {"containers": {}}

    def leaf(cn, key):
        return certificate(cn, key, "kmp11 test intermediate", inter_key)

    def store(label, cn, key, cert_bytes, key_bytes, text_cert, text_key,
              extra=None, chain=None, cert=None):
        cert = cert or leaf(cn, key)
        cert_ref = secret(label + "-cert", cert_bytes(cert), "certificate", text_cert)
        refs = {"certificate": cert_ref,
                "private_key": secret(label + "-key", key_bytes, "private", text_key)}
        if chain is not None:
            refs["intermediates"] = secret(label + "-chain", chain[0], "certificate", chain[1])
        refs.update(extra or {})
        ref = container(label if cn is not None else None, refs)
        with open(f"{out}/{label}.pem", "wb") as f:
            f.write(cert.public_bytes(PEM))
        m["containers"][label] = ref
        return cert

    pem = lambda c: c.public_bytes(PEM)
    der = lambda c: c.public_bytes(DER)
    rsa_key = rsa.generate_private_key(65537, 2048)
    store("rsa-www", "rsa.example.test", rsa_key, pem,
          rsa_key.private_bytes(PEM, PKCS8, NOENC), True, True,
          chain=(chain_pem, True))
    ec_key = ec.generate_private_key(ec.SECP256R1())
    store("ec-www", "ec.example.test", ec_key, pem,
          ec_key.private_bytes(DER, PKCS8, NOENC), True, False,
          chain=(chain_p7, False))
    ed_key = ed25519.Ed25519PrivateKey.generate()
    store("ed-www", "ed.example.test", ed_key, pem,
          ed_key.private_bytes(PEM, PKCS8, NOENC), True, True)
    p384 = ec.generate_private_key(ec.SECP384R1())
    store("der-cert", "der.example.test", p384, der,
          p384.private_bytes(PEM, TRAD, NOENC), False, True)
    enc_key = rsa.generate_private_key(65537, 2048)
    store("enc-key", "enc.example.test", enc_key, pem,
          enc_key.private_bytes(PEM, PKCS8, serialization.BestAvailableEncryption(b"pass-4")),
          True, True,
          extra={"private_key_passphrase": secret("enc-pass", b"pass-4", "passphrase", True)})
    other = rsa.generate_private_key(65537, 2048)
    store("mismatch", "mismatch.example.test", rsa_key, pem,
          other.private_bytes(PEM, PKCS8, NOENC), True, True)
    garbage = rsa.generate_private_key(65537, 2048)
    store("garbage", "garbage.example.test", garbage,
          lambda c: b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n", 
          garbage.private_bytes(PEM, PKCS8, NOENC), True, True)
    with open(f"{out}/garbage-key.pub.pem", "wb") as f:
        f.write(garbage.public_key().public_bytes(
            PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    store("unnamed", None, rsa_key, pem,
          rsa_key.private_bytes(PEM, PKCS8, NOENC), True, True,
          cert=leaf("unnamed.example.test", rsa_key))
    for gen in ("old", "new"):
        k = ec.generate_private_key(ec.SECP256R1())
        store("renewed", f"renewed-{gen}.example.test", k, pem,
              k.private_bytes(PEM, PKCS8, NOENC), True, True)
        os.rename(f"{out}/renewed.pem", f"{out}/renewed-{gen}.pem")
    with open(f"{out}/manifest.json", "w") as f:
        json.dump(m, f, indent=1)


main()
