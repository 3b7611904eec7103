"""kmp11 loaded by PyKCS11 with tokens of the test user (OS_* of the
environment), from a config file that exists only while the module reads
it in C_Initialize."""
import os
import tempfile

import PyKCS11


def token(label, *extra, password=True):
    """A [token] section; extra lines as "key = value"."""
    E = os.environ
    lines = ["[token]", f"label = {label}", f"auth_url = {E['OS_AUTH_URL']}",
             f"username = {E['OS_USERNAME']}",
             f"project_name = {E['OS_PROJECT_NAME']}"]
    if password:
        lines.append(f"password = {E['OS_PASSWORD']}")
    return "\n".join(lines + list(extra)) + "\n"


def load(module, *sections):
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("\n".join(sections))
    conf.close()
    os.chmod(conf.name, 0o600)
    os.environ["KMP11_CONF"] = conf.name
    lib = PyKCS11.PyKCS11Lib()
    try:
        lib.load(module)
    finally:
        os.unlink(conf.name)
    return lib
