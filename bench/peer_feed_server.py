"""The peer for the feed latency benchmark: the same fan-out with sse-starlette on uvicorn.

It speaks just enough of protocol.md for tollgate-bench's client: `POST /v1/actions` answers
201 with the action (id, status, times, requester, the request's fields, a digest) and sends
it to every subscriber of `GET /v1/feed`, which opens with a `sync` event like tollgate's.
Unlike tollgate it keeps everything in memory: no SQLite commit, masking, rules or auth,
so it does strictly less work per action. Listens on 127.0.0.1 on a free port and says so
on stdout; stops on SIGTERM or SIGINT.
"""

import asyncio
import datetime
import hashlib
import json
import socket

import uvicorn
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

subscribers: set[asyncio.Queue] = set()
sequence = 0


def rfc3339(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


async def submit(request: Request) -> Response:
    global sequence
    body = await request.body()
    try:
        fields = json.loads(body)
    except ValueError:
        return JSONResponse({"error": "bad_request", "message": "the body is not valid JSON"}, status_code=400)
    sequence += 1
    now = datetime.datetime.now(datetime.timezone.utc)
    ttl = fields.get("ttl_seconds") or 3600
    action = {
        "id": f"act_py{sequence:022d}",
        "status": "pending",
        "created_at": rfc3339(now),
        "expires_at": rfc3339(now + datetime.timedelta(seconds=ttl)),
        "resolved_at": None,
        "requester": {"id": "agent@bench.example.com", "kind": "agent",
                      "on_behalf_of": fields.get("on_behalf_of"), "session": fields.get("session")},
        "kind": fields.get("kind"), "summary": fields.get("summary"), "command": fields.get("command"),
        "resource": fields.get("resource"), "environment": fields.get("environment"), "risk": fields.get("risk", "medium"),
        "policy": fields.get("policy") or {"id": "unspecified", "reason": "the requester asked for approval"},
        "justification": fields.get("justification"), "context": fields.get("context", []), "diffs": fields.get("diffs", []),
        "required_approvals": fields.get("required_approvals", 1), "decisions": [], "redactions": 0,
        "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
    }
    text = json.dumps(action, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    event = {"id": str(sequence), "event": "action", "data": text}
    for queue in subscribers:
        queue.put_nowait(event)
    return Response(text, status_code=201, media_type="application/json")


async def feed(request: Request) -> Response:
    queue: asyncio.Queue = asyncio.Queue()
    subscribers.add(queue)

    async def events():
        try:
            yield {"event": "sync", "data": json.dumps({"seq": sequence, "pending": 0})}
            while True:
                yield await queue.get()
        finally:
            subscribers.discard(queue)

    return EventSourceResponse(events())


app = Starlette(routes=[Route("/v1/actions", submit, methods=["POST"]), Route("/v1/feed", feed, methods=["GET"])])


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info"))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
