"""The shard map must cover every logical shard exactly once."""

from __future__ import annotations

import pytest

from photofeed import ids
from photofeed.adapters.sql.shard_map import BadShardMap, even_ranges, parse, safe_url


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
