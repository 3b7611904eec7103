#!/bin/bash
# Writes a kmp11.conf with one token for the OS_* test user, showing only
# the containers whose names match PATTERNS.
# Usage: token-conf.sh LABEL PATTERNS OUT
set -euo pipefail
cat >"$3" <<CNF
[token]
label = $1
auth_url = $OS_AUTH_URL
username = $OS_USERNAME
password = $OS_PASSWORD
project_name = $OS_PROJECT_NAME
containers = $2
CNF
chmod 600 "$3"
