"""RecentWriters in this process's memory: enough for one server process."""

from __future__ import annotations

import time

# Past this many entries the expired ones are swept, so memory stays bounded.
_SWEEP_AT = 10_000


class InProcessRecentWriters:
    def __init__(self, *, window_seconds: float) -> None:
        self._window = window_seconds
        self._until: dict[int, float] = {}

    async def mark(self, account_id: int) -> None:
        now = time.monotonic()
        if len(self._until) >= _SWEEP_AT:
            self._until = {a: t for a, t in self._until.items() if t > now}
        self._until[account_id] = now + self._window

    async def wrote_recently(self, account_id: int) -> bool:
        return self._until.get(account_id, 0.0) > time.monotonic()
