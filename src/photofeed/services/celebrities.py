"""Who hybrid fan-out pulls at read time: the accounts with the most followers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from photofeed.ports.accounts import AccountStore

# How stale a process's list may get. An account that has just crossed the threshold is
# no longer pushed by fan-out (which reads its fresh follower count), so for at most this
# long its new posts wait for the next refresh: the same order as the fan-out lag itself.
REFRESH_SECONDS = 1.0


class Celebrities:
    """The accounts at or above the celebrity threshold, as this process last read them.

    A few dozen IDs on a large instance, read with one index range scan per database, so
    a feed read asks only which of them the reader follows instead of loading the
    reader's whole followee list.
    """

    def __init__(self, accounts: AccountStore, threshold: int, *,
                 refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._accounts = accounts
        self._threshold = threshold
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._ids: frozenset[int] = frozenset()
        self._read_at: float | None = None
        self._reading = asyncio.Lock()

    async def current(self) -> frozenset[int]:
        if self._fresh():
            return self._ids
        async with self._reading:  # many readers at the refresh moment: one query
            if not self._fresh():
                started = self._clock()
                found = frozenset(await self._accounts.with_followers_at_least(
                    self._threshold))
                # The same object while the members are: what is kept per reader against
                # it (followed_celebrities.py) stays good until they change.
                if found != self._ids:
                    self._ids = found
                self._read_at = started
        return self._ids

    def _fresh(self) -> bool:
        return self._read_at is not None and \
            self._clock() - self._read_at < self._refresh_seconds
