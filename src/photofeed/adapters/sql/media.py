"""MediaStore on the SQL shards: the record of an upload, as JSON in one row."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql import codec
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import media
from photofeed.domain.media import MediaAttachment


def _load(body_json: str, post_id: int | None) -> MediaAttachment:
    return replace(codec.media_from_dict(json.loads(body_json)), post_id=post_id)


class SqlMediaStore:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router

    async def add(self, item: MediaAttachment) -> None:
        async with self._router.write(ids.shard_of(item.id)) as conn:
            await conn.execute(insert(media).values(
                id=item.id, account_id=item.account_id, post_id=item.post_id,
                status=item.status, body_json=json.dumps(codec.media_to_dict(item)),
                created_at=item.created_at))

    async def get(self, media_id: int) -> MediaAttachment | None:
        return (await self.get_many([media_id])).get(media_id)

    async def get_many(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        groups = self._router.group_by_engine(set(media_ids), ids.shard_of)

        async def fetch(conn: AsyncConnection, index: int) -> list[MediaAttachment]:
            rows = await conn.execute(select(media.c.body_json, media.c.post_id).where(
                media.c.id.in_(groups[index])))
            return [_load(row.body_json, row.post_id) for row in rows]

        found = await self._router.gather_engines(groups, fetch)
        return {item.id: item for batch in found for item in batch}

    async def replace(self, item: MediaAttachment) -> None:
        async with self._router.write(ids.shard_of(item.id)) as conn:
            await conn.execute(update(media).where(media.c.id == item.id).values(
                status=item.status, post_id=item.post_id,
                body_json=json.dumps(codec.media_to_dict(item))))

    async def attach(self, media_ids: list[int], post_id: int) -> None:
        groups = self._router.group_by_engine(media_ids, ids.shard_of)
        for index, group in groups.items():
            async with self._router.write_engine(index) as conn:
                await conn.execute(update(media).where(media.c.id.in_(group))
                                   .values(post_id=post_id))

    async def unattached_before(self, moment: datetime, limit: int) -> list[MediaAttachment]:
        async def fetch(conn: AsyncConnection, _index: int) -> list[MediaAttachment]:
            rows = await conn.execute(select(media.c.body_json, media.c.post_id).where(
                media.c.post_id.is_(None), media.c.created_at < moment).limit(limit))
            return [_load(row.body_json, row.post_id) for row in rows]

        found = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        return [item for batch in found for item in batch][:limit]
