"""Reading the News Feed: stored entries merged with pulled ones, filtered, hydrated, ranked."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import timedelta

from photofeed.domain.accounts import Account
from photofeed.domain.errors import FieldError, ValidationFailed
from photofeed.domain.feed import FanoutPolicy, FeedEntry, merge, top_score
from photofeed.domain.graph import Page
from photofeed.domain.posts import PostView
from photofeed.domain.visibility import listed_publicly
from photofeed.ports.accounts import AccountStore
from photofeed.ports.affinity import AffinityStore
from photofeed.ports.feeds import FeedStore
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore
from photofeed.services import overlap
from photofeed.services.celebrities import Celebrities
from photofeed.services.clock import Clock, utc_now
from photofeed.services.feed_write import FanOut, author_channel, reader_channel
from photofeed.services.followed_celebrities import FollowedCelebrities
from photofeed.services.recent_posts import RecentPosts
from photofeed.services.viewing import Viewing

# Reading stamps activity at most this often, so reads do not turn into writes.
ACTIVITY_RESOLUTION = timedelta(hours=1)
# How far back the "top" feed looks for candidates to rank.
TOP_CANDIDATES = 300
# A page whose entries were all hidden from the reader is skipped, up to this many times.
MAX_SKIPPED_PAGES = 5


class Timelines:
    def __init__(self, *, feeds: FeedStore, posts: PostStore, accounts: AccountStore,
                 graph: GraphStore, affinity: AffinityStore, viewing: Viewing,
                 fanout: FanOut, policy: FanoutPolicy, celebrities: Celebrities,
                 followed_celebrities: FollowedCelebrities, recent_posts: RecentPosts,
                 overlap_reads: bool = True,
                 clock: Clock = utc_now) -> None:
        self._feeds = feeds
        self._overlap = overlap_reads
        self._posts = posts
        self._accounts = accounts
        self._graph = graph
        self._affinity = affinity
        self._viewing = viewing
        self._fanout = fanout
        self._policy = policy
        self._celebrities = celebrities
        self._followed_celebrities = followed_celebrities
        self._recent_posts = recent_posts
        self._clock = clock

    async def home(self, *, reader: Account, page: Page) -> tuple[list[PostView], list[int]]:
        """The chronological News Feed and the cursors of the entries it covered."""
        await self._note_activity(reader)
        entries = await self._candidates(reader.id, page)
        for _ in range(MAX_SKIPPED_PAGES):
            views = await self._hydrate(reader.id, entries)
            if views or len(entries) < page.limit:
                return views, [e.post_id for e in entries]
            page = replace(page, max_id=min(e.post_id for e in entries), min_id=None)
            entries = await self._candidates(reader.id, page)
        return [], []

    async def top(self, *, reader: Account, cursor: str | None,
                  limit: int) -> tuple[list[PostView], str | None]:
        """The ranked News Feed: "top photos from the people you follow"."""
        offset, snapshot = _decode_cursor(cursor)
        await self._note_activity(reader)
        window = Page(limit=TOP_CANDIDATES, max_id=snapshot + 1 if snapshot else None)
        entries = await self._candidates(reader.id, window)
        if not entries:
            return [], None
        views = await self._hydrate(reader.id, entries)
        closeness = await self._affinity.scores(reader.id, {v.author.id for v in views})
        now = self._clock()
        ranked = sorted(views, key=lambda v: -top_score(
            likes=v.post.favourites_count, comments=v.post.replies_count,
            affinity=closeness.get(v.author.id, 0), posted_at=v.post.created_at, now=now))
        chunk = ranked[offset:offset + limit]
        more = offset + limit < len(ranked)
        snapshot = snapshot or max(e.post_id for e in entries)
        return chunk, _encode_cursor(offset + limit, snapshot) if more else None

    async def live_channels(self, reader_id: int) -> list[str]:
        """The event channels that carry news for this reader's feed."""
        followees = set(await self._graph.followee_ids(reader_id)) | {reader_id}
        return [reader_channel(reader_id), *(author_channel(a) for a in sorted(followees))]

    async def public(self, *, viewer: Account | None, page: Page,
                     tag: str | None = None) -> tuple[list[PostView], list[int]]:
        """Public posts of public accounts, everyone's or one hashtag's."""
        post_ids = await self._posts.public_recent(page, tag=tag)
        found = await self._posts.get_many(post_ids)
        views = await self._viewing.filter(viewer.id if viewer else None,
                                           [found[p] for p in post_ids if p in found])
        return [v for v in views if listed_publicly(v.post, v.author)], post_ids

    async def _candidates(self, reader_id: int, page: Page) -> list[FeedEntry]:
        """Stored and pulled entries of one page, merged.

        Stored entries of an author unfollowed or blocked a moment ago stay until a worker
        cleans them up; hydration drops them, from the relationships it reads anyway.
        """
        mode = self._policy.mode
        # Push and pull read one source; a task for a source that has nothing to read
        # would cost more than the merge saves.
        if mode == "push":
            return await self._feeds.read(reader_id, page)
        if mode == "pull":
            followees = await self._graph.followee_ids(reader_id)
            return await self._recent_posts.page([reader_id, *followees], page)
        # Neither depends on the other: one wait for both, not two.
        sources = list(await overlap.gather(self._overlap, self._feeds.read(reader_id, page),
                                            self._pulled_celebrities(reader_id, page)))
        return merge(sources, limit=page.limit, oldest_side=page.min_id is not None)

    async def _pulled_celebrities(self, reader_id: int, page: Page) -> list[FeedEntry]:
        """Hybrid's entries pulled at read time: those of the celebrities the reader follows.

        Both which of them the reader follows and their newest posts are kept in memory
        between reads, so a hybrid read mostly waits for the stored feed alone."""
        celebrities = await self._celebrities.current()
        if not celebrities:
            return []
        followed = await self._followed_celebrities.of(reader_id, celebrities)
        return await self._recent_posts.page(followed, page) if followed else []

    async def _hydrate(self, reader_id: int, entries: list[FeedEntry]) -> list[PostView]:
        return await self._viewing.feed_page(reader_id, entries)

    async def _note_activity(self, reader: Account) -> None:
        now = self._clock()
        last = reader.last_active_at
        if last is not None and now - last < ACTIVITY_RESOLUTION:
            return
        inactive_for = timedelta(days=self._policy.inactive_days)
        if self._policy.mode == "hybrid" and (last is None or now - last >= inactive_for):
            # Fan-out skipped this reader while away; catch the feed up before reading it.
            await self._fanout.rebuild(reader.id)
        await self._accounts.touch_active(reader.id, now)


def _encode_cursor(offset: int, snapshot: int) -> str:
    raw = json.dumps([offset, str(snapshot)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[int, int | None]:
    """(offset, newest post ID of the ranking) from an opaque cursor."""
    if not cursor:
        return 0, None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset, snapshot = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, snapshot = int(offset), int(snapshot)
        if not 0 <= offset <= TOP_CANDIDATES or snapshot <= 0:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": [FieldError("ERR_INVALID", "is not a cursor "
                                                      "this server gave out")]}) from None
    return offset, snapshot


