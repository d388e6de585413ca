"""RateLimiter on the `limits` library: in memory for one process, Redis across servers."""

from __future__ import annotations

from datetime import UTC, datetime

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from photofeed.ports.ratelimit import LimitState


class LimitsRateLimiter:
    def __init__(self, storage: Storage) -> None:
        self._limiter = MovingWindowRateLimiter(storage)

    @classmethod
    def in_memory(cls) -> LimitsRateLimiter:
        return cls(MemoryStorage())

    @classmethod
    def on_redis(cls, client: Redis, *, prefix: str = "photofeed") -> LimitsRateLimiter:
        """Counters in Redis, shared by every server; uses (and is closed with) `client`."""
        return cls(RedisStorage("async+redis://", implementation="redispy",
                                key_prefix=f"{prefix}:limits",
                                connection_pool=client.connection_pool))  # type: ignore[arg-type]

    async def hit(self, limit: str, *keys: str) -> LimitState:
        item = parse(limit)
        allowed = await self._limiter.hit(item, *keys)
        stats = await self._limiter.get_window_stats(item, *keys)
        return LimitState(allowed=allowed, limit=item.amount, remaining=stats.remaining,
                          reset_at=datetime.fromtimestamp(stats.reset_time, tz=UTC))


class NoRateLimiter:
    """Counts nothing: for load tests on loopback (PHOTOFEED_RATE_LIMITS=off)."""

    async def hit(self, limit: str, *keys: str) -> LimitState:
        item = parse(limit)
        return LimitState(allowed=True, limit=item.amount, remaining=item.amount,
                          reset_at=datetime.now(UTC))
