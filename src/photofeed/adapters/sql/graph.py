"""GraphStore on the SQL shards: truth on the acting account's shard, mirrors on the other's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.outbox import OutboxSignal, add_event
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.queries import fetch_page, upsert
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.schema import accounts, blocked_by, blocks, followers, follows
from photofeed.domain.events import payload
from photofeed.domain.graph import BlockState, Edge, FollowState, Page, Relationship

ACCEPTED = "accepted"


RelationRow = Callable[[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]],
                      list[ColumnElement[Any]]]


def relation_selects(row: RelationRow) -> list[Select[Any]]:
    """What the viewer's database knows of the viewer's relations to some accounts.

    One select per edge table kept there, each giving (kind, other account, state) as
    `row` lays them out; the viewer is parameter "me", the accounts "ids". Read with
    relationships_from.
    """
    return [
        select(*row(literal("following"), follows.c.target_id, follows.c.state)).where(
            follows.c.account_id == bindparam("me"), in_ids(follows.c.target_id)),
        select(*row(literal("followed_by"), followers.c.account_id, followers.c.state)).where(
            followers.c.target_id == bindparam("me"), in_ids(followers.c.account_id)),
        select(*row(literal("blocking"), blocks.c.target_id, blocks.c.state)).where(
            blocks.c.account_id == bindparam("me"), in_ids(blocks.c.target_id),
            blocks.c.state == "active"),
        select(*row(literal("blocked_by"), blocked_by.c.account_id, blocked_by.c.state)).where(
            blocked_by.c.target_id == bindparam("me"), in_ids(blocked_by.c.account_id),
            blocked_by.c.state == "active")]


def relationships_from(targets: Iterable[int], rows: Iterable[tuple[str, int, str]]
                       ) -> dict[int, Relationship]:
    """The relationships to `targets` from (kind, other account, state) rows."""
    facts: dict[int, dict[str, Any]] = {t: {} for t in targets}
    for kind, other, state in rows:
        fact = facts[other]
        if kind == "following":
            fact |= {"following": state == ACCEPTED, "requested": state == "requested"}
        elif kind == "followed_by":
            fact |= {"followed_by": state == ACCEPTED, "requested_by": state == "requested"}
        else:
            fact[kind] = True
    return {target: Relationship(target_id=target, **fact) for target, fact in facts.items()}


# Built once: building a statement costs more than running it from SQLite's page cache.
RELATIONS = Prepared(union_all(*relation_selects(
    lambda kind, other, state: [kind.label("kind"), other.label("other"), state])))
_FOLLOWED = select(follows.c.target_id).where(follows.c.account_id == bindparam("me"),
                                              follows.c.state == ACCEPTED)
_FOLLOWEES = Prepared(_FOLLOWED)
_FOLLOWED_AMONG = Prepared(_FOLLOWED.where(in_ids(follows.c.target_id, "targets")))


async def _bump(conn: AsyncConnection, account_id: int, counter: str, old: str, new: str) -> None:
    """Keep a follow counter in step with an edge moving into or out of "accepted"."""
    delta = (new == ACCEPTED) - (old == ACCEPTED)
    if delta:
        column = accounts.c[counter]
        await conn.execute(update(accounts).where(accounts.c.id == account_id)
                           .values({counter: column + delta}))


async def _edge(conn: Reads, table: Table, owner: int, other: int) -> tuple[str, int]:
    """(state, version) of an edge; ("none", 0) when it never existed."""
    owner_col, other_col = table.primary_key.columns.values()
    row = (await conn.execute(select(table.c.state, table.c.version).where(
        owner_col == owner, other_col == other))).first()
    return (row.state, row.version) if row else ("none", 0)


async def _locked_edge(conn: AsyncConnection, table: Table, owner: int,
                       other: int) -> tuple[str, int]:
    """Like _edge, but holds the row until commit so racing writers take turns.

    A missing row cannot be locked, so a "none"/0 placeholder (meaning the same as no row)
    is put in first; PostgreSQL then serialises on the row lock, SQLite on its write lock.
    """
    owner_name, other_name = (c.name for c in table.primary_key.columns)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(dialect.insert(table).values(
        {owner_name: owner, other_name: other, "state": "none", "version": 0}
    ).on_conflict_do_nothing())
    owner_col, other_col = table.primary_key.columns.values()
    row = (await conn.execute(select(table.c.state, table.c.version).where(
        owner_col == owner, other_col == other).with_for_update())).one()
    return row.state, row.version


class SqlGraphStore:
    def __init__(self, router: ShardRouter, signal: OutboxSignal) -> None:
        self._router = router
        self._signal = signal

    async def follow_state(self, account_id: int, target_id: int) -> FollowState:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            state, _ = await _edge(conn, follows, account_id, target_id)
        return state  # type: ignore[return-value]

    async def set_follow(self, account_id: int, target_id: int, state: FollowState,
                         version: int, *, expect: Iterable[FollowState] | None = None) -> bool:
        shard = ids.shard_of(account_id)
        async with self._router.write(shard) as conn:
            old, old_version = await _locked_edge(conn, follows, account_id, target_id)
            if expect is not None and old not in set(expect):
                return False
            # Versions must grow per edge even when another machine's clock lags ours.
            await upsert(conn, follows, {"account_id": account_id, "target_id": target_id},
                         {"state": state, "version": max(version, old_version + 1)})
            await _bump(conn, account_id, "following_count", old, state)
            await add_event(conn, shard, payload("follow_changed", account_id=account_id,
                                                 target_id=target_id), self._signal)
        return True

    async def sync_follow(self, account_id: int, target_id: int) -> None:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            state, version = await _edge(conn, follows, account_id, target_id)
        await self._mirror(followers, target_id, account_id, state, version,
                           counter="followers_count")

    async def set_block(self, account_id: int, target_id: int, state: BlockState,
                        version: int) -> None:
        shard = ids.shard_of(account_id)
        async with self._router.write(shard) as conn:
            _, old_version = await _locked_edge(conn, blocks, account_id, target_id)
            await upsert(conn, blocks, {"account_id": account_id, "target_id": target_id},
                         {"state": state, "version": max(version, old_version + 1)})
            await add_event(conn, shard, payload("block_changed", account_id=account_id,
                                                 target_id=target_id), self._signal)

    async def sync_block(self, account_id: int, target_id: int) -> None:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            state, version = await _edge(conn, blocks, account_id, target_id)
        await self._mirror(blocked_by, target_id, account_id, state, version, counter=None)

    async def _mirror(self, table: Table, owner: int, other: int, state: str, version: int,
                      *, counter: str | None) -> None:
        if version == 0:
            return
        owner_name, other_name = (c.name for c in table.primary_key.columns)
        async with self._router.write(ids.shard_of(owner)) as conn:
            old, old_version = await _locked_edge(conn, table, owner, other)
            if old_version >= version:
                return  # a newer change already reached the mirror
            await upsert(conn, table, {owner_name: owner, other_name: other},
                         {"state": state, "version": version})
            if counter:
                await _bump(conn, owner, counter, old, state)

    async def relationships(self, account_id: int,
                            target_ids: Iterable[int]) -> dict[int, Relationship]:
        targets = list(set(target_ids))
        async with self._router.read(ids.shard_of(account_id)) as conn:
            rows = await RELATIONS.rows(conn, {"me": account_id, "ids": targets})
        return relationships_from(targets, rows)

    async def following(self, account_id: int, page: Page) -> list[Edge]:
        query = select(follows.c.target_id, follows.c.version).where(
            follows.c.account_id == account_id, follows.c.state == ACCEPTED)
        return await self._page(account_id, query, follows.c.version, page)

    async def followers(self, target_id: int, page: Page, *,
                        state: FollowState = "accepted") -> list[Edge]:
        query = select(followers.c.account_id, followers.c.version).where(
            followers.c.target_id == target_id, followers.c.state == state)
        return await self._page(target_id, query, followers.c.version, page)

    async def _page(self, owner: int, query: Any, column: Any, page: Page) -> list[Edge]:
        async with self._router.read(ids.shard_of(owner)) as conn:
            rows = await fetch_page(conn, query, column, page)
        return [Edge(account_id=row[0], cursor=row[1]) for row in rows]

    async def follower_ids(self, target_id: int) -> list[int]:
        async with self._router.read(ids.shard_of(target_id)) as conn:
            return list((await conn.execute(select(followers.c.account_id).where(
                followers.c.target_id == target_id, followers.c.state == ACCEPTED))).scalars())

    async def followee_ids(self, account_id: int) -> list[int]:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            return await _FOLLOWEES.scalars(conn, {"me": account_id})

    async def followed_among(self, account_id: int, target_ids: Iterable[int]) -> set[int]:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            return set(await _FOLLOWED_AMONG.scalars(conn, {"me": account_id,
                                                             "targets": list(target_ids)}))
