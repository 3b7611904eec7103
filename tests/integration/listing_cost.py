#!/usr/bin/python3
"""Finding by class, label or id costs the list pages and no payload; with
literal `containers` names, two requests per name ("X" and "X (id %)",
tokens/names.h) and one per secret they hold.

    listing_cost.py MODULE N [NAMES]

The token's project holds N certificate containers, bulk-0 .. bulk-(N-1)
(seed_bulk.py), all holding one certificate secret and one key secret.
NAMES: the token's `containers`, comma-separated plain names (bulk-7
among them); without it the token shows every container. A name with '_'
checks that Barbican's name filter (SQL LIKE: '_' matches any character)
shows no other container.

Counts the module's HTTP requests from its debug log (KMP11_DEBUG=4),
then lists again with the pages one at a time: the same objects.
"""
import math
import os
import re
import subprocess
import sys
import tempfile

CHILD = r"""
import PyKCS11, sys
from PyKCS11.LowLevel import CKA_CLASS, CKA_LABEL, CKA_ID, CKO_PRIVATE_KEY, CKO_CERTIFICATE
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
a = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY)])
b = s.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_LABEL, "bulk-7")])
c = s.findObjects([(CKA_ID, bytes(16))])
print(len(a), len(b), len(c))
print(" ".join(str(h.value()) for h in a))
"""

module, n = sys.argv[1], int(sys.argv[2])
names = [x.strip() for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else None
env = dict(os.environ, KMP11_DEBUG="4")
p = subprocess.run(["/usr/bin/python3", "-c", CHILD, module], env=env,
                   capture_output=True, text=True, check=True)
counts, handles = p.stdout.splitlines()[0].split(), p.stdout.splitlines()[1]
lines = [l for l in p.stderr.splitlines() if " debug: http: " in l]
containers = [l for l in lines if "/containers?" in l]
secret_pages = [l for l in lines if "/secrets?" in l]
secret_gets = [l for l in lines if "/secrets/" in l and "/payload" not in l]
payloads = [l for l in lines if "/payload" in l]
total = int(counts[0])
shown = n if not names else sum(
    1 for x in names if re.fullmatch(r"bulk-[0-9]+", x) and int(x[5:]) < n)
assert total == shown, f"found {total} private keys, expected {shown}"
assert int(counts[1]) == 1, f"label bulk-7 found {counts[1]} certificates"
assert int(counts[2]) == 0, "an unknown id matched"
if names:
    # Two requests per name (with and without a CKA_ID in it), whatever
    # N; the two secrets every bulk container holds, by their refs; no
    # page of either list.
    want, want_secrets = 2 * len(names), 2
    assert all("&name=" in l for l in containers), f"not by name: {containers}"
    assert len(secret_pages) == 0, f"{len(secret_pages)} secret pages, expected 0"
    assert len(secret_gets) == want_secrets, \
        f"{len(secret_gets)} secret metadata requests, expected {want_secrets}"
else:
    want = math.ceil(n / 100)
    assert len(secret_gets) == 0, f"{len(secret_gets)} secret metadata requests"
assert len(containers) == want, f"{len(containers)} container requests, expected {want}"
assert len(payloads) == 0, f"{len(payloads)} payload requests, expected 0"
auth = [l for l in lines if "/auth/tokens" in l]
assert len(auth) == 1, f"{len(auth)} Keystone requests, expected 1"
others = len(lines) - len(containers) - len(secret_pages) - len(secret_gets) - len(auth)
assert others == 0, f"{others} other Key Manager requests: {lines}"
print(f"ok - {total} keys found by class, label and id: {len(containers)} container "
      f"requests, {len(secret_pages)} secret pages, {len(secret_gets)} secret "
      f"metadata requests, 0 payloads")

# The same objects, in the same order, when the pages come one after the
# other (parallel_requests = 1) as when they come at once.
with tempfile.NamedTemporaryFile("w", suffix=".conf") as serial:
    serial.write(open(os.environ["KMP11_CONF"]).read() + "parallel_requests = 1\n")
    serial.flush()
    q = subprocess.run(["/usr/bin/python3", "-c", CHILD, module],
                       env=dict(env, KMP11_CONF=serial.name),
                       capture_output=True, text=True, check=True)
assert q.stdout.splitlines()[1] == handles, "pages at once listed other objects"
print(f"ok - the same {total} objects, in the same order, with pages one at a time")
