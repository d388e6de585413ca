"""Use cases of the follow graph: follow, requests, blocks, lists."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from photofeed import ids
from photofeed.domain.accounts import Account
from photofeed.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from photofeed.domain.graph import FollowState, Page, Relationship
from photofeed.domain.visibility import can_see_profile_content
from photofeed.ports.accounts import AccountStore
from photofeed.ports.graph import GraphStore
from photofeed.services.followed_celebrities import FollowedCelebrities

log = logging.getLogger(__name__)


class GraphService:
    def __init__(self, *, store: GraphStore, accounts: AccountStore,
                 id_source: ids.IdGenerator,
                 followed_celebrities: FollowedCelebrities | None = None) -> None:
        self._store = store
        self._accounts = accounts
        self._ids = id_source
        self._followed_celebrities = followed_celebrities

    async def relationship(self, account_id: int, target_id: int) -> Relationship:
        return (await self._store.relationships(account_id, [target_id]))[target_id]

    async def relationships(self, account_id: int, target_ids: list[int]) -> list[Relationship]:
        """Relationships in the order asked, for accounts that exist."""
        found = await self._store.relationships(account_id, target_ids)
        return [found[t] for t in dict.fromkeys(target_ids)]

    async def follow(self, *, actor: Account, target_id: int) -> Relationship:
        """Follow, or ask to when the account is private."""
        if target_id == actor.id:
            raise Unprocessable("You cannot follow yourself")
        target = await self._existing(target_id)
        current = await self.relationship(actor.id, target_id)
        if current.blocked_either_way:
            raise Forbidden("This action is not allowed")
        if current.following or current.requested:
            raise Conflict("You already follow this account" if current.following
                           else "You already asked to follow this account")
        state: FollowState = "requested" if target.locked else "accepted"
        if not await self._store.set_follow(actor.id, target_id, state, self._ids.new_id(),
                                            expect=["none"]):
            raise Conflict("You already follow this account")
        return await self._synced(actor.id, target_id, actor.id)

    async def unfollow(self, *, actor: Account, target_id: int) -> Relationship:
        """Stop following, or withdraw a request; harmless when neither is the case."""
        await self._existing(target_id)
        await self._end_follow(actor.id, target_id)
        return await self.relationship(actor.id, target_id)

    async def authorize(self, *, actor: Account, requester_id: int) -> Relationship:
        """Let someone who asked follow this private account."""
        if not await self._store.set_follow(requester_id, actor.id, "accepted",
                                            self._ids.new_id(), expect=["requested"]):
            raise NotFound("Follow request not found")
        return await self._synced(requester_id, actor.id, actor.id)

    async def reject(self, *, actor: Account, requester_id: int) -> Relationship:
        if not await self._store.set_follow(requester_id, actor.id, "none", self._ids.new_id(),
                                            expect=["requested"]):
            raise NotFound("Follow request not found")
        return await self._synced(requester_id, actor.id, actor.id)

    async def remove_follower(self, *, actor: Account, follower_id: int) -> Relationship:
        await self._existing(follower_id)
        await self._end_follow(follower_id, actor.id)
        return await self.relationship(actor.id, follower_id)

    async def block(self, *, actor: Account, target_id: int) -> Relationship:
        """Block: both follows end, and each side stops seeing the other."""
        if target_id == actor.id:
            raise Unprocessable("You cannot block yourself")
        await self._existing(target_id)
        await self._store.set_block(actor.id, target_id, "active", self._ids.new_id())
        await self._repair(self._store.sync_block(actor.id, target_id))
        await self._end_follow(actor.id, target_id)
        await self._end_follow(target_id, actor.id)
        return await self.relationship(actor.id, target_id)

    async def unblock(self, *, actor: Account, target_id: int) -> Relationship:
        await self._existing(target_id)
        await self._store.set_block(actor.id, target_id, "none", self._ids.new_id())
        await self._repair(self._store.sync_block(actor.id, target_id))
        return await self.relationship(actor.id, target_id)

    async def following(self, *, viewer_id: int | None, account_id: int,
                        page: Page) -> tuple[list[Account], list[int]]:
        """Whom an account follows, with each entry's paging cursor."""
        await self._check_lists_visible(viewer_id, account_id)
        return await self._hydrate(await self._store.following(account_id, page))

    async def followers(self, *, viewer_id: int | None, account_id: int,
                        page: Page) -> tuple[list[Account], list[int]]:
        await self._check_lists_visible(viewer_id, account_id)
        return await self._hydrate(await self._store.followers(account_id, page))

    async def follow_requests(self, *, actor: Account,
                              page: Page) -> tuple[list[Account], list[int]]:
        return await self._hydrate(await self._store.followers(actor.id, page,
                                                               state="requested"))

    async def on_follow_changed(self, event: dict[str, Any]) -> None:
        """Outbox handler: bring the followee's side in line with the truth."""
        await self._store.sync_follow(int(event["account_id"]), int(event["target_id"]))

    async def on_block_changed(self, event: dict[str, Any]) -> None:
        await self._store.sync_block(int(event["account_id"]), int(event["target_id"]))

    async def _end_follow(self, account_id: int, target_id: int) -> None:
        if await self._store.set_follow(account_id, target_id, "none", self._ids.new_id(),
                                        expect=["accepted", "requested"]):
            self._follows_changed(account_id)
            await self._repair(self._store.sync_follow(account_id, target_id))

    async def _synced(self, account_id: int, target_id: int, viewer_id: int) -> Relationship:
        self._follows_changed(account_id)
        await self._repair(self._store.sync_follow(account_id, target_id))
        other = target_id if viewer_id == account_id else account_id
        return await self.relationship(viewer_id, other)

    def _follows_changed(self, account_id: int) -> None:
        """This process's next feed read of the account sees the change; other processes
        hear of it from the fan-out worker."""
        if self._followed_celebrities is not None:
            self._followed_celebrities.forget(account_id)

    async def _repair(self, sync: Awaitable[None]) -> None:
        """Update the mirror now so the other side sees it at once; the outbox retries it."""
        try:
            await sync
        except Exception:
            log.warning("immediate mirror update failed; the outbox worker will repeat it",
                        exc_info=True)

    async def _existing(self, account_id: int) -> Account:
        account = await self._accounts.get(account_id)
        if account is None:
            raise NotFound("Record not found")
        return account

    async def _check_lists_visible(self, viewer_id: int | None, account_id: int) -> None:
        owner = await self._existing(account_id)
        relationship = await self.relationship(viewer_id, account_id) if viewer_id else None
        if not can_see_profile_content(viewer_id, owner, relationship):
            raise Forbidden("This account's connections are private")

    async def _hydrate(self, edges: list[Any]) -> tuple[list[Account], list[int]]:
        found = await self._accounts.get_many(edge.account_id for edge in edges)
        kept = [edge for edge in edges if edge.account_id in found]
        return [found[edge.account_id] for edge in kept], [edge.cursor for edge in kept]
