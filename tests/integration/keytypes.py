#!/usr/bin/python3
"""Key types learned once: keys whose secrets have no "algorithm" (the
seed's) cost a payload the first time a client reads CKA_KEY_TYPE of every
key, as libp11 does while it searches; the next process reads the types
from the token's key_cache file and fetches nothing.

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

cache = tempfile.mkdtemp()
path = f"{cache}/types"
conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
conf.write(kmconf.token("types", "containers = rsa-www, ec-www, ed-www",
                        f"key_cache = {path}"))
conf.close()
env = dict(os.environ, KMP11_CONF=conf.name, KMP11_DEBUG="4")


def run():
    p = subprocess.run(["/usr/bin/python3", "-c", CHILD, sys.argv[1]], env=env,
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout), p.stderr.count("/payload ->")


first, fetched = run()
second, fetched_again = run()
os.unlink(conf.name)
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
