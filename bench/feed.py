"""News Feed benchmark: push vs pull vs hybrid fan-out on a synthetic power-law graph.

    python bench/feed.py                 # 100,000 users, ~100 followees each, 1,000,000 posts
    python bench/feed.py --small         # 2,000 users, 20,000 posts; under a minute
    python bench/feed.py --servers all   # also compare servers (hybrid mode)
    python bench/feed.py --backend scale-out --users 20000 --posts 200000
                                         # PostgreSQL shards + Redis instead of SQLite

For each mode it reports feed read latency p50/p95/p99 server-side (Timelines.home in
process, one reader at a time) and end to end over HTTP on loopback at 1 and 64 clients
(load from a separate process, bench/load.py), feed reads per second, fan-out lag until
99% of a sample of followers see a new post, feed rows written per post and the size of
the feed store. Data sets are cached in bench/data/; results go to bench/results/.
With --backend scale-out the same data set is copied into PostgreSQL shard databases and
Redis (feed_scaleout.py), measured there, and dropped at the end; its in-process reads
take turns with embedded ones on the same data set, and --compare takes the p99 ratio
from those.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from photofeed import bootstrap

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # the sibling modules, also when imported from elsewhere

import feed_report  # noqa: E402 - needs the path above
from feed_backends import Backend, Embedded  # noqa: E402
from feed_data import MODES, DataSet, ensure  # noqa: E402
from feed_e2e import SERVERS, end_to_end  # noqa: E402
from feed_graph import GraphParams  # noqa: E402
from feed_inprocess import (  # noqa: E402
    container_for,
    fanout_lag,
    server_side,
    server_side_alternating,
)
from feed_scaleout import ADMIN_URL, REDIS_URL, ScaleOut  # noqa: E402

BACKENDS = ("embedded", "scale-out")
# Turns the scale-out and embedded in-process reads take, alternating.
ROUNDS = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="embedded",
                        help="embedded: SQLite files; scale-out: PostgreSQL shard databases "
                             "(made and dropped by the run) and Redis feeds and events")
    parser.add_argument("--shards", type=int, default=2,
                        help="scale-out: shard databases to spread the data over")
    parser.add_argument("--postgres-url", default=ADMIN_URL,
                        help="scale-out: a database on the server to create the shards on")
    parser.add_argument("--redis-url", default=REDIS_URL, help="scale-out: the Redis server")
    parser.add_argument("--keep", action="store_true",
                        help="scale-out: keep the shard databases and Redis keys")
    parser.add_argument("--probe-followers", type=int,
                        help="add an author with this many followers and time the fan-out "
                             "of one post to all of them (default 10,000 on scale-out, "
                             "none on embedded; at most users - 1)")
    parser.add_argument("--small", action="store_true",
                        help="2,000 users and 20,000 posts, short runs: a smoke test")
    parser.add_argument("--users", type=int)
    parser.add_argument("--followees", type=int)
    parser.add_argument("--posts", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--celebrity-followers", type=int,
                        help="hybrid pulls authors with this many followers (default 10,000;"
                             " 300 with --small)")
    parser.add_argument("--cap", type=int, default=800, help="feed_cap")
    parser.add_argument("--readers", type=int, help="accounts the reads are spread over")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--reads", type=int, help="server-side reads measured per mode")
    parser.add_argument("--clients", default="1,64")
    parser.add_argument("--duration", type=float, help="seconds of each HTTP run")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up before each run")
    parser.add_argument("--server", default="serve", choices=SERVERS,
                        help="server for the per-mode HTTP runs (serve = photofeed serve)")
    parser.add_argument("--servers", default="",
                        help="'all' or a comma list: also compare servers in hybrid mode")
    parser.add_argument("--lag-posts", type=int, help="probe posts per author")
    parser.add_argument("--lag-samples", type=int, default=200)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the cProfile run of the read path (--small skips it)")
    parser.add_argument("--data-dir", type=Path, default=BENCH / "data")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--label", help="name of the result files (default: small/default)")
    parser.add_argument("--readme", type=Path,
                        help="write the summary into this README's feed-bench section")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("EMBEDDED", "SCALE_OUT"),
                        help="measure nothing: put two earlier runs' .json side by side in "
                             "results/feed-<label>-backends.md (and --readme's "
                             "feed-backends section)")
    return parser


def _compare(args: argparse.Namespace) -> int:
    embedded, scale_out = (json.loads(p.read_text()) for p in args.compare)
    summary = feed_report.compare(embedded, scale_out)
    target = args.out / f"feed-{args.label or embedded['label']}-backends.md"
    target.write_text(summary)
    if args.readme:
        feed_report.update_readme(args.readme, summary, feed_report.BACKENDS_SECTION)
    print(summary)
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _defaults(args: argparse.Namespace) -> argparse.Namespace:
    """Fill in what was not asked for. Server-side reads are five per reader: a p99 of one
    read each rested on its 20 slowest reads, and moved by a third between runs."""
    small = args.small
    for name, big, little in (("users", 100_000, 2_000), ("followees", 100, 50),
                              ("posts", 1_000_000, 20_000),
                              ("celebrity_followers", 10_000, 300), ("readers", 2_000, 200),
                              ("reads", 10_000, 100), ("duration", 20.0, 1.5),
                              ("warmup", 3.0, 0.5), ("lag_posts", 3, 1)):
        if getattr(args, name) is None:
            setattr(args, name, little if small else big)
    args.no_profile = args.no_profile or small  # a smoke run has no use for a profile
    if args.probe_followers is None:
        args.probe_followers = 10_000 if args.backend == "scale-out" else 0
    return args


async def _in_process(backend: Backend, data: DataSet, mode: str,
                      args: argparse.Namespace) -> dict[str, Any]:
    profile = None if args.no_profile else args.out / f"feed-{args.label}-profile-{mode}.txt"
    await backend.refresh_activity(mode)
    await backend.forget_probes(mode)
    async with container_for(backend, data, mode, args.cap) as container:
        result: dict[str, Any] = {}
        if isinstance(backend, ScaleOut):
            result["server"], result["server_embedded"] = await _beside_embedded(
                container, data, mode, args, profile)
        else:
            result["server"] = await server_side(container, data, reads=args.reads,
                                                 profile_to=profile)
        for key, author in (("lag", data.lag_author), ("lag_celebrity", data.celebrity)):
            result[key] = await fanout_lag(container, backend, mode, author,
                                           samples=args.lag_samples, posts=args.lag_posts)
        if data.probe_author and container.fanout.policy.pushes_for(data.probe_followers):
            # Every follower, inactive ones too: push mode writes to all of them.
            result["probe"] = await fanout_lag(
                container, backend, mode, data.probe_author, samples=data.probe_followers,
                posts=args.lag_posts, active_only=False)
    return result


async def _beside_embedded(container: bootstrap.Container, data: DataSet, mode: str,
                           args: argparse.Namespace, profile: Path | None
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scale-out reads taking turns with embedded ones on the same data set: the ratio of
    the two is then measured under the same load, not in runs minutes apart."""
    embedded = Embedded(data)
    await embedded.refresh_activity(mode)
    await embedded.forget_probes(mode)
    async with container_for(embedded, data, mode, args.cap) as baseline:
        return await server_side_alternating(container, baseline, data, reads=args.reads,
                                             rounds=ROUNDS, profile_to=profile)


def _backend(data: DataSet, args: argparse.Namespace) -> Backend:
    if args.backend == "embedded":
        return Embedded(data)
    scale = ScaleOut(data, shards=args.shards, cap=args.cap, admin_url=args.postgres_url,
                     redis_url=args.redis_url, keep=args.keep)
    try:
        asyncio.run(scale.create())
    except BaseException:
        asyncio.run(scale.drop())
        raise
    return scale


def _measure_mode(backend: Backend, data: DataSet, mode: str, clients: list[int],
                  args: argparse.Namespace, started: float) -> dict[str, Any]:
    print(f"[{time.monotonic() - started:6.0f} s] {mode}: in-process", file=sys.stderr)
    result = asyncio.run(_in_process(backend, data, mode, args))
    result |= {"feed_rows_per_post": data.feed_rows_per_post[mode],
               "feed_rows": data.feed_rows[mode], "feed_bytes": data.feed_bytes[mode]}
    if isinstance(backend, ScaleOut):
        result |= {"feed_rows": backend.feed_rows[mode], "feed_bytes": backend.feed_bytes[mode]}
    if not args.skip_http:
        print(f"[{time.monotonic() - started:6.0f} s] {mode}: HTTP", file=sys.stderr)
        result["http"] = end_to_end(backend, data, mode, server=args.server, cap=args.cap,
                                    clients=clients, duration=args.duration,
                                    warmup=args.warmup)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    params = GraphParams(users=args.users, followees=args.followees, posts=args.posts,
                         seed=args.seed, probe_followers=args.probe_followers)
    args.label = args.label or ("small" if args.small else
                                ("default" if params == GraphParams() else params.key))
    if args.backend != "embedded":
        args.label += f"-{args.backend}"
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    data = ensure(params, threshold=args.celebrity_followers, cap=args.cap,
                  readers=args.readers, root=args.data_dir)
    clients = [int(c) for c in args.clients.split(",")]
    results: dict[str, Any] = {
        "label": args.label, "clients": clients, "duration": args.duration,
        "warmup": args.warmup, "server": args.server, "modes": {}, "cap": args.cap,
        "backend": args.backend if args.backend == "embedded" else
        f"scale-out ({args.shards} PostgreSQL shard databases, Redis feeds and events)",
        "machine": f"{os.cpu_count()} CPUs, {platform.python_implementation()} "
                   f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} "
                   "at start",
        "data": {k: v for k, v in vars(data).items() if k not in ("readers", "tokens",
                                                                    "paths")}}
    print(f"[{time.monotonic() - started:6.0f} s] backend: {args.backend}", file=sys.stderr)
    backend = _backend(data, args)
    try:
        for mode in [m for m in args.modes.split(",") if m]:  # --modes '' runs servers only
            if isinstance(backend, ScaleOut):
                asyncio.run(backend.load_feeds(mode))
            try:
                results["modes"][mode] = _measure_mode(backend, data, mode, clients, args,
                                                       started)
            finally:
                if isinstance(backend, ScaleOut):
                    asyncio.run(backend.unload_feeds(mode))
        servers = SERVERS if args.servers == "all" else [s for s in args.servers.split(",")
                                                         if s]
        if servers and isinstance(backend, ScaleOut):
            asyncio.run(backend.load_feeds("hybrid"))
        if servers:
            results["servers"] = {s: end_to_end(backend, data, "hybrid", server=s,
                                                cap=args.cap, clients=clients,
                                                duration=args.duration, warmup=args.warmup)
                                  for s in servers}
    finally:
        if isinstance(backend, ScaleOut):
            asyncio.run(backend.drop())
    results["load_average_at_end"] = os.getloadavg()[0]
    results["seconds"] = time.monotonic() - started
    return results


def main(argv: list[str] | None = None) -> int:
    args = _defaults(_parser().parse_args(argv))
    if args.compare:
        return _compare(args)
    results = run(args)
    stem = args.out / f"feed-{args.label}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1))
    summary = feed_report.table(results)
    stem.with_suffix(".md").write_text(summary)
    if results["modes"]:
        feed_report.plot(results, stem.with_suffix(".png"))
    if args.readme:
        feed_report.update_readme(args.readme, summary)
    print(summary)
    print(f"wrote {stem}.md, .png and .json in {results['seconds']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
