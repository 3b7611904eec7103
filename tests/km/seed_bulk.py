#!/usr/bin/python3
"""Stores N certificate containers, bulk-FIRST .., sharing one
RSA-2048 certificate and key, for listing-cost tests and benchmarks.

    seed_bulk.py N [FIRST]   (OS_* of the user whose project receives them)

FIRST (default 0) numbers the first container, so that a project can be
grown in steps.

Requests run on a few threads: the Key Manager's sqlite takes them one
at a time, but the HTTP and Keystone-validation round trips overlap.
"""
import datetime
import sys
from concurrent.futures import ThreadPoolExecutor

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kmrest import container, secret


def self_signed(cn, key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))


def main():
    n = int(sys.argv[1])
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    key = rsa.generate_private_key(65537, 2048)
    pem = serialization.Encoding.PEM
    cert_ref = secret("bulk-cert", self_signed("bulk.example.test", key)
                      .public_bytes(pem), "certificate", True)
    key_ref = secret("bulk-key", key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "private", True, "rsa", 2048)
    refs = {"certificate": cert_ref, "private_key": key_ref}
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: container(f"bulk-{i}", refs),
                      range(first, first + n)))


main()
