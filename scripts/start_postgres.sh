#!/usr/bin/env bash
# Starts the PostgreSQL the ledger's tests use, where none answers at 127.0.0.1:${PGPORT:-5432}: a cluster of its
# own (superuser postgres, trust authentication, listening on 127.0.0.1 only) with a database "test". Installs the
# server with apt-get when run as root and it is missing. Does nothing to a server that already answers, except
# create the database "test" in it if it lacks one.
set -euo pipefail
port="${PGPORT:-5432}"

find_bin() {
    local found
    found="$(command -v pg_ctl 2>/dev/null || true)"
    if [ -n "$found" ]; then dirname "$(readlink -f "$found")"; return; fi
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$found" ] && [ -x "$found/pg_ctl" ] && echo "$found"
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin="$(find_bin)"
    else
        echo "warning: PostgreSQL is not installed: the ledger's PostgreSQL tests are skipped" >&2
        exit 0
    fi
fi

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    if [ "$(id -u)" = 0 ]; then
        data="/var/lib/postgresql/codec-ledger-$port"
        as_owner=(runuser -u postgres --)
        mkdir -p "$data" && chown postgres: "$data" && chmod 700 "$data"
    else
        data="${XDG_CACHE_HOME:-$HOME/.cache}/codec-ledger/pgdata-$port"
        as_owner=()
        mkdir -p "$data" && chmod 700 "$data"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $data" start >/dev/null
    echo "started PostgreSQL at 127.0.0.1:$port (data in $data)" >&2
fi

if [ -z "$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'")" ]
then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
fi
