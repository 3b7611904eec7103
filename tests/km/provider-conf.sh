#!/bin/bash
# Writes the OpenSSL config that loads pkcs11-provider (latchset) with a
# PKCS#11 module beside the default provider, as docs/openssl.md gives it;
# with PROPERTIES, also the host-wide default_properties (e.g.
# "?provider=pkcs11", which kmp11's own crypto must not follow).
# Usage: provider-conf.sh MODULE PROVIDER OUT [PROPERTIES]
set -euo pipefail
cat >"$3" <<CNF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
${4:+alg_section = evp_properties}
${4:+[evp_properties]}
${4:+default_properties = $4}
[provider_sect]
default = default_sect
pkcs11 = pkcs11_sect
[default_sect]
activate = 1
[pkcs11_sect]
module = $2
pkcs11-module-path = $1
activate = 1
CNF
