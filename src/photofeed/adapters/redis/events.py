"""EventBus on Redis pub/sub: events reach clients connected to any server process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from redis.asyncio import Redis


class RedisEventBus:
    def __init__(self, client: Redis, *, prefix: str = "photofeed") -> None:
        self._redis = client
        self._prefix = prefix

    def _channel(self, name: str) -> str:
        return f"{self._prefix}:events:{name}"

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self._channel(channel), message)

    @asynccontextmanager
    async def subscribe(self, channels: Sequence[str]) -> AsyncIterator[AsyncIterator[str]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(*(self._channel(c) for c in channels))

        async def messages() -> AsyncIterator[str]:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    data = message["data"]
                    yield data.decode() if isinstance(data, bytes) else str(data)

        try:
            yield messages()
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py lacks the hint
