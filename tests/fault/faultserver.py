#!/usr/bin/python3
"""A Keystone + Barbican stand-in for what the real ones cannot be made to
do: server errors, stalls, resets, truncated or malformed bodies, huge
bodies, redirects, pagination that never ends.

    faultserver.py PORT MODE

Keystone's token request always works and puts this server in the
catalog as the key-manager; MODE decides how GET /v1/containers answers
(the secrets list is always empty; a secret's metadata says certificate,
its payload is not one):

    ok            one page with one certificate container "fault-ok"
    flaky         503, 503, then as ok
    retry-after   429 with Retry-After: 1, then as ok
    retry-huge    429 with a Retry-After of 30 digits, then as ok
    stall         waits 30 s before answering
    reset         closes the connection without an answer
    truncated     announces 1000 bytes, sends 20, closes
    malformed     200 with a body that is not JSON
    wrong-shape   200 with JSON of the wrong types and nulls
    huge          200 with a 50 MB body
    redirect      302 to another host
    endless       every page full, "total" a billion
    paged         450 containers by offset and limit, "fault-ok" the last;
                  the page at offset 300 answers 503 the first time
    auth-401      Keystone refuses the credentials
    auth-400      Keystone refuses the request (400), as for a malformed scope
    auth-403      Keystone forbids the authentication (403)
    keystone-down Keystone resets the connection
    forbidden     the listing answers 403 (a role removed)
    401-once      the listing answers 401 once (a token revoked), then ok
    slow          as ok, after a second (and a second for each payload)

Counts of each path are printed on stderr as requests arrive.
"""
import json
import re
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE = int(sys.argv[1]), sys.argv[2]
BASE = f"http://127.0.0.1:{PORT}"
COUNT = {"containers": 0, "auth": 0}


def uuid(i):
    return f"00000000-0000-4000-8000-{i:012d}"


def container(i, name):
    return {"container_ref": f"{BASE}/v1/containers/{uuid(i)}", "name": name,
            "type": "certificate", "created": "2026-01-01T00:00:00",
            "secret_refs": [{"name": "certificate",
                             "secret_ref": f"{BASE}/v1/secrets/{uuid(10 ** 6 + i)}"}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        sys.stderr.write(f"{self.command} {self.path}\n")

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reset(self):
        """A reset (RST), not a clean close."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        COUNT["auth"] += 1
        if MODE == "keystone-down":
            return self.reset()
        if MODE == "auth-401":
            return self.send(401, {"error": {"code": 401, "message":
                                             "The request you have made requires authentication."}})
        if MODE in ("auth-400", "auth-403"):
            code = int(MODE[5:])
            return self.send(code, {"error": {"code": code, "message":
                                              f"fault {code}"}})
        catalog = [{"type": "key-manager", "endpoints": [
            {"interface": "public", "region": "RegionOne", "url": BASE}]}]
        self.send(201, {"token": {"expires_at": "2099-01-01T00:00:00.000000Z",
                                  "project": {"id": "fault", "name": "fault"},
                                  "catalog": catalog}},
                  [("X-Subject-Token", "fault-token")])

    def secret(self):
        """A certificate secret's metadata; its payload is not one."""
        if self.path.endswith("/payload"):
            if MODE == "slow":
                time.sleep(1)
            return self.send(200, b"not a certificate")
        self.send(200, {"secret_ref": f"{BASE}{self.path}", "name": None,
                        "secret_type": "certificate",
                        "content_types": {"default": "application/pkix-cert"}})

    def paged(self):
        offset = int(re.search(r"offset=([0-9]+)", self.path).group(1))
        limit = int(re.search(r"limit=([0-9]+)", self.path).group(1))
        if offset == 300 and "failed" not in COUNT:
            COUNT["failed"] = 1
            return self.send(503, {"title": "Service Unavailable"})
        names = [f"paged-{i}" for i in range(449)] + ["fault-ok"]
        self.send(200, {"containers": [container(i, names[i]) for i in
                                       range(offset, min(offset + limit, 450))],
                        "total": 450})

    def do_GET(self):
        if self.path.startswith("/v1/secrets/"):
            return self.secret()
        if self.path.startswith("/v1/secrets"):
            return self.send(200, {"secrets": [], "total": 0})
        if not self.path.startswith("/v1/containers"):
            return self.send(404, {"title": "not here"})
        COUNT["containers"] += 1
        n = COUNT["containers"]
        ok = {"containers": [container(1, "fault-ok")], "total": 1}
        if MODE == "flaky" and n <= 2:
            return self.send(503, {"title": "Service Unavailable"})
        if MODE == "retry-after" and n == 1:
            return self.send(429, {"title": "slow down"}, [("Retry-After", "1")])
        if MODE == "retry-huge" and n == 1:
            return self.send(429, {"title": "slow down"}, [("Retry-After", "9" * 30)])
        if MODE == "stall":
            time.sleep(30)
        if MODE == "slow":
            time.sleep(1)
        if MODE == "reset":
            return self.reset()
        if MODE == "forbidden":
            return self.send(403, {"title": "Forbidden", "description":
                                   "role creator is required"})
        if MODE == "401-once" and n == 1:
            return self.send(401, {"title": "Unauthorized"})
        if MODE == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"containers": [{"na')
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if MODE == "malformed":
            return self.send(200, b"{this is not json")
        if MODE == "wrong-shape":
            return self.send(200, {"containers": [None, 7, "x", {"name": ["a"],
                                   "container_ref": 12, "secret_refs": "no"}],
                                   "total": "lots"})
        if MODE == "huge":
            return self.send(200, b'{"containers": ["' + b"x" * (50 << 20) + b'"]}')
        if MODE == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:1/v1/containers")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if MODE == "paged":
            return self.paged()
        if MODE == "endless":
            return self.send(200, {"containers": [container(i, f"loop-{i}")
                                                  for i in range(100)],
                                   "total": 10 ** 9})
        self.send(200, ok)


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
