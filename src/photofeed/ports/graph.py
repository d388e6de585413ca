"""Where the follow graph and blocks are kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from photofeed.domain.graph import BlockState, Edge, FollowState, Page, Relationship


class GraphStore(Protocol):
    async def follow_state(self, account_id: int, target_id: int) -> FollowState:
        """The truth about one follow edge."""

    async def set_follow(self, account_id: int, target_id: int, state: FollowState,
                         version: int, *, expect: Iterable[FollowState] | None = None) -> bool:
        """Change an edge's truth, queueing its repair event; False if `expect` did not hold."""

    async def sync_follow(self, account_id: int, target_id: int) -> None:
        """Make the followee-side mirror agree with the truth; safe to repeat."""

    async def set_block(self, account_id: int, target_id: int, state: BlockState,
                        version: int) -> None:
        """Block or unblock, queueing its repair event."""

    async def sync_block(self, account_id: int, target_id: int) -> None:
        """Make the blocked side's mirror agree with the truth; safe to repeat."""

    async def relationships(self, account_id: int,
                            target_ids: Iterable[int]) -> dict[int, Relationship]:
        """How `account_id` stands toward each target, read from its own shard only."""

    async def following(self, account_id: int, page: Page) -> list[Edge]:
        """Accounts this one follows, newest follow first."""

    async def followers(self, target_id: int, page: Page, *,
                        state: FollowState = "accepted") -> list[Edge]:
        """Accounts following this one (or asking to), newest first."""

    async def follower_ids(self, target_id: int) -> list[int]:
        """Every accepted follower, for fan-out."""

    async def followee_ids(self, account_id: int) -> list[int]:
        """Every account this one follows (accepted)."""

    async def followed_among(self, account_id: int, target_ids: Iterable[int]) -> set[int]:
        """Those of the targets this account follows (accepted), from its own shard."""
