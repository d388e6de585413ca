"""Applies the privacy policy to posts in batches: every read path goes through here."""

from __future__ import annotations

from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.domain.posts import Post, PostView
from photofeed.domain.visibility import can_view_post
from photofeed.ports.accounts import AccountStore
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore


class Viewing:
    def __init__(self, *, posts: PostStore, accounts: AccountStore, graph: GraphStore) -> None:
        self._posts = posts
        self._accounts = accounts
        self._graph = graph

    async def post(self, viewer_id: int | None, post_id: int) -> PostView | None:
        """One post if it exists and the viewer may see it."""
        post = await self._posts.get(post_id)
        if post is None:
            return None
        visible = await self.filter(viewer_id, [post])
        return visible[0] if visible else None

    async def filter(self, viewer_id: int | None, posts: list[Post]) -> list[PostView]:
        """The posts the viewer may see, in the given order, with authors and likes.

        A comment is visible only if its thread's post is too. Costs one query per
        database for each of: thread roots, authors, relationships and likes.
        """
        roots = await self._roots(posts)
        authors = await self._accounts.get_many(
            {p.account_id for p in posts} | {r.account_id for r in roots.values()})
        relationships = await self._graph.relationships(viewer_id, authors) if viewer_id \
            else {}

        def allowed(post: Post) -> bool:
            author = authors.get(post.account_id)
            return author is not None and can_view_post(
                viewer_id, post, author, relationships.get(post.account_id))

        kept = [p for p in posts if allowed(p)
                and (p.root_id == p.id or (p.root_id in roots and allowed(roots[p.root_id])))]
        liked = await self._posts.favourited(viewer_id, [p.id for p in kept]) if viewer_id \
            else set()
        return [PostView(post=p, author=authors[p.account_id], favourited=p.id in liked)
                for p in kept]

    async def _roots(self, posts: list[Post]) -> dict[int, Post]:
        present = {p.id: p for p in posts}
        missing = {p.root_id for p in posts if p.root_id not in present}
        found = await self._posts.get_many(missing) if missing else {}
        return present | found

    async def check_profile(self, viewer_id: int | None, account_id: int) -> Account:
        """The account whose posts are asked for; its posts are then filtered one by one."""
        account = await self._accounts.get(account_id)
        if account is None:
            raise NotFound("Record not found")
        return account
