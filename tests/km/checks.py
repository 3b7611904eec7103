"""The test scripts' reporting: "ok - ..." lines, a FAIL that exits, and
a call expected to fail with one CKR_ code."""
import sys

import PyKCS11
from PyKCS11 import PyKCS11Error


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def ok(msg):
    print(f"ok - {msg}", flush=True)


def expect(code, what, call):
    name = PyKCS11.CKR.get(code, hex(code))
    try:
        call()
    except PyKCS11Error as e:
        if e.value != code:
            fail(f"{what}: {e}, expected {name}")
        return
    fail(f"{what}: succeeded, expected {name}")
