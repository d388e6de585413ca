"""The shard map must cover every logical shard exactly once."""

from __future__ import annotations

import re

import pytest

from photofeed import ids
from photofeed.adapters.sql.shard_map import (
    BadShardMap,
    ShardRange,
    describe_map,
    even_ranges,
    parse,
    replicas_by_database,
    safe_url,
    with_moves,
)


def test_even_ranges_cover_every_shard_in_order() -> None:
    ranges = even_ranges(["sqlite:///a", "sqlite:///b", "sqlite:///c"])
    assert [(r.first, r.last) for r in ranges] == [(0, 2730), (2731, 5461), (5462, 8191)]


def test_an_explicit_map_is_read_in_any_order() -> None:
    ranges = parse("4096-8191=postgresql://db2/pf; 0-4095=postgresql://db1/pf")
    assert [(r.first, r.last, r.url) for r in ranges] == [
        (0, 4095, "postgresql://db1/pf"), (4096, 8191, "postgresql://db2/pf")]


@pytest.mark.parametrize(("text", "complaint"), [
    ("0-4000=sqlite:///a;4096-8191=sqlite:///b", "a gap at logical shard 4001"),
    ("0-5000=sqlite:///a;4096-8191=sqlite:///b", "an overlap at logical shard 5001"),
    ("0-4095=sqlite:///a", "covers shards 0-4095, not all 0-8191"),
    ("0-9000=sqlite:///a", "covers shards 0-9000"),
    ("1-8191=sqlite:///a", "a gap at logical shard 0"),
    ("0-8191", "is not FIRST-LAST=URL"),
    ("zero-8191=sqlite:///a", "is not FIRST-LAST=URL"),
])
def test_bad_maps_are_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(BadShardMap, match=complaint):
        parse(text)


def test_passwords_never_appear_in_messages() -> None:
    assert "secret" not in safe_url("postgresql://app:secret@db/pf")
    assert ids.LOGICAL_SHARDS == 8192


def test_the_printed_map_reads_back_as_the_same_map_with_replicas() -> None:
    configured = parse("0-4095=postgresql://app:secret@db1/pf|postgresql://app:secret@db1r/pf;"
                       "4096-8191=postgresql://app:secret@db2/pf")
    move = ShardRange(4096, 8191, "postgresql://app:secret@db3/pf")
    moved = with_moves(configured, [move])
    shown = describe_map(moved, replicas_by_database(configured))
    assert "secret" not in shown  # printed to a terminal: passwords hidden by default
    copied = describe_map(moved, replicas_by_database(configured), passwords=True)
    assert parse(copied) == [configured[0], move]


def test_a_database_may_name_its_read_replicas() -> None:
    ranges = parse("0-4095=postgresql://db1/pf|postgresql://db1r/pf|postgresql://db1s/pf;"
                   "4096-8191=postgresql://db2/pf")
    assert [(r.url, r.replicas) for r in ranges] == [
        ("postgresql://db1/pf", ("postgresql://db1r/pf", "postgresql://db1s/pf")),
        ("postgresql://db2/pf", ())]
    spread = even_ranges(["postgresql://db1/pf|postgresql://db1r/pf", "postgresql://db2/pf"])
    assert spread[0].replicas == ("postgresql://db1r/pf",)


def test_replicas_named_on_one_range_serve_every_range_of_that_database() -> None:
    ranges = parse("0-99=postgresql://db1/pf|postgresql://db1r/pf;100-8191=postgresql://db1/pf")
    assert replicas_by_database(ranges) == {"postgresql://db1/pf": ("postgresql://db1r/pf",)}


@pytest.mark.parametrize(("text", "complaint"), [
    ("0-8191=sqlite:///a|sqlite:///b", "read replicas need PostgreSQL"),
    ("0-8191=postgresql://db1/pf|", "is not PRIMARY_URL|REPLICA_URL"),
    ("0-8191=|postgresql://db1r/pf", "is not PRIMARY_URL|REPLICA_URL"),
    ("0-99=postgresql://db1/pf|postgresql://db2/pf;100-8191=postgresql://db2/pf",
     "is a shard database, so it cannot also be a read replica"),
    ("0-99=postgresql://db1/pf|postgresql://r/pf;100-8191=postgresql://db2/pf|postgresql://r/pf",
     "is listed for both"),
])
def test_bad_replica_lists_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(BadShardMap, match=re.escape(complaint)):
        parse(text)


def test_replica_passwords_never_appear_in_messages() -> None:
    with pytest.raises(BadShardMap) as refused:
        parse("0-8191=sqlite:///a|postgresql://app:secret@replica/pf")
    assert "secret" not in str(refused.value)
