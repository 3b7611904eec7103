#!/usr/bin/python3
"""Table rows for tests/bench/run.sh, from what the measurements print.

    row.py listing N     < probe.py's JSON
    row.py requests      < the module's debug log lines
    row.py field NAME    < probe.py's JSON
"""
import json
import sys


def requests(lines):
    count = lambda s: sum(s in line for line in lines)
    return (f"{count('/auth/tokens')} + {count('/containers?')} + "
            f"{count('/secrets?')} + {count('/payload')}")


what = sys.argv[1]
if what == "listing":
    n, p = int(sys.argv[2]), json.load(sys.stdin)
    r = p["requests"]
    print(f"| {n} | {r['auth']} + {r['container_pages']} + {r['secret_pages']} + "
          f"{r['payloads']} (other {r['other']}) | {p['find_s']} | "
          f"{p['rss_growth_kib']} KiB |")
elif what == "requests":
    print(requests([line for line in sys.stdin if " debug: http: " in line]))
else:
    print(json.load(sys.stdin)[sys.argv[2]])
