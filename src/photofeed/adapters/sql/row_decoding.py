"""Rows of the busiest reads, decoded into domain objects once per distinct row.

A feed page reads the same popular posts and authors over and over. SQLAlchemy's result
processing (on SQLite it parses every timestamp of every row) and building the frozen
domain objects cost more than SQLite took to find the rows, every time. These reads
therefore take the columns as the driver returns them and keep the objects built from
them, keyed by the whole row: a row that comes back unchanged gives the object built
before, and any change to it (a like, an edit) makes a new key, so the cache can never
serve a stale object and needs no invalidation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Boolean, Row, Table, type_coerce
from sqlalchemy.sql.elements import Label
from sqlalchemy.types import NullType

from photofeed.adapters.sql.types import UtcDateTime, utc

T = TypeVar("T")


def _as_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)  # SQLite returns 0 and 1


class RowDecoder(Generic[T]):
    """The columns to select from `table`, and the cached decoding of the rows they give."""

    def __init__(self, table: Table, build: Callable[[Mapping[str, Any]], T], *,
                 cache_size: int, skip: frozenset[str] = frozenset()) -> None:
        kept = [c for c in table.c if c.name not in skip]
        # NullType: the driver's value as it is, with no result processing.
        self.columns: list[Label[Any]] = [type_coerce(c, NullType()).label(c.name)
                                          for c in kept]
        self._names = [c.name for c in kept]
        self._converters = [utc if isinstance(c.type, UtcDateTime) else
                            _as_bool if isinstance(c.type, Boolean) else None for c in kept]
        self._build = build
        self.decode: Callable[[Row[Any]], T] = lru_cache(maxsize=cache_size)(self.build)

    def build(self, row: Row[Any]) -> T:
        """The object of a row, built anew, for a caller that keeps it its own way."""
        return self._build({name: convert(value) if convert else value
                            for name, convert, value in zip(self._names, self._converters,
                                                            row, strict=True)})
