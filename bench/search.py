"""Search latency: p50/p99 of one-word, two-word, prefix and phrase queries, embedded SQLite.

    python bench/search.py                  # 1,000,000 posts (built once, then cached)
    python bench/search.py --small          # 10,000 posts, a quick look (about 15 s)
    python bench/search.py --json out.json  # also write the figures as JSON

Each query goes through the real SearchIndex adapter ("index": the FTS5 query, ranking
and merge) and through the whole search service ("service": that plus the privacy
filter and loading the posts and authors of the page), as an anonymous viewer asking for
a page of 20. Queries are drawn from the same Zipf vocabulary as the titles, so popular
words are asked for often, as they would be.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.feed_pages import SqlFeedPages
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.search import SqlSearchIndex
from photofeed.domain.search import parse_post_query
from photofeed.ports.search import SearchScope
from photofeed.services.search import SearchService
from photofeed.services.viewing import Viewing
from search_data import DataSet, ensure
from search_vocab import Vocabulary

KINDS = ("one-word", "two-word", "prefix", "phrase")
PAGE = 20


def queries(data: DataSet, per_kind: int, seed: int) -> dict[str, list[str]]:
    """Queries of each kind; a trailing space marks a finished word (no prefix match)."""
    rng = random.Random(seed + 1)
    vocabulary = Vocabulary(data.seed)
    pairs = [t.lower().split() for t in data.titles if len(t.split()) >= 2]
    made: dict[str, list[str]] = {kind: [] for kind in KINDS}
    while min(len(v) for v in made.values()) < per_kind:
        word = vocabulary.words(1)[0]
        made["one-word"].append(f"{word} ")
        made["prefix"].append(word[:max(3, len(word) - rng.randint(1, 3))])
        title = rng.choice(pairs)
        first, second = rng.sample(title, 2)
        made["two-word"].append(f"{first} {second} ")
        start = rng.randrange(len(title) - 1)
        made["phrase"].append(f'"{title[start]} {title[start + 1]}"')
    return {kind: found[:per_kind] for kind, found in made.items()}


Sample = tuple[float, float, int]


async def _timed(call: Callable[[str], Awaitable[int]], q: str) -> Sample:
    # CPU time too (every thread of the process, aiosqlite's included): on a machine shared
    # with other work, wall time also counts the waits for a core.
    started, cpu = time.perf_counter(), time.process_time()
    hits = await call(q)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, hits


def _summary(samples: list[Sample]) -> dict[str, float]:
    times = sorted(ms for ms, _, _ in samples)
    cut = statistics.quantiles(times, n=100, method="inclusive")
    # CPU percentiles too: on a shared machine the wall-clock tail is mostly time spent
    # waiting for a core, the CPU tail is what the query itself costs.
    cpu = statistics.quantiles(sorted(c for _, c, _ in samples), n=100, method="inclusive")
    return {"p50_ms": round(cut[49], 2), "p99_ms": round(cut[98], 2),
            "max_ms": round(times[-1], 2),
            "cpu_mean_ms": round(statistics.fmean(cpu for _, cpu, _ in samples), 2),
            "cpu_p50_ms": round(cpu[49], 2), "cpu_p99_ms": round(cpu[98], 2),
            "mean_hits": round(statistics.fmean(hits for _, _, hits in samples), 1)}


async def measure(data: DataSet, asked: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    router = ShardRouter.from_urls([f"sqlite:///{data.path}"])
    index = SqlSearchIndex(router)
    posts, accounts = SqlPostStore(router, OutboxSignal()), SqlAccountStore(router)
    graph = SqlGraphStore(router, OutboxSignal())
    now = datetime.fromtimestamp(data.built_ms / 1000, UTC)
    service = SearchService(index=index, posts=posts, graph=graph,
                            viewing=Viewing(posts=posts, accounts=accounts, graph=graph,
                                            pages=SqlFeedPages(router)),
                            clock=lambda: now)
    scope = SearchScope(now=now)

    async def by_index(q: str) -> int:
        return len(await index.posts(parse_post_query(q), scope, PAGE))

    async def by_service(q: str) -> int:
        return len(await service.statuses(viewer=None, q=q, limit=PAGE, offset=0))

    results: dict[str, dict[str, float]] = {}
    try:
        for q in asked["one-word"][:50]:  # warm the page cache and the pools
            await by_service(q)
        for level, run in (("index", by_index), ("service", by_service)):
            for kind in KINDS:
                samples = [await _timed(run, q) for q in asked[kind]]
                results[f"{level} {kind}"] = _summary(samples)
    finally:
        await router.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, help="per kind (default 500, small 100)")
    parser.add_argument("--small", action="store_true", help="10,000 posts, 100 queries")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.small:
        args.posts = 10_000
    args.queries = args.queries or (100 if args.small else 500)
    started = time.perf_counter()
    data = ensure(args.posts, seed=args.seed, root=args.data_dir)
    built = time.perf_counter() - started
    results = asyncio.run(measure(data, queries(data, args.queries, args.seed)))
    print(f"search over {data.posts:,} posts ({data.authors:,} authors), SQLite FTS5, "
          f"{args.queries} queries per kind, page of {PAGE}; data ready in {built:.0f} s")
    print(f"{'level / kind':<20}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'cpu ms':>9}"
          f"{'cpu p50':>9}{'cpu p99':>9}{'hits':>7}")
    for name, row in results.items():
        print(f"{name:<20}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}{row['max_ms']:>9.2f}"
              f"{row['cpu_mean_ms']:>9.2f}{row['cpu_p50_ms']:>9.2f}{row['cpu_p99_ms']:>9.2f}"
              f"{row['mean_hits']:>7.1f}")
    if args.json:
        args.json.write_text(json.dumps({"posts": data.posts, "queries": args.queries,
                                         "results": results}, indent=1))


if __name__ == "__main__":
    main()
