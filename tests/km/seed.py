#!/usr/bin/python3
"""Seeds the Key Manager with the containers the tests expect.

    seed.py OUT_DIR

Reads OS_* from the environment, writes OUT_DIR/manifest.json, the test
CA (testca.py) and the certificates (PEM) the tests compare against (and
the public key of the container whose certificate is garbage); for the
mechanism suite, the private keys of rsa-www, ec-www and ed-www and the
values of the standalone secrets aes-256 and hmac-secret (test keys).
"""
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmrest import container, secret
from testca import TestCA

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
TRAD = serialization.PrivateFormat.TraditionalOpenSSL
NOENC = serialization.NoEncryption()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ca = TestCA.new()
    ca.save(out)
    chain_pem, chain_p7 = ca.chain_pem(), ca.chain_p7()
    leaf = ca.leaf
    m = {"containers": {}}

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
    # The keys of the mechanism suite, for SoftHSM to hold the same ones.
    for label, key in (("rsa-www", rsa_key), ("ec-www", ec_key), ("ed-www", ed_key)):
        with open(f"{out}/{label}-key.pem", "wb") as f:
            f.write(key.private_bytes(PEM, PKCS8, NOENC))
    # Standalone secrets, shown by tokens with show_secrets = yes.
    for name, alg, size in (("aes-256", "aes", 32), ("hmac-secret", "hmac", 64)):
        data = os.urandom(size)
        m.setdefault("secrets", {})[name] = secret(name, data, "symmetric",
                                                   algorithm=alg, bits=8 * size)
        with open(f"{out}/{name}.key", "wb") as f:
            f.write(data)
    with open(f"{out}/manifest.json", "w") as f:
        json.dump(m, f, indent=1)


main()
