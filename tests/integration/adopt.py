#!/usr/bin/python3
"""C_Finalize then C_Initialize in a forked child (what OpenSSL 3's
pkcs11-provider does in every nginx worker), through PyKCS11 against the
real Key Manager (docs/objects.md, "Fork").

    adopt.py MODULE     (OS_* of the test user in the env)

- with the same configuration the child adopts its parent's tokens: it
  signs with the key the parent fetched, by the same handle, without a
  single Key Manager request, and never reads the config file (gone by
  then);
- the login ended with C_Finalize: a token that needs login shows no
  private key in the child until C_Login, which works;
- with another configuration (KMP11_CONF changed) the child loads it
  afresh;
- without fork, C_Finalize then C_Initialize loads the configuration
  again (the file is gone: it fails).
"""
import os
import sys
import tempfile

import PyKCS11

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import fail, in_child, ok  # noqa: E402

MODULE = sys.argv[1]
PIN = os.environ["OS_PASSWORD"]
MECH = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256)
PRIVATE = (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)

# The config file is deleted once the parent has read it (kmconf).
lib = kmconf.load(MODULE, kmconf.token("main", "containers = ec-www"),
                  kmconf.token("login", "containers = ec-www", password=False))
slots = {lib.getTokenInfo(s).label.strip(): s for s in lib.getSlotList()}
main = lib.openSession(slots["main"])
key = main.findObjects([PRIVATE, (PyKCS11.CKA_LABEL, "ec-www")])[0]
main.sign(key, b"before fork", MECH)
login = lib.openSession(slots["login"])
login.login(PIN)
login_key = login.findObjects([PRIVATE])[0]
login.sign(login_key, b"before fork", MECH)


def reinit():
    if lib.lib.C_Finalize() != PyKCS11.CKR_OK or lib.lib.C_Initialize() != PyKCS11.CKR_OK:
        raise RuntimeError("C_Finalize + C_Initialize")


def same_config():
    reinit()
    s = lib.openSession(slots["main"])
    s.sign(key, b"in the child", MECH)
    print("signed", file=sys.stderr, flush=True)
    s = lib.openSession(slots["login"])
    if s.findObjects([PRIVATE]):
        raise RuntimeError("the login token shows private keys without C_Login")
    s.login(PIN)
    s.sign(s.findObjects([PRIVATE])[0], b"in the child", MECH)


trace = in_child("child, same configuration", same_config)
before_login = trace.split("signed\n")[0]
if "the 2 token(s) of the parent adopted" not in trace or "http:" in before_login \
        or "configuration" in trace:
    fail(f"same configuration, not adopted: {trace}")
ok("fork + C_Finalize + C_Initialize, same configuration: the parent's tokens "
   "adopted, the key signs with no Key Manager request; the login ended")


def other_config():
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(kmconf.token("other", "containers = ec-www"))
    os.chmod(f.name, 0o600)
    os.environ["KMP11_CONF"] = f.name
    try:
        reinit()
    finally:
        os.unlink(f.name)
    labels = [lib.getTokenInfo(s).label.strip() for s in lib.getSlotList()]
    if labels != ["other"]:
        raise RuntimeError(f"tokens {labels}")


trace = in_child("child, another configuration", other_config)
if "adopted" in trace or "initialized with 1 token(s)" not in trace:
    fail(f"another configuration: {trace}")
ok("fork + C_Finalize + C_Initialize, another KMP11_CONF: loaded afresh")

if lib.lib.C_Finalize() != PyKCS11.CKR_OK:
    fail("C_Finalize")
if lib.lib.C_Initialize() != PyKCS11.CKR_GENERAL_ERROR:
    fail("C_Initialize without fork did not load the (deleted) configuration again")
ok("C_Finalize + C_Initialize without fork: the configuration is loaded again")
