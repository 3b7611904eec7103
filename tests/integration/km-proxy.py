#!/usr/bin/python3
"""A Key Manager that fails some requests: forwards HTTP to the real
Barbican and answers the requests a rule names with a status of its own,
so that a listing works and a payload fails (the Key Manager failing
between the two, or its secret store failing). Prints its port once
listening; ends when the shell that started it does; logs "METHOD path -> status" on stderr.

    km-proxy.py UPSTREAM [TEXT=STATUS...]

A request whose "METHOD path" contains TEXT gets STATUS (an HTTP code)
and an empty body. Links in the answers name the proxy, not upstream.
"""
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

UP = sys.argv[1].rstrip("/")
UP_HOST = urllib.parse.urlsplit(UP).netloc
RULES = [r.split("=", 1) for r in sys.argv[2:]]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, headers, body):
        me = f"127.0.0.1:{self.server.server_address[1]}"
        body = body.replace(UP_HOST.encode(), me.encode())
        self.send_response(code)
        for k, v in headers:
            if k.lower() not in ("content-length", "connection", "server",
                                 "date", "transfer-encoding"):
                self.send_header(k, v.replace(UP_HOST, me))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        line = f"{self.command} {self.path}"
        for text, status in RULES:
            if text in line:
                print(f"{line} -> {status}", file=sys.stderr, flush=True)
                return self.reply(int(status), [], b"")
        req = urllib.request.Request(UP + self.path, body, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection"):
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                code, headers, data = r.status, r.headers.items(), r.read()
        except urllib.error.HTTPError as e:
            code, headers, data = e.code, e.headers.items(), e.read()
        print(f"{line} -> {code}", file=sys.stderr, flush=True)
        self.reply(code, headers, data)

    do_GET = do_POST = do_PUT = do_DELETE = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def orphaned(parent):
    """Ends the proxy with the test that started it, also one that
    failed before stopping it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=orphaned, args=(os.getppid(),), daemon=True).start()
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
