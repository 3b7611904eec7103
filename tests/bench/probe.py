#!/usr/bin/python3
"""One measurement in a fresh process, printed as JSON:

    probe.py listing MODULE LABEL   C_Initialize + a find by label: wall
                                    time, Key Manager requests by kind,
                                    peak RSS
    probe.py enumerate MODULE LABEL the same after a find by class alone
                                    (what libp11 does): every container
    probe.py first-use MODULE LABEL a find, then the first signature of a
                                    key not fetched yet: time to find, to
                                    sign, payload requests

The module's requests are counted from its debug log (KMP11_DEBUG=4),
which goes to a file: stderr is redirected before the module loads.
"""
import json
import os
import resource
import sys
import tempfile
import time

log = tempfile.NamedTemporaryFile(suffix=".log", delete=False)
os.dup2(log.fileno(), 2)
os.environ["KMP11_DEBUG"] = "4"
import PyKCS11  # noqa: E402

what, module, label = sys.argv[1:4]
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.monotonic()
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
s = lib.openSession(lib.getSlotList()[0])
if what == "enumerate":
    s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)])
found = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                       (PyKCS11.CKA_LABEL, label)])
t1 = time.monotonic()
result = {"found": len(found), "find_s": round(t1 - t0, 4)}
if what == "first-use":
    s.sign(found[-1], b"first use", PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS))
    result["sign_s"] = round(time.monotonic() - t1, 4)
with open(log.name) as f:
    lines = [l for l in f if " debug: http: " in l]
os.unlink(log.name)
result["requests"] = {
    "auth": sum("/auth/tokens" in l for l in lines),
    "container_pages": sum("/containers?" in l for l in lines),
    "secret_pages": sum("/secrets?" in l for l in lines),
    "payloads": sum("/payload" in l for l in lines),
    "other": sum(not any(k in l for k in ("/auth/tokens", "/containers?",
                                          "/secrets?", "/payload")) for l in lines),
}
result["rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result["rss_growth_kib"] = result["rss_kib"] - rss_before
print(json.dumps(result))
