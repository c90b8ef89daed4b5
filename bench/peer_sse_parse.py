"""The peer for the SSE parse benchmark: httpx-sse reading the same recorded feed.

Reads the file tollgate-bench wrote, hands it to httpx-sse as an httpx response body in
64 KiB chunks (what a socket read gives), and times bytes in to events out: once with the
events only, once with json.loads on each event's data (the parse+decode row).
Prints one JSON object on stdout.
"""

import json
import sys
import time

import httpx
from httpx_sse import EventSource


def chunks(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def run(data: bytes, size: int, decode: bool) -> tuple[float, int]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks(data, size))
    started = time.perf_counter()
    events = 0
    for event in EventSource(response).iter_sse():
        if decode and event.event == "action":
            json.loads(event.data)
        events += 1
    return time.perf_counter() - started, events


def main() -> None:
    path, repeats = sys.argv[1], int(sys.argv[2])
    with open(path, "rb") as f:
        data = f.read()
    parse = min(run(data, 64 * 1024, False) for _ in range(repeats))
    decode = min(run(data, 64 * 1024, True) for _ in range(repeats))
    print(json.dumps({"bytes": len(data), "events": parse[1], "parse_seconds": parse[0], "decode_seconds": decode[0]}))


if __name__ == "__main__":
    main()
