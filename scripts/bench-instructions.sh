#!/usr/bin/env bash
# Instruction counts under callgrind: figures that do not move with the machine's load, for
# comparing two builds on a shared machine where wall-clock benchmarks are noise.
#
# Usage: scripts/bench-instructions.sh [BIN] [CATALOG]
#   BIN      a release `concierge` (default: builds this checkout's; run it from the checkout
#            whose prompts/ the binary expects)
#   CATALOG  a native JSONL catalog for the ranking figure (default: catalog/demo.jsonl)
# Environment: REQUESTS (one opening message per line; default: every `say` of
#   tests/conversations, so keep one fixed file when comparing builds of different trees),
#   LOAD (a `concierge-load` binary; default: this checkout's), SECONDS_UNDER_LOAD (30),
#   SERVE_CATALOG (the catalog the server serves; default: the demo store).
# Prints: instructions per ranking (`recommend --requests`, minus a one-request run: start-up
# excluded) and instructions per chat turn of the server (`serve` under 4 saturating
# shoppers, minus an idle start-and-stop).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
TARGET=${CARGO_TARGET_DIR:-target}
if [ $# -ge 1 ]; then BIN=$1; else cargo build --release --bins --quiet; BIN=$TARGET/release/concierge; fi
CATALOG=${2:-catalog/demo.jsonl}
LOAD=${LOAD:-$TARGET/release/concierge-load}
[ -x "$LOAD" ] || cargo build --release --bin concierge-load --quiet
SECS=${SECONDS_UNDER_LOAD:-30}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${REQUESTS:-}" ]; then cp "$REQUESTS" "$WORK/requests.txt"; else
  grep -h '^ *- say:' tests/conversations/*.yaml | sed -E 's/^ *- say: *//; s/^"(.*)"$/\1/' > "$WORK/requests.txt"; fi
head -1 "$WORK/requests.txt" > "$WORK/one.txt"
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $4}'; }
n=$(wc -l < "$WORK/requests.txt")
all=$(count "$BIN" recommend --catalog "$CATALOG" --requests "$WORK/requests.txt")
one=$(count "$BIN" recommend --catalog "$CATALOG" --requests "$WORK/one.txt")
echo "ranking ($CATALOG, $n requests): $(( (all - one) / (n - 1) )) instructions per request"

# serve_under SECONDS: the server's instructions, and the turns the client counted.
serve_under() {
  local secs=$1 port=$((19000 + RANDOM % 1000)) dir
  dir=$(mktemp -d "$WORK/data.XXXX")
  printf 'addr = "127.0.0.1:%s"\ndata_dir = "%s"\n[limits]\nmax_connections = 20000\nmessages_per_minute = 1000000\nburst = 100000\nhello_timeout_secs = 60\n' \
    "$port" "$dir" > "$dir/concierge.toml"
  if [ -n "${SERVE_CATALOG:-}" ]; then sed -i "1i catalog = \"$(realpath "$SERVE_CATALOG")\"" "$dir/concierge.toml"; fi
  RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" serve --config "$dir/concierge.toml" \
    > "$dir/server.log" 2>&1 &
  local pid=$! turns=0
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  if [ "$secs" != 0 ]; then
    turns=$("$LOAD" --url "ws://127.0.0.1:$port/v1/chat" --shoppers 4 --seconds "$secs" --think-ms 0 --ramp 100 \
      --metrics none --seed 7 --json | tail -1 | sed -E 's/.*"turns":([0-9]+).*/\1/')
  fi
  kill -TERM "$pid"; wait "$pid" || true
  echo "$(awk '/Collected/ {print $4}' "$dir/server.log") $turns"
}
read -r idle _ <<< "$(serve_under 0)"
read -r busy turns <<< "$(serve_under "$SECS")"
echo "chat turns (${SERVE_CATALOG:-demo store}, 4 saturating shoppers, ${SECS} s, $turns turns): $(( (busy - idle) / turns )) instructions per turn"
