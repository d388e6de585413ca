"""Reads a process keeps in memory between requests, each until the next change of what it
read is heard of: the base of RecentPosts (authors' newest posts) and FollowedCelebrities
(which celebrities a reader follows).

What is kept is found by the ID that change announcements name. The process that makes a
change forgets that ID at once (`forget`); the others hear of it on an event channel. A
read is kept only if it started after the last change heard of its ID (`settle_seconds`
after, when reads may come from a replica that lags), so a read under way while a change
lands is used once and dropped. Until the subscription is open, and whenever it breaks,
nothing is kept and everything is dropped, since announcements may have been missed. Each
entry is also dropped `ttl` seconds after its read, as the last guard against a message
lost without a broken subscription, and the oldest go first beyond `max_kept`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from photofeed.ports.events import EventBus

RESUBSCRIBE_SECONDS = 1.0
# How long a change heard is remembered, against reads that started before it.
CHANGES_KEPT_SECONDS = 60.0
log = logging.getLogger(__name__)

# An entry as kept: a tuple, one of whose fields is when its read started.
E = TypeVar("E", bound=tuple[Any, ...])


class KeptReads(Generic[E]):
    def __init__(self, events: EventBus, channel: str, *, ttl: float, max_kept: int,
                 started_field: int, settle_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._events = events
        self._channel = channel
        self._ttl = ttl
        self._max_kept = max_kept
        self._started_field = started_field
        self._settle = settle_seconds
        self._clock = clock
        # ID -> entry, in about the order they were read, which is the order they expire.
        self._held: OrderedDict[int, E] = OrderedDict()
        # ID -> when this process last heard of a change to it, oldest first.
        self._changed: OrderedDict[int, float] = OrderedDict()
        # Reads started before this are not kept: changes may have gone unheard then.
        self._trusted_since = math.inf
        self._subscribed = asyncio.Event()

    def forget(self, key: int) -> None:
        """What this ID names changed just now: read it again."""
        self._held.pop(key, None)
        now = self._clock()
        # Pruned where it grows: a process that makes changes but keeps nothing (a write
        # server, say) never reads.
        changed, forgotten = self._changed, now - CHANGES_KEPT_SECONDS
        while changed and next(iter(changed.values())) < forgotten:
            changed.popitem(last=False)
        changed.pop(key, None)
        changed[key] = now

    async def follow_changes(self) -> None:
        """Forget the IDs other processes announce (a task for the process's life)."""
        while True:
            try:
                async with self._events.subscribe([self._channel]) as messages:
                    self._trusted_since = self._clock()
                    self._subscribed.set()
                    async for message in messages:
                        self._heard(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the %s channel; subscribing again", self._channel,
                            exc_info=True)
            finally:
                # What was sent while not subscribed is lost: start again from nothing.
                self._trusted_since = math.inf
                self._subscribed.clear()
                self._held.clear()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def subscribed(self) -> None:
        """Wait until changes are heard: reads are kept only from then on."""
        await self._subscribed.wait()

    def _keep(self, read: Mapping[int, E], started: float) -> None:
        """Keep those of these entries, read from `started` on, that no change overtook."""
        settled = started - self._settle
        if settled < self._trusted_since or settled < self._clock() - CHANGES_KEPT_SECONDS:
            return
        held, changed = self._held, self._changed
        for key, entry in read.items():
            heard = changed.get(key)
            if heard is None or heard < settled:
                held.pop(key, None)
                held[key] = entry
        while len(held) > self._max_kept:
            held.popitem(last=False)

    def _expire(self) -> None:
        held, field, stale = self._held, self._started_field, self._clock() - self._ttl
        while held and next(iter(held.values()))[field] <= stale:
            held.popitem(last=False)

    def _heard(self, message: str) -> None:
        try:
            key = int(message)
        except ValueError:
            log.warning("ignored a change on %s naming no ID: %.40r", self._channel, message)
            return
        self.forget(key)
