#!/usr/bin/python3
"""Seeds the Key Manager with the containers the tests expect.

    seed.py OUT_DIR [N_BULK]

Reads OS_* from the environment, writes OUT_DIR/manifest.json and the
certificates (PEM) the tests compare against. N_BULK more RSA certificate
containers named bulk-0.. share one key pair, for listing-cost tests.
"""
import base64
import datetime
import json
import os
import sys
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

E = os.environ
PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS8 = serialization.PrivateFormat.PKCS8
TRAD = serialization.PrivateFormat.TraditionalOpenSSL
NOENC = serialization.NoEncryption()


def token():
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": E["OS_USERNAME"], "domain": {"name": E["OS_USER_DOMAIN_NAME"]},
        "password": E["OS_PASSWORD"]}}}, "scope": {"project": {
            "name": E["OS_PROJECT_NAME"],
            "domain": {"name": E["OS_PROJECT_DOMAIN_NAME"]}}}}}
    req = urllib.request.Request(E["OS_AUTH_URL"] + "/auth/tokens",
                                 json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        doc = json.load(r)
        url = [e["url"] for s in doc["token"]["catalog"]
               if s["type"] == "key-manager" for e in s["endpoints"]
               if e["interface"] == "public"][0]
        return r.headers["X-Subject-Token"], url.rstrip("/") + "/v1"


TOKEN, KM = token()


def post(path, body):
    req = urllib.request.Request(f"{KM}/{path}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json",
                                  "X-Auth-Token": TOKEN})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def secret(name, data, secret_type, text=False, algorithm=None, bits=None):
    body = {"name": name, "secret_type": secret_type}
    if text:
        body.update(payload=data.decode(), payload_content_type="text/plain")
    else:
        body.update(payload=base64.b64encode(data).decode(),
                    payload_content_type="application/octet-stream",
                    payload_content_encoding="base64")
    if algorithm:
        body["algorithm"] = algorithm
    if bits:
        body["bit_length"] = bits
    return post("secrets", body)["secret_ref"]


def container(name, refs, kind="certificate"):
    body = {"type": kind, "secret_refs": [
        {"name": k, "secret_ref": v} for k, v in refs.items()]}
    if name is not None:
        body["name"] = name
    return post("containers", body)["container_ref"]


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
    bulk = int(sys.argv[2]) if len(sys.argv) > 2 else 0
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
    store("unnamed", None, rsa_key, pem,
          rsa_key.private_bytes(PEM, PKCS8, NOENC), True, True,
          cert=leaf("unnamed.example.test", rsa_key))
    for gen in ("old", "new"):
        k = ec.generate_private_key(ec.SECP256R1())
        store("renewed", f"renewed-{gen}.example.test", k, pem,
              k.private_bytes(PEM, PKCS8, NOENC), True, True)
        os.rename(f"{out}/renewed.pem", f"{out}/renewed-{gen}.pem")
    if bulk:
        cert_ref = secret("bulk-cert", pem(leaf("bulk.example.test", rsa_key)),
                          "certificate", True)
        key_ref = secret("bulk-key", rsa_key.private_bytes(PEM, PKCS8, NOENC),
                         "private", True, "rsa", 2048)
        for i in range(bulk):
            container(f"bulk-{i}", {"certificate": cert_ref, "private_key": key_ref})
    with open(f"{out}/manifest.json", "w") as f:
        json.dump(m, f, indent=1)


main()
