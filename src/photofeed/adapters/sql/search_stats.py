"""Document frequencies for ranking, counted among a database's newest posts.

BM25 weighs a word by how rare it is. Counting a word's posts exactly means walking its
whole doclist (FTS5's bm25() does, and so does fts5vocab): milliseconds for a common word
at a million posts. Counting among the newest SAMPLE posts costs at most a few hundred
doclist entries per word whatever the size of the index, is as accurate as ranking needs
for any word in more than a few of them (a word in none is simply rare), and follows what
people post now, which is what the candidates are drawn from anyway.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

SAMPLE = 20_000
# How long the start of a database's window is reused. Posts added since are in the window
# too (their IDs are higher), and counted in it through the row count FTS5 keeps.
REFRESH_SECONDS = 60.0

_WINDOW = """
    SELECT count(*), min(id), (SELECT block FROM post_search_data WHERE id = 1)
    FROM (SELECT id FROM post_search_docsize ORDER BY id DESC LIMIT :sample)"""


async def fetch(conn: AsyncConnection, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """Rows of one statement, in one trip to the driver's thread.

    A statement through SQLAlchemy costs four trips (cursor, execute, fetch, close) and
    row processing; search is hot enough to talk to aiosqlite directly, inside the
    connection's open transaction all the same.
    """
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the connection is closed")
    return list(await driver.execute_fetchall(sql, params))


@dataclass(frozen=True)
class Window:
    """The newest posts of one database: the first row ID, and how many posts are older."""

    first: int
    older: int

    def idf(self, hits: int, rows: int) -> float:
        """FTS5's inverse document frequency in the window, floored just above zero as FTS5
        does; `rows` is the table's row count now."""
        docs = max(rows - self.older, hits, 1)
        return max(math.log((docs - hits + 0.5) / (hits + 0.5)), 1e-6)


class Statistics:
    """Where the window of one database starts, re-read every REFRESH_SECONDS."""

    def __init__(self) -> None:
        self._window: Window | None = None
        self._taken = 0.0

    async def window(self, conn: AsyncConnection) -> Window:
        now = time.monotonic()
        if self._window is None or now - self._taken > REFRESH_SECONDS:
            [(docs, first, averages)] = await fetch(conn, _WINDOW, {"sample": SAMPLE})
            rows, _ = averages_of(averages)
            self._window = Window(first=first or 0, older=max(rows - docs, 0))
            self._taken = now
        return self._window


def averages_of(block: bytes | None) -> tuple[int, float]:
    """Rows and mean tokens per row, from FTS5's averages record (the row count, then the
    tokens of each column, as SQLite varints)."""
    if not block:
        return 0, 1.0
    values, offset = [], 0
    while offset < len(block):
        value, offset = _varint(block, offset)
        values.append(value)
    rows, tokens = values[0], sum(values[1:])
    return rows, (tokens / rows if rows else 1.0)


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """SQLite's varint: 7 bits a byte, high bit set while more follow; a 9th byte has 8."""
    value = 0
    for i in range(8):
        byte = data[offset + i]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, offset + i + 1
    return (value << 8) | data[offset + 8], offset + 9
