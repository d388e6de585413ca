"""Which adapter each configured URL selects: databases, feeds, events, limits, Redis."""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from photofeed.adapters.ratelimit import LimitsRateLimiter, NoRateLimiter
from photofeed.adapters.recent_writers import InProcessRecentWriters
from photofeed.adapters.redis.events import RedisEventBus
from photofeed.adapters.redis.feeds import RedisFeedStore
from photofeed.adapters.redis.recent_writers import RedisRecentWriters
from photofeed.adapters.sql import shard_map
from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.feeds import SqlFeedStore
from photofeed.adapters.sql.pg_events import PostgresEventBus
from photofeed.adapters.sql.replicas import ReplicaPolicy
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.shard_map import ShardRange
from photofeed.config import Settings
from photofeed.ports.events import EventBus
from photofeed.ports.feeds import FeedStore
from photofeed.ports.ratelimit import RateLimiter
from photofeed.ports.reads import RecentWriters
from photofeed.services.read_your_writes import ReadYourWrites

log = logging.getLogger(__name__)


async def ping_all(clients: list[Redis]) -> None:
    """Raises unless every Redis client answers: for readiness."""
    for client in clients:
        await client.ping()


def rate_limiter(settings: Settings, redis_clients: dict[str, Redis]) -> RateLimiter:
    """Limits kept in Redis when there is one, shared by every server; else per process."""
    if settings.rate_limits == "off":
        return NoRateLimiter()
    if settings.redis_url:
        return LimitsRateLimiter.on_redis(_redis(settings.redis_url, redis_clients),
                                          prefix=settings.redis_prefix)
    return LimitsRateLimiter.in_memory()


def feed_store(settings: Settings, router: ShardRouter,
               redis_clients: dict[str, Redis]) -> FeedStore:
    """The UserNewsFeed store PHOTOFEED_FEED_URL names: the SQL shards or Redis."""
    if settings.feed_url == "sql":
        return SqlFeedStore(router, cap=settings.feed_cap)
    if settings.feed_url.startswith(("redis://", "rediss://", "unix://")):
        client = _redis(settings.feed_url, redis_clients)
        return RedisFeedStore(client, prefix=settings.redis_prefix, cap=settings.feed_cap)
    raise ValueError(f"PHOTOFEED_FEED_URL must be 'sql' or a redis:// URL, not "
                     f"{settings.feed_url!r}")


def event_bus(settings: Settings, router: ShardRouter,
              redis_clients: dict[str, Redis]) -> EventBus:
    """How processes tell each other of changes: Redis pub/sub, or the shared database."""
    if settings.events_url:
        return RedisEventBus(_redis(settings.events_url, redis_clients),
                             prefix=settings.redis_prefix)
    # Without Redis, processes meet in the directory database they share.
    if router.directory.dialect.name == "postgresql":
        return PostgresEventBus(router)
    return SqlEventBus(router)


def _redis(url: str, clients: dict[str, Redis]) -> Redis:
    """One client (and connection pool) per distinct Redis URL."""
    if url not in clients:
        clients[url] = Redis.from_url(url)
    return clients[url]


def make_router(settings: Settings) -> ShardRouter:
    """The shard router for the configured databases."""
    policy = ReplicaPolicy(max_lag_seconds=settings.replica_max_lag_seconds,
                           check_seconds=settings.replica_check_seconds)
    return ShardRouter(configured_ranges(settings), replica_policy=policy)


def configured_ranges(settings: Settings) -> list[ShardRange]:
    """The shard map of the configuration: an explicit map wins over the database URLs."""
    if settings.shards:
        return shard_map.parse(settings.shards)
    return shard_map.even_ranges(settings.database_urls)


def read_your_writes(settings: Settings, router: ShardRouter,
                     redis_clients: dict[str, Redis]) -> ReadYourWrites:
    """Who wrote a moment ago, so that their reads go to the primaries (with replicas)."""
    window = router.replicas.policy.read_your_writes_seconds
    writers: RecentWriters
    if settings.redis_url:
        writers = RedisRecentWriters(_redis(settings.redis_url, redis_clients),
                                     prefix=settings.redis_prefix, window_seconds=window)
    else:
        if router.replicas.configured:
            log.warning("read replicas without PHOTOFEED_REDIS_URL: read-your-writes holds "
                        "only for reads served by the process that took the write")
        writers = InProcessRecentWriters(window_seconds=window)
    return ReadYourWrites(writers=writers, replicas=router.replicas.configured)


async def first_replica_check(router: ShardRouter) -> None:
    """Know which replicas are fit before serving; an unfit one is no reason not to start."""
    await router.replicas.check_all()
    for of_one in router.replicas.replicas:
        for replica in of_one:
            if not router.replicas.fit(replica):
                log.warning("read replica %s is not fit to read from yet (down or lagging)",
                            replica.describe())
