#!/bin/bash
# Writes the OpenSSL config that loads the pkcs11 engine (libp11) with a
# PKCS#11 module, as the docs give it (docs/openssl.md, docs/nginx.md).
# An empty MODULE leaves MODULE_PATH out: the engine then loads
# p11-kit-proxy.so, and through it every module registered with p11-kit.
# Usage: engine-conf.sh MODULE OUT
set -euo pipefail
cat >"$2" <<CNF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
engines = engine_section
[provider_sect]
default = default_sect
[default_sect]
activate = 1
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
${1:+MODULE_PATH = $1}
CNF
