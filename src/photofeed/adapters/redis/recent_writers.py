"""RecentWriters in Redis: a key per writer that expires with the window, seen by every server."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisRecentWriters:
    def __init__(self, client: Redis, *, prefix: str, window_seconds: float) -> None:
        self._redis = client
        self._prefix = prefix
        self._window_ms = max(1, round(window_seconds * 1000))

    def _key(self, account_id: int) -> str:
        return f"{self._prefix}:wrote:{account_id}"

    async def mark(self, account_id: int) -> None:
        # Redis' clock runs the expiry, so server clocks need not agree.
        await self._redis.set(self._key(account_id), b"1", px=self._window_ms)

    async def wrote_recently(self, account_id: int) -> bool:
        return bool(await self._redis.exists(self._key(account_id)))
