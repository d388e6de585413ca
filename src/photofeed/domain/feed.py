"""The News Feed: entries, fan-out modes and the ranking of "top" posts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FanoutMode = Literal["push", "pull", "hybrid"]
FeedOrder = Literal["latest", "top"]


@dataclass(frozen=True)
class FeedEntry:
    """One post in a reader's feed; the author rides along so unfollows can remove it."""

    post_id: int
    author_id: int


@dataclass(frozen=True)
class FanoutPolicy:
    mode: FanoutMode = "hybrid"
    celebrity_followers: int = 10_000
    inactive_days: int = 30
    cap: int = 800
    backfill: int = 50

    def pushes_for(self, followers_count: int) -> bool:
        """Whether an author's posts are written into followers' feeds."""
        if self.mode == "pull":
            return False
        return self.mode == "push" or followers_count < self.celebrity_followers

    def pulls_for(self, followers_count: int) -> bool:
        """Whether an author's posts are merged in when a follower reads."""
        return not self.pushes_for(followers_count)


def merge(sources: list[list[FeedEntry]], *, limit: int, oldest_side: bool) -> list[FeedEntry]:
    """Entries of several newest-first lists as one, without duplicates, newest first.

    With `oldest_side` (a min_id page) the `limit` entries just above the bound are kept,
    otherwise the `limit` newest.
    """
    unique = {e.post_id: e for source in sources for e in source}
    ordered = sorted(unique.values(), key=lambda e: e.post_id, reverse=True)
    return ordered[-limit:] if oldest_side else ordered[:limit]


def top_score(*, likes: int, comments: int, affinity: int, posted_at: datetime,
              now: datetime) -> float:
    """Rank for the "top" feed: engagement and closeness, fading with age.

    Engagement counts on a log scale so one viral post cannot bury everything; a comment
    weighs twice a like; affinity is how often the reader liked or commented on the author;
    the score halves roughly every half day.
    """
    engagement = 1.0 + math.log1p(likes + 2 * comments)
    closeness = 1.0 + math.log1p(max(affinity, 0))
    age_hours = max((now - posted_at).total_seconds() / 3600, 0.0)
    fading: float = (1.0 + age_hours / 12.0) ** 1.5
    return engagement * closeness / fading
