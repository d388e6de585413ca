"""Which of the celebrities each reader follows, as this process last read it: what a hybrid
feed pulls at read time.

Hybrid fan-out leaves the posts of the accounts with the most followers out of the stored
feeds and merges them in when a feed is read: the celebrities' newest posts come from
RecentPosts, kept in memory, and which celebrities the reader follows from here. Asked of
the database at every read, that was one statement per read, and on PostgreSQL one wait
beside the stored feed's; kept, a hybrid read waits for the stored feed alone.

A reader's answer is kept for the celebrity list it was read against (services/
celebrities.py, whose list object stays the same until its members change) and may be out
of date only until this process hears that the reader's follows changed: the process that
changed them forgets the reader at once, and the fan-out worker announces the change on
`CHANGES_CHANNEL` once it has handled it, as it does a new follow's back-fill in push mode.
An answer that still names an account unfollowed or blocked a moment ago costs nothing
wrong: a feed page shows only the posts of accounts the reader follows, from the
relationships it reads with the posts. kept_reads.py says when an answer may be kept, for
at most `TTL_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from photofeed.ports.events import EventBus
from photofeed.ports.graph import GraphStore
from photofeed.services.kept_reads import KeptReads

CHANGES_CHANNEL = "follows:changed"
TTL_SECONDS = 60.0
MAX_READERS = 100_000

# One reader's answer as kept: (the celebrity list it answers for, those of them the
# reader follows, when the read started).
Held = tuple[frozenset[int], frozenset[int], float]
_NONE: frozenset[int] = frozenset()


class FollowedCelebrities(KeptReads[Held]):
    """Answers kept by reader ID: `forget(reader_id)` when the reader's follows change."""

    def __init__(self, graph: GraphStore, events: EventBus, *, ttl: float = TTL_SECONDS,
                 max_readers: int = MAX_READERS, settle_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(events, CHANGES_CHANNEL, ttl=ttl, max_kept=max_readers,
                         started_field=2, settle_seconds=settle_seconds, clock=clock)
        self._graph = graph

    async def of(self, reader_id: int, celebrities: frozenset[int]) -> frozenset[int]:
        """Those of the celebrities the reader follows."""
        self._expire()
        held = self._held.get(reader_id)
        if held is not None and held[0] is celebrities:
            return held[1]
        started = self._clock()
        found = await self._graph.followed_among(reader_id, celebrities)
        # Most readers follow none of them: one shared empty set, not one each.
        followed = frozenset(found) if found else _NONE
        self._keep({reader_id: (celebrities, followed, started)}, started)
        return followed
