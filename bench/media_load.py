"""An HTTP/1.1 keep-alive load generator for one URL, run as its own process.

Run: python bench/media_load.py URL [--connections 64] [--seconds 10]

Each connection sends the next GET as soon as the last response is complete (no
pipelining), like a browser or wrk. The C parser of httptools and uvloop keep the
generator cheap enough that, on two cores, it is not what limits the server.
Prints one JSON line: requests/s, MB/s, errors, and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any
from urllib.parse import urlsplit

import httptools
import uvloop


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, stats: dict[str, Any]) -> None:
        self._request = request
        self._stats = stats
        self._parser = httptools.HttpResponseParser(self)
        self._transport: Any = None  # uvloop's transports are not asyncio.Transport
        self._sent = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._send()

    def _send(self) -> None:
        self._sent = time.perf_counter()
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self._stats["bytes"] += len(body)

    def on_message_complete(self) -> None:
        stats = self._stats
        stats["requests"] += 1
        if self._parser.get_status_code() not in (200, 206, 304):
            stats["errors"] += 1
        if stats["recording"]:
            stats["latencies"].append(time.perf_counter() - self._sent)
        if stats["running"]:
            self._send()
        elif self._transport is not None:
            self._transport.close()


async def run(url: str, connections: int, seconds: float, warmup: float = 1.0) -> dict[str, Any]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    stats: dict[str, Any] = {"requests": 0, "bytes": 0, "errors": 0, "running": True,
                             "recording": False, "latencies": []}
    loop = asyncio.get_running_loop()
    for _ in range(connections):
        await loop.create_connection(lambda: _Connection(request, stats),
                                     parts.hostname or "127.0.0.1", parts.port or 80)
    await asyncio.sleep(warmup)
    start = (stats["requests"], stats["bytes"], stats["errors"], time.perf_counter())
    stats["recording"] = True
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - start[3]
    stats["running"] = False
    latencies = sorted(stats["latencies"]) or [0.0]
    return {
        "requests_per_s": (stats["requests"] - start[0]) / elapsed,
        "mb_per_s": (stats["bytes"] - start[1]) / elapsed / 1e6,
        "errors": stats["errors"] - start[2],
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(uvloop.run(run(args.url, args.connections, args.seconds))))


if __name__ == "__main__":
    main()
