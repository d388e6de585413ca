"""FeedPageStore on the SQL shards: everything a feed page shows, one round trip per database.

A page's posts, the viewer's likes of them (kept beside the posts), their authors and the
viewer's relations to the authors (kept on the viewer's database) are three reads on each
database holding some of them. Where a statement is a network round trip, with its own
cost in the client too, they are sent as one UNION ALL per database, every branch filling
one row layout:

    kind | post columns | liked | account columns | other account | relation state

with NULL in the columns that are not its own, and `kind` saying which part it fills:
"post", "account", or the relation kinds of graph.relation_selects. The NULLs are cast to
their columns' types, as PostgreSQL infers a UNION column's type from its first branches.
SQLite's inline reads cost no round trip, and there the wide rows cost more than the
statements they save; each part runs on its own, in its own narrow layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
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
from photofeed.adapters.sql.driver_reads import InlineReads
from photofeed.adapters.sql.graph import RELATIONS, relation_selects, relationships_from
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.posts import POST_ROWS
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.schema import accounts, favourites, posts
from photofeed.domain.accounts import Account
from photofeed.domain.posts import Post
from photofeed.ports.feed_pages import PageRows

_LIKED = exists().where(favourites.c.post_id == posts.c.id,
                        favourites.c.account_id == bindparam("reader"))
_POST_COLUMNS = [posts.c[c.name] for c in POST_ROWS.columns]
_ACCOUNT_COLUMNS = [accounts.c[c.name] for c in ACCOUNT_ROWS.columns]


def _posts_part(*columns: ColumnElement[Any]) -> Select[Any]:
    return select(*columns).where(in_ids(posts.c.id, "post_ids"))


def _accounts_part(*columns: ColumnElement[Any]) -> Select[Any]:
    return select(*columns).where(in_ids(accounts.c.id, "author_ids"))


def _none(column_type: Any, name: str) -> ColumnElement[Any]:
    """A typed NULL whose value reaches the caller as the driver gives it."""
    return type_coerce(cast(null(), column_type), NullType()).label(name)


def _wide(kind: ColumnElement[Any], *, post: bool = False, account: bool = False,
          other: ColumnElement[Any] | None = None,
          state: ColumnElement[Any] | None = None) -> list[ColumnElement[Any]]:
    """The union's row layout, with this branch's own columns filled."""
    post_columns = [c.label(f"p_{c.name}") for c in POST_ROWS.columns] if post else \
        [_none(c.type, f"p_{c.name}") for c in _POST_COLUMNS]
    account_columns = [c.label(f"a_{c.name}") for c in ACCOUNT_ROWS.columns] if account \
        else [_none(c.type, f"a_{c.name}") for c in _ACCOUNT_COLUMNS]
    return [kind.label("kind"), *post_columns,
            _LIKED.label("liked") if post else _none(Boolean(), "liked"),
            *account_columns,
            other.label("other") if other is not None else _none(BigInteger(), "other"),
            state.label("state") if state is not None else _none(String(), "state")]


_PAGE = Prepared(union_all(
    _posts_part(*_wide(literal("post"), post=True)),
    _accounts_part(*_wide(literal("account"), account=True)),
    *relation_selects(lambda kind, other, state: _wide(kind, other=other, state=state))))
_WIDE_ACCOUNT = slice(2 + len(POST_ROWS.columns), 2 + len(POST_ROWS.columns)
                      + len(ACCOUNT_ROWS.columns))

# The parts on their own, in narrow layouts: posts as in the union, accounts right after
# the kind, relations as graph.RELATIONS gives them, (kind, other, state).
_POSTS = Prepared(_posts_part(literal("post").label("kind"), *POST_ROWS.columns,
                              _LIKED.label("liked")))
_ACCOUNTS = Prepared(_accounts_part(literal("account").label("kind"), *ACCOUNT_ROWS.columns))
_NARROW_ACCOUNT = slice(1, 1 + len(ACCOUNT_ROWS.columns))
_POST = slice(1, 1 + len(POST_ROWS.columns))
_LIKED_AT = 1 + len(POST_ROWS.columns)


class _Page:
    """What the rows of a page's reads say, gathered."""

    def __init__(self) -> None:
        self.posts: dict[int, Post] = {}
        self.liked: set[int] = set()
        self.authors: dict[int, Account] = {}
        self.relations: list[tuple[str, int, str]] = []

    def add(self, rows: Sequence[Any], account_at: slice) -> None:
        for row in rows:
            kind = row[0]
            if kind == "post":
                # Sliced off the like: one post, liked or not, is decoded once for all.
                post = POST_ROWS.decode(row[_POST])
                self.posts[post.id] = post
                if row[_LIKED_AT]:
                    self.liked.add(post.id)
            elif kind == "account":
                account = ACCOUNT_ROWS.decode(row[account_at])
                self.authors[account.id] = account
            else:
                self.relations.append((kind, row[-2], row[-1]))


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
        page = _Page()

        async def fetch(conn: Reads, index: int) -> None:
            values = {"post_ids": post_groups.get(index, []), "reader": viewer_id,
                      "author_ids": author_groups.get(index, []), "me": viewer_id,
                      "ids": list(authors) if index == viewers else []}
            if not isinstance(conn, InlineReads):
                page.add(await _PAGE.rows(conn, values), _WIDE_ACCOUNT)
                return
            if values["post_ids"]:
                page.add(await _POSTS.rows(conn, values), _NARROW_ACCOUNT)
            if values["author_ids"]:
                page.add(await _ACCOUNTS.rows(conn, values), _NARROW_ACCOUNT)
            if values["ids"]:
                page.add(await RELATIONS.rows(conn, values), _NARROW_ACCOUNT)

        # The viewer's database answers for the relations even when it holds none of the
        # posts or authors.
        await router.gather_engines({*post_groups, *author_groups, viewers}, fetch)
        return PageRows(posts=page.posts, liked=page.liked, authors=page.authors,
                        relationships=relationships_from(authors, page.relations))
