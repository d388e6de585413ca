"""The outbox as consumers see it: claim due events, then complete or fail them."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from photofeed.domain.events import Event


class Outbox(Protocol):
    @property
    def partitions(self) -> int:
        """How many independent queues there are (one per physical database)."""

    async def claim(self, partition: int, *, owner: str, limit: int,
                    lease: timedelta) -> list[Event]:
        """Take up to `limit` due events nobody else holds, for `lease`."""

    async def extend(self, partition: int, event_ids: list[int], *, owner: str,
                     lease: timedelta) -> None:
        """Keep holding events still being worked on, so nobody else starts them."""

    async def complete(self, partition: int, event_ids: list[int]) -> None:
        """Forget events whose effects are done."""

    async def retry(self, partition: int, event: Event, *, error: str, delay: timedelta,
                    give_up: bool) -> None:
        """Put an event back for later, or park it for a person to look at."""

    async def wait(self, seconds: float) -> None:
        """Return when new events may be due, or after `seconds`."""

    async def close(self) -> None:
        """Release what waiting holds (listening connections)."""

    async def depth(self) -> int:
        """How many events wait, over all partitions."""
