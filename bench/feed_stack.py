"""The whole application in process: CPU per `GET /api/v1/timelines/home`, no server.

    python bench/feed_stack.py                  # default data set, hybrid, 3,000 requests
    python bench/feed_stack.py --profile out.txt
    python bench/feed_stack.py --rounds 3       # three timed rounds, to see the spread

Each request goes through every middleware, the routing, authentication and rendering,
exactly as a server would hand it over, but is called directly as ASGI: no socket, no
HTTP parsing, no load generator sharing the CPU. That makes it the steadiest measure of
what the application itself costs per feed read, for comparing one change with the next
on a busy machine (run the old and the new commit one after the other, several rounds).
The data set is the one bench/feed.py builds and caches.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from feed_backends import Embedded  # noqa: E402 - needs the path above
from feed_data import MODES, DataSet, ensure  # noqa: E402
from feed_graph import GraphParams  # noqa: E402
from feed_inprocess import config_for  # noqa: E402
from photofeed.asgi import create_app  # noqa: E402
from photofeed.config import Settings  # noqa: E402

HOME = b"/api/v1/timelines/home"


class _Reply:
    """What the application sent back for one request."""

    def __init__(self) -> None:
        self.status = 0
        self.size = 0

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.size += len(message.get("body", b""))


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _scope(token: str, limit: int) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": HOME.decode(), "raw_path": HOME,
            "root_path": "", "query_string": f"limit={limit}".encode(),
            "headers": [(b"host", b"127.0.0.1:8000"),
                        (b"authorization", f"Bearer {token}".encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def _requests(app: Any, tokens: list[str], count: int, limit: int) -> tuple[float, int]:
    """CPU seconds for `count` requests and the bytes they returned."""
    size = 0
    cpu = time.process_time()
    for n in range(count):
        reply = _Reply()
        await app(_scope(tokens[n % len(tokens)], limit), _receive, reply.send)
        if reply.status != 200:
            raise SystemExit(f"GET {HOME.decode()} answered {reply.status}")
        size += reply.size
    return time.process_time() - cpu, size


def _heap_mb() -> float:
    """Anonymous memory (the heap and its caches), leaving out SQLite's mapped files."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # not Linux


async def _measure(args: argparse.Namespace, data: DataSet) -> None:
    config = config_for(Embedded(data), data, args.mode, cap=800)
    with tempfile.TemporaryDirectory(prefix="feed-stack-") as scratch:
        app = create_app(Settings.model_validate(config | {"data_dir": scratch}))
        async with app.router.lifespan_context(app):
            tokens = data.tokens[:args.readers] if args.readers else data.tokens
            await _requests(app, tokens, min(len(tokens), args.requests), args.limit)  # warm
            for round_ in range(args.rounds):
                cpu, size = await _requests(app, tokens, args.requests, args.limit)
                print(f"round {round_ + 1}: {cpu * 1000 / args.requests:.2f} ms CPU per "
                      f"request, {size / args.requests / 1000:.1f} kB per response, "
                      f"{_heap_mb():.0f} MB of process memory", flush=True)
            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                await _requests(app, tokens, args.requests, args.limit)
                profiler.disable()
                stats = pstats.Stats(profiler, stream=args.profile.open("w"))
                stats.sort_stats("tottime").print_stats(40)
                stats.sort_stats("cumulative").print_stats(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=MODES, default="hybrid")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--readers", type=int,
                        help="spread the requests over this many of the data set's readers "
                             "(default: all 2,000)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more round here")
    parser.add_argument("--data-dir", type=Path, default=BENCH / "data")
    args = parser.parse_args()
    data = ensure(GraphParams(), threshold=10_000, cap=800, readers=2_000, root=args.data_dir)
    asyncio.run(_measure(args, data))


if __name__ == "__main__":
    main()
