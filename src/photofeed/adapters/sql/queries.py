"""Small query helpers shared by the SQL adapters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

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
