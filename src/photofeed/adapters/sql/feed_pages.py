"""FeedPageStore on the SQL shards: everything a feed page shows, one round trip per database.

A page's posts, the viewer's likes of them (kept beside the posts), their authors and the
viewer's relations to the authors (kept on the viewer's database) are three reads on each
database holding some of them. Where a statement is a network round trip, with its own
cost in the client too, they are sent as one UNION ALL per database, every branch filling
one row layout:

    kind | row ID | row version | liked | other account | relation state

with NULL in the columns that are not its own, and `kind` saying which part it fills:
"post", "account", or the relation kinds of graph.relation_selects. The NULLs are cast to
their columns' types, as PostgreSQL infers a UNION column's type from its first branches.
Posts and authors come as their IDs and versions: those the process holds at that version
are taken from memory (row_versions.py), and the others are read in full by a second
statement on that database, in the layout `kind | post columns | account columns | version`.
SQLite's inline reads cost no round trip, and there the wide rows cost more than the
statements they save; each part runs on its own, in its own narrow layout, in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
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
from photofeed.adapters.sql.accounts import ACCOUNT_CACHE_SIZE, ACCOUNT_ROWS
from photofeed.adapters.sql.driver_reads import InlineReads
from photofeed.adapters.sql.graph import RELATIONS, relation_selects, relationships_from
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.posts import POST_CACHE_SIZE, POST_ROWS
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.row_versions import HeldRows, row_version
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


def _versions(kind: ColumnElement[Any], *, table: Table | None = None,
              liked: bool = False, other: ColumnElement[Any] | None = None,
              state: ColumnElement[Any] | None = None) -> list[ColumnElement[Any]]:
    """The page statement's row layout, with this branch's own columns filled."""
    return [kind.label("kind"),
            table.c.id.label("id") if table is not None else _none(BigInteger(), "id"),
            row_version(table).label("version") if table is not None
            else _none(BigInteger(), "version"),
            _LIKED.label("liked") if liked else _none(Boolean(), "liked"),
            other.label("other") if other is not None else _none(BigInteger(), "other"),
            state.label("state") if state is not None else _none(String(), "state")]


def _rows(kind: ColumnElement[Any], table: Table) -> list[ColumnElement[Any]]:
    """The layout of the rows read in full, with this branch's own columns filled."""
    post, account = table is posts, table is accounts
    return [kind.label("kind"),
            *([c.label(f"p_{c.name}") for c in POST_ROWS.columns] if post else
              [_none(c.type, f"p_{c.name}") for c in _POST_COLUMNS]),
            *([c.label(f"a_{c.name}") for c in ACCOUNT_ROWS.columns] if account else
              [_none(c.type, f"a_{c.name}") for c in _ACCOUNT_COLUMNS]),
            row_version(table).label("version")]


_PAGE = Prepared(union_all(
    _posts_part(*_versions(literal("post"), table=posts, liked=True)),
    _accounts_part(*_versions(literal("account"), table=accounts)),
    *relation_selects(lambda kind, other, state: _versions(kind, other=other, state=state))))
_ROWS = Prepared(union_all(_posts_part(*_rows(literal("post"), posts)),
                           _accounts_part(*_rows(literal("account"), accounts))))
_ROW_POST = slice(1, 1 + len(POST_ROWS.columns))
_ROW_ACCOUNT = slice(_ROW_POST.stop, _ROW_POST.stop + len(ACCOUNT_ROWS.columns))

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

    def __init__(self, held_posts: HeldRows[Post], held_authors: HeldRows[Account]) -> None:
        self.posts: dict[int, Post] = {}
        self.liked: set[int] = set()
        self.authors: dict[int, Account] = {}
        self.relations: list[tuple[str, int, str]] = []
        self._held_posts = held_posts
        self._held_authors = held_authors

    def add(self, rows: Sequence[Any]) -> None:
        """Rows in full, in the narrow layouts."""
        for row in rows:
            kind = row[0]
            if kind == "post":
                # Sliced off the like: one post, liked or not, is decoded once for all.
                post = POST_ROWS.decode(row[_POST])
                self.posts[post.id] = post
                if row[_LIKED_AT]:
                    self.liked.add(post.id)
            elif kind == "account":
                account = ACCOUNT_ROWS.decode(row[_NARROW_ACCOUNT])
                self.authors[account.id] = account
            else:
                self.relations.append((kind, row[-2], row[-1]))

    def add_versions(self, rows: Sequence[Any], database: int) -> tuple[list[int], list[int]]:
        """Rows of the page statement; gives the posts and authors to read in full."""
        missing_posts, missing_authors = [], []
        for kind, row_id, version, liked, other, state in rows:
            if kind == "post":
                post = self._held_posts.get(database, row_id, version)
                if post is None:
                    missing_posts.append(row_id)
                else:
                    self.posts[row_id] = post
                if liked:
                    self.liked.add(row_id)
            elif kind == "account":
                account = self._held_authors.get(database, row_id, version)
                if account is None:
                    missing_authors.append(row_id)
                else:
                    self.authors[row_id] = account
            else:
                self.relations.append((kind, other, state))
        return missing_posts, missing_authors

    def add_rows(self, rows: Sequence[Any], database: int) -> None:
        """Posts and authors read in full, kept by the version they came with."""
        for row in rows:
            if row[0] == "post":
                post = POST_ROWS.build(row[_ROW_POST])
                self._held_posts.put(database, post.id, row[-1], post)
                self.posts[post.id] = post
            else:
                account = ACCOUNT_ROWS.build(row[_ROW_ACCOUNT])
                self._held_authors.put(database, account.id, row[-1], account)
                self.authors[account.id] = account


class SqlFeedPages:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router
        # As many as the decoded-row caches hold, which the page reads here instead.
        self._held_posts: HeldRows[Post] = HeldRows(POST_CACHE_SIZE)
        self._held_authors: HeldRows[Account] = HeldRows(ACCOUNT_CACHE_SIZE)

    async def read(self, viewer_id: int, post_ids: Iterable[int],
                   author_ids: Iterable[int]) -> PageRows:
        router = self._router
        post_groups = router.group_by_engine(set(post_ids), ids.shard_of)
        authors = set(author_ids)
        author_groups = router.group_by_engine(authors, ids.shard_of)
        viewers = router.engine_index(ids.shard_of(viewer_id))
        page = _Page(self._held_posts, self._held_authors)

        async def fetch(conn: Reads, index: int) -> None:
            values = {"post_ids": post_groups.get(index, []), "reader": viewer_id,
                      "author_ids": author_groups.get(index, []), "me": viewer_id,
                      "ids": list(authors) if index == viewers else []}
            if not isinstance(conn, InlineReads):
                missing_posts, missing_authors = page.add_versions(
                    await _PAGE.rows(conn, values), index)
                if missing_posts or missing_authors:
                    page.add_rows(await _ROWS.rows(conn, {"post_ids": missing_posts,
                                                          "author_ids": missing_authors}), index)
                return
            if values["post_ids"]:
                page.add(await _POSTS.rows(conn, values))
            if values["author_ids"]:
                page.add(await _ACCOUNTS.rows(conn, values))
            if values["ids"]:
                page.add(await RELATIONS.rows(conn, values))

        # The viewer's database answers for the relations even when it holds none of the
        # posts or authors.
        await router.gather_engines({*post_groups, *author_groups, viewers}, fetch)
        return PageRows(posts=page.posts, liked=page.liked, authors=page.authors,
                        relationships=relationships_from(authors, page.relations))
