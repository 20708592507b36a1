#!/usr/bin/env bash
# The load benchmarks of BENCHMARKS.md, self-contained: builds release, starts each server with
# a temporary data directory, runs the scenarios with concierge-load, prints a table.
#
# Usage: scripts/bench-load.sh [SCENARIO...]
#   scenarios: human1000 human2000 human5000 idle10000 saturation durability catalog
#              postgres (default: all but postgres)
#   `catalog` generates catalogs of CATALOG_SIZES products (default "10000 1000000"), builds
#   each one's prebuilt index (`concierge index`) and serves it.
#   `postgres` runs human1000 and saturation with the profile store on a throwaway PostgreSQL
#   cluster of its own (Debian's postgresql package; fsync and synchronous_commit on, as
#   shipped) on the same machine, and adds the database's CPU per turn.
# Environment: RUN_SECONDS (measured seconds per run, default 30), PORT (18080), ECHO_PORT (18081),
#   PG_PORT (18432), CARGO_TARGET_DIR (default target), BENCH_PROFILE (release; or debug).
# The generator and the server share the machine: on 2 cores the generator takes a good part
# of one, so these figures are pessimistic for the server.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS=${RUN_SECONDS:-30}
PORT=${PORT:-18080}
ECHO_PORT=${ECHO_PORT:-18081}
PG_PORT=${PG_PORT:-18432}
TARGET=${CARGO_TARGET_DIR:-target}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(human1000 human2000 human5000 idle10000 saturation durability catalog)
for scenario in "${SCENARIOS[@]}"; do
  # The database's processes are counted through /proc; the table needs jq and ps.
  [ "$scenario" = postgres ] && { command -v ps >/dev/null || { echo "postgres needs ps"; exit 1; }; }
done

# BENCH_PROFILE=debug measures a debug build instead (slower: only for comparing two runs of
# the same build when a release build is out of reach; say so beside its figures).
if [ "${BENCH_PROFILE:-release}" = debug ]; then
  cargo build --bins --quiet
  BIN=$TARGET/debug
else
  cargo build --release --bins --quiet
  BIN=$TARGET/release
fi
# 10,000 connections need 10,000 descriptors on each side, plus the store's files.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
echo "open files limit: $(ulimit -n); cores: $(nproc)"

WORK=$(mktemp -d)
SERVER_PID=""
ECHO_PID=""
PG_BIN=""
STORE=""
cleanup() {
  for pid in $SERVER_PID $ECHO_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$PG_BIN" ] && as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# as_postgres CMD...: a PostgreSQL tool, as the postgres user when we are root (initdb refuses root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres: a cluster of its own in $WORK/pg, in a session of its own; sets STORE.
start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$PG_BIN" ] || { echo "PostgreSQL not found: apt-get install postgresql"; exit 1; }
  mkdir -p "$WORK/pg"
  [ "$(id -u)" = 0 ] && chown postgres: "$WORK/pg" && chmod 755 "$WORK"
  as_postgres "$PG_BIN/initdb" --auth=trust --username=postgres --encoding=UTF8 --locale=C -D "$WORK/pg/data" >/dev/null
  setsid --wait bash -c "$(declare -f as_postgres); as_postgres '$PG_BIN/pg_ctl' -D '$WORK/pg/data' -l '$WORK/pg/log' \
    -w -o '-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=200' start" >/dev/null
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE bench"
  STORE="postgres://postgres@127.0.0.1:$PG_PORT/bench"
}

# pg_ticks: CPU clock ticks used so far by the cluster: its postmaster and its children (the
# backends, pooled for the whole run, and the background processes).
pg_ticks() {
  local postmaster
  postmaster=$(head -1 "$WORK/pg/data/postmaster.pid")
  for pid in "$postmaster" $(ps --ppid "$postmaster" -o pid=); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done |
    awk '{s += $1} END {print s + 0}'
}

# start_server DURABILITY CATALOG: a fresh data directory each time; the store is $STORE when set.
start_server() {
  local durability=$1 catalog=$2 dir store_line=""
  dir=$(mktemp -d "$WORK/data.XXXX")
  [ -n "$STORE" ] && store_line="store = \"$STORE\""
  cat > "$dir/concierge.toml" <<TOML
addr = "127.0.0.1:$PORT"
data_dir = "$dir"
catalog = "$catalog"
$store_line
[limits]
max_connections = 20000
# The generator is one client address with thousands of shoppers: lift the per-client limits.
connections_per_client = 100000
max_tcp_connections = 100000
chat_per_minute = 100000000
messages_per_minute = 1000000
burst = 100000
hello_timeout_secs = 60
[profile]
durability = "$durability"
TOML
  RUST_LOG=warn "$BIN/concierge" serve --config "$dir/concierge.toml" > "$dir/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/server.log"; return 1; }
    sleep 0.25
  done
  echo "server did not start"; return 1
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# load NAME ARGS...: runs the generator, keeps its JSON line under NAME (with the database's
# CPU in cores over the run when the store is PostgreSQL).
load() {
  local name=$1 ticks0 t0 db=null; shift
  echo "== $name: concierge-load $* (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  [ -n "$STORE" ] && ticks0=$(pg_ticks) && t0=$(date +%s.%N)
  "$BIN/concierge-load" --json "$@" | tee "$WORK/out" | grep -v '^{'
  [ -n "$STORE" ] && db=$(echo "$(pg_ticks) $ticks0 $(date +%s.%N) $t0 $(getconf CLK_TCK)" |
    awk '{printf "%.4f", ($1 - $2) / $5 / ($3 - $4)}')
  grep '^{' "$WORK/out" | jq -c --arg name "$name" --argjson db "$db" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    '. + {name: $name, database_cores: $db, load_average: $load}' >> "$RESULTS"
}

url="ws://127.0.0.1:$PORT/v1/chat"
demo=catalog/demo.jsonl
human() {
  start_server group "$demo"
  load "human $1${STORE:+ postgres}" --url "$url" --shoppers "$1" --seconds "$RUN_SECONDS" --think-ms 1000-3000 --ramp 500 \
    --server-pid "$SERVER_PID"
  stop_server
}
saturate() { # NAME DURABILITY CATALOG
  start_server "$2" "$3"
  load "$1" --url "$url" --shoppers 64 --seconds "$RUN_SECONDS" --think-ms 0 --server-pid "$SERVER_PID"
  stop_server
}

for scenario in "${SCENARIOS[@]}"; do
  case $scenario in
    human1000) human 1000 ;;
    human2000) human 2000 ;;
    human5000) human 5000 ;;
    idle10000)
      start_server group "$demo"
      echo "== idle 10000"
      "$BIN/concierge-load" --mode idle --url "$url" --shoppers 10000 --ramp 1000 --seconds 10 \
        --server-pid "$SERVER_PID" --json | tee "$WORK/out" | grep -v '^{'
      grep '^{' "$WORK/out" | jq -c '. + {name: "idle 10000"}' >> "$RESULTS" || true
      stop_server ;;
    saturation)
      "$BIN/concierge-echo" --addr "127.0.0.1:$ECHO_PORT" > /dev/null &
      ECHO_PID=$!
      sleep 0.5
      load "saturation echo" --url "ws://127.0.0.1:$ECHO_PORT/v1/chat" --metrics none --shoppers 64 \
        --seconds "$RUN_SECONDS" --think-ms 0 --server-pid "$ECHO_PID"
      kill "$ECHO_PID"; wait "$ECHO_PID" 2>/dev/null || true; ECHO_PID=""
      saturate "saturation concierge (group)" group "$demo" ;;
    durability)
      saturate "saturation durability each" each "$demo"
      saturate "saturation durability none" none "$demo" ;;
    catalog)
      for n in ${CATALOG_SIZES:-10000 1000000}; do
        scripts/gen-catalog.sh "$n" > "$WORK/catalog-$n.jsonl"
        # Built once, as a merchant would (`concierge index`); the server opens it.
        t0=$(date +%s)
        "$BIN/concierge" index "$WORK/catalog-$n.jsonl"
        echo "catalog $n: prebuilt index in $(( $(date +%s) - t0 )) s"
        t0=$(date +%s)
        start_server group "$WORK/catalog-$n.jsonl"
        echo "catalog $n: server ready in $(( $(date +%s) - t0 )) s, RSS $(awk '/VmRSS/{print $2, $3}' /proc/$SERVER_PID/status)"
        load "catalog $n (saturation)" --url "$url" --shoppers 64 --seconds "$RUN_SECONDS" --think-ms 0 \
          --server-pid "$SERVER_PID"
        stop_server
        rm -rf "$WORK/catalog-$n.jsonl" "$WORK/catalog-$n.jsonl.index"
      done ;;
    postgres)
      start_postgres
      human 1000
      saturate "saturation postgres" group "$demo"
      STORE="" ;;
    *) echo "unknown scenario $scenario"; exit 2 ;;
  esac
done

echo
echo "| scenario | turns/s | client p50 | p95 | p99 | max | server p50 | server p99 | errors | server CPU µs/turn | database CPU µs/turn | generator CPU µs/turn | load average |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
jq -r 'def us(c): if c and .turns_per_second > 0 then "\(c * 1000000 / .turns_per_second | round)" else "-" end;
  select(.turns != null) | "| \(.name) | \(.turns_per_second|floor) | \(.p50_ms*100|round/100) ms | \(.p95_ms*100|round/100) ms | \(.p99_ms*100|round/100) ms | \(.max_ms*100|round/100) ms | \(if .server then "\(.server.p50*100|round/100) ms" else "-" end) | \(if .server then "\(.server.p99*100|round/100) ms" else "-" end) | \([.errors[]]|add // 0) | \(us(.server_cores)) | \(us(.database_cores)) | \(us(.generator_cores)) | \(.load_average) |"' "$RESULTS"
jq -r 'select(.kib_per_connection != null) | "| \(.name) | \(.open) open | server RSS \(.rss_before_kib) -> \(.rss_after_kib) KiB | \(.kib_per_connection*10|round/10) KiB per connection | errors \([.errors[]]|add // 0) |"' "$RESULTS"
