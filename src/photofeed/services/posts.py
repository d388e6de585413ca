"""Use cases of posts: create, read, delete, comment threads, likes, profile grids."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from photofeed import ids
from photofeed.domain import text
from photofeed.domain.accounts import Account
from photofeed.domain.errors import FieldError, NotFound, Unprocessable, ValidationFailed
from photofeed.domain.graph import Page
from photofeed.domain.media import MediaAttachment
from photofeed.domain.posts import (
    MAX_MEDIA,
    Mention,
    NewPost,
    Post,
    PostView,
    ProfileFilter,
    subtree,
)
from photofeed.ports.accounts import AccountStore
from photofeed.ports.affinity import AffinityStore
from photofeed.ports.media import MediaStore
from photofeed.ports.posts import PostStore
from photofeed.services.clock import Clock, utc_now
from photofeed.services.media_lifecycle import MediaLifecycle
from photofeed.services.recent_posts import RecentPosts
from photofeed.services.viewing import Viewing

MAX_MENTIONS = 20


class PostService:
    def __init__(self, *, store: PostStore, media: MediaStore, accounts: AccountStore,
                 viewing: Viewing, affinity: AffinityStore, id_source: ids.IdGenerator,
                 clock: Clock = utc_now, media_lifecycle: MediaLifecycle | None = None,
                 recent_posts: RecentPosts | None = None) -> None:
        self._store = store
        self._media = media
        self._accounts = accounts
        self._viewing = viewing
        self._affinity = affinity
        self._ids = id_source
        self._clock = clock
        self._media_lifecycle = media_lifecycle
        # Told of this process's own posts at once; other processes hear through events.
        self._recent_posts = recent_posts

    async def create(self, *, actor: Account, new: NewPost,
                     idempotency_key: str | None = None) -> PostView:
        """Post photos or videos, or comment on a post the actor can see."""
        _check_text(new)
        parent = await self._parent(actor, new.in_reply_to_id)
        # A comment is minted on its post's shard so the whole thread stays together.
        post_id = self._ids.new_id(ids.shard_of(parent.id) if parent else None)
        if idempotency_key:
            earlier = await self._store.claim_idempotency(actor.id, idempotency_key[:200],
                                                          post_id)
            if earlier is not None:
                return await self.get(viewer=actor, post_id=earlier)
        try:
            post = await self._build(actor, new, post_id, parent)
            await self._claim_media(post)
        except BaseException:
            if idempotency_key:
                await self._store.release_idempotency(actor.id, idempotency_key[:200])
            raise
        if parent is not None and parent.account_id != actor.id:
            await self._affinity.bump(actor.id, parent.account_id, 2)
        # The outbox repeats this; doing it now lets the author see the post on their
        # profile at once.
        await self._store.index_for_author(post.id)
        if self._recent_posts is not None:
            self._recent_posts.forget(actor.id)
        if self._media_lifecycle is not None and post.media:
            # Published now, not only by the outbox: clients fetch the media right away.
            await self._media_lifecycle.sync_post(post)
        return PostView(post=post, author=actor)

    async def _claim_media(self, post: Post) -> None:
        """Take the uploads for this post and store it; two posts never share an upload."""
        media_ids = [m.id for m in post.media]
        if not await self._media.attach(media_ids, post.id):
            raise Unprocessable("One of the photos or videos was just posted elsewhere")
        try:
            await self._store.add(post)
        except BaseException:
            await self._media.detach(media_ids, post.id)
            raise

    async def _build(self, actor: Account, new: NewPost, post_id: int,
                     parent: Post | None) -> Post:
        attachments = await self._attachable(actor, new.media_ids)
        if not attachments and not new.caption.strip():
            raise ValidationFailed({"status": [FieldError("ERR_BLANK", "can't be blank")]})
        return Post(
            id=post_id, account_id=actor.id, title=text.title_from(new.caption, new.title),
            caption=new.caption, visibility=new.visibility, sensitive=new.sensitive,
            spoiler_text=new.spoiler_text, language=new.language,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            root_id=parent.root_id if parent else post_id,
            media=tuple(replace(m, post_id=post_id) for m in attachments),
            mentions=await self._mentions(new.caption), tags=tuple(text.hashtags(new.caption)),
            created_at=self._clock())

    async def _parent(self, actor: Account, parent_id: int | None) -> Post | None:
        if parent_id is None:
            return None
        view = await self._viewing.post(actor.id, parent_id)
        if view is None:
            raise NotFound("The post you are replying to does not exist")
        return view.post

    async def _attachable(self, actor: Account, media_ids: list[int]) -> list[MediaAttachment]:
        if len(media_ids) > MAX_MEDIA:
            raise Unprocessable(f"A post can carry at most {MAX_MEDIA} photos or videos")
        if len(set(media_ids)) != len(media_ids):
            raise Unprocessable("The same media appears twice")
        found = await self._media.get_many(media_ids)
        for media_id in media_ids:
            item = found.get(media_id)
            if item is None or item.account_id != actor.id or item.post_id is not None:
                raise Unprocessable(f"Media {media_id} is not an unused upload of yours")
            if not item.ready:
                raise Unprocessable(f"Media {media_id} has not finished processing")
        return [found[m] for m in media_ids]

    async def _mentions(self, caption: str) -> tuple[Mention, ...]:
        mentioned: dict[int, Mention] = {}
        for username in text.mentions(caption)[:MAX_MENTIONS]:
            account = await self._accounts.find_by_username(username)
            if account is not None:
                mentioned.setdefault(account.id, Mention(account_id=account.id,
                                                         username=account.username))
        return tuple(mentioned.values())

    async def get(self, *, viewer: Account | None, post_id: int) -> PostView:
        view = await self._viewing.post(viewer.id if viewer else None, post_id)
        if view is None:
            raise NotFound("Record not found")
        return view

    async def visible(self, *, viewer: Account | None, post_id: int) -> PostView | None:
        """The post if it exists and the viewer may see it, else None."""
        return await self._viewing.post(viewer.id if viewer else None, post_id)

    async def delete(self, *, actor: Account, post_id: int) -> PostView:
        """Delete one's own post (and the comments under it)."""
        # Not through Viewing: an author may delete a comment even after the thread it is
        # in was hidden from them (say its post's author blocked them).
        post = await self._store.get(post_id)
        if post is None or post.account_id != actor.id:
            raise NotFound("Record not found")
        for gone in await self._store.delete(post):
            await self._store.unindex_for_author(gone.account_id, gone.id)
        if self._recent_posts is not None:
            self._recent_posts.forget(actor.id)
        return PostView(post=post, author=actor)

    async def context(self, *, viewer: Account | None,
                      post_id: int) -> tuple[list[PostView], list[PostView]]:
        """The comments above and below a post in its thread, as far as the viewer may see."""
        view = await self.get(viewer=viewer, post_id=post_id)
        thread = await self._store.thread(view.post.root_id)
        visible = await self._viewing.filter(viewer.id if viewer else None, thread)
        by_id = {v.post.id: v for v in visible}
        ancestors: list[PostView] = []
        parent_id = view.post.in_reply_to_id
        while parent_id is not None and parent_id in by_id:
            ancestors.insert(0, by_id[parent_id])
            parent_id = by_id[parent_id].post.in_reply_to_id
        below = {p.id for p in subtree(post_id, [v.post for v in visible])} - {post_id}
        return ancestors, [v for v in visible if v.post.id in below]

    async def favourite(self, *, actor: Account, post_id: int, on: bool) -> PostView:
        view = await self.get(viewer=actor, post_id=post_id)
        await self._store.set_favourite(post_id, actor.id, on, self._ids.new_id())
        if on and not view.favourited and view.author.id != actor.id:
            await self._affinity.bump(actor.id, view.author.id, 1)
        return await self.get(viewer=actor, post_id=post_id)

    async def favourited_by(self, *, viewer: Account | None, post_id: int,
                            page: Page) -> tuple[list[Account], list[int]]:
        await self.get(viewer=viewer, post_id=post_id)
        edges = await self._store.favourited_by(post_id, page)
        found = await self._accounts.get_many(e.account_id for e in edges)
        kept = [e for e in edges if e.account_id in found]
        return [found[e.account_id] for e in kept], [e.cursor for e in kept]

    async def by_author(self, *, viewer: Account | None, account_id: int, only: ProfileFilter,
                        page: Page) -> tuple[list[PostView], list[int]]:
        """An account's profile grid as far as the viewer may see it, and the page's cursors.

        Where the viewer may see the profile, the cursors cover the whole page read, so
        paging goes on past the odd post hidden from them; elsewhere only visible posts
        count, so paging reveals nothing about the rest.
        """
        viewer_id = viewer.id if viewer else None
        open_profile = await self._viewing.profile_open(viewer_id, account_id)
        post_ids = await self._store.by_author(account_id, only, page)
        found = await self._store.get_many(post_ids)
        visible = await self._viewing.filter(viewer_id,
                                             [found[p] for p in post_ids if p in found])
        return visible, post_ids if open_profile else [v.post.id for v in visible]

    async def on_post_created(self, event: dict[str, Any]) -> None:
        await self._store.index_for_author(int(event["post_id"]))

    async def on_post_deleted(self, event: dict[str, Any]) -> None:
        await self._store.unindex_for_author(int(event["account_id"]), int(event["post_id"]))


def _check_text(new: NewPost) -> None:
    problems: dict[str, list[FieldError]] = {}
    if len(new.caption) > text.CAPTION_MAX:
        problems["status"] = [FieldError(
            "ERR_TOO_LONG", f"is too long (maximum is {text.CAPTION_MAX} characters)")]
    if new.title is not None and len(new.title) > text.TITLE_MAX:
        problems["title"] = [FieldError(
            "ERR_TOO_LONG", f"is too long (maximum is {text.TITLE_MAX} characters)")]
    if problems:
        raise ValidationFailed(problems)

