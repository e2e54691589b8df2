#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite and print its SQLAlchemy URL.
# Usage: eval "$(scripts/test_postgres.sh start)"  ...  scripts/test_postgres.sh stop
# Uses Debian's PostgreSQL binaries (apt-get install postgresql); runs as the postgres user.
set -euo pipefail
DIR=${EGOBUTLER_TEST_PG_DIR:-/tmp/egobutler-test-pg}
PORT=${EGOBUTLER_TEST_PG_PORT:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    [ -n "$BIN" ] || { echo "echo 'no PostgreSQL binaries found; PostgreSQL tests will skip' >&2"; exit 0; }
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1 || as_pg "$BIN/pg_ctl" -D "$DIR" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" -l "$DIR/server.log" -w start >/dev/null
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname='egobutler_test'" | grep -q 1 \
      || as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE egobutler_test" >/dev/null
    echo "export EGOBUTLER_TEST_POSTGRES_URL=postgresql+psycopg2://postgres@127.0.0.1:$PORT/egobutler_test"
    ;;
  stop)
    [ -f "$DIR/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null || true
    ;;
esac
