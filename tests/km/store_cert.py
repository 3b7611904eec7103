#!/usr/bin/python3
"""Stores a new certificate container: a fresh key, a leaf certificate
from the test CA of PKI_DIR (made there first if it has none), and the
CA chain as intermediates.

    store_cert.py PKI_DIR NAME rsa|ec|ed CN

Several containers may share NAME (a renewal): kmp11 finds the newest
last. Writes PKI_DIR/CN.pem and prints the container's ref.
"""
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmrest import container, secret
from testca import PEM, TestCA


def main():
    seed, name, kind, cn = sys.argv[1:5]
    if not os.path.exists(f"{seed}/ca.pem"):
        os.makedirs(seed, exist_ok=True)
        TestCA.new().save(seed)
    ca = TestCA.load(seed)
    key = {"rsa": lambda: rsa.generate_private_key(65537, 2048),
           "ec": lambda: ec.generate_private_key(ec.SECP256R1()),
           "ed": ed25519.Ed25519PrivateKey.generate}[kind]()
    # Ed25519 keys are stored without an algorithm, as the seed's ed-www.
    alg = {"rsa": ("rsa", 2048), "ec": ("ec", 256)}.get(kind, (None, None))
    cert = ca.leaf(cn, key)
    refs = {
        "certificate": secret(f"{name}-cert", cert.public_bytes(PEM),
                              "certificate", True),
        "private_key": secret(f"{name}-key", key.private_bytes(
            PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), "private", True, *alg),
        "intermediates": secret(f"{name}-chain", ca.chain_pem(),
                                "certificate", True),
    }
    with open(f"{seed}/{cn}.pem", "wb") as f:
        f.write(cert.public_bytes(PEM))
    print(container(name, refs))


main()
