"""Applies the privacy policy to posts in batches: every read path goes through here."""

from __future__ import annotations

from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.domain.feed import FeedEntry
from photofeed.domain.graph import Relationship
from photofeed.domain.posts import Post, PostView
from photofeed.domain.visibility import can_see_profile_content, can_view_post
from photofeed.ports.accounts import AccountStore
from photofeed.ports.feed_pages import FeedPageStore
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore
from photofeed.services import overlap


class Viewing:
    def __init__(self, *, posts: PostStore, accounts: AccountStore, graph: GraphStore,
                 pages: FeedPageStore, overlap_reads: bool = True) -> None:
        self._posts = posts
        self._pages = pages
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
        by_id, relationships, liked = await overlap.gather(
            self._overlap, self._authors(wanted), self._relationships(viewer_id, wanted),
            self._liked(viewer_id, [p.id for p in posts]))
        return _visible(viewer_id, posts, roots, by_id, relationships, liked,
                        followed_only=followed_only)

    async def feed_page(self, viewer_id: int, entries: list[FeedEntry]) -> list[PostView]:
        """`filter(followed_only=True)` of a feed page's posts, read in one wait.

        A feed entry names its post's author, so the authors and the viewer's relationships
        to them are read together with the posts and the viewer's likes (FeedPageStore)
        rather than after them: on databases across a network, one round trip per database
        instead of four reads in two waits. Feeds hold no comments; should a post turn out
        to need what was not read (a thread's root, an author other than its entry's), the
        page is filtered the ordinary way.
        """
        post_ids = [e.post_id for e in entries]
        authors = {e.author_id for e in entries}
        rows = await self._pages.read(viewer_id, post_ids, authors)
        posts = [rows.posts[i] for i in post_ids if i in rows.posts]
        if any(p.root_id != p.id or p.account_id not in authors for p in posts):
            return await self.filter(viewer_id, posts, followed_only=True)
        return _visible(viewer_id, posts, {p.id: p for p in posts}, rows.authors,
                        rows.relationships, rows.liked, followed_only=True)

    async def _authors(self, account_ids: set[int]) -> dict[int, Account]:
        return await self._accounts.get_many(account_ids) if account_ids else {}

    async def _relationships(self, viewer_id: int | None,
                             account_ids: set[int]) -> dict[int, Relationship]:
        if not viewer_id or not account_ids:
            return {}
        return await self._graph.relationships(viewer_id, account_ids)

    async def _liked(self, viewer_id: int | None, post_ids: list[int]) -> set[int]:
        if not viewer_id or not post_ids:
            return set()
        return await self._posts.favourited(viewer_id, post_ids)

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


def _visible(viewer_id: int | None, posts: list[Post], roots: dict[int, Post],
             by_id: dict[int, Account], relationships: dict[int, Relationship],
             liked: set[int], *, followed_only: bool) -> list[PostView]:
    """The policy itself, on everything read for it."""

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
