#!/usr/bin/python3
"""Runs a real Keystone + Barbican (Debian's packages) on 127.0.0.1.

    keymanager.py start DIR   set up (first time) and start both servers,
                              write DIR/openrc for the test user
    keymanager.py stop DIR    stop both servers
    keymanager.py stop-barbican DIR / start-barbican DIR
                              a Key Manager outage, Keystone staying up
    keymanager.py start-pending DIR
                              a second Barbican API on the same database
                              (port +1) whose certificate orders stay
                              PENDING; stop-pending DIR (or stop) ends it

sqlite databases, fernet tokens, synchronous orders, the snakeoil CA.
Each server is one process serving one request at a time, or
KM_SERVER_PROCESSES of them (the benchmarks' Key Manager under load).
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

PY = "/usr/bin/python3"
KS_PORT = int(os.environ.get("KM_KEYSTONE_PORT", "35000"))
BB_PORT = int(os.environ.get("KM_BARBICAN_PORT", "39311"))
# The same Barbican and database, whose certificate orders go to Barbican's
# simple_certificate plugin: they wait for a CA that never answers.
PENDING_PORT = BB_PORT + 1
# The same Keystone, database and keys, issuing short-lived tokens.
SHORT_KS_PORT = KS_PORT + 2
ADMIN_PASSWORD = "admin-secret-1"
SERVICE_PASSWORD = "barbican-secret-2"
USER_PASSWORD = "user-secret-3"


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, **kw)


def sqlite_wal(path):
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()


def keystone_conf(d, name="keystone", expiration=3600):
    return f"""[DEFAULT]
log_file = {d}/{name}.log
[database]
connection = sqlite:///{d}/keystone.sqlite
[token]
provider = fernet
expiration = {expiration}
[fernet_tokens]
key_repository = {d}/fernet-keys
[fernet_receipts]
key_repository = {d}/fernet-receipts
[credential]
key_repository = {d}/credential-keys
[oslo_policy]
enforce_scope = False
enforce_new_defaults = False
"""


PREFORK = '''
import os
from wsgiref.simple_server import WSGIServer
# Connections wait to be accepted as on a production server, not refused
# past socketserver's 5.
WSGIServer.request_queue_size = 128
def prefork(server):
    """KM_SERVER_PROCESSES (default 1) processes accept on the one socket,
    as a production server's workers do; each loads the application after
    the fork (no database connection shared)."""
    for _ in range(int(os.environ.get("KM_SERVER_PROCESSES", "1")) - 1):
        if os.fork() == 0:
            return
'''

SERVE_KEYSTONE = PREFORK + """
import sys
port = int(sys.argv[2])
sys.argv = ['keystone', '--config-file', sys.argv[1]]
from wsgiref.simple_server import make_server, WSGIRequestHandler
from keystone.server.wsgi import initialize_public_application
class Quiet(WSGIRequestHandler):
    def log_message(self, *a): pass
server = make_server('127.0.0.1', port, None, handler_class=Quiet)
prefork(server)
server.set_app(initialize_public_application())
server.serve_forever()
"""

SERVE_BARBICAN = PREFORK + """
import sys
from wsgiref.simple_server import make_server, WSGIRequestHandler
from barbican.common import config
config.parse_args(config.CONF)
from paste import deploy
class Quiet(WSGIRequestHandler):
    def log_message(self, *a): pass
server = make_server('127.0.0.1', int(sys.argv[2]), None, handler_class=Quiet)
prefork(server)
server.set_app(deploy.loadapp('config:' + sys.argv[1]))
server.serve_forever()
"""

PASTE = """[composite:main]
use = egg:Paste#urlmap
/: versionapp
/v1: barbican-api-keystone

[pipeline:barbican-api-keystone]
pipeline = cors http_proxy_to_wsgi authtoken context microversion apiapp

[app:apiapp]
paste.app_factory = barbican.api.app:create_main_app

[app:versionapp]
paste.app_factory = barbican.api.app:create_version_app

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[filter:context]
paste.filter_factory = barbican.api.middleware.context:ContextMiddleware.factory

[filter:microversion]
paste.filter_factory = barbican.api.middleware.microversion:MicroversionMiddleware.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = barbican

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
"""


def barbican_conf(d, kek, port=BB_PORT, plugin="snakeoil_ca"):
    ca = f"{d}/snakeoil"
    return f"""[DEFAULT]
host_href = http://127.0.0.1:{port}
sql_connection = sqlite:///{d}/barbican.sqlite
db_auto_create = True
max_limit_paging = 100
# Room for the payload corpus: a 16384-bit key, a 64 KB subject.
max_allowed_secret_in_bytes = 1000000
max_allowed_request_size_in_bytes = 2000000
log_file = {d}/barbican.log
[queue]
enable = False
[secretstore]
enabled_secretstore_plugins = store_crypto
[crypto]
enabled_crypto_plugins = simple_crypto
[simple_crypto_plugin]
kek = {kek}
[certificate]
enabled_certificate_plugins = {plugin}
[snakeoil_ca_plugin]
ca_cert_path = {ca}/ca.pem
ca_cert_key_path = {ca}/ca.key
ca_cert_chain_path = {ca}/ca.chain
ca_cert_pkcs7_path = {ca}/ca.p7b
subca_cert_key_directory = {ca}/subcas
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:{KS_PORT}/v3
auth_url = http://127.0.0.1:{KS_PORT}/v3
auth_type = password
username = barbican
password = {SERVICE_PASSWORD}
project_name = service
user_domain_name = Default
project_domain_name = Default
# -1: every token validated, so that a revoked one (a password changed)
# fails at once in the tests; the benchmarks cache, as production does.
token_cache_time = {os.environ.get("KM_TOKEN_CACHE_TIME", "-1")}
"""


def request(method, url, body=None, token=None, expect=(200, 201, 204)):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req, timeout=60) as r:
        if r.status not in expect:
            raise RuntimeError(f"{method} {url}: {r.status}")
        text = r.read()
        return r.headers, json.loads(text) if text else None


def wait_http(url, what, proc, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except Exception:
            if proc.poll() is not None:
                sys.exit(f"{what} died at start: see its log")
            time.sleep(0.3)
    sys.exit(f"{what} did not answer at {url}")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def spawn(d, name, script, *args, env=None):
    with open(f"{d}/{name}.out", "ab") as log:
        p = subprocess.Popen([PY, "-c", script, *args], stdout=log,
                             stderr=log, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
    write(f"{d}/{name}.pid", str(p.pid), 0o644)
    return p


def admin_token():
    body = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "admin", "domain": {"id": "default"},
                 "password": ADMIN_PASSWORD}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    h, _ = request("POST", f"http://127.0.0.1:{KS_PORT}/v3/auth/tokens", body)
    return h["X-Subject-Token"]


def seed_keystone(d):
    ks = f"http://127.0.0.1:{KS_PORT}/v3"
    tok = admin_token()

    def create(kind, body):
        _, r = request("POST", f"{ks}/{kind}s", {kind: body}, tok)
        return r[kind]["id"]

    ids = {}
    ids["service_project"] = create("project", {"name": "service", "domain_id": "default"})
    ids["project"] = create("project", {"name": "kmp11", "domain_id": "default"})
    ids["other_project"] = create("project", {"name": "kmp11-other", "domain_id": "default"})
    # Many containers for listing-cost tests, apart from the others.
    ids["bulk_project"] = create("project", {"name": "kmp11-bulk", "domain_id": "default"})
    # Writes failing half-way: its container quota is set to 0 by tests.
    ids["quota_project"] = create("project", {"name": "kmp11-quota", "domain_id": "default"})
    for role in ("creator", "observer", "audit", "service", "key-manager:service-admin"):
        ids[role] = create("role", {"name": role})
    _, roles = request("GET", f"{ks}/roles?name=admin", token=tok)
    ids["admin"] = roles["roles"][0]["id"]
    ids["barbican"] = create("user", {"name": "barbican", "domain_id": "default",
                                      "password": SERVICE_PASSWORD})
    ids["user"] = create("user", {"name": "kmp11-user", "domain_id": "default",
                                  "password": USER_PASSWORD})
    ids["other_user"] = create("user", {"name": "kmp11-other-user", "domain_id": "default",
                                        "password": USER_PASSWORD})
    # Barbican lets only a project's admins delete its orders.
    ids["project_admin"] = create("user", {"name": "kmp11-admin", "domain_id": "default",
                                           "password": USER_PASSWORD})
    ids["observer_user"] = create("user", {"name": "kmp11-observer", "domain_id": "default",
                                           "password": USER_PASSWORD})

    def grant(project, user, role):
        request("PUT", f"{ks}/projects/{ids[project]}/users/{ids[user]}/roles/{ids[role]}",
                token=tok)

    grant("service_project", "barbican", "admin")
    grant("project", "user", "creator")
    grant("bulk_project", "user", "creator")
    grant("quota_project", "user", "creator")
    grant("project", "project_admin", "admin")
    grant("project", "observer_user", "observer")
    _, projects = request("GET", f"{ks}/projects?name=admin", token=tok)
    ids["admin_project"] = projects["projects"][0]["id"]
    _, users = request("GET", f"{ks}/users?name=admin", token=tok)
    ids["admin_user"] = users["users"][0]["id"]
    grant("admin_project", "admin_user", "key-manager:service-admin")
    grant("other_project", "other_user", "creator")
    svc = create("service", {"type": "key-manager", "name": "barbican"})
    for itf in ("public", "internal"):
        create("endpoint", {"service_id": svc, "interface": itf,
                            "region_id": "RegionOne",
                            "url": f"http://127.0.0.1:{BB_PORT}"})
    write(f"{d}/ids.json", json.dumps(ids), 0o644)


def openrc(d):
    return f"""export OS_AUTH_URL=http://127.0.0.1:{KS_PORT}/v3
export OS_USERNAME=kmp11-user
export OS_PASSWORD={USER_PASSWORD}
export OS_PROJECT_NAME=kmp11
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
"""


def setup(d):
    os.makedirs(f"{d}/home/.barbican", exist_ok=True)
    os.makedirs(f"{d}/home-pending/.barbican", exist_ok=True)
    os.makedirs(f"{d}/snakeoil/subcas", exist_ok=True)
    conf = f"{d}/keystone.conf"
    write(conf, keystone_conf(d))
    run("keystone-manage", "--config-file", conf, "db_sync")
    sqlite_wal(f"{d}/keystone.sqlite")
    for what in ("fernet_setup", "credential_setup"):
        run("keystone-manage", "--config-file", conf, what,
            "--keystone-user", "root", "--keystone-group", "root")
    url = f"http://127.0.0.1:{KS_PORT}/v3/"
    run("keystone-manage", "--config-file", conf, "bootstrap",
        "--bootstrap-password", ADMIN_PASSWORD, "--bootstrap-admin-url", url,
        "--bootstrap-public-url", url, "--bootstrap-internal-url", url,
        "--bootstrap-region-id", "RegionOne")
    kek = base64.b64encode(os.urandom(32)).decode()
    write(f"{d}/home/.barbican/barbican.conf", barbican_conf(d, kek))
    write(f"{d}/home-pending/.barbican/barbican.conf",
          barbican_conf(d, kek, PENDING_PORT, "simple_certificate"))
    write(f"{d}/barbican-paste.ini", PASTE)


def start(d):
    d = os.path.abspath(d)
    first = not os.path.exists(f"{d}/ids.json")
    os.makedirs(d, exist_ok=True)
    if first:
        stop(d)
    for port in (KS_PORT, BB_PORT):
        if not port_free(port):
            sys.exit(f"127.0.0.1:{port} is taken: another Key Manager runs? "
                     "(keymanager.py stop DIR)")
    if first:
        setup(d)
    ks = spawn(d, "keystone", SERVE_KEYSTONE, f"{d}/keystone.conf", str(KS_PORT))
    wait_http(f"http://127.0.0.1:{KS_PORT}/v3", "Keystone", ks)
    if first:
        seed_keystone(d)
    start_barbican(d)
    if first:
        sqlite_wal(f"{d}/barbican.sqlite")
    write(f"{d}/openrc", openrc(d))
    print(f"Keystone on 127.0.0.1:{KS_PORT}, Barbican on 127.0.0.1:{BB_PORT}; "
          f"credentials in {d}/openrc")


def start_barbican(d, name="barbican", home="home", port=BB_PORT):
    d = os.path.abspath(d)
    env = dict(os.environ, HOME=f"{d}/{home}")
    bb = spawn(d, name, SERVE_BARBICAN, f"{d}/barbican-paste.ini",
               str(port), env=env)
    wait_http(f"http://127.0.0.1:{port}/", "Barbican", bb)


def start_pending(d):
    start_barbican(d, "barbican-pending", "home-pending", PENDING_PORT)


def start_short_keystone(d, seconds):
    """Tokens that live `seconds`, for the project's users: Barbican
    validates them with the first Keystone, by the expiry they carry."""
    d = os.path.abspath(d)
    conf = f"{d}/keystone-short.conf"
    write(conf, keystone_conf(d, "keystone-short", seconds))
    ks = spawn(d, "keystone-short", SERVE_KEYSTONE, conf, str(SHORT_KS_PORT))
    wait_http(f"http://127.0.0.1:{SHORT_KS_PORT}/v3", "Keystone", ks)


def stop(d, names=("barbican-pending", "barbican", "keystone-short",
                   "keystone")):
    for name in names:
        try:
            pid = int(open(f"{d}/{name}.pid").read())
        except (OSError, ValueError):
            continue
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
        for _ in range(50):
            if not alive(pid):
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        os.unlink(f"{d}/{name}.pid")


COMMANDS = {"start": start, "stop": stop, "start-barbican": start_barbican,
            "stop-barbican": lambda d: stop(d, ("barbican",)),
            "start-pending": start_pending,
            "stop-pending": lambda d: stop(d, ("barbican-pending",))}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2])
