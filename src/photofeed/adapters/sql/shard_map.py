"""The shard map: which physical database holds which range of logical shards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from photofeed import ids


class BadShardMap(ValueError):
    """The configured map is malformed or does not cover every logical shard exactly once."""


# Separates a shard database from its read replicas: `PRIMARY|REPLICA|REPLICA`.
REPLICA_SEPARATOR = "|"


@dataclass(frozen=True)
class ShardRange:
    first: int
    last: int
    url: str
    # Read replicas of the database at `url`, streaming from it.
    replicas: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{safe_url(self.url)} (logical shards {self.first}-{self.last})"


def split_database(entry: str) -> tuple[str, tuple[str, ...]]:
    """A database entry `PRIMARY[|REPLICA...]` as its primary URL and its replica URLs."""
    primary, *replicas = (part.strip() for part in entry.split(REPLICA_SEPARATOR))
    if not primary or not all(replicas):
        raise BadShardMap(f"database entry {safe_url(entry)!r} is not "
                          f"PRIMARY_URL{REPLICA_SEPARATOR}REPLICA_URL...")
    return primary, tuple(dict.fromkeys(replicas))


def replicas_by_database(ranges: list[ShardRange]) -> dict[str, tuple[str, ...]]:
    """Each database's replicas, merged over its ranges (naming them once is enough)."""
    merged: dict[str, tuple[str, ...]] = {}
    for shard_range in ranges:
        merged[shard_range.url] = tuple(dict.fromkeys(
            (*merged.get(shard_range.url, ()), *shard_range.replicas)))
    return merged


def check_replicas(ranges: list[ShardRange]) -> None:
    """Refuse replicas of SQLite, a database named as its own replica, or a replica shared."""
    owner: dict[str, str] = {}
    primaries = {r.url for r in ranges}
    for primary, replicas in replicas_by_database(ranges).items():
        for replica in replicas:
            if _backend(primary) != "postgresql" or _backend(replica) != "postgresql":
                raise BadShardMap(f"read replica {safe_url(replica)} of {safe_url(primary)}: "
                                  "read replicas need PostgreSQL on both sides")
            if replica in primaries:
                raise BadShardMap(f"{safe_url(replica)} is a shard database, so it cannot "
                                  "also be a read replica")
            if owner.setdefault(replica, primary) != primary:
                raise BadShardMap(f"read replica {safe_url(replica)} is listed for both "
                                  f"{safe_url(owner[replica])} and {safe_url(primary)}")


def _backend(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except Exception:  # a URL too broken to parse has no backend; the caller names it
        return ""


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
    ranges = [ShardRange(i * size, min((i + 1) * size, ids.LOGICAL_SHARDS) - 1,
                         *split_database(entry)) for i, entry in enumerate(urls)]
    check_replicas(ranges)
    return ranges


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
        ranges.append(ShardRange(int(first), int(last if dash else first),
                                 *split_database(url)))
    check_coverage(ranges)
    check_replicas(ranges)
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


def describe_map(ranges: list[ShardRange], replicas: dict[str, tuple[str, ...]] | None = None,
                 *, passwords: bool = False) -> str:
    """The map as a PHOTOFEED_SHARDS value, with each database's replicas.

    Passwords are hidden unless asked for: the value is printed to a terminal and its
    scrollback, while copying it into configuration needs them.
    """
    shown = (lambda url: url) if passwords else safe_url
    known = replicas or {}
    return ";".join(
        f"{r.first}-{r.last}=" + REPLICA_SEPARATOR.join(
            shown(url) for url in (r.url, *known.get(r.url, r.replicas)))
        for r in ranges)
