#!/usr/bin/python3
"""Finding by class, label or id costs the list pages and no payload.

    listing_cost.py MODULE N

The token's project holds N certificate containers, bulk-0 .. bulk-(N-1)
(seed_bulk.py).

Counts the module's HTTP requests from its debug log (KMP11_DEBUG=4).
"""
import math
import os
import subprocess
import sys

CHILD = r"""
import PyKCS11, sys
from PyKCS11.LowLevel import CKA_CLASS, CKA_LABEL, CKA_ID, CKO_PRIVATE_KEY, CKO_CERTIFICATE
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
a = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY)])
b = s.findObjects([(CKA_CLASS, CKO_CERTIFICATE), (CKA_LABEL, "bulk-7")])
c = s.findObjects([(CKA_ID, bytes(16))])
print(len(a), len(b), len(c))
"""

module, n = sys.argv[1], int(sys.argv[2])
env = dict(os.environ, KMP11_DEBUG="4")
p = subprocess.run(["/usr/bin/python3", "-c", CHILD, module], env=env,
                   capture_output=True, text=True, check=True)
counts = p.stdout.split()
lines = [l for l in p.stderr.splitlines() if " debug: http: " in l]
containers = [l for l in lines if "/containers?" in l]
secrets = [l for l in lines if "/secrets?" in l]
payloads = [l for l in lines if "/payload" in l]
total = int(counts[0])
assert total == n, f"found {total} private keys, expected {n}"
assert int(counts[1]) == 1, f"label bulk-7 found {counts[1]} certificates"
assert int(counts[2]) == 0, "an unknown id matched"
want = math.ceil(n / 100)
assert len(containers) == want, f"{len(containers)} container pages, expected {want}"
assert len(payloads) == 0, f"{len(payloads)} payload requests, expected 0"
auth = [l for l in lines if "/auth/tokens" in l]
assert len(auth) == 1, f"{len(auth)} Keystone requests, expected 1"
others = len(lines) - len(containers) - len(secrets) - len(auth)
assert others == 0, f"{others} other Key Manager requests: {lines}"
print(f"ok - {total} keys found by class, label and id: {len(containers)} container "
      f"pages, {len(secrets)} secret pages, 0 payloads")
