#!/usr/bin/python3
"""Key types learned once: keys whose secrets have no "algorithm" (the
seed's) cost a payload the first time a client reads CKA_KEY_TYPE of every
key, as libp11 does while it searches; the next process reads the types
from the token's key_cache file and fetches nothing. What the file says is
a hint: a wrong line is believed until the key's payload is fetched, which
overrules and corrects it.

    keytypes.py MODULE     (OS_* of the test user in the env)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "km"))
import kmconf  # noqa: E402
from checks import fail, ok  # noqa: E402

# A process that reads class, key type, id and label of every private key.
CHILD = r"""
import json, sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
types = {}
for k in s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)]):
    t, label = s.getAttributeValue(k, [PyKCS11.CKA_KEY_TYPE, PyKCS11.CKA_LABEL])[:2]
    s.getAttributeValue(k, [PyKCS11.CKA_ID])
    types[label] = t
print(json.dumps(types))
"""

# Signs with the EC key whatever type the cache claims for it.
SIGNER = r"""
import json, sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
k = s.findObjects([(PyKCS11.CKA_LABEL, "ec-www"),
                   (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)])[0]
claimed = s.getAttributeValue(k, [PyKCS11.CKA_KEY_TYPE])[0]
s.sign(k, b"x" * 32, PyKCS11.Mechanism(PyKCS11.CKM_ECDSA))
print(json.dumps([claimed, s.getAttributeValue(k, [PyKCS11.CKA_KEY_TYPE])[0]]))
"""

cache = tempfile.mkdtemp()
path = f"{cache}/types"
conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
conf.write(kmconf.token("types", "containers = rsa-www, ec-www, ed-www",
                        f"key_cache = {path}"))
conf.close()
env = dict(os.environ, KMP11_CONF=conf.name, KMP11_DEBUG="4")


def run(child=CHILD):
    p = subprocess.run(["/usr/bin/python3", "-c", child, sys.argv[1]], env=env,
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout), p.stderr.count("/payload ->")


first, fetched = run()
second, fetched_again = run()
want = {"rsa-www": 0, "ec-www": 3, "ed-www": 0x40}  # CKK_RSA, CKK_EC, CKK_EC_EDWARDS
if first != want or second != want:
    fail(f"key types {first} then {second}, expected {want}")
if fetched == 0 or fetched_again != 0:
    fail(f"payload requests: {fetched} then {fetched_again}, expected some then 0")
lines = open(path).read().splitlines()
if len(lines) != 3 or not all(re.fullmatch(r"[0-9a-f-]{36} (rsa|ec|ed25519)", l)
                              for l in lines):
    fail(f"key_cache holds {lines}")
if os.stat(path).st_mode & 0o077:
    fail("key_cache is readable by others")
ok(f"key types learned once ({fetched} payloads), then read from key_cache (0)")

# A wrong line (the owner's file: trusted, but only a hint).
with open(path) as f:
    text = f.read()
with open(path, "w") as f:
    f.write(re.sub(r" ec$", " rsa", text, flags=re.M))
(claimed, actual), _ = run(SIGNER)
os.unlink(conf.name)
if claimed != 0 or actual != 3:
    fail(f"ec-www with a wrong cache line: key type {claimed} then {actual}, "
         "expected CKK_RSA (the hint) then CKK_EC (the payload)")
corrected = open(path).read()
if sorted(corrected.splitlines()) != sorted(text.splitlines()):
    fail(f"key_cache not corrected by the payload: {corrected!r}, was {text!r}")
ok("a wrong key_cache line is a hint: the fetched payload overrules and corrects it")
