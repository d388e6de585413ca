"""The feed benchmark runs on the scale-out backend: PostgreSQL shards and Redis.

A tiny data set, push and hybrid, short windows: enough to prove the benchmark can copy a
data set into shard databases and Redis in the formats the adapters read, measure reads
and fan-out through the real services there, and clean up everything it made.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import asyncpg
import redis

from tests.bench.test_feed_bench_small import _numbers, _rows, assert_reads_measured
from tests.services import (
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    START_POSTGRES,
    START_REDIS,
    unavailable,
)

ROOT = Path(__file__).resolve().parents[2]
PROBE_FOLLOWERS = 400


async def _bench_databases() -> set[str]:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE "
                                "'photofeed_bench_%'")
    finally:
        await conn.close()
    return {r[0] for r in rows}


def _bench_keys(client: redis.Redis) -> set[bytes]:
    return set(client.scan_iter(match="photofeed-bench-*", count=1000))


def test_scale_out_feed_benchmark_measures_and_cleans_up(tmp_path: Path) -> None:
    try:
        databases_before = asyncio.run(_bench_databases())
    except (OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", START_POSTGRES, error)
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        keys_before = _bench_keys(client)
    except redis.RedisError as error:
        unavailable("Redis", START_REDIS, error)

    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "feed.py"), "--backend", "scale-out",
         "--postgres-url", POSTGRES_ADMIN_URL, "--redis-url", REDIS_URL,
         "--small", "--users", "600", "--posts", "6000", "--modes", "push,hybrid",
         "--probe-followers", str(PROBE_FOLLOWERS), "--reads", "30", "--duration", "0.6",
         "--warmup", "0.2", "--lag-samples", "30", "--clients", "1,8", "--no-profile",
         "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    table = (tmp_path / "out" / "feed-small-scale-out.md").read_text()
    assert "2 PostgreSQL shard databases" in table, table
    rows = _rows(table)
    assert set(rows) == {"push", "hybrid"}, table
    for mode, row in rows.items():
        assert_reads_measured(mode, row)
        assert _numbers(row["lag p99 s (push author)"])[0] < 30, (mode, "post never seen")
        assert _numbers(row["feed store rows"])[0] > 0, (mode, "no feeds in Redis")
    probe = rows["push"][f"fan-out p99 s to {PROBE_FOLLOWERS} followers"]
    assert 0 < _numbers(probe)[0] < 30, ("probe post never reached its followers", probe)

    results = json.loads((tmp_path / "out" / "feed-small-scale-out.json").read_text())
    for mode, result in results["modes"].items():
        # Full pages prove the feeds in Redis and the rows in the shards fit together.
        assert result["server"]["mean_posts"] == 20, (mode, result["server"])
        # The embedded reads that took turns with these read the same data set.
        alongside = result["server_embedded"]
        assert alongside["home"]["count"] == result["server"]["home"]["count"] > 0
        assert alongside["mean_posts"] == 20, (mode, alongside)
        assert result["http"]["1"]["errors"] == 0, (mode, result["http"]["1"])
    # Every follower of the probe author got the post: one entry each, plus the author's.
    pushed = results["modes"]["push"]["probe"]
    assert pushed["sampled"] == PROBE_FOLLOWERS
    assert pushed["rows_written_per_post"] == PROBE_FOLLOWERS + 1 + 4

    assert asyncio.run(_bench_databases()) <= databases_before, "shard databases left behind"
    assert _bench_keys(client) <= keys_before, "Redis keys left behind"
    client.close()
