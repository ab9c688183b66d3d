#!/usr/bin/env bash
# Installs codec-ledger into ./.venv, with the sandbox's bubblewrap and a headless chromium (the report's
# rendering test) where the system allows it, and starts the PostgreSQL the tests use where none runs.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: not installed: ${missing[*]}. Without bubblewrap the sandbox runs without OS isolation;" \
             "without chromium the test that renders the HTML report is skipped." >&2
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e ".[dev]"

# The PostgreSQL the ledger's tests use (127.0.0.1:5432, database "test"), started where the machine does not run one.
bash scripts/start_postgres.sh
