#!/usr/bin/python3
"""kmp11 against a Key Manager that misbehaves (faultserver.py): each case
runs a fresh process that initializes the module and finds by label, and
checks the return code, that it came back within the token's timeouts,
and what the module logged. Then, with slow answers, MIDCALL (the program
tests/fault/midcall.c) logs out and forks while another thread waits for
the Key Manager.

    faults.py MODULE MIDCALL
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

MODULE = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 18601
CKR = {"OK": 0, "DEVICE_ERROR": 0x30, "DEVICE_MEMORY": 0x31}

# The child: find "fault-ok" certificates; prints rv, count and seconds.
CHILD = r"""
import json, sys, time, PyKCS11
t0 = time.monotonic()
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
rv, n = 0, 0
try:
    n = len(s.findObjects([(PyKCS11.CKA_LABEL, "fault-ok")]))
except PyKCS11.PyKCS11Error as e:
    rv = e.value
print(json.dumps({"rv": rv, "found": n, "seconds": time.monotonic() - t0}))
"""

# C_Login with the PIN "p" on a login token; prints the return value.
LOGIN = r"""
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList()[0])
try:
    s.login("p")
    print(0)
except PyKCS11.PyKCS11Error as e:
    print(e.value)
"""

# mode: (expected rv, found, at most seconds, a log line that must appear)
CASES = {
    "ok": ("OK", 1, 5, None),
    "flaky": ("OK", 1, 5, "server error, retry 2"),
    "retry-after": ("OK", 1, 5, "retry 1 in 1000 ms"),
    "retry-huge": ("OK", 1, 5, "retry 1 in 2000 ms"),
    "stall": ("DEVICE_ERROR", 0, 12, "timed out"),
    "reset": ("DEVICE_ERROR", 0, 5, "Empty reply from server"),
    "truncated": ("DEVICE_ERROR", 0, 5, None),
    "malformed": ("DEVICE_ERROR", 0, 5, "JSON"),
    "wrong-shape": ("OK", 0, 5, None),
    "huge": ("DEVICE_MEMORY", 0, 10, "larger than"),
    "redirect": ("DEVICE_ERROR", 0, 5, "302"),
    "endless": ("DEVICE_ERROR", 0, 5, "the same page again"),
    # Pages after the first come at once; one that fails is made again.
    "paged": ("OK", 1, 5, "server error, again alone"),
    "auth-401": ("DEVICE_ERROR", 0, 5, "Keystone refused the credentials of user"),
    "keystone-down": ("DEVICE_ERROR", 0, 5, "auth/tokens"),
    "forbidden": ("DEVICE_ERROR", 0, 5, "role creator is required"),
    "401-once": ("OK", 1, 5, "authenticating again"),
}


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def start(mode, requests=subprocess.DEVNULL):
    """The fault server; its stderr (the requests it got) to requests."""
    server = subprocess.Popen(["/usr/bin/python3", f"{HERE}/faultserver.py",
                               str(PORT), mode], stderr=requests)
    wait_port()
    return server


def wait_port():
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", PORT)) == 0:
                return
        time.sleep(0.05)
    fail("the fault server did not start")


def against(mode, child):
    """Runs a child program against the fault server in mode."""
    server = start(mode)
    try:
        return subprocess.run(["/usr/bin/python3", "-c", child, MODULE], env=env,
                              capture_output=True, text=True, timeout=60)
    finally:
        server.kill()
        server.wait()


conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
conf.write(f"[token]\nlabel = fault\nauth_url = http://127.0.0.1:{PORT}/v3\n"
           "username = u\npassword = p\nproject_name = fault\n"
           "connect_timeout = 1\ntimeout = 2\n")
conf.close()
env = dict(os.environ, KMP11_CONF=conf.name, KMP11_DEBUG="4")
try:
    for mode, (want, found, limit, logged) in CASES.items():
        p = against(mode, CHILD)
        if p.returncode != 0:
            fail(f"{mode}: the client died ({p.returncode}): {p.stderr[-500:]}")
        r = json.loads(p.stdout)
        if r["rv"] != CKR[want] or r["found"] != found:
            fail(f"{mode}: rv {r['rv']:#x}, found {r['found']}; expected "
                 f"CKR_{want}, {found}\n{p.stderr[-800:]}")
        if r["seconds"] > limit:
            fail(f"{mode}: took {r['seconds']:.1f} s, more than {limit}")
        if logged and logged not in p.stderr:
            fail(f"{mode}: the log does not say '{logged}':\n{p.stderr[-800:]}")
        print(f"ok - fault '{mode}': CKR_{want} in {r['seconds']:.2f} s")
    def midcall(mode, token):
        """Runs MIDCALL against the slow server: the requests it got."""
        with open(conf.name, "w") as f:
            f.write(f"[token]\nlabel = fault\nauth_url = http://127.0.0.1:{PORT}/v3\n"
                    f"username = u\nproject_name = fault\n{token}")
        server = start("slow", subprocess.PIPE)
        try:
            p = subprocess.run([sys.argv[2], MODULE, mode], env=env,
                               capture_output=True, text=True, timeout=60)
        finally:
            server.kill()
            requests = server.communicate()[1].decode()
        if p.returncode != 0:
            fail(f"midcall {mode}: {p.stderr[-1500:]}")
        print(p.stdout, end="")
        return requests

    # A login token: no password in the config, C_Login gives it.
    payloads = midcall("logout", "").count("/payload\n")
    if payloads != 2:
        fail(f"C_Logout mid-fetch: {payloads} payload requests, expected 2 (a "
             "payload fetched while the login ended is not kept)")
    print("ok - a payload fetched while C_Logout ran is not kept: the next "
          "login fetches it again")
    # C_Login answers what Keystone says with C_Login's own codes: a
    # refused PIN, else a device error (a 400 is no CKR_DATA_INVALID, a
    # 403 no CKR_TOKEN_WRITE_PROTECTED: C_Login has neither).
    with open(conf.name, "w") as f:
        f.write(f"[token]\nlabel = fault\nauth_url = http://127.0.0.1:{PORT}/v3\n"
                "username = u\nproject_name = fault\n")
    for mode, want in (("auth-401", 0xA0), ("auth-400", 0x30), ("auth-403", 0x30), ("ok", 0)):
        p = against(mode, LOGIN)
        if p.returncode != 0 or int(p.stdout) != want:
            fail(f"C_Login against {mode}: {p.stdout.strip()}, expected {want:#x}:"
                 f" {p.stderr[-500:]}")
        if mode != "ok" and f"HTTP {mode[5:]}" not in p.stderr:
            fail(f"C_Login against {mode}: the log does not say why: {p.stderr[-500:]}")
    print("ok - C_Login: a refused PIN is CKR_PIN_INCORRECT; Keystone's 400 "
          "and 403 CKR_DEVICE_ERROR, with the status in the log")
    listings = midcall("fork", "password = p\nrefresh_interval = 1\n").count(
        "GET /v1/containers")
    if listings != 3:
        fail(f"fork mid-refresh: {listings} listings, expected 3 (the child "
             "refreshes itself)")
    print("ok - a child forked while its parent refreshes lists again itself")
finally:
    os.unlink(conf.name)
