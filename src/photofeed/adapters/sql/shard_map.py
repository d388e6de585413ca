"""The shard map: which physical database holds which range of logical shards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from photofeed import ids


class BadShardMap(ValueError):
    """The configured map is malformed or does not cover every logical shard exactly once."""


@dataclass(frozen=True)
class ShardRange:
    first: int
    last: int
    url: str

    def describe(self) -> str:
        return f"{safe_url(self.url)} (logical shards {self.first}-{self.last})"


def safe_url(url: str) -> str:
    """A database URL fit for logs and error messages: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse is shown as its scheme only
        return url.split(":", 1)[0] + "://…"


def even_ranges(urls: list[str]) -> list[ShardRange]:
    """Spread the logical shards evenly over the databases, in contiguous ranges."""
    if not urls:
        raise BadShardMap("at least one database is needed")
    size = -(-ids.LOGICAL_SHARDS // len(urls))
    return [ShardRange(i * size, min((i + 1) * size, ids.LOGICAL_SHARDS) - 1, url)
            for i, url in enumerate(urls)]


def parse(text: str) -> list[ShardRange]:
    """Ranges from `FIRST-LAST=URL` entries separated by `;` or new lines."""
    ranges = []
    for entry in (e.strip() for e in text.replace("\n", ";").split(";")):
        if not entry:
            continue
        span, sep, url = entry.partition("=")
        first, dash, last = span.strip().partition("-")
        if not sep or not url.strip() or not first.strip().isdigit() or \
                (dash and not last.strip().isdigit()):
            raise BadShardMap(f"shard map entry {entry!r} is not FIRST-LAST=URL")
        ranges.append(ShardRange(int(first), int(last if dash else first), url.strip()))
    check_coverage(ranges)
    return sorted(ranges, key=lambda r: r.first)


def check_coverage(ranges: list[ShardRange]) -> None:
    """Refuse a map with gaps, overlaps or shards out of range."""
    expected = 0
    for shard_range in sorted(ranges, key=lambda r: r.first):
        if shard_range.first != expected or shard_range.last < shard_range.first:
            problem = "a gap" if shard_range.first > expected else "an overlap"
            raise BadShardMap(f"the shard map has {problem} at logical shard {expected}; "
                              f"every shard 0-{ids.LOGICAL_SHARDS - 1} must be mapped once")
        expected = shard_range.last + 1
    if expected != ids.LOGICAL_SHARDS:
        raise BadShardMap(f"the shard map covers shards 0-{expected - 1}, not all "
                          f"0-{ids.LOGICAL_SHARDS - 1}")


def normalise_url(url: str) -> str:
    """One spelling per database, so a map entry and a move's target compare equal."""
    try:
        parsed = make_url(url.strip())
    except Exception:  # validated where engines are made; keep the text for the message
        return url.strip()
    driver = {"postgresql+asyncpg": "postgresql", "sqlite+aiosqlite": "sqlite"}
    parsed = parsed.set(drivername=driver.get(parsed.drivername, parsed.drivername))
    return parsed.render_as_string(hide_password=False)


def with_moves(ranges: list[ShardRange], moves: list[ShardRange]) -> list[ShardRange]:
    """The configured map with completed moves laid over it, oldest first."""
    owner = [""] * ids.LOGICAL_SHARDS
    for shard_range in [*ranges, *moves]:
        for shard in range(shard_range.first, shard_range.last + 1):
            owner[shard] = shard_range.url
    merged: list[ShardRange] = []
    for shard, url in enumerate(owner):
        if merged and merged[-1].url == url:
            merged[-1] = ShardRange(merged[-1].first, shard, url)
        else:
            merged.append(ShardRange(shard, shard, url))
    return merged


def describe_map(ranges: list[ShardRange]) -> str:
    """The map as a PHOTOFEED_SHARDS value (passwords included: it is configuration)."""
    return ";".join(f"{r.first}-{r.last}={r.url}" for r in ranges)
