"""Starting on a broken shard configuration fails clearly, naming the culprit."""

from __future__ import annotations

from pathlib import Path

import pytest

from photofeed import bootstrap
from photofeed.adapters.sql.router import ShardUnreachable
from photofeed.adapters.sql.shard_map import BadShardMap
from photofeed.config import Settings


async def test_an_unreachable_shard_database_is_named(tmp_path: Path) -> None:
    dead = "postgresql://postgres@127.0.0.1:1/nowhere"
    settings = Settings(data_dir=tmp_path,
                        database_url=f"sqlite:///{tmp_path / 'a.sqlite3'},{dead}")
    with pytest.raises(ShardUnreachable, match=r"127\.0\.0\.1:1/nowhere \(logical shards "
                                               r"4096-8191\) is unreachable"):
        await bootstrap.build(settings)


async def test_a_map_with_a_hole_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    settings = Settings(data_dir=tmp_path, shards=f"0-100={db};200-8191={db}")
    with pytest.raises(BadShardMap, match="gap at logical shard 101"):
        await bootstrap.build(settings)


async def test_an_explicit_map_serves(tmp_path: Path) -> None:
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite3", "b.sqlite3"))
    settings = Settings(data_dir=tmp_path, shards=f"0-99={first};100-8191={second}")
    container = await bootstrap.build(settings)
    try:
        assert len(container.router.engines) == 2
        assert container.router.engine_index(99) == 0
        assert container.router.engine_index(100) == 1
    finally:
        await container.close()


async def test_read_replicas_of_sqlite_are_refused_at_start_up(tmp_path: Path) -> None:
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite3", "b.sqlite3"))
    settings = Settings(data_dir=tmp_path, database_url=f"{first}|{second}")
    with pytest.raises(BadShardMap, match="read replicas need PostgreSQL"):
        await bootstrap.build(settings)
