"""Document frequencies for ranking, counted among a database's newest posts.

BM25 weighs a word by how rare it is. Counting a word's posts exactly means walking its
whole doclist (FTS5's bm25() does, and so does fts5vocab): milliseconds for a common word
at a million posts. Counting among the newest SAMPLE posts costs at most a few hundred
doclist entries per word whatever the size of the index, is as accurate as ranking needs
for any word in more than a few of them (and a word in none is simply rare), and follows
what people post now, which is what the candidates are drawn from anyway.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

SAMPLE = 20_000
# How long a database's window is reused; a small table is re-read each time, as the few
# posts of a new instance (or a test) change its statistics a lot.
REFRESH_SECONDS = 60.0

_WINDOW = text("""
    SELECT count(*), min(id), (SELECT block FROM post_search_data WHERE id = 1)
    FROM (SELECT id FROM post_search_docsize ORDER BY id DESC LIMIT :sample)""")


@dataclass(frozen=True)
class Window:
    """The newest posts of one database: the first row ID, how many, the mean row length."""

    first: int
    docs: int
    average_length: float

    def idf(self, hits: int) -> float:
        """FTS5's inverse document frequency, floored just above zero as FTS5 does."""
        hits = min(hits, self.docs)
        return max(math.log((self.docs - hits + 0.5) / (hits + 0.5)), 1e-6)


class Statistics:
    """The window of one database, re-read every REFRESH_SECONDS."""

    def __init__(self) -> None:
        self._window: Window | None = None
        self._taken = 0.0

    async def current(self, conn: AsyncConnection) -> Window:
        now = time.monotonic()
        window = self._window
        if window is None or window.docs < SAMPLE or now - self._taken > REFRESH_SECONDS:
            docs, first, averages = (await conn.execute(_WINDOW, {"sample": SAMPLE})).one()
            window = Window(first=first or 0, docs=docs,
                            average_length=average_length(averages))
            self._window, self._taken = window, now
        return window


async def sample(conn: AsyncConnection, matches: list[str], window: Window) -> list[int]:
    """How many of the window's posts each FTS5 expression matches."""
    if not matches:
        return []
    params: dict[str, object] = {f"m{i}": match for i, match in enumerate(matches)}
    return list((await conn.execute(_sample_sql(len(matches)),
                                    params | {"first": window.first})).one())


@lru_cache(maxsize=64)
def _sample_sql(count: int) -> TextClause:
    # Only numbered placeholders are written into the statement.
    count_one = ("(SELECT count(*) FROM post_search"
                 " WHERE post_search MATCH :m{} AND rowid >= :first)")
    return text("SELECT " + ", ".join(count_one.format(i) for i in range(count)))


def average_length(block: bytes | None) -> float:
    """Mean tokens per row from FTS5's averages record (row count, then tokens per column)."""
    if not block:
        return 1.0
    values, offset = [], 0
    while offset < len(block):
        value, offset = _varint(block, offset)
        values.append(value)
    rows, tokens = values[0], sum(values[1:])
    return tokens / rows if rows else 1.0


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """SQLite's varint: 7 bits a byte, high bit set while more follow; a 9th byte has 8."""
    value = 0
    for i in range(8):
        byte = data[offset + i]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, offset + i + 1
    return (value << 8) | data[offset + 8], offset + 9
