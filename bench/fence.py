"""What the shard-move write fence costs: write transactions with and without the check.

    .venv/bin/python bench/fence.py [--admin-url postgresql://postgres@127.0.0.1/postgres]

Makes a scratch PostgreSQL database, migrates it, then times single-row write transactions
(an upsert, as the stores do) through `ShardRouter.write(shard)`, which asks
`photofeed_write_fence` first, and through `write_engine` without shards, which does not;
rounds alternate so both see the same machine; then again while a shard move's change
capture trigger runs on the table. Prints the mean and median per transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg
from sqlalchemy import text

from photofeed.adapters.sql import move_copy
from photofeed.adapters.sql.migrate import migrate_urls
from photofeed.adapters.sql.router import ShardRouter

UPSERT = text("INSERT INTO affinity (account_id, author_id, score) VALUES (:a, :a, 1) "
              "ON CONFLICT (account_id, author_id) DO UPDATE SET score = affinity.score + 1")


async def _timed(router: ShardRouter, *, fenced: bool, count: int) -> list[float]:
    times = []
    for n in range(count):
        started = time.perf_counter()
        if fenced:
            async with router.write(n % 8192) as conn:
                await conn.execute(UPSERT, {"a": n % 100})
        else:
            async with router.write_engine(0) as conn:
                await conn.execute(UPSERT, {"a": n % 100})
        times.append(time.perf_counter() - started)
    return times


async def _statement(router: ShardRouter, statement: str, count: int) -> list[float]:
    """One statement, repeated in one open transaction: its own round trip and work."""
    times = []
    async with router.write_engine(0) as conn:
        for n in range(count):
            started = time.perf_counter()
            await conn.execute(text(statement), {"s": [n % 8192]})
            times.append(time.perf_counter() - started)
    return times


async def run(admin_url: str, rounds: int, count: int) -> None:
    name = f"photofeed_fence_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        await migrate_urls([url])
        conn = await asyncpg.connect(url)
        # A few "moved" fences elsewhere, as a database that gave ranges away keeps them.
        await conn.executemany("INSERT INTO shard_fences VALUES ($1, $2, 'moved')",
                               [(8000 + 10 * i, 8000 + 10 * i + 9) for i in range(5)])
        await conn.close()
        router = ShardRouter.from_urls([url])
        results: dict[bool, list[float]] = {True: [], False: []}
        try:
            await _timed(router, fenced=True, count=200)  # warm the pool and the plans
            for _ in range(rounds):
                for fenced in (False, True):
                    results[fenced] += await _timed(router, fenced=fenced, count=count)
            capture = await asyncpg.connect(url)
            await move_copy.start_capture(capture)
            results_capture = await _timed(router, fenced=True, count=count * rounds)
            await move_copy.stop_capture(capture)
            await capture.close()
            total = count * rounds
            check = await _statement(router, "SELECT photofeed_write_fence(:s)", total)
            trivial = await _statement(router, "SELECT cardinality(CAST(:s AS integer[]))", total)
        finally:
            await router.dispose()
        for label, times in (("fence check statement", check), ("trivial statement", trivial)):
            print(f"{label:>24}: median {statistics.median(times) * 1e6:7.1f} us")
        rows = [("without the fence check", results[False]), ("with the check", results[True]),
                ("and a move's capture", results_capture)]
        for label, times in rows:
            print(f"{label:>24}: mean {statistics.fmean(times) * 1e6:7.1f} us, "
                  f"median {statistics.median(times) * 1e6:7.1f} us ({len(times)} writes)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.admin_url, args.rounds, args.count))


if __name__ == "__main__":
    main()
