"""Drives `tollgate mcp` with the official Python MCP SDK through a whole exchange.

Usage: mcp_exchange.py TOLLGATE SERVER_URL AGENT_TOKEN_FILE APPROVER_TOKEN

Approvals are made through the server's REST API as the approver. Every check is an assert;
on success one JSON object of what was observed is printed on stdout (McpPythonClientTests
reads it), on failure the assertion and a non-zero status.
"""

import asyncio
import json
import sys
import urllib.request

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

TOLLGATE, SERVER, AGENT_TOKEN_FILE, APPROVER_TOKEN = sys.argv[1:5]


def rest(method, path, body=None):
    request = urllib.request.Request(
        SERVER + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + APPROVER_TOKEN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def decide(action_id, verdict, reason):
    action = rest("GET", "/v1/actions/" + action_id)
    rest("POST", f"/v1/actions/{action_id}/decisions", {"verdict": verdict, "reason": reason, "digest": action["digest"]})


async def pending(kind):
    for _ in range(1000):
        found = [a for a in rest("GET", "/v1/actions?status=pending")["actions"] if a["kind"] == kind]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError("no pending " + kind)


def result(call):
    assert len(call.content) == 1 and call.content[0].type == "text", call
    return json.loads(call.content[0].text)


async def main():
    observed = {}
    parameters = StdioServerParameters(
        command=TOLLGATE, args=["mcp", "--server", SERVER, "--token-file", AGENT_TOKEN_FILE, "--prompt-wait", "30"]
    )
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            observed["server"] = initialized.serverInfo.name
            tools = (await session.list_tools()).tools
            observed["tools"] = [t.name for t in tools]
            assert all(t.inputSchema["type"] == "object" and t.outputSchema["type"] == "object" for t in tools)

            asked = await session.call_tool("request_approval", {"kind": "deploy.production", "summary": "Deploy v3", "wait_seconds": 0})
            assert not asked.isError, asked
            first = result(asked)
            assert asked.structuredContent == first, asked
            observed["pending"] = first["status"]
            assert "wait_for_decision" in first["next"] and first["id"] in first["next"], first

            decide(first["id"], "approve", "looks right")
            approved = result(await session.call_tool("wait_for_decision", {"id": first["id"], "wait_seconds": 20}))
            observed["approved"] = approved["decided"]

            progress = []

            async def on_progress(value, total, message):
                progress.append(message)

            waiting = asyncio.create_task(
                session.call_tool("request_approval", {"kind": "db.drop", "summary": "Drop it", "wait_seconds": 30}, progress_callback=on_progress)
            )
            victim = await pending("db.drop")
            for _ in range(1000):
                if progress:
                    break
                await asyncio.sleep(0.02)
            decide(victim["id"], "deny", "not today")
            observed["denied"] = result(await waiting)["decided"]
            observed["progress"] = progress[:1]

            prompt = asyncio.create_task(
                session.call_tool("approval_prompt", {"tool_name": "Bash", "input": {"command": "make release", "timeout": 2.5}, "tool_use_id": "toolu_py"})
            )
            decide((await pending("mcp.bash"))["id"], "approve", "go")
            observed["prompt"] = result(await prompt)

            bad = await session.call_tool("request_approval", {"summary": "no kind"})
            assert bad.isError, bad
            observed["bad"] = bad.content[0].text
    print(json.dumps(observed))


asyncio.run(main())
