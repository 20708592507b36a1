"""An independent MCP client for tests/mcp.rs: the official MCP Python SDK (`mcp`, pinned in
tests/mcp/requirements.txt) talking to a real concierge server over Streamable HTTP.

Usage: client.py BASE_URL STEPS_JSON

STEPS_JSON is a list of calls, each {"name": step name, "tool": tool name or "__list__",
"arguments": {...}, "token": "<shopper token>" | "$from:<step>" | null}. A token of
"$from:STEP" is the `shopper` field of an earlier step's structured result, so a conversation's
token reaches the next calls the way an agent would pass it: in the Authorization header.
Arguments may say "$from:STEP.field" for a value of an earlier result (a session id, a cursor).

Prints one JSON object: step name -> {"is_error", "structured", "text"} (or the tool names for
"__list__"). The Rust test makes every assertion; this script only calls.
"""

import asyncio
import json
import sys

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def resolve(value, results):
    """Replaces "$from:STEP.a.b" strings with that field of an earlier step's result."""
    if isinstance(value, str) and value.startswith("$from:"):
        step, *path = value[len("$from:"):].split(".")
        found = results[step]["structured"]
        for key in path:
            found = found[key] if found is not None else None
        return found
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


async def call(url, token, tool, arguments):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    async with Client(transport) as client:
        if tool == "__list__":
            listed = await client.list_tools()
            return {
                "tools": [t.name for t in listed.tools],
                "annotations": {
                    t.name: (t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None)
                    for t in listed.tools
                },
            }
        result = await client.call_tool(tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        return {"is_error": result.is_error, "structured": result.structured_content, "text": text}


async def main():
    base, steps = sys.argv[1], json.loads(sys.argv[2])
    results = {}
    for step in steps:
        token = resolve(step.get("token"), results)
        if isinstance(step.get("token"), str) and step["token"].startswith("$from:") and "." not in step["token"]:
            token = results[step["token"][len("$from:"):]]["structured"].get("shopper")
        arguments = resolve(step.get("arguments", {}), results)
        results[step["name"]] = await call(f"{base}/mcp", token, step["tool"], arguments)
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
