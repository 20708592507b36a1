#!/usr/bin/env bash
# The load benchmarks of BENCHMARKS.md, self-contained: builds release, starts each server with
# a temporary data directory, runs the scenarios with concierge-load, prints a table.
#
# Usage: scripts/bench-load.sh [SCENARIO...]
#   scenarios: human1000 human2000 human5000 idle10000 saturation durability catalog (default: all)
# Environment: RUN_SECONDS (measured seconds per run, default 30), PORT (18080), ECHO_PORT (18081),
#   CARGO_TARGET_DIR (default target).
# The generator and the server share the machine: on 2 cores the generator takes a good part
# of one, so these figures are pessimistic for the server.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS=${RUN_SECONDS:-30}
PORT=${PORT:-18080}
ECHO_PORT=${ECHO_PORT:-18081}
TARGET=${CARGO_TARGET_DIR:-target}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(human1000 human2000 human5000 idle10000 saturation durability catalog)

cargo build --release --bins --quiet
BIN=$TARGET/release
# 10,000 connections need 10,000 descriptors on each side, plus the store's files.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
echo "open files limit: $(ulimit -n); cores: $(nproc)"

WORK=$(mktemp -d)
SERVER_PID=""
ECHO_PID=""
cleanup() {
  for pid in $SERVER_PID $ECHO_PID; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# start_server DURABILITY CATALOG: a fresh data directory each time.
start_server() {
  local durability=$1 catalog=$2 dir
  dir=$(mktemp -d "$WORK/data.XXXX")
  cat > "$dir/concierge.toml" <<TOML
addr = "127.0.0.1:$PORT"
data_dir = "$dir"
catalog = "$catalog"
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

# load NAME ARGS...: runs the generator, keeps its JSON line under NAME.
load() {
  local name=$1; shift
  echo "== $name: concierge-load $*"
  "$BIN/concierge-load" --json "$@" | tee "$WORK/out" | grep -v '^{'
  grep '^{' "$WORK/out" | jq -c --arg name "$name" '. + {name: $name}' >> "$RESULTS"
}

url="ws://127.0.0.1:$PORT/v1/chat"
demo=catalog/demo.jsonl
human() {
  start_server group "$demo"
  load "human $1" --url "$url" --shoppers "$1" --seconds "$RUN_SECONDS" --think-ms 1000-3000 --ramp 500 \
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
      for n in 10000 1000000; do
        scripts/gen-catalog.sh "$n" > "$WORK/catalog-$n.jsonl"
        t0=$(date +%s)
        start_server group "$WORK/catalog-$n.jsonl"
        echo "catalog $n: server ready in $(( $(date +%s) - t0 )) s, RSS $(awk '/VmRSS/{print $2, $3}' /proc/$SERVER_PID/status)"
        load "catalog $n (saturation)" --url "$url" --shoppers 64 --seconds "$RUN_SECONDS" --think-ms 0 \
          --server-pid "$SERVER_PID"
        stop_server
        rm -f "$WORK/catalog-$n.jsonl"
      done ;;
    *) echo "unknown scenario $scenario"; exit 2 ;;
  esac
done

echo
echo "| scenario | turns/s | client p50 | p95 | p99 | max | server p50 | server p99 | errors | server CPU µs/turn | generator CPU µs/turn |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
jq -r 'def us(c): if c and .turns_per_second > 0 then "\(c * 1000000 / .turns_per_second | round)" else "-" end;
  select(.turns != null) | "| \(.name) | \(.turns_per_second|floor) | \(.p50_ms*100|round/100) ms | \(.p95_ms*100|round/100) ms | \(.p99_ms*100|round/100) ms | \(.max_ms*100|round/100) ms | \(if .server then "\(.server.p50*100|round/100) ms" else "-" end) | \(if .server then "\(.server.p99*100|round/100) ms" else "-" end) | \([.errors[]]|add // 0) | \(us(.server_cores)) | \(us(.generator_cores)) |"' "$RESULTS"
jq -r 'select(.kib_per_connection != null) | "| \(.name) | \(.open) open | server RSS \(.rss_before_kib) -> \(.rss_after_kib) KiB | \(.kib_per_connection*10|round/10) KiB per connection | errors \([.errors[]]|add // 0) |"' "$RESULTS"
