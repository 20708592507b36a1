#!/usr/bin/env bash
# A throwaway cluster on loopback for a demo or a test: a PostgreSQL cluster of its own (Debian's
# postgresql package; never the system service), two `concierge serve` on one database, and
# HAProxy round-robin in front (scripts/haproxy.cfg.in).
#
# Usage: scripts/cluster.sh start    builds release, starts everything, prints the addresses
#        scripts/cluster.sh stop     stops everything and removes the cluster's directory
#        scripts/cluster.sh status
# Environment: CLUSTER_DIR (default /tmp/concierge-cluster), PG_PORT (15432), HAPROXY_PORT
#   (18090), A_PORT (18091), B_PORT (18092), CATALOG (catalog/demo.jsonl), CARGO_TARGET_DIR,
#   CONCIERGE_BIN (a concierge binary to use instead of building release).
# As root, PostgreSQL's tools run as the `postgres` user (initdb refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-/tmp/concierge-cluster}
PG_PORT=${PG_PORT:-15432}
HAPROXY_PORT=${HAPROXY_PORT:-18090}
A_PORT=${A_PORT:-18091}
B_PORT=${B_PORT:-18092}
CATALOG=${CATALOG:-catalog/demo.jsonl}
TARGET=${CARGO_TARGET_DIR:-target}
URL="postgres://postgres@127.0.0.1:$PG_PORT/concierge"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] || { echo "PostgreSQL not found: apt-get install postgresql haproxy" >&2; exit 1; }
  echo "$bin"
}

# as_postgres CMD...: runs a PostgreSQL tool, as the postgres user when we are root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_healthy() {
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  echo "no healthy server on port $1; see $DIR/*.log" >&2
  return 1
}

start() {
  [ -e "$DIR" ] && { echo "$DIR exists: scripts/cluster.sh stop first" >&2; exit 1; }
  command -v haproxy >/dev/null || { echo "haproxy not found: apt-get install haproxy" >&2; exit 1; }
  local bin
  bin=$(pg_bin)
  if [ -z "${CONCIERGE_BIN:-}" ]; then
    cargo build --release --bin concierge --quiet
    CONCIERGE_BIN=$TARGET/release/concierge
  fi
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  as_postgres "$bin/initdb" --no-sync --auth=trust --username=postgres --encoding=UTF8 --locale=C -D "$DIR/pg" >/dev/null
  as_postgres "$bin/pg_ctl" -D "$DIR/pg" -l "$DIR/postgres.log" -w \
    -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
  "$bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE concierge"
  # One secret for both servers, so a token signed by one verifies on the other.
  local secret
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  for name in a b; do
    local port=$A_PORT
    [ $name = b ] && port=$B_PORT
    mkdir -p "$DIR/$name"
    CONCIERGE_SECRET=$secret RUST_LOG=${RUST_LOG:-info} "$CONCIERGE_BIN" serve \
      --addr "127.0.0.1:$port" --data-dir "$DIR/$name" --store "$URL" --catalog "$CATALOG" \
      > "$DIR/$name.log" 2>&1 &
    echo $! > "$DIR/$name.pid"
  done
  wait_healthy "$A_PORT"
  wait_healthy "$B_PORT"
  sed -e "s/@LISTEN@/127.0.0.1:$HAPROXY_PORT/" -e "s/@SERVER_A@/127.0.0.1:$A_PORT/" \
    -e "s/@SERVER_B@/127.0.0.1:$B_PORT/" scripts/haproxy.cfg.in > "$DIR/haproxy.cfg"
  haproxy -q -f "$DIR/haproxy.cfg" -p "$DIR/haproxy.pid" -D
  wait_healthy "$HAPROXY_PORT"
  echo "store:   $URL"
  echo "servers: http://127.0.0.1:$A_PORT http://127.0.0.1:$B_PORT (logs in $DIR)"
  echo "open:    http://127.0.0.1:$HAPROXY_PORT/  (HAProxy, round-robin)"
  echo "stop:    scripts/cluster.sh stop"
}

stop() {
  [ -d "$DIR" ] || { echo "no cluster in $DIR"; return 0; }
  for pidfile in "$DIR/haproxy.pid" "$DIR/a.pid" "$DIR/b.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [ -f "$DIR/pg/postmaster.pid" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null || true
  fi
  rm -rf "$DIR"
  echo "stopped; removed $DIR"
}

status() {
  for port in "$HAPROXY_PORT" "$A_PORT" "$B_PORT"; do
    printf '%s: ' "$port"
    curl -s "http://127.0.0.1:$port/healthz" || printf 'down'
    echo
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
