"""Who follows and blocks whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FollowState = Literal["accepted", "requested", "none"]
BlockState = Literal["active", "none"]


@dataclass(frozen=True)
class Relationship:
    """How one account stands toward another, from the first one's side."""

    target_id: int
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False

    @property
    def blocked_either_way(self) -> bool:
        return self.blocking or self.blocked_by


@dataclass(frozen=True)
class Edge:
    """One entry of a followers/following/requests list; `cursor` pages through it."""

    account_id: int
    cursor: int


@dataclass(frozen=True)
class Page:
    """Mastodon-style paging: newest first below max_id, or oldest first above min_id."""

    limit: int = 40
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
