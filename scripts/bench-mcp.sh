#!/usr/bin/env bash
# Latency of MCP tool calls against a release server on the demo catalog: N sequential
# JSON-RPC `tools/call` POSTs per tool over one keep-alive connection (stateless Streamable
# HTTP, JSON responses), timed by the client; prints p50/p99 per tool in milliseconds.
#
#   scripts/bench-mcp.sh [N]        (default 500; needs python3; builds the release binary)
#   CONCIERGE_BIN=target/debug/concierge scripts/bench-mcp.sh 20    (a smoke run, not a figure)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-500}"
BIN="${CONCIERGE_BIN:-target/release/concierge}"
[ -n "${CONCIERGE_BIN:-}" ] || cargo build --release --bin concierge
DATA="$(mktemp -d)"
PORT=$((20000 + RANDOM % 20000))
CONCIERGE_MCP_ALLOWED_HOSTS=127.0.0.1 "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$DATA" >"$DATA/log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$PORT" "$N" <<'EOF'
import http.client, json, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)
headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
           "mcp-protocol-version": "2025-06-18"}
calls = {
    "search_catalog": {"query": "wooden train", "filters": {"price": {"max": 2500}}, "pagination": {"limit": 10}},
    "lookup_catalog": {"ids": ["toy-001", "toy-006", "no-such-product"]},
    "recommend": {"recipient": "nephew", "age": 6, "interests": ["trains"], "budget": {"max": 25}},
}
for tool, arguments in calls.items():
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn.request("POST", "/mcp", body, headers)
        response = conn.getresponse()
        payload = response.read()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status == 200 and b'"isError":false' in payload, payload[:300]
    times.sort()
    print(f"{tool:16} n={n} p50={times[n // 2]:.2f} ms p99={times[int(n * 0.99)]:.2f} ms")
EOF
