"""What happens to stored media over time: published with a public post, unpublished when
its audience shrinks, deleted with its post or when nobody posted it for a day.

Blobs are shared by identical uploads of one owner, so a blob is unpublished only when no
post anyone may see still shows it, and deleted only when no upload names it any more.
Every method is safe to repeat: the outbox may deliver an event twice or late.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from photofeed.domain.graph import Page
from photofeed.domain.media import MediaAttachment
from photofeed.domain.posts import Post, ProfileFilter
from photofeed.ports.blobs import BlobError, BlobStore, InvalidBlobKey, validate_key
from photofeed.ports.media import MediaStore
from photofeed.ports.posts import PostStore
from photofeed.ports.public_media import PublicMedia
from photofeed.services.clock import Clock, utc_now
from photofeed.services.viewing import Viewing

log = logging.getLogger(__name__)
CLEANUP_BATCH = 200


def keys_of(items: Iterable[MediaAttachment]) -> set[str]:
    """The stored files of uploads; a name no blob can have was never stored."""
    return {variant.key for item in items for variant in item.variants.values()
            if _valid(variant.key)}


def _valid(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidBlobKey:
        return False
    return True


class MediaLifecycle:
    def __init__(self, *, store: MediaStore, posts: PostStore, viewing: Viewing,
                 blobs: BlobStore, public: PublicMedia, clock: Clock = utc_now) -> None:
        self._store = store
        self._posts = posts
        self._viewing = viewing
        self._blobs = blobs
        self._public = public
        self._clock = clock

    async def sync_post(self, post: Post) -> None:
        """Publish the post's media if anyone may see the post, else withdraw it."""
        if not post.media:
            return
        if await self._viewing.post(None, post.id) is not None:
            await self.publish_keys(keys_of(post.media))
        else:
            await self._withdraw(post.account_id, keys_of(post.media), ignore=post.id)

    async def on_post_created(self, event: dict[str, Any]) -> None:
        post = await self._posts.get(int(event["post_id"]))
        if post is not None:
            await self.sync_post(post)

    async def on_post_deleted(self, event: dict[str, Any]) -> None:
        """A deleted post's media goes with it, signed URLs included."""
        post_id = int(event["post_id"])
        for item in await self._store.by_post(post_id):
            # Withdrawn before the row goes, so a crash between the steps leaves no public
            # copy behind, only a blob for an operator's sweep.
            await self._withdraw(item.account_id, keys_of([item]), ignore=post_id)
            if await self._store.delete(item.id):
                await self.release(item.account_id, keys_of([item]))

    async def on_audience_changed(self, event: dict[str, Any]) -> None:
        """The account was locked or unlocked: re-decide every post's media."""
        account_id = int(event["account_id"])
        page = Page(limit=200)
        while post_ids := await self._posts.by_author(account_id, ProfileFilter(), page):
            for post in (await self._posts.get_many(post_ids)).values():
                await self.sync_post(post)
            page = Page(limit=200, max_id=min(post_ids))

    async def cleanup(self, *, older_than: timedelta) -> int:
        """Delete uploads nobody posted within `older_than`; how many went."""
        cutoff = self._clock() - older_than
        removed = 0
        while batch := await self._store.unattached_before(cutoff, CLEANUP_BATCH):
            for item in batch:
                if await self._store.delete(item.id, unattached_before=cutoff):
                    await self.release(item.account_id, keys_of([item]))
                    removed += 1
            if len(batch) < CLEANUP_BATCH:
                break
        return removed

    async def release(self, account_id: int, keys: Iterable[str]) -> None:
        """Delete blobs no upload names any more; withdraw those no visible post shows."""
        for key in filter(_valid, keys):
            if await self._store.referencing(account_id, key):
                await self._withdraw(account_id, [key], ignore=None)
                continue
            # Withdrawn first: a public link keeps the bytes alive after the blob's delete.
            await self._public.unpublish(key)
            await self._blobs.delete(key)

    async def publish_keys(self, keys: Iterable[str]) -> None:
        """Make blobs fetchable by name (avatars, media of posts anyone may see)."""
        for key in keys:
            try:
                await self._public.publish(key)
            except BlobError:
                log.warning("media blob %s is missing; not published", key)

    async def _withdraw(self, account_id: int, keys: Iterable[str], *,
                        ignore: int | None) -> None:
        for key in keys:
            if not await self._shown_publicly(account_id, key, ignore=ignore):
                await self._public.unpublish(key)

    async def _shown_publicly(self, account_id: int, key: str, *, ignore: int | None) -> bool:
        """Whether another post anyone may see shows this (shared) blob."""
        users = await self._store.get_many(await self._store.referencing(account_id, key))
        post_ids = {m.post_id for m in users.values() if m.post_id not in (None, ignore)}
        if not post_ids:
            return False
        posts = await self._posts.get_many(post_ids)
        return bool(await self._viewing.filter(None, list(posts.values())))
