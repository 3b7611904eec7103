#!/usr/bin/python3
"""Writes the API fuzzer's seeds: programs of fuzz-api.c's steps that get
far (a key made, an operation run to its end), which random bytes reach
only rarely. Each byte is what the step reads next (see fuzz-api.c); a
change of its steps or tables leaves these valid inputs, only less apt.

    seeds-api.py DIR
"""
import os
import sys

STEP = dict(open=0, find=5, get=6, set=8, create=9, copy=11, destroy=12,
            genkey=14, genpair=15, derive=16, init=18, call=21, digestkey=25,
            login=3, logout=4)
KIND = dict(encrypt=0, decrypt=1, sign=2, verify=3, digest=4)
PART = dict(single=0, update=1, final=2)
MECH = dict(rsa_pkcs=0, sha256_rsa=5, pss=7, ecdsa=9, ecdsa_sha256=11,
            eddsa=13, hmac=15, ecb=17, cbc=18, cbc_pad=19, ctr=20, gcm=21,
            sha256=23)


def open_(slot=0, rw=1):
    return [STEP["open"], 0, slot, rw]


def init(kind, mech, obj, params=()):
    return [STEP["init"], 0, KIND[kind], obj, MECH[mech], *params]


def call(kind, part, n, query=True, out=200):
    """n bytes of data; a length query then its length, else out bytes."""
    data = [0, n, 0 if query else 255] + [0x41] * n
    buf = [0] if query else [1, 200, out // 4]
    return [STEP["call"], 0, KIND[kind], PART[part], *data, *buf]


# The IV bytes, a length byte < 220 (16), a byte <= 240 (that length).
CBC_IV = [7] * 32 + [0, 0]
SEEDS = {
    "ec-sign-verify": open_() + [STEP["genpair"], 0, 4, 0, 0, 0]
    + init("sign", "ecdsa_sha256", 1) + call("sign", "single", 32)
    + init("verify", "ecdsa_sha256", 0) + call("verify", "single", 32, False),
    "aes-cbc-pad": open_() + [STEP["create"], 0, 1, 0] + [3] * 16 + [0]
    + init("encrypt", "cbc_pad", 0, CBC_IV) + call("encrypt", "update", 20)
    + call("encrypt", "final", 0) + init("decrypt", "cbc_pad", 0, CBC_IV)
    + call("decrypt", "update", 32) + call("decrypt", "final", 0),
    "aes-gcm": open_() + [STEP["create"], 0, 2, 0] + [4] * 16 + [0]
    + init("encrypt", "gcm", 0, [9] * 32 + [0] * 5) + call("encrypt", "single", 40),
    "token-rsa": open_() + [STEP["find"], 0, 8, 0, 1]
    + sum((init("sign", "sha256_rsa", i) for i in range(8)), [])
    + call("sign", "update", 40) + call("sign", "final", 0),
    "hmac": open_() + [STEP["genkey"], 0, 0, 0, 2, 0]
    + init("sign", "hmac", 0) + call("sign", "single", 50)
    + init("digest", "sha256", 0) + [STEP["digestkey"], 0, 0]
    + call("digest", "final", 0),
    "login": open_(1, 0) + [STEP["login"], 0, 1, 1] + [STEP["find"], 0, 8, 0, 1]
    + [STEP["logout"], 0],
}

for name, program in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(bytes(b % 256 for b in program))
