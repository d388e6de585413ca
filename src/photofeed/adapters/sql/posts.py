"""PostStore on the SQL shards."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import TableValuedAlias

from photofeed import ids
from photofeed.adapters.sql import codec
from photofeed.adapters.sql.id_lists import IdList, in_ids
from photofeed.adapters.sql.outbox import OutboxSignal, add_event
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.queries import PagedQuery, fetch_page
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.row_decoding import RowDecoder
from photofeed.adapters.sql.schema import (
    FEED_WORTHY,
    account_posts,
    accounts,
    favourites,
    idempotency_keys,
    post_tags,
    posts,
)
from photofeed.domain.events import payload
from photofeed.domain.feed import FeedEntry, merge
from photofeed.domain.graph import Edge, Page
from photofeed.domain.posts import Post, ProfileFilter, subtree

# Posts decoded once per distinct row: a feed page reads the popular ones again and again.
POST_CACHE_SIZE = 16384
_FEED_WORTHY = select(account_posts.c.post_id, account_posts.c.account_id).where(FEED_WORTHY)
_AUTHORS_RECENT = PagedQuery(_FEED_WORTHY.where(in_ids(account_posts.c.account_id, "authors")),
                             account_posts.c.post_id)


def _newest_by_author(authors: TableValuedAlias,
                      collect: Callable[[ColumnElement[Any]], ColumnElement[Any]]) -> Prepared:
    """Per author asked for, one row with their newest feed-worthy post IDs: the lists a
    pulled feed keeps in memory (services/recent_posts.py), read for many authors at once.
    One row per author, not per post: a reader's first read may ask for a thousand."""
    newest = (select(account_posts.c.post_id)
              .where(FEED_WORTHY, account_posts.c.account_id == authors.c.value)
              .order_by(account_posts.c.post_id.desc()).limit(bindparam("per_author"))
              .correlate(authors).subquery())
    collected = select(collect(newest.c.post_id)).scalar_subquery()
    return Prepared(select(authors.c.value, type_coerce(collected, IdList())))


_AUTHORS = bindparam("authors", type_=IdList())
# The authors' list as rows, and each one's IDs collected into one value, in each dialect.
NEWEST_BY_AUTHOR = {
    "sqlite": _newest_by_author(func.json_each(_AUTHORS).table_valued("value"),
                                func.json_group_array),
    "postgresql": _newest_by_author(func.unnest(_AUTHORS).table_valued("value")
                                    .render_derived(), func.array_agg),
}
_FAVOURITED = Prepared(select(favourites.c.post_id).where(
    favourites.c.account_id == bindparam("account_id"),
    in_ids(favourites.c.post_id)))


def _post(row: Mapping[str, Any]) -> Post:
    return Post(
        id=row["id"], account_id=row["account_id"], title=row["title"], caption=row["caption"],
        visibility=row["visibility"], sensitive=row["sensitive"],
        spoiler_text=row["spoiler_text"], language=row["language"],
        in_reply_to_id=row["in_reply_to_id"],
        in_reply_to_account_id=row["in_reply_to_account_id"], root_id=row["root_id"],
        media=codec.media_list_from_json(row["media_json"]),
        mentions=codec.mentions_from_json(row["mentions_json"]),
        tags=tuple(orjson.loads(row["tags_json"])), created_at=row["created_at"],
        edited_at=row["edited_at"], favourites_count=row["favourites_count"],
        replies_count=row["replies_count"])


POST_ROWS = RowDecoder(posts, _post, cache_size=POST_CACHE_SIZE)
# Built once: building a statement costs more than running it from SQLite's page cache.
_BY_ID = Prepared(select(*POST_ROWS.columns).where(posts.c.id == bindparam("id")))
_BY_IDS = Prepared(select(*POST_ROWS.columns).where(in_ids(posts.c.id)))


def _row(post: Post) -> dict[str, Any]:
    return {
        "id": post.id, "account_id": post.account_id, "title": post.title,
        "caption": post.caption, "visibility": post.visibility, "sensitive": post.sensitive,
        "spoiler_text": post.spoiler_text, "language": post.language,
        "in_reply_to_id": post.in_reply_to_id,
        "in_reply_to_account_id": post.in_reply_to_account_id, "root_id": post.root_id,
        "media_json": codec.media_list_to_json(post.media),
        "mentions_json": codec.mentions_to_json(post.mentions),
        "tags_json": json.dumps(list(post.tags)), "created_at": post.created_at,
        "edited_at": post.edited_at, "favourites_count": 0, "replies_count": 0,
    }


async def _bump_replies(conn: AsyncConnection, post: Post, delta: int) -> None:
    if post.in_reply_to_id is not None:
        await conn.execute(update(posts).where(posts.c.id == post.in_reply_to_id)
                           .values(replies_count=posts.c.replies_count + delta))


class SqlPostStore:
    def __init__(self, router: ShardRouter, signal: OutboxSignal) -> None:
        self._router = router
        self._signal = signal

    async def add(self, post: Post) -> None:
        shard = ids.shard_of(post.id)
        async with self._router.write(shard) as conn:
            await conn.execute(insert(posts).values(**_row(post)))
            if post.tags:
                await conn.execute(insert(post_tags), [{"tag": t, "post_id": post.id}
                                                       for t in post.tags])
            await _bump_replies(conn, post, +1)
            await add_event(conn, shard, payload("post_created", post_id=post.id,
                                                 account_id=post.account_id), self._signal)

    async def index_for_author(self, post_id: int) -> None:
        post = await self.get(post_id)
        if post is None:
            return
        async with self._router.write(ids.shard_of(post.account_id)) as conn:
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(account_posts).values(
                        account_id=post.account_id, post_id=post.id, is_reply=post.is_reply,
                        has_media=bool(post.media), visibility=post.visibility))
            except IntegrityError:
                return  # indexed already; counters moved then
            await conn.execute(update(accounts).where(accounts.c.id == post.account_id).values(
                statuses_count=accounts.c.statuses_count + 1,
                last_status_at=func.coalesce(accounts.c.last_status_at, post.created_at)))
            await conn.execute(update(accounts).where(
                accounts.c.id == post.account_id, accounts.c.last_status_at < post.created_at
            ).values(last_status_at=post.created_at))

    async def get(self, post_id: int) -> Post | None:
        async with self._router.read(ids.shard_of(post_id)) as conn:
            rows = await _BY_ID.rows(conn, {"id": post_id})
        return POST_ROWS.decode(rows[0]) if rows else None

    async def get_many(self, post_ids: Iterable[int]) -> dict[int, Post]:
        groups = self._router.group_by_engine(set(post_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> list[Post]:
            rows = await _BY_IDS.rows(conn, {"ids": groups[index]})
            return [POST_ROWS.decode(row) for row in rows]

        found = await self._router.gather_engines(groups, fetch)
        return {post.id: post for batch in found for post in batch}

    async def delete(self, post: Post) -> list[Post]:
        shard = ids.shard_of(post.id)
        async with self._router.write(shard) as conn:
            # A comment goes with the replies under it, as a post goes with its thread.
            thread = [POST_ROWS.decode(row) for row in await conn.execute(
                select(*POST_ROWS.columns).where(posts.c.root_id == post.root_id)
                .order_by(posts.c.id))]
            doomed = subtree(post.id, thread)
            doomed_ids = [p.id for p in doomed]
            for table, column in ((posts, posts.c.id), (post_tags, post_tags.c.post_id),
                                  (favourites, favourites.c.post_id)):
                await conn.execute(delete(table).where(column.in_(doomed_ids)))
            if post.root_id != post.id and doomed:
                await _bump_replies(conn, post, -1)
            for gone in doomed:
                await add_event(conn, shard, payload("post_deleted", post_id=gone.id,
                                                     account_id=gone.account_id), self._signal)
        return doomed

    async def unindex_for_author(self, account_id: int, post_id: int) -> None:
        async with self._router.write(ids.shard_of(account_id)) as conn:
            removed = await conn.execute(delete(account_posts).where(
                account_posts.c.account_id == account_id, account_posts.c.post_id == post_id))
            if removed.rowcount:
                await conn.execute(update(accounts).where(accounts.c.id == account_id).values(
                    statuses_count=accounts.c.statuses_count - 1))

    async def set_favourite(self, post_id: int, account_id: int, on: bool,
                            cursor: int) -> None:
        async with self._router.write(ids.shard_of(post_id)) as conn:
            if on:
                try:
                    async with conn.begin_nested():
                        await conn.execute(insert(favourites).values(
                            post_id=post_id, account_id=account_id, cursor=cursor))
                except IntegrityError:
                    return
                delta = 1
            else:
                result = await conn.execute(delete(favourites).where(
                    favourites.c.post_id == post_id, favourites.c.account_id == account_id))
                if not result.rowcount:
                    return
                delta = -1
            await conn.execute(update(posts).where(posts.c.id == post_id).values(
                favourites_count=posts.c.favourites_count + delta))

    async def favourited_by(self, post_id: int, page: Page) -> list[Edge]:
        query = select(favourites.c.account_id, favourites.c.cursor).where(
            favourites.c.post_id == post_id)
        async with self._router.read(ids.shard_of(post_id)) as conn:
            rows = await fetch_page(conn, query, favourites.c.cursor, page)
        return [Edge(account_id=r[0], cursor=r[1]) for r in rows]

    async def favourited(self, account_id: int, post_ids: Iterable[int]) -> set[int]:
        groups = self._router.group_by_engine(set(post_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> list[int]:
            return await _FAVOURITED.scalars(conn, {"account_id": account_id,
                                                    "ids": groups[index]})

        return {pid for batch in await self._router.gather_engines(groups, fetch)
                for pid in batch}

    async def thread(self, root_id: int) -> list[Post]:
        async with self._router.read(ids.shard_of(root_id)) as conn:
            rows = await conn.execute(select(*POST_ROWS.columns)
                                      .where(posts.c.root_id == root_id).order_by(posts.c.id))
            return [POST_ROWS.decode(row) for row in rows]

    async def by_author(self, account_id: int, only: ProfileFilter, page: Page) -> list[int]:
        query = select(account_posts.c.post_id).where(account_posts.c.account_id == account_id)
        if only.only_media:
            query = query.where(account_posts.c.has_media.is_(True))
        if only.exclude_replies:
            query = query.where(account_posts.c.is_reply.is_(False))
        if only.pinned:
            query = query.where(account_posts.c.pinned.is_(True))
        async with self._router.read(ids.shard_of(account_id)) as conn:
            rows = await fetch_page(conn, query, account_posts.c.post_id, page)
        return [row[0] for row in rows]

    async def recent_by_authors(self, author_ids: Iterable[int], page: Page) -> list[FeedEntry]:
        groups = self._router.group_by_engine(set(author_ids), ids.shard_of)
        return await self._recent(_AUTHORS_RECENT, page, {
            index: {"authors": authors} for index, authors in groups.items()})

    async def newest_by_author(self, author_ids: Iterable[int],
                               per_author: int) -> dict[int, tuple[int, ...]]:
        groups = self._router.group_by_engine(set(author_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> Sequence[Any]:
            return await NEWEST_BY_AUTHOR[conn.dialect.name].rows(
                conn, {"authors": groups[index], "per_author": per_author})

        # Neither aggregate promises the order of what it collects.
        return {author: tuple(sorted(post_ids, reverse=True))
                for rows in await self._router.gather_engines(groups, fetch)
                for author, post_ids in rows}

    async def _recent(self, query: PagedQuery, page: Page,
                      values: Mapping[int, dict[str, Any]]) -> list[FeedEntry]:
        """A page of the query on each database it has values for, merged."""
        async def fetch(conn: Reads, index: int) -> list[FeedEntry]:
            rows = await query.fetch(conn, page, **values[index])
            return [FeedEntry(post_id=r[0], author_id=r[1]) for r in rows]

        batches = await self._router.gather_engines(values, fetch)
        return merge(batches, limit=page.limit, oldest_side=page.min_id is not None)

    async def public_recent(self, page: Page, *, tag: str | None = None) -> list[int]:
        async def fetch(conn: Reads, _index: int) -> list[FeedEntry]:
            query = select(posts.c.id, posts.c.account_id).where(
                posts.c.visibility == "public", posts.c.in_reply_to_id.is_(None))
            if tag is not None:
                query = query.join(post_tags, post_tags.c.post_id == posts.c.id).where(
                    post_tags.c.tag == tag)
            rows = await fetch_page(conn, query, posts.c.id, page)
            return [FeedEntry(post_id=r[0], author_id=r[1]) for r in rows]

        batches = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        merged = merge(batches, limit=page.limit, oldest_side=page.min_id is not None)
        return [e.post_id for e in merged]

    async def claim_idempotency(self, account_id: int, key: str, post_id: int) -> int | None:
        try:
            async with self._router.write(ids.shard_of(account_id)) as conn:
                await conn.execute(insert(idempotency_keys).values(
                    account_id=account_id, key=key, post_id=post_id, created_at=datetime.now(UTC)))
            return None
        except IntegrityError:
            async with self._router.read(ids.shard_of(account_id)) as conn:
                return (await conn.execute(select(idempotency_keys.c.post_id).where(
                    idempotency_keys.c.account_id == account_id,
                    idempotency_keys.c.key == key))).scalar()

    async def release_idempotency(self, account_id: int, key: str) -> None:
        async with self._router.write(ids.shard_of(account_id)) as conn:
            await conn.execute(delete(idempotency_keys).where(
                idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key))
