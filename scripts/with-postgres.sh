#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server of its own:
#
#   scripts/with-postgres.sh -- cargo test -p clawdesk-core --test store
#
# initdb makes a cluster in a temporary directory; the server listens on a
# unix socket in that directory and on a free port of 127.0.0.1 (never on
# another interface); a database is created; the command runs with
# CLAWDESK_TEST_DATABASE_URL pointing at it (password authentication over
# TCP, a random password). Whatever happens, the server is stopped and the
# directory removed afterwards.
#
# PostgreSQL refuses to run as root. As root (CI on a fresh machine), the
# server runs as the unprivileged system user clawdesk-pg (created if
# missing), which owns the temporary directory; the command itself still
# runs as the caller.
#
# WITH_POSTGRES_TLS=1 also turns TLS on (ssl=on), with a certificate for
# 127.0.0.1 signed by a throw-away CA made here (openssl), whose file is
# given as CLAWDESK_TEST_DATABASE_CA. Without it the server has no TLS, and
# sslmode=require is refused (the tests check both ways).
#
# The binaries come from Debian's `postgresql` package (scripts/setup.sh
# installs it): the newest /usr/lib/postgresql/<version>/bin, or
# PG_BIN_DIR when set.
set -euo pipefail

if [ "${1:-}" != "--" ] || [ $# -lt 2 ]; then
  echo "usage: $0 -- <command...>" >&2
  exit 2
fi
shift

find_bin_dir() {
  if [ -n "${PG_BIN_DIR:-}" ]; then
    echo "$PG_BIN_DIR"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ] && command -v pg_ctl >/dev/null; then
    dir=$(dirname "$(command -v pg_ctl)")
  fi
  echo "$dir"
}

BIN=$(find_bin_dir)
for tool in initdb pg_ctl psql; do
  if [ -z "$BIN" ] || [ ! -x "$BIN/$tool" ]; then
    echo "with-postgres: FAILED: $tool not found (install Debian's postgresql package: scripts/setup.sh does)" >&2
    exit 1
  fi
done

# Who runs the server: ourselves, or an unprivileged user when we are root.
PG_USER=""
if [ "$(id -u)" -eq 0 ]; then
  PG_USER=clawdesk-pg
  if ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
  fi
fi
as_server() {
  if [ -n "$PG_USER" ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clawdesk-pg.XXXXXX")
STARTED=false
cleanup() {
  local status=$?
  if [ "$STARTED" = true ]; then
    as_server "$BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chmod 700 "$WORK"
[ -z "$PG_USER" ] || chown "$PG_USER" "$WORK"

# A free loopback port: bound by the kernel, released, then given to the server.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
DB_USER=clawdesk
DB_NAME=clawdesk_test

printf '%s\n' "$PASSWORD" >"$WORK/pwfile"
chmod 600 "$WORK/pwfile"
[ -z "$PG_USER" ] || chown "$PG_USER" "$WORK/pwfile"

# The cluster's superuser is the test role: each test creates and drops its
# own database. Unix-socket connections (this script's own) are trusted;
# TCP connections need the password.
as_server "$BIN/initdb" -D "$WORK/data" -U "$DB_USER" --pwfile="$WORK/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 || {
  echo "with-postgres: FAILED: initdb" >&2
  cat "$WORK/initdb.log" >&2
  exit 1
}
rm -f "$WORK/pwfile"

TLS_OPTIONS=""
if [ "${WITH_POSTGRES_TLS:-}" = 1 ]; then
  command -v openssl >/dev/null || { echo "with-postgres: FAILED: WITH_POSTGRES_TLS=1 needs openssl" >&2; exit 1; }
  (
    cd "$WORK"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=ClawDesk test CA" -keyout ca.key -out ca.crt
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.crt
    chmod 600 server.key ca.key
    chmod 644 ca.crt server.crt
  ) >"$WORK/tls.log" 2>&1 || { echo "with-postgres: FAILED: making the certificates" >&2; cat "$WORK/tls.log" >&2; exit 1; }
  [ -z "$PG_USER" ] || chown "$PG_USER" "$WORK/server.key" "$WORK/server.crt"
  TLS_OPTIONS="-c ssl=on -c ssl_cert_file=$WORK/server.crt -c ssl_key_file=$WORK/server.key"
  export CLAWDESK_TEST_DATABASE_CA="$WORK/ca.crt"
fi

# Enough connections for parallel tests (each store opens a small pool);
# durability is not what a throw-away cluster is for.
as_server "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORK \
      -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off $TLS_OPTIONS" \
  start >/dev/null || {
  echo "with-postgres: FAILED: the server did not start" >&2
  cat "$WORK/server.log" >&2 || true
  exit 1
}
STARTED=true

as_server "$BIN/psql" -h "$WORK" -p "$PORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1 -qc \
  "CREATE DATABASE $DB_NAME" >/dev/null

export CLAWDESK_TEST_DATABASE_URL="postgres://$DB_USER:$PASSWORD@127.0.0.1:$PORT/$DB_NAME"
echo "with-postgres: PostgreSQL $("$BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT (socket in $WORK), database $DB_NAME${TLS_OPTIONS:+, TLS on}"

# Not exec: the trap must still stop the server when the command ends.
set +e
"$@"
status=$?
set -e
exit "$status"
