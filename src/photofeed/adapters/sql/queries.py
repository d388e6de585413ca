"""Small query helpers shared by the SQL adapters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Select, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import Reads
from photofeed.domain.graph import Page


async def upsert(conn: AsyncConnection, table: Table, keys: dict[str, Any],
                 values: dict[str, Any]) -> None:
    """Insert a row, or update it when its primary key exists, in one statement."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**keys, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=values))


def paged(query: Select[Any], column: Column[Any], page: Page) -> tuple[Select[Any], bool]:
    """Apply Mastodon paging to a query; True when rows come oldest-first and need reversing.

    max_id and since_id bound a newest-first page; min_id asks for the page just above it,
    which is found oldest-first and then turned around.
    """
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    if page.since_id is not None:
        query = query.where(column > page.since_id)
    if page.min_id is not None:
        return query.where(column > page.min_id).order_by(column.asc()).limit(page.limit), True
    return query.order_by(column.desc()).limit(page.limit), False


async def fetch_page(conn: Reads, query: Select[Any], column: Column[Any],
                     page: Page) -> list[Any]:
    """One page of rows, newest first, however the page was asked for."""
    query, reverse = paged(query, column, page)
    rows = list((await conn.execute(query)).all())
    return rows[::-1] if reverse else rows


# Open bounds for the cursor columns (IDs and versions are signed 64-bit integers).
_LOWEST, _HIGHEST = -(2**63), 2**63 - 1


class PagedQuery:
    """A query paged the Mastodon way, built once with every bound as a parameter.

    fetch_page builds a new statement per call, which is fine for rare reads; on the busy
    ones (a feed page, pulled authors' posts) building and caching-keying the statement
    cost more than SQLite took to run it.
    """

    def __init__(self, query: Select[Any], column: Column[Any]) -> None:
        bounded = query.where(column < bindparam("page_before"),
                              column > bindparam("page_after"))
        self.newest = Prepared(bounded.order_by(column.desc()).limit(bindparam("page_limit")))
        self._oldest = Prepared(bounded.order_by(column.asc()).limit(bindparam("page_limit")))

    async def fetch(self, conn: Reads, page: Page, **values: Any) -> list[Any]:
        """One page of rows, newest first; `values` fill the query's own parameters."""
        after = max(page.since_id or _LOWEST, page.min_id or _LOWEST)
        bounds = {"page_before": page.max_id if page.max_id is not None else _HIGHEST,
                  "page_after": after, "page_limit": page.limit}
        if page.min_id is not None:
            rows = await self._oldest.rows(conn, values | bounds)
            return list(reversed(rows))
        return list(await self.newest.rows(conn, values | bounds))
