#!/usr/bin/python3
"""A search by CKA_LABEL before anything is listed asks for that name
only; whatever comes next finds what a full listing would.

    label_scope.py MODULE N

KMP11_CONF: a token showing every container ("*") of the project that
seed_bulk.py filled with N containers bulk-0 .. bulk-(N-1) (N > 100, so
that a full listing takes more than one page). Counts the module's HTTP
requests from its debug log (KMP11_DEBUG=4), in fresh processes:

- by label bulk-7 (certificate, then private key): 2 container requests
  ("bulk-7" and "bulk-7 (id %)"), the 2 secrets it holds, no list page;
  the same handles as a full listing gives;
- a container whose name carries a CKA_ID ("label (id 0a0b)", made here
  by C_GenerateKeyPair and destroyed at the end) is found by its label,
  with that CKA_ID;
- then a class-only search, or another label, lists everything: all N
  keys are found;
- a label nothing is named (a certificate's CN may be one) lists
  everything and finds what the full listing finds;
- a process that only signs, once refresh_interval has passed, asks for
  the container whose key it fetched (one request), not every page.
"""
import math
import os
import subprocess
import sys
import tempfile

module, n = sys.argv[1], int(sys.argv[2])
pages = math.ceil(n / 100)

CHILD = r"""
import PyKCS11, sys
from PyKCS11.LowLevel import *
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0], CKF_SERIAL_SESSION | CKF_RW_SESSION)
def find(*t):
    return [h.value() for h in s.findObjects(list(t))]
def show(*xs):
    print(" ".join(str(x) for x in xs))
for step in sys.argv[2:]:
    kind, _, arg = step.partition(":")
    if kind == "cert":
        show(*find((CKA_CLASS, CKO_CERTIFICATE), (CKA_LABEL, arg)))
    elif kind == "key":
        show(*find((CKA_CLASS, CKO_PRIVATE_KEY), (CKA_LABEL, arg)))
    elif kind == "keys":
        show(len(find((CKA_CLASS, CKO_PRIVATE_KEY))))
    elif kind == "id":
        h = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_LABEL, arg)])
        show(*(bytes(s.getAttributeValue(x, [CKA_ID])[0]).hex() for x in h))
    elif kind == "generate":
        pub = [(CKA_TOKEN, True), (CKA_LABEL, arg), (CKA_ID, bytes.fromhex("0a0b")),
               (CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")), (CKA_VERIFY, True)]
        prv = [(CKA_TOKEN, True), (CKA_LABEL, arg), (CKA_ID, bytes.fromhex("0a0b")),
               (CKA_SIGN, True), (CKA_PRIVATE, True), (CKA_SENSITIVE, True)]
        s.generateKeyPair(pub, prv, mecha=PyKCS11.Mechanism(CKM_EC_KEY_PAIR_GEN, None))
        show("made")
    elif kind == "sign":  # an EC key, found by label; again at "sign:"
        if arg:
            k = s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_LABEL, arg)])[0]
        s.sign(k, bytes(32), PyKCS11.Mechanism(CKM_ECDSA, None))
        show("signed")
    elif kind == "sleep":
        import time; time.sleep(float(arg)); show("slept")
    elif kind == "mark":
        sys.stderr.write(" debug: http: --mark--\n"); sys.stderr.flush(); show("marked")
    elif kind == "destroy":
        for x in s.findObjects([(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_LABEL, arg)]):
            s.destroyObject(x)
        show("gone")
"""


def run(*steps, conf=None):
    """Each step's output line, and the HTTP requests the process made
    (after the last "mark:" step, if any)."""
    env = dict(os.environ, KMP11_DEBUG="4")
    if conf:
        env["KMP11_CONF"] = conf
    p = subprocess.run(["/usr/bin/python3", "-c", CHILD, module, *steps],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0, f"{steps}: {p.stderr[-2000:]}"
    lines = [l for l in p.stderr.splitlines() if " debug: http: " in l]
    if any("--mark--" in l for l in lines):
        lines = lines[max(i for i, l in enumerate(lines) if "--mark--" in l) + 1:]
    return p.stdout.splitlines(), {
        "named": [l for l in lines if "/containers?" in l and "&name=" in l],
        "pages": [l for l in lines if ("/containers?" in l or "/secrets?" in l)
                  and "&name=" not in l],
        "secrets": [l for l in lines if "/secrets/" in l and "/payload" not in l],
        "payloads": [l for l in lines if "/payload" in l],
        "containers": [l for l in lines if "/containers/" in l],
    }


# By label first: that name only, then the same objects as a full listing.
out, req = run("cert:bulk-7", "key:bulk-7")
cert, key = out
assert cert and key, f"bulk-7 not found by label: {out}"
assert len(req["named"]) == 2, f"container requests: {req['named']}"
assert "bulk-7%20%28id%20%25%29" in req["named"][1], req["named"]
assert req["pages"] == [], f"list pages for a label: {req['pages']}"
assert len(req["secrets"]) == 2, f"secret requests: {req['secrets']}"
assert req["payloads"] == [], f"payloads: {req['payloads']}"
full, full_req = run("keys:", "cert:bulk-7", "key:bulk-7")
assert full == [str(n), cert, key], f"full listing: {full}, scoped: {out}"
assert len(full_req["named"]) == 0 and len(full_req["pages"]) >= pages
print(f"ok - by label: 2 container requests and 2 secrets' metadata, no "
      f"page (a full listing: {len(full_req['pages'])} pages); the same handles")

# Another label, or a class alone, after a scoped search: everything.
out, req = run("cert:bulk-7", "cert:bulk-8", "keys:")
assert out[0] == cert and out[1] and out[2] == str(n), out
assert len(req["named"]) == 2 and len(req["pages"]) >= pages, req
out, req = run("cert:bulk-7", "keys:")
assert out == [cert, str(n)], out
assert len(req["pages"]) >= pages, req
print(f"ok - a second label or a class alone lists everything: {n} keys")

# A label no container or secret has (a CN, a UUID...): everything.
out, req = run("cert:no-such-name", "keys:")
assert out == ["", str(n)], out
assert len(req["named"]) == 2 and len(req["pages"]) >= pages, req
print("ok - a label nothing is named lists everything")

# A container whose name carries its objects' CKA_ID.
out, _ = run("generate:scoped-id")
assert out == ["made"], out
try:
    out, req = run("id:scoped-id")
    assert out == ["0a0b"], f"CKA_ID by label: {out}"
    assert len(req["named"]) == 2 and req["pages"] == [], req
    print("ok - a container named with its CKA_ID ('scoped-id (id 0a0b)') "
          "is found by its label alone")
    # A process that only signs, past refresh_interval: one request for
    # the container whose key it fetched, whatever the project holds.
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as short:
        short.write(open(os.environ["KMP11_CONF"]).read() + "refresh_interval = 1\n")
        short.flush()
        out, req = run("keys:", "sign:scoped-id", "sleep:1.5", "mark:", "sign:",
                       conf=short.name)
    assert out[-1] == "signed", out
    assert req["pages"] == [] and req["named"] == [] and req["payloads"] == [], req
    assert len(req["containers"]) == 1, f"the check: {req['containers']}"
    print("ok - a signer past refresh_interval asks for the one container in "
          f"use (1 request), not the {pages}+ pages of a listing")
finally:
    out, _ = run("keys:", "destroy:scoped-id")
assert out[-1] == "gone", out
out, _ = run("key:scoped-id")
assert out == [""], f"not destroyed: {out}"

