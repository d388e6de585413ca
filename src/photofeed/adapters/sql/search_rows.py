"""What each dialect's post search returns, and how the databases' answers are ranked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from photofeed import ids
from photofeed.domain.search import Ranking, SearchHit

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Candidate:
    """A matching post with the engine's relevance (higher is better) and its engagement."""

    post_id: int
    relevance: float
    likes: int
    replies: int


def best(candidates: Iterable[Candidate], *, ranking: Ranking, now: datetime,
         limit: int) -> list[SearchHit]:
    """The `limit` best candidates by blended score; ties go to the newer post."""
    now_ms = now.timestamp() * 1000
    scored = [(ranking.score(relevance=c.relevance, likes=c.likes, replies=c.replies,
                             age_days=(now_ms - ids.ms_of(c.post_id)) / DAY_MS), c.post_id)
              for c in candidates]
    scored.sort(reverse=True)
    return [SearchHit(post_id=post_id, score=score) for score, post_id in scored[:limit]]
