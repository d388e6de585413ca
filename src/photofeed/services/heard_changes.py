"""What this process has heard of changes made by any process, so that what it reads from a
database may be kept in memory and reused until the next change.

A process keeps something it read (an author's newest posts, the celebrities a reader
follows) by the ID the change announcements name. The process that makes a change notes it
at once (`note`); the others hear of it on an event channel. A read may be kept only if it
started after the last change heard of its key (`settle_seconds` after, when reads may come
from a replica that lags), so a read under way while a change lands is used once and
dropped. Until the subscription is open, and whenever it breaks, nothing may be kept, since
announcements may have been missed; the owner then drops what it holds (`on_lost`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from photofeed.ports.events import EventBus

RESUBSCRIBE_SECONDS = 1.0
# How long a change heard is remembered, against reads that started before it.
CHANGES_KEPT_SECONDS = 60.0
log = logging.getLogger(__name__)


class HeardChanges:
    def __init__(self, events: EventBus, channel: str, *, settle_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._events = events
        self.channel = channel
        self._settle = settle_seconds
        self._clock = clock
        # Key -> when this process last heard of a change to it, oldest first.
        self._changed: OrderedDict[int, float] = OrderedDict()
        # Reads started before this are not kept: changes may have gone unheard then.
        self._trusted_since = math.inf
        self._subscribed = asyncio.Event()

    def note(self, key: int) -> None:
        """The thing named by this key changed just now."""
        now = self._clock()
        # Pruned where it grows: a process that makes changes but keeps nothing (a write
        # server, say) never asks what it may keep.
        changed, forgotten = self._changed, now - CHANGES_KEPT_SECONDS
        while changed and next(iter(changed.values())) < forgotten:
            changed.popitem(last=False)
        changed.pop(key, None)
        changed[key] = now

    def keepable(self, keys: Iterable[int], started: float) -> list[int]:
        """Those of the keys whose read, started then, may be kept."""
        settled = started - self._settle
        if settled < self._trusted_since or settled < self._clock() - CHANGES_KEPT_SECONDS:
            return []
        changed = self._changed
        return [key for key in keys if (heard := changed.get(key)) is None or heard < settled]

    async def follow(self, on_heard: Callable[[int], object],
                     on_lost: Callable[[], object]) -> None:
        """Pass the keys other processes announce to `on_heard` (a task for the process's
        life); `on_lost` is called whenever announcements may have been missed."""
        while True:
            try:
                async with self._events.subscribe([self.channel]) as messages:
                    self._trusted_since = self._clock()
                    self._subscribed.set()
                    async for message in messages:
                        key = self._key(message)
                        if key is not None:
                            self.note(key)
                            on_heard(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the %s channel; subscribing again", self.channel,
                            exc_info=True)
            finally:
                # What was sent while not subscribed is lost: start again from nothing.
                self._trusted_since = math.inf
                self._subscribed.clear()
                on_lost()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def subscribed(self) -> None:
        """Wait until changes are heard: reads may be kept only from then on."""
        await self._subscribed.wait()

    def _key(self, message: str) -> int | None:
        try:
            return int(message)
        except ValueError:
            log.warning("ignored a change on %s naming no ID: %.40r", self.channel, message)
            return None
