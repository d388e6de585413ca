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
    """The most recently used rows, each at the one version and database it was read at.

    Keyed by the row's ID alone, which is unique across databases: a lookup hashes an int
    instead of a tuple, and a row read at a newer version replaces the older one instead
    of sitting beside it until it ages out. The database is still compared, as a row
    moved with its shard gets versions counted by another cluster.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._held: OrderedDict[int, tuple[int, int, T]] = OrderedDict()

    def get(self, database: int, row_id: int, version: int) -> T | None:
        found = self._held.get(row_id)
        if found is None or found[0] != version or found[1] != database:
            return None
        self._held.move_to_end(row_id)
        return found[2]

    def put(self, database: int, row_id: int, version: int, row: T) -> None:
        held = self._held
        held[row_id] = (version, database, row)
        held.move_to_end(row_id)
        if len(held) > self._size:
            held.popitem(last=False)
