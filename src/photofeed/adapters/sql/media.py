"""MediaStore on the SQL shards: the record of an upload, as JSON in one row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql import codec
from photofeed.adapters.sql.outbox import OutboxSignal, add_event
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.schema import media, media_blobs, upload_days
from photofeed.domain.events import payload
from photofeed.domain.media import MediaAttachment


def _stored_bytes(item: MediaAttachment) -> int:
    return sum(variant.size for variant in item.variants.values())


def _load(body_json: str, post_id: int | None) -> MediaAttachment:
    return replace(codec.media_from_dict(json.loads(body_json)), post_id=post_id)


async def _set_blobs(conn: AsyncConnection, item: MediaAttachment) -> None:
    await conn.execute(delete(media_blobs).where(media_blobs.c.media_id == item.id))
    keys = {variant.key for variant in item.variants.values()}
    if keys:
        await conn.execute(insert(media_blobs), [
            {"media_id": item.id, "key": key, "account_id": item.account_id} for key in keys])


class _AlreadyUsed(Exception):
    """Rolls back a claim that found an upload already posted."""


class SqlMediaStore:
    def __init__(self, router: ShardRouter, signal: OutboxSignal | None = None) -> None:
        self._router = router
        self._signal = signal

    async def add(self, item: MediaAttachment, *,
                  announce_in: timedelta | None = None) -> None:
        shard = ids.shard_of(item.id)
        async with self._router.write(shard) as conn:
            await conn.execute(insert(media).values(
                id=item.id, account_id=item.account_id, post_id=item.post_id,
                status=item.status, body_json=json.dumps(codec.media_to_dict(item)),
                created_at=item.created_at, stored_bytes=_stored_bytes(item)))
            await _set_blobs(conn, item)
            if announce_in is not None:
                await add_event(conn, shard, payload("media_uploaded", media_id=item.id),
                                self._signal, due_in=announce_in)

    async def get(self, media_id: int) -> MediaAttachment | None:
        return (await self.get_many([media_id])).get(media_id)

    async def get_many(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        groups = self._router.group_by_engine(set(media_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> list[MediaAttachment]:
            rows = await conn.execute(select(media.c.body_json, media.c.post_id).where(
                media.c.id.in_(groups[index])))
            return [_load(row.body_json, row.post_id) for row in rows]

        found = await self._router.gather_engines(groups, fetch)
        return {item.id: item for batch in found for item in batch}

    async def replace(self, item: MediaAttachment) -> None:
        async with self._router.write(ids.shard_of(item.id)) as conn:
            await conn.execute(update(media).where(media.c.id == item.id).values(
                status=item.status, post_id=item.post_id,
                body_json=json.dumps(codec.media_to_dict(item)), stored_bytes=_stored_bytes(item)))
            await _set_blobs(conn, item)

    async def attach(self, media_ids: list[int], post_id: int) -> bool:
        async def take(conn: AsyncConnection, group: list[int]) -> None:
            # Only unused uploads are taken, so two racing posts cannot both get one.
            taken = await conn.execute(update(media).where(
                media.c.id.in_(group), media.c.post_id.is_(None)).values(post_id=post_id))
            if taken.rowcount != len(group):
                raise _AlreadyUsed

        try:
            await self._router.write_grouped(media_ids, ids.shard_of, take)
        except _AlreadyUsed:
            await self.detach(media_ids, post_id)
            return False
        return True

    async def detach(self, media_ids: list[int], post_id: int) -> None:
        async def release(conn: AsyncConnection, group: list[int]) -> None:
            await conn.execute(update(media).where(
                media.c.id.in_(group), media.c.post_id == post_id).values(post_id=None))

        await self._router.write_grouped(media_ids, ids.shard_of, release)

    async def unattached_before(self, moment: datetime, limit: int) -> list[MediaAttachment]:
        async def fetch(conn: Reads, _index: int) -> list[MediaAttachment]:
            rows = await conn.execute(select(media.c.body_json, media.c.post_id).where(
                media.c.post_id.is_(None), media.c.created_at < moment).limit(limit))
            return [_load(row.body_json, row.post_id) for row in rows]

        found = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        return _unique(item for batch in found for item in batch)[:limit]

    async def by_post(self, post_id: int) -> list[MediaAttachment]:
        async def fetch(conn: Reads, _index: int) -> list[MediaAttachment]:
            rows = await conn.execute(select(media.c.body_json, media.c.post_id).where(
                media.c.post_id == post_id))
            return [_load(row.body_json, row.post_id) for row in rows]

        found = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        return _unique(item for batch in found for item in batch)

    async def delete(self, media_id: int, *, unattached_before: datetime | None = None) -> bool:
        doomed = delete(media).where(media.c.id == media_id)
        if unattached_before is not None:
            # Checked in the statement itself, so a post attaching it meanwhile wins.
            doomed = doomed.where(media.c.post_id.is_(None),
                                  media.c.created_at < unattached_before)
        async with self._router.write(ids.shard_of(media_id)) as conn:
            gone = (await conn.execute(doomed)).rowcount
            if gone:
                await conn.execute(delete(media_blobs).where(media_blobs.c.media_id == media_id))
        return bool(gone)

    async def referencing(self, account_id: int, key: str) -> list[int]:
        async def fetch(conn: Reads, _index: int) -> list[int]:
            return list((await conn.execute(select(media_blobs.c.media_id).where(
                media_blobs.c.account_id == account_id, media_blobs.c.key == key))).scalars())

        found = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        return sorted({media_id for batch in found for media_id in batch})

    async def stored_bytes(self, account_id: int) -> int:
        async def total(conn: Reads, _index: int) -> int:
            return int((await conn.execute(select(func.coalesce(func.sum(
                media.c.stored_bytes), 0)).where(media.c.account_id == account_id))
                        ).scalar_one())

        return sum(await self._router.gather_engines(range(len(self._router.engines)), total))

    async def uploaded_on(self, account_id: int, day: date) -> int:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            return int((await conn.execute(select(upload_days.c.bytes).where(
                upload_days.c.account_id == account_id, upload_days.c.day == day))
                        ).scalar_one_or_none() or 0)

    async def count_upload(self, account_id: int, day: date, size: int) -> None:
        async with self._router.write(ids.shard_of(account_id)) as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(upload_days).values(account_id=account_id, day=day,
                                                           bytes=size)
            await conn.execute(statement.on_conflict_do_update(
                index_elements=["account_id", "day"],
                set_={"bytes": upload_days.c.bytes + size}))

    async def announce_audience_change(self, account_id: int) -> None:
        shard = ids.shard_of(account_id)
        async with self._router.write(shard) as conn:
            await add_event(conn, shard, payload("media_audience_changed",
                                                 account_id=account_id), self._signal)


def _unique(items: Iterable[MediaAttachment]) -> list[MediaAttachment]:
    """One of each: during a shard move, the old and new database both hold the moved rows."""
    return list({item.id: item for item in items}.values())
