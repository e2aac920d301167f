#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for tests and prints its URL.
# Usage: scripts/pg-throwaway.sh [dir] [port]. Needs Debian's postgresql package
# (installed by .ci/run) and root or the postgres user.
set -euo pipefail
dir=${1:-/tmp/vams-pg}
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  run "$bin/initdb -D $dir -A trust -U postgres --no-sync" >/dev/null
fi
if ! run "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
  run "$bin/pg_ctl -D $dir -l $dir/server.log -w start -o '-k /tmp -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200'" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
