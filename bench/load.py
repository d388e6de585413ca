"""A small HTTP/1.1 load generator for GET endpoints on loopback, run as its own process.

    python bench/load.py --url http://127.0.0.1:8000 --path '/api/v1/timelines/home?limit=20'
        --tokens-file tokens.txt --concurrency 64 --duration 10

Each of N connections sends one request at a time over keep-alive (a closed loop, like
N clients that each wait for their answer), cycling through the bearer tokens so that
every request reads a different person's feed. It prints one JSON object: requests per
second and latency percentiles of the requests that finished after the warm-up.

It speaks just enough HTTP for a server we control: a request line, a few headers,
Content-Length or chunked bodies. Being a few dozen lines of asyncio keeps its own cost
per request far below the server's, which a general-purpose client would not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    body_bytes: int = 0
    sent: int = 0  # answered requests, warm-up included


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readline()).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return body
        body += chunk[:-2]


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await _read_body(reader, headers)
    return status, body, headers.get("connection", "").lower() == "close"


async def _client(index: int, args: argparse.Namespace, tokens: list[str], tally: Tally,
                  start: float) -> None:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    warm_until, stop_at = start + args.warmup, start + args.warmup + args.duration
    turn = index
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (now := time.perf_counter()) < stop_at:
            token = tokens[turn % len(tokens)]
            turn += args.concurrency
            writer.write((f"GET {args.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                          f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
                          ).encode())
            try:
                status, body, closed = await _response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                tally.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            tally.sent += 1
            if now >= warm_until:
                tally.latencies.append(time.perf_counter() - now)
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                tally.body_bytes += len(body)
            if closed:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list; 0 for an empty one."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[rank]


async def run(args: argparse.Namespace) -> dict[str, object]:
    tokens = args.tokens or [""]
    tally = Tally()
    start = time.perf_counter()
    await asyncio.gather(*(_client(i, args, tokens, tally, start)
                           for i in range(args.concurrency)))
    done = sorted(tally.latencies)
    ok = tally.statuses.get(200, 0)
    return {
        "concurrency": args.concurrency, "seconds": args.duration, "requests": len(done),
        "ok": ok, "errors": tally.errors + len(done) - ok, "statuses": tally.statuses,
        "answered_with_warmup": tally.sent,
        "rps": len(done) / args.duration,
        "p50_ms": percentile(done, 0.50) * 1000, "p95_ms": percentile(done, 0.95) * 1000,
        "p99_ms": percentile(done, 0.99) * 1000,
        "mean_body_bytes": tally.body_bytes / len(done) if done else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", default="/api/v1/timelines/home?limit=20")
    parser.add_argument("--tokens-file")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    args.tokens = Path(args.tokens_file).read_text().split() if args.tokens_file else []
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
