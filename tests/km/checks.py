"""The test scripts' reporting: "ok - ..." lines, a FAIL that exits, and
a call expected to fail with one CKR_ code, a forked child's run."""
import os
import sys
import tempfile

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


def in_child(what, body):
    """Runs body() in a forked child whose module logs every request on
    stderr (KMP11_DEBUG=4, read at its C_Initialize); fails, saying what,
    unless body returns; its log."""
    log = tempfile.NamedTemporaryFile(suffix=".log", delete=False)
    pid = os.fork()
    if pid == 0:
        os.dup2(log.fileno(), 2)
        os.environ["KMP11_DEBUG"] = "4"
        try:
            body()
        except BaseException as e:  # the parent reports it
            print(f"child failed: {e!r}", file=sys.stderr, flush=True)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    with open(log.name) as f:
        trace = f.read()
    os.unlink(log.name)
    if status != 0:
        fail(f"{what}: {trace}")
    return trace
