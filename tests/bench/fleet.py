#!/usr/bin/python3
"""M processes starting at once, as a fleet's hosts or workers do: each
loads the module (its own C_Initialize, Keystone token and listing) and
finds a key by label. Prints a table row:

    fleet.py KMDIR MODULE LABEL M WHAT [MODE]

total Key Manager requests (by kind), the CPU seconds Keystone's and
Barbican's processes used meanwhile, the 50th and 99th percentile of the
processes' start (C_Initialize to the key found), the wall time, and how
many processes did not find the key (their listing failed). MODE:
probe.py's, listing (default) or enumerate.
"""
import json
import os
import subprocess
import sys
import time

km, module, label, m, what = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
mode = sys.argv[6] if len(sys.argv) > 6 else "listing"
probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py")
hz = os.sysconf("SC_CLK_TCK")


def cpu(name):
    """CPU seconds of a server's processes (its process group)."""
    group = int(open(f"{km}/{name}.pid").read())
    total = 0
    for pid in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        if int(stat[2]) == group:  # pgrp
            total += int(stat[11]) + int(stat[12])
    return total / hz


before = {n: cpu(n) for n in ("keystone", "barbican")}
t0 = time.monotonic()
procs = [subprocess.Popen(["/usr/bin/python3", probe, mode, module, label],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
         for _ in range(m)]
outputs = [p.communicate()[0] for p in procs]
wall = time.monotonic() - t0
used = {n: cpu(n) - before[n] for n in before}
# A process whose listing failed (a request past its timeout) prints nothing.
results = [json.loads(o) for o in outputs if o.strip()]
failed = m - sum(r["found"] >= 1 for r in results)
kinds = ("auth", "container_pages", "secret_pages", "payloads", "other")
sums = {k: sum(r["requests"][k] for r in results) for k in kinds}
starts = sorted(r["find_s"] for r in results)
pct = lambda q: starts[min(len(starts) - 1, int(q * len(starts)))]
print(f"| {what} | {m} | {sum(sums.values())} ({' + '.join(str(sums[k]) for k in kinds)}) "
      f"| {used['keystone']:.1f} | {used['barbican']:.1f} | {pct(0.5):.2f} | "
      f"{pct(0.99):.2f} | {wall:.1f} | {failed} |")
