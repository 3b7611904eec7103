"""Key Manager REST calls for the test scripts (OS_* of the test user).

A token is taken once, at import, from Keystone with the password of the
environment; the Key Manager URL comes from its catalog.
"""
import base64
import json
import os
import re
import urllib.parse
import urllib.request

E = os.environ


def token():
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": E["OS_USERNAME"], "domain": {"name": E["OS_USER_DOMAIN_NAME"]},
        "password": E["OS_PASSWORD"]}}}, "scope": {"project": {
            "name": E["OS_PROJECT_NAME"],
            "domain": {"name": E["OS_PROJECT_DOMAIN_NAME"]}}}}}
    req = urllib.request.Request(E["OS_AUTH_URL"] + "/auth/tokens",
                                 json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        doc = json.load(r)
        url = [e["url"] for s in doc["token"]["catalog"]
               if s["type"] == "key-manager" for e in s["endpoints"]
               if e["interface"] == "public"][0]
        return r.headers["X-Subject-Token"], url.rstrip("/") + "/v1"


TOKEN, KM = token()


def post(path, body):
    req = urllib.request.Request(f"{KM}/{path}", json.dumps(body).encode(),
                                 {"Content-Type": "application/json",
                                  "X-Auth-Token": TOKEN})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def secret(name, data, secret_type, text=False, algorithm=None, bits=None):
    body = {"name": name, "secret_type": secret_type}
    if text:
        body.update(payload=data.decode(), payload_content_type="text/plain")
    else:
        body.update(payload=base64.b64encode(data).decode(),
                    payload_content_type="application/octet-stream",
                    payload_content_encoding="base64")
    if algorithm:
        body["algorithm"] = algorithm
    if bits:
        body["bit_length"] = bits
    return post("secrets", body)["secret_ref"]


def container(name, refs, kind="certificate"):
    body = {"type": kind, "secret_refs": [
        {"name": k, "secret_ref": v} for k, v in refs.items()]}
    if name is not None:
        body["name"] = name
    return post("containers", body)["container_ref"]


def containers_named(name):
    """The containers kmp11 shows with that label: named so, or so with
    the " (id <hex>)" of a CKA_ID (docs/objects.md):
    [(type, sorted ref names)]."""
    found, offset = [], 0
    while True:
        page = get(f"{KM}/containers?limit=100&offset={offset}")
        found += [c for c in page["containers"]
                  if re.fullmatch(re.escape(name) + r"( \(id ([0-9a-f]{2})+\))?",
                                  c.get("name") or "")]
        offset += 100
        if offset >= page.get("total", 0):
            break
    return [(c["type"], sorted(r["name"] for r in c["secret_refs"]))
            for c in found]


def get(ref):
    req = urllib.request.Request(ref, headers={"X-Auth-Token": TOKEN})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def delete(ref, body=None):
    req = urllib.request.Request(
        ref, method="DELETE", data=json.dumps(body).encode() if body else None,
        headers={"X-Auth-Token": TOKEN, "Content-Type": "application/json"})
    urllib.request.urlopen(req).close()
