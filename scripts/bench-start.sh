#!/usr/bin/env bash
# Start-up of the server on a catalog, end to end: the time from launching `concierge serve`
# to the first answered turn (hello, then one request over the WebSocket, by `concierge replay
# --url`), and the server's resident memory then. The catalog's prebuilt index (and stored
# products) must be built first with `concierge index CATALOG` for a large catalog to start
# fast; without one the server reads and indexes it in memory.
#
# Usage: scripts/bench-start.sh CATALOG.jsonl [RUNS]   (RUNS: default 3)
# Environment: PORT (18090), CARGO_TARGET_DIR (default target); uses the release binary it
# builds (`cargo build --release --bins`), and curl to see when the server listens.
set -euo pipefail
cd "$(dirname "$0")/.."
catalog=${1:?usage: scripts/bench-start.sh CATALOG.jsonl [RUNS]}
runs=${2:-3}
PORT=${PORT:-18090}
BIN=${CARGO_TARGET_DIR:-target}/release/concierge
cargo build --release --bins --quiet
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/first.yaml" <<'YAML'
name: the first turn after start-up
turns:
  - say: "a wooden train for my nephew under 30"
    expect:
      products: {count_min: 1, price_max: 30}
YAML
for run in $(seq 1 "$runs"); do
  rm -rf "$work/data"
  started=$(date +%s.%N)
  "$BIN" serve --catalog "$catalog" --addr "127.0.0.1:$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
  server=$!
  # Wait with a cheap probe (a replay process per try would take CPU from the loading server),
  # then play the turn once.
  until curl -sf -m 1 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
    kill -0 "$server" 2>/dev/null || { echo "the server stopped:"; cat "$work/server.log"; exit 1; }
    if [ "$(echo "$(date +%s.%N) - $started > 300" | bc)" = 1 ]; then
      echo "not listening within 300 s"; exit 1
    fi
    sleep 0.02
  done
  "$BIN" replay --url "ws://127.0.0.1:$PORT/v1/chat" "$work/first.yaml" >"$work/replay.log" 2>&1 ||
    { echo "the first turn failed:"; cat "$work/replay.log"; exit 1; }
  answered=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$server/status")
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
  printf 'run %d: first turn answered %.2f s after launch; server resident %s\n' \
    "$run" "$(echo "$answered - $started" | bc)" "$rss"
done
uptime
