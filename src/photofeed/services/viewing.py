"""Applies the privacy policy to posts in batches: every read path goes through here."""

from __future__ import annotations

from typing import TypeVar

from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.domain.graph import Relationship
from photofeed.domain.posts import Post, PostView
from photofeed.domain.visibility import can_see_profile_content, can_view_post
from photofeed.ports.accounts import AccountStore
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore
from photofeed.services import overlap


class Viewing:
    def __init__(self, *, posts: PostStore, accounts: AccountStore, graph: GraphStore,
                 overlap_reads: bool = True) -> None:
        self._posts = posts
        self._overlap = overlap_reads
        self._accounts = accounts
        self._graph = graph

    async def post(self, viewer_id: int | None, post_id: int) -> PostView | None:
        """One post if it exists and the viewer may see it."""
        post = await self._posts.get(post_id)
        if post is None:
            return None
        visible = await self.filter(viewer_id, [post])
        return visible[0] if visible else None

    async def filter(self, viewer_id: int | None, posts: list[Post], *,
                     followed_only: bool = False) -> list[PostView]:
        """The posts the viewer may see, in the given order, with authors and likes.

        A comment is visible only if its thread's post is too. Costs one query per
        database for each of: thread roots, authors, relationships and likes.
        `followed_only` keeps only the viewer's own posts and those of accounts the viewer
        follows (a home feed).
        """
        roots = await self._roots(posts)
        wanted = {p.account_id for p in posts} | {r.account_id for r in roots.values()}
        # Authors, relationships and likes do not depend on each other: one wait, not three.
        # Likes are asked for every post; only those of the visible ones are used.
        no_accounts: dict[int, Account] = {}
        no_relationships: dict[int, Relationship] = {}
        by_id, relationships, liked = await overlap.gather(
            self._overlap,
            self._accounts.get_many(wanted) if wanted else _ready(no_accounts),
            self._graph.relationships(viewer_id, wanted) if viewer_id and wanted
            else _ready(no_relationships),
            self._posts.favourited(viewer_id, [p.id for p in posts]) if viewer_id and posts
            else _ready(set[int]()))

        def allowed(post: Post) -> bool:
            author = by_id.get(post.account_id)
            return author is not None and can_view_post(
                viewer_id, post, author, relationships.get(post.account_id))

        def followed(post: Post) -> bool:
            relationship = relationships.get(post.account_id)
            return post.account_id == viewer_id or (relationship is not None
                                                    and relationship.following)

        kept = [p for p in posts if allowed(p)
                and (p.root_id == p.id or (p.root_id in roots and allowed(roots[p.root_id])))
                and (not followed_only or followed(p))]
        return [PostView(post=p, author=by_id[p.account_id], favourited=p.id in liked)
                for p in kept]

    async def _roots(self, posts: list[Post]) -> dict[int, Post]:
        present = {p.id: p for p in posts}
        missing = {p.root_id for p in posts if p.root_id not in present}
        found = await self._posts.get_many(missing) if missing else {}
        return present | found

    async def profile_open(self, viewer_id: int | None, account_id: int) -> bool:
        """Whether the viewer may see an account's posts as a whole; NotFound if no account.

        When not (a block, or a locked account one does not follow), single posts, say
        ones naming the viewer, may still show; the caller then pages by those alone, so
        the IDs and times of the hidden ones do not leak through paging cursors.
        """
        account = await self._accounts.get(account_id)
        if account is None:
            raise NotFound("Record not found")
        relationship = (await self._graph.relationships(viewer_id, [account_id]))[account_id] \
            if viewer_id else None
        return can_see_profile_content(viewer_id, account, relationship)


T = TypeVar("T")


async def _ready(value: T) -> T:
    """An awaitable for a value already at hand, so gather() can take it with the rest."""
    return value
