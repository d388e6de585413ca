"""FeedPageStore on the SQL shards: everything a feed page shows, one statement per database.

A page's posts, the viewer's likes of them (kept beside the posts), their authors and the
viewer's relations to the authors (kept on the viewer's database) were four reads, each on
every database holding some of them. On databases across a network each is a round trip
with its own cost in the client, so they are sent as one UNION ALL per database. Every
branch fills one row layout:

    kind | post columns | liked | account columns | other account | relation state

with NULL in the columns that are not its own, and `kind` saying which part it fills:
"post", "account", or the relation kinds of graph.relation_selects. The NULLs are cast to
their columns' types, as PostgreSQL infers a UNION column's type from its first branches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    bindparam,
    cast,
    exists,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.types import BigInteger, Boolean, NullType, String

from photofeed import ids
from photofeed.adapters.sql.accounts import ACCOUNT_ROWS
from photofeed.adapters.sql.graph import relation_selects, relationships_from
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.posts import POST_ROWS
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.schema import accounts, favourites, posts
from photofeed.domain.accounts import Account
from photofeed.domain.posts import Post
from photofeed.ports.feed_pages import PageRows

_POST_WIDTH = len(POST_ROWS.columns)
_ACCOUNT_WIDTH = len(ACCOUNT_ROWS.columns)
_POSTS_AT = slice(1, 1 + _POST_WIDTH)
_LIKED_AT = 1 + _POST_WIDTH
_ACCOUNTS_AT = slice(_LIKED_AT + 1, _LIKED_AT + 1 + _ACCOUNT_WIDTH)


def _none(column_type: Any, name: str) -> ColumnElement[Any]:
    """A typed NULL whose value reaches the caller as the driver gives it."""
    return type_coerce(cast(null(), column_type), NullType()).label(name)


def _columns_of(table_columns: Sequence[Column[Any]], decoded: Sequence[ColumnElement[Any]],
                prefix: str, filled: bool) -> list[ColumnElement[Any]]:
    if filled:
        return [column.label(f"{prefix}{c.name}") for c, column in zip(table_columns, decoded,
                                                                        strict=True)]
    return [_none(c.type, f"{prefix}{c.name}") for c in table_columns]


_POST_COLUMNS = [posts.c[c.name] for c in POST_ROWS.columns]
_ACCOUNT_COLUMNS = [accounts.c[c.name] for c in ACCOUNT_ROWS.columns]


def _layout(kind: ColumnElement[Any], *, post: bool = False,
            liked: ColumnElement[Any] | None = None, account: bool = False,
            other: ColumnElement[Any] | None = None,
            state: ColumnElement[Any] | None = None) -> list[ColumnElement[Any]]:
    return [kind.label("kind"),
            *_columns_of(_POST_COLUMNS, POST_ROWS.columns, "p_", post),
            liked.label("liked") if liked is not None else _none(Boolean(), "liked"),
            *_columns_of(_ACCOUNT_COLUMNS, ACCOUNT_ROWS.columns, "a_", account),
            other.label("other") if other is not None else _none(BigInteger(), "other"),
            state.label("state") if state is not None else _none(String(), "state")]


_LIKED = exists().where(favourites.c.post_id == posts.c.id,
                        favourites.c.account_id == bindparam("reader"))
_PAGE = Prepared(union_all(
    select(*_layout(literal("post"), post=True, liked=_LIKED)).where(
        in_ids(posts.c.id, "post_ids")),
    select(*_layout(literal("account"), account=True)).where(
        in_ids(accounts.c.id, "author_ids")),
    *relation_selects(lambda kind, other, state: _layout(kind, other=other, state=state))))


class SqlFeedPages:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router

    async def read(self, viewer_id: int, post_ids: Iterable[int],
                   author_ids: Iterable[int]) -> PageRows:
        router = self._router
        post_groups = router.group_by_engine(set(post_ids), ids.shard_of)
        authors = set(author_ids)
        author_groups = router.group_by_engine(authors, ids.shard_of)
        viewers = router.engine_index(ids.shard_of(viewer_id))
        # The viewer's database answers for the relations even when it holds none of the
        # posts or authors.
        wanted = {*post_groups, *author_groups, viewers}

        async def fetch(conn: Reads, index: int) -> Sequence[Any]:
            return await _PAGE.rows(conn, {
                "post_ids": post_groups.get(index, []), "reader": viewer_id,
                "author_ids": author_groups.get(index, []), "me": viewer_id,
                "ids": list(authors) if index == viewers else []})

        found: dict[int, Post] = {}
        liked: set[int] = set()
        by_id: dict[int, Account] = {}
        relations = []
        for rows in await router.gather_engines(wanted, fetch):
            for row in rows:
                kind = row[0]
                if kind == "post":
                    # Sliced off the like: one post, liked or not, is decoded once for all.
                    post = POST_ROWS.decode(row[_POSTS_AT])
                    found[post.id] = post
                    if row[_LIKED_AT]:
                        liked.add(post.id)
                elif kind == "account":
                    account = ACCOUNT_ROWS.decode(row[_ACCOUNTS_AT])
                    by_id[account.id] = account
                else:
                    relations.append((kind, row[-2], row[-1]))
        return PageRows(posts=found, liked=liked, authors=by_id,
                        relationships=relationships_from(authors, relations))
