"""Live events to connected clients, across server processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class EventBus(Protocol):
    async def publish(self, channel: str, message: str) -> None:
        """Send a message to everyone subscribed to the channel, in any process."""

    def subscribe(self, channels: Sequence[str]) -> AbstractAsyncContextManager[
            AsyncIterator[str]]:
        """A stream of the messages on these channels while the context is open."""
