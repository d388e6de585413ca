"""Rows a process already holds, named by their PostgreSQL row version instead of read again.

A feed page shows the same popular posts and authors to reader after reader. PostgreSQL
stamps every row version with the ID of the transaction that wrote it (the system column
`xmin`), and a change to a row is a new version with a new stamp. So a feed page asks
PostgreSQL for the IDs and stamps of its posts and authors, and reads in full only the rows
this process does not hold at that stamp (feed_pages.py). On the benchmark's pages that took
a page statement from 251 to 160 µs of PostgreSQL's CPU, and from 175 to 92 µs of the
client's.

A stamp names a version within one database only: transaction IDs are counted per
PostgreSQL cluster (a physical replica shares its primary's), so entries are kept per
database, by the router's engine index, which stays the same for the process's life. A
stamp comes round again only after 2^32 transactions, which an entry of this small cache
does not live to see.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, ColumnElement, Table, literal_column

T = TypeVar("T")


def row_version(table: Table) -> ColumnElement[Any]:
    """The stamp of a row's version, as a number (PostgreSQL only)."""
    return literal_column(f"{table.name}.xmin::text::bigint", BigInteger)


class HeldRows(Generic[T]):
    """The most recently used rows, by (database, row ID, version)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._held: OrderedDict[tuple[int, int, int], T] = OrderedDict()

    def get(self, database: int, row_id: int, version: int) -> T | None:
        key = (database, row_id, version)
        found = self._held.get(key)
        if found is not None:
            self._held.move_to_end(key)
        return found

    def put(self, database: int, row_id: int, version: int, row: T) -> None:
        self._held[(database, row_id, version)] = row
        if len(self._held) > self._size:
            self._held.popitem(last=False)
