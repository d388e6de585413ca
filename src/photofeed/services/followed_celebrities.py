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
relationships it reads with the posts. heard_changes.py says when an answer may be kept;
every answer is also dropped `TTL_SECONDS` after its read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from photofeed.ports.events import EventBus
from photofeed.ports.graph import GraphStore
from photofeed.services.heard_changes import HeardChanges

CHANGES_CHANNEL = "follows:changed"
TTL_SECONDS = 60.0
MAX_READERS = 100_000

# One reader's answer as kept: (the celebrity list it answers for, those of them the
# reader follows, when the read started).
Held = tuple[frozenset[int], frozenset[int], float]
_NONE: frozenset[int] = frozenset()


class FollowedCelebrities:
    def __init__(self, graph: GraphStore, events: EventBus, *, ttl: float = TTL_SECONDS,
                 max_readers: int = MAX_READERS, settle_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._graph = graph
        self._ttl = ttl
        self._max_readers = max_readers
        self._clock = clock
        self._changes = HeardChanges(events, CHANGES_CHANNEL, settle_seconds=settle_seconds,
                                     clock=clock)
        # Reader -> answer, in the order they were read, which is the order they expire.
        self._held: OrderedDict[int, Held] = OrderedDict()

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
        if self._changes.keepable([reader_id], started):
            self._held.pop(reader_id, None)
            self._held[reader_id] = (celebrities, followed, started)
            if len(self._held) > self._max_readers:
                self._held.popitem(last=False)
        return followed

    def forget(self, reader_id: int) -> None:
        """The reader's follows changed: read them again."""
        self._held.pop(reader_id, None)
        self._changes.note(reader_id)

    async def follow_changes(self) -> None:
        """Forget the readers other processes announce (a task for the process's life)."""
        await self._changes.follow(lambda reader: self._held.pop(reader, None),
                                   self._held.clear)

    async def subscribed(self) -> None:
        """Wait until changes are heard: answers are kept only from then on."""
        await self._changes.subscribed()

    def _expire(self) -> None:
        held, stale = self._held, self._clock() - self._ttl
        while held and next(iter(held.values()))[2] <= stale:
            held.popitem(last=False)
