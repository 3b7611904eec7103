#!/usr/bin/python3
"""kmp11's crypto in a process whose openssl.cnf is hostile: what it
computes must be what it computes anywhere else (docs/security.md).

    host-openssl.py MODULE SEED_DIR CNF NAME   (OS_* of the test user)

A child process, with OPENSSL_CONF=CNF, uses kmp11 through PyKCS11 only (no
OpenSSL of its own: the cnf would bend that too): it reads the key
objects' CKA_ID and public points, signs and verifies (RSA PKCS#1 and PSS,
ECDSA, EdDSA, with a new EC key pair too), digests, computes HMACs,
encrypts with AES and RSA-OAEP, derives an ECDH secret, draws random
bytes. This process, under the host's own openssl.cnf, checks every
result with the cryptography library against the seed's keys and values.
NAME says which cnf in the "ok" line.
"""
import json
import os
import subprocess
import sys

MSG = b"kmp11 under a hostile openssl.cnf " * 20
KEYS = ("rsa", "ec", "ed")


# ---- the child: PyKCS11 only ----

def use_provider():
    """What a server using pkcs11-provider does (nginx, haproxy): open a
    key by its URI in OpenSSL's store. The provider, which loads its
    module (kmp11, the same instance) at first use, then serves the
    default context's fetches its cnf prefers it for. Under a cnf without
    the provider, nothing is found."""
    import ctypes
    crypto = ctypes.CDLL("libcrypto.so.3")
    crypto.OSSL_STORE_open.restype = ctypes.c_void_p
    crypto.OSSL_STORE_open.argtypes = [ctypes.c_char_p] + [ctypes.c_void_p] * 4
    crypto.OSSL_STORE_load.restype = ctypes.c_void_p
    crypto.OSSL_STORE_load.argtypes = [ctypes.c_void_p]
    crypto.OSSL_STORE_INFO_free.argtypes = [ctypes.c_void_p]
    crypto.OSSL_STORE_close.argtypes = [ctypes.c_void_p]
    store = crypto.OSSL_STORE_open(b"pkcs11:object=ec-www;type=public",
                                   None, None, None, None)
    if store:
        crypto.OSSL_STORE_INFO_free(crypto.OSSL_STORE_load(store))
        crypto.OSSL_STORE_close(store)


def child(module, peer_point):
    import PyKCS11
    from PyKCS11 import Mechanism
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
    import kmconf
    P = PyKCS11
    lib = kmconf.load(module, kmconf.token(
        "hostile", "containers = rsa-www, ec-www, ed-www, hostile-*",
        "show_secrets = yes"))
    use_provider()
    s = lib.openSession(lib.getSlotList()[0], P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    out = {}

    def find(label, klass):
        found = s.findObjects([(P.CKA_CLASS, klass), (P.CKA_LABEL, label)])
        return found[-1] if found else None

    def attr(h, a):
        value = s.getAttributeValue(h, [a])[0]
        return "(none)" if value is None else bytes(value).hex()

    def verified(h, data, sig, mech):
        try:
            return s.verify(h, data, sig, mech)
        except P.PyKCS11Error:
            return False

    def sign(k, ckm, data=MSG, mech=None):
        mech = mech or Mechanism(ckm)
        priv, pub = out[k]["priv"], out[k]["pub"]
        sig = bytes(s.sign(priv, data, mech))
        return {"sig": sig.hex(), "verified": verified(pub, data, sig, mech)}

    for k in KEYS:
        h = {c: find(f"{k}-www", klass) for c, klass in
             (("priv", P.CKO_PRIVATE_KEY), ("pub", P.CKO_PUBLIC_KEY),
              ("cert", P.CKO_CERTIFICATE))}
        out[k] = dict(h)
        out[k]["id"] = {c: attr(v, P.CKA_ID) for c, v in h.items()}
        if k != "rsa":
            out[k]["point"] = {c: attr(h[c], P.CKA_EC_POINT) for c in ("priv", "pub")}
    digest = bytes(s.digest(MSG, Mechanism(P.CKM_SHA256)))
    res = {
        "digest-sha256": digest.hex(),
        "digest-sha512": bytes(s.digest(MSG, Mechanism(P.CKM_SHA512))).hex(),
        "rsa-sha256": sign("rsa", P.CKM_SHA256_RSA_PKCS),
        "rsa-pss-sha384": sign("rsa", None, mech=P.RSA_PSS_Mechanism(
            P.CKM_SHA384_RSA_PKCS_PSS, P.CKM_SHA384, P.CKG_MGF1_SHA384, 48)),
        "rsa-pss-digest": sign("rsa", None, digest, P.RSA_PSS_Mechanism(
            P.CKM_RSA_PKCS_PSS, P.CKM_SHA256, P.CKG_MGF1_SHA256, 32)),
        "ecdsa-sha256": sign("ec", P.CKM_ECDSA_SHA256),
        "ecdsa-digest": sign("ec", P.CKM_ECDSA, digest),
        "eddsa": sign("ed", P.CKM_EDDSA),
    }
    hmac_key, aes_key = (find(n, P.CKO_SECRET_KEY) for n in ("hmac-secret", "aes-256"))
    res["hmac-sha256"] = bytes(s.sign(hmac_key, MSG, Mechanism(P.CKM_SHA256_HMAC))).hex()
    iv = bytes(range(16))
    res["aes-cbc-pad"] = bytes(s.encrypt(aes_key, MSG, Mechanism(P.CKM_AES_CBC_PAD, iv))).hex()
    res["aes-gcm"] = bytes(s.encrypt(aes_key, MSG, P.AES_GCM_Mechanism(
        iv[:12], b"aad", 128))).hex()
    oaep = P.RSAOAEPMechanism(P.CKM_SHA256, P.CKG_MGF1_SHA256)
    ct = bytes(s.encrypt(out["rsa"]["pub"], b"oaep secret", oaep))
    res["rsa-oaep"] = {"ct": ct.hex(), "round-trip": bytes(
        s.decrypt(out["rsa"]["priv"], ct, oaep)) == b"oaep secret"}
    derived = s.deriveKey(out["ec"]["priv"], [
        (P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET),
        (P.CKA_TOKEN, False), (P.CKA_SENSITIVE, False), (P.CKA_EXTRACTABLE, True),
        (P.CKA_VALUE_LEN, 32)], P.ECDH1_DERIVE_Mechanism(bytes.fromhex(peer_point)))
    res["ecdh"] = attr(derived, P.CKA_VALUE)
    # Made in kmp11 (OpenSSL's key generation), stored in the Key Manager.
    label = f"hostile-{os.urandom(3).hex()}"
    pub, priv = s.generateKeyPair(
        [(P.CKA_TOKEN, True), (P.CKA_VERIFY, True), (P.CKA_LABEL, label),
         (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107"))],
        [(P.CKA_TOKEN, True), (P.CKA_SIGN, True), (P.CKA_LABEL, label)],
        Mechanism(P.CKM_EC_KEY_PAIR_GEN))
    sig = bytes(s.sign(priv, MSG, Mechanism(P.CKM_ECDSA_SHA256)))
    res["new-ec"] = {"point": attr(pub, P.CKA_EC_POINT), "sig": sig.hex(),
                     "verified": verified(pub, MSG, sig, Mechanism(P.CKM_ECDSA_SHA256))}
    s.destroyObject(priv)  # the container, with both keys
    res["random"] = len(bytes(s.generateRandom(32)))
    for k in KEYS:
        for c in ("priv", "pub", "cert"):
            del out[k][c]
    out["results"] = res
    print(json.dumps(out))


# ---- this process: the checks ----

def fail(name, msg):
    sys.exit(f"FAIL host-openssl [{name}]: {msg}")


def main():
    import hashlib
    import hmac
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, padding as sympad, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    module, seed, cnf, name = sys.argv[1:5]

    def read(f):
        with open(f"{seed}/{f}", "rb") as fh:
            return fh.read()

    def check(what, ok):
        if not ok:
            fail(name, what)

    peer = ec.generate_private_key(ec.SECP256R1())
    peer_point = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    env = dict(os.environ, OPENSSL_CONF=cnf)
    try:
        run = subprocess.run([sys.executable, __file__, "--child", module,
                              peer_point.hex()], env=env, capture_output=True,
                             text=True, timeout=180)
    except subprocess.TimeoutExpired:
        # kmp11 calling OpenSSL's default context, the provider calling
        # kmp11 back: a lock taken twice.
        fail(name, "the child hung (kmp11 re-entered through OpenSSL?)")
    if run.returncode != 0:
        fail(name, f"the child failed:\n{run.stderr[-3000:]}")
    out = json.loads(run.stdout)
    r = out["results"]
    cert = {k: x509.load_pem_x509_certificate(read(f"{k}-www.pem")) for k in KEYS}
    pub = {k: c.public_key() for k, c in cert.items()}
    manifest = json.loads(read("manifest.json"))
    for k in KEYS:
        uuid = manifest["containers"][f"{k}-www"].rsplit("/", 1)[1].replace("-", "")
        for c, v in out[k]["id"].items():
            check(f"{k}-www {c}: CKA_ID {v} is the container's UUID {uuid}", v == uuid)
        if k == "rsa":
            continue
        if k == "ed":
            raw = pub[k].public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw)
        else:
            raw = pub[k].public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint)
        want = (bytes([4, len(raw)]) + raw).hex()
        for c, v in out[k]["point"].items():
            check(f"{k}-www {c}: CKA_EC_POINT {v[:12]}... is the certificate's, "
                  "uncompressed", v == want)
    for label, v in r.items():
        if isinstance(v, dict) and "verified" in v:
            check(f"{label}: kmp11 verifies its own signature", v["verified"])
    check("SHA256 digest", r["digest-sha256"] == hashlib.sha256(MSG).hexdigest())
    check("SHA512 digest", r["digest-sha512"] == hashlib.sha512(MSG).hexdigest())
    sig = lambda label: bytes.fromhex(r[label]["sig"])
    try:
        pub["rsa"].verify(sig("rsa-sha256"), MSG, padding.PKCS1v15(), hashes.SHA256())
        pub["rsa"].verify(sig("rsa-pss-sha384"), MSG,
                          padding.PSS(padding.MGF1(hashes.SHA384()), 48), hashes.SHA384())
        pub["rsa"].verify(sig("rsa-pss-digest"), hashlib.sha256(MSG).digest(),
                          padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                          utils.Prehashed(hashes.SHA256()))
        for label, h in (("ecdsa-sha256", hashes.SHA256()),
                         ("ecdsa-digest", utils.Prehashed(hashes.SHA256()))):
            raw = sig(label)
            der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                             int.from_bytes(raw[32:], "big"))
            data = MSG if label == "ecdsa-sha256" else hashlib.sha256(MSG).digest()
            pub["ec"].verify(der, data, ec.ECDSA(h))
        pub["ed"].verify(sig("eddsa"), MSG)
        s = r["new-ec"]
        point = bytes.fromhex(s["point"])
        check("a new EC key's CKA_EC_POINT is uncompressed",
              len(point) == 67 and point[:3] == b"\x04\x41\x04")
        raw = sig("new-ec")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point[2:]).verify(
            utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big")),
            MSG, ec.ECDSA(hashes.SHA256()))
    except Exception as e:  # cryptography's InvalidSignature has no text
        fail(name, f"a signature does not verify with OpenSSL: {type(e).__name__} {e}")
    check("HMAC-SHA256", r["hmac-sha256"] == hmac.new(
        read("hmac-secret.key"), MSG, "sha256").hexdigest())
    akey, iv = read("aes-256.key"), bytes(range(16))
    padder = sympad.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(akey), modes.CBC(iv)).encryptor()
    check("AES-CBC-PAD", bytes.fromhex(r["aes-cbc-pad"]) == enc.update(
        padder.update(MSG) + padder.finalize()) + enc.finalize())
    check("AES-GCM", bytes.fromhex(r["aes-gcm"]) ==
          AESGCM(akey).encrypt(iv[:12], MSG, b"aad"))
    rsa_priv = serialization.load_pem_private_key(read("rsa-www-key.pem"), None)
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    check("RSA-OAEP: kmp11 decrypts its own", r["rsa-oaep"]["round-trip"])
    check("RSA-OAEP: OpenSSL decrypts kmp11's", rsa_priv.decrypt(
        bytes.fromhex(r["rsa-oaep"]["ct"]), oaep) == b"oaep secret")
    check("ECDH: the secret OpenSSL computes",
          bytes.fromhex(r["ecdh"]) == peer.exchange(ec.ECDH(), pub["ec"]))
    check("random bytes", r["random"] == 32)
    print(f"ok - under {name}: CKA_ID and uncompressed CKA_EC_POINT of rsa/ec/ed-www, "
          "signatures (RSA, PSS, ECDSA, EdDSA, a new EC key pair), digests, HMAC, "
          "AES, RSA-OAEP, ECDH, random as OpenSSL computes them")


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
