"""Feed workers' side of the News Feed: fan-out, back-fill and clean-up, all idempotent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from photofeed.domain.feed import FanoutPolicy, FeedEntry
from photofeed.domain.graph import Page
from photofeed.ports.accounts import AccountStore
from photofeed.ports.events import EventBus
from photofeed.ports.feeds import FeedStore
from photofeed.ports.graph import GraphStore
from photofeed.ports.posts import PostStore
from photofeed.services import followed_celebrities, recent_posts
from photofeed.services.clock import Clock, utc_now


def author_channel(author_id: int) -> str:
    return f"author:{author_id}"


def reader_channel(account_id: int) -> str:
    return f"reader:{account_id}"


class FanOut:
    def __init__(self, *, feeds: FeedStore, posts: PostStore, accounts: AccountStore,
                 graph: GraphStore, events: EventBus, policy: FanoutPolicy,
                 clock: Clock = utc_now) -> None:
        self._feeds = feeds
        self._posts = posts
        self._accounts = accounts
        self._graph = graph
        self._events = events
        self.policy = policy
        self._clock = clock

    async def on_post_created(self, event: dict[str, Any]) -> None:
        """Write a new post into its readers' feeds, then tell the online ones."""
        post = await self._posts.get(int(event["post_id"]))
        if post is None or post.is_reply or post.visibility == "direct":
            return
        author = await self._accounts.get(post.account_id)
        if author is None:
            return
        entry = FeedEntry(post_id=post.id, author_id=author.id)
        if self.policy.mode != "pull":
            await self._feeds.push([author.id], [entry])
        if self.policy.pushes_for(author.followers_count):
            readers = await self._push_targets(author.id)
            for start in range(0, len(readers), 1000):
                await self._feeds.push(readers[start:start + 1000], [entry])
        await self._events.publish(author_channel(author.id), _message("update", post.id))
        await self._announce_change(author.id)

    async def _push_targets(self, author_id: int) -> list[int]:
        followers = await self._graph.follower_ids(author_id)
        if self.policy.mode != "hybrid" or not followers:
            return followers
        # Long-inactive readers get nothing pushed; their feed is rebuilt when they return.
        since = self._clock() - timedelta(days=self.policy.inactive_days)
        active = await self._accounts.active_since(followers, since)
        return [f for f in followers if f in active]

    async def on_post_deleted(self, event: dict[str, Any]) -> None:
        """Take a deleted post out of feeds (reads already skip it) and tell clients."""
        post_id, author_id = int(event["post_id"]), int(event["account_id"])
        if self.policy.mode != "pull":
            readers = [author_id, *await self._graph.follower_ids(author_id)]
            await self._feeds.remove_posts(readers, [post_id])
        await self._events.publish(author_channel(author_id), _message("delete", post_id))
        await self._announce_change(author_id)

    async def _announce_change(self, author_id: int) -> None:
        """Tell every process's RecentPosts, which pulled and hybrid feeds read, to read the
        author's posts again. In hybrid mode every author is announced, not only those
        this worker pulls: a process may count an author among the celebrities a moment
        before the worker does."""
        if self.policy.mode != "push":
            await self._events.publish(recent_posts.CHANGES_CHANNEL, str(author_id))

    async def on_follow_changed(self, event: dict[str, Any]) -> None:
        """Back-fill a new followee's recent posts, or remove an old followee's."""
        reader, author_id = int(event["account_id"]), int(event["target_id"])
        state = await self._graph.follow_state(reader, author_id)
        if state != "accepted":
            await self._feeds.remove_author(reader, author_id)
        elif self.policy.mode != "pull":
            author = await self._accounts.get(author_id)
            if author is not None and self.policy.pushes_for(author.followers_count):
                recent = await self._posts.recent_by_authors(
                    [author_id], Page(limit=self.policy.backfill))
                await self._feeds.push([reader], recent)
        if self.policy.mode == "hybrid":
            await self._events.publish(followed_celebrities.CHANGES_CHANNEL, str(reader))
        await self._events.publish(reader_channel(reader), _message("follows_changed", 0))

    async def on_block_changed(self, event: dict[str, Any]) -> None:
        blocker, blocked = int(event["account_id"]), int(event["target_id"])
        await self._feeds.remove_author(blocker, blocked)
        await self._feeds.remove_author(blocked, blocker)

    async def rebuild(self, reader_id: int) -> int:
        """Recompute a reader's stored feed from the graph; the entries written."""
        if self.policy.mode == "pull":
            await self._feeds.replace(reader_id, [])
            return 0
        followees = await self._graph.followee_ids(reader_id)
        accounts = await self._accounts.get_many(followees)
        pushed = [reader_id] + [a.id for a in accounts.values()
                                if self.policy.pushes_for(a.followers_count)]
        entries = await self._posts.recent_by_authors(pushed, Page(limit=self.policy.cap))
        await self._feeds.replace(reader_id, entries)
        return len(entries)


def _message(kind: str, post_id: int) -> str:
    return json.dumps({"event": kind, "post_id": str(post_id)})
