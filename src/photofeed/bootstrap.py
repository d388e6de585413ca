"""The composition root: the one place that picks adapters and wires services to them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from photofeed import ids
from photofeed.adapters import secret_key
from photofeed.adapters.blobs.local import LocalBlobStore
from photofeed.adapters.blobs.public import LocalPublicMedia
from photofeed.adapters.blobs.s3 import S3BlobStore, open_bucket
from photofeed.adapters.blobs.s3_public import S3PublicMedia
from photofeed.adapters.media_processing import PillowAvProcessor
from photofeed.adapters.passwords import Argon2PasswordHasher
from photofeed.adapters.ratelimit import LimitsRateLimiter, NoRateLimiter
from photofeed.adapters.recent_writers import InProcessRecentWriters
from photofeed.adapters.redis.events import RedisEventBus
from photofeed.adapters.redis.feeds import RedisFeedStore
from photofeed.adapters.redis.recent_writers import RedisRecentWriters
from photofeed.adapters.sql import shard_map
from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.affinity import SqlAffinityStore
from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.feed_pages import SqlFeedPages
from photofeed.adapters.sql.feeds import SqlFeedStore
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.id_leases import SqlSlotLease
from photofeed.adapters.sql.media import SqlMediaStore
from photofeed.adapters.sql.migrate import migrate_all
from photofeed.adapters.sql.oauth import SqlOAuthStore
from photofeed.adapters.sql.outbox import OutboxSignal, SqlOutbox
from photofeed.adapters.sql.pg_events import PostgresEventBus
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.replicas import ReplicaPolicy
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.search import SqlSearchIndex
from photofeed.adapters.sql.shard_map import ShardRange
from photofeed.config import Settings
from photofeed.domain.feed import FanoutPolicy
from photofeed.domain.media_links import LinkSigner
from photofeed.media.limits import MediaLimits
from photofeed.media_location import S3Location
from photofeed.ports.blobs import BlobStore, BlobStoreUnavailable
from photofeed.ports.events import EventBus
from photofeed.ports.feeds import FeedStore
from photofeed.ports.media import MediaStore
from photofeed.ports.media_processing import MediaProcessor
from photofeed.ports.outbox import Outbox
from photofeed.ports.public_media import PublicMedia
from photofeed.ports.ratelimit import RateLimiter
from photofeed.ports.reads import RecentWriters
from photofeed.services.accounts import AccountService
from photofeed.services.celebrities import Celebrities
from photofeed.services.feed_read import Timelines
from photofeed.services.feed_write import FanOut
from photofeed.services.graph import GraphService
from photofeed.services.media import MediaService
from photofeed.services.media_lifecycle import MediaLifecycle
from photofeed.services.oauth import OAuthService
from photofeed.services.posts import PostService
from photofeed.services.read_your_writes import ReadYourWrites
from photofeed.services.recent_posts import RecentPosts
from photofeed.services.search import SearchService
from photofeed.services.throttle import Throttle, ThrottleLimits
from photofeed.services.token_cache import TokenCache
from photofeed.services.upload_quota import QuotaLimits, UploadQuota
from photofeed.services.viewing import Viewing

log = logging.getLogger(__name__)
# How long start-up waits for the event bus before serving without in-memory post lists.
SUBSCRIBE_WAIT_SECONDS = 2.0
EventHandler = Callable[[dict[str, Any]], Awaitable[None]]
# (seconds between runs, job): run by whichever process runs the outbox workers.
PeriodicJob = tuple[float, Callable[[], Awaitable[object]]]


@dataclass
class MediaParts:
    """Uploads, their records, the blob store and the public copies, URL signing, and
    the processor that renders photos and transcodes videos."""

    service: MediaService
    store: MediaStore
    processor: MediaProcessor
    lifecycle: MediaLifecycle
    blobs: BlobStore
    public: PublicMedia
    signer: LinkSigner
    # Raises unless the store answers: for readiness and start-up.
    check: Callable[[], Awaitable[None]]


@dataclass
class Container:
    """Everything a running process needs, built once from Settings."""

    settings: Settings
    router: ShardRouter
    lease: SqlSlotLease
    id_source: ids.IdGenerator
    accounts: AccountService
    oauth: OAuthService
    throttle: Throttle
    graph: GraphService
    posts: PostService
    fanout: FanOut
    feeds: FeedStore
    timelines: Timelines
    events: EventBus
    outbox: Outbox
    handlers: dict[str, list[EventHandler]]
    media_parts: MediaParts
    search: SearchService
    reads: ReadYourWrites
    periodic_jobs: list[PeriodicJob] = field(default_factory=list)
    redis_clients: list[Redis] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def media(self) -> MediaService:
        return self.media_parts.service

    @property
    def media_store(self) -> MediaStore:
        return self.media_parts.store

    @property
    def blobs(self) -> BlobStore:
        return self.media_parts.blobs

    @property
    def public_media(self) -> PublicMedia:
        return self.media_parts.public

    @property
    def signer(self) -> LinkSigner:
        return self.media_parts.signer

    async def readiness(self) -> dict[str, str]:
        """Whether each backend answers: the databases, Redis, the media store."""
        checks = {"databases": self.router.check_reachable(seconds=2),
                  "redis": _ping_all(self.redis_clients),
                  "media": self.media_parts.check()}
        report = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check, 3)
            except Exception as exc:
                report[name] = f"unavailable: {type(exc).__name__}"
            else:
                report[name] = "ok"
        return report

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.outbox.close()
        for client in self.redis_clients:
            await client.aclose()
        await self.lease.release()
        await self.router.dispose()


async def _ping_all(clients: list[Redis]) -> None:
    for client in clients:
        await client.ping()


def _rate_limiter(settings: Settings, redis_clients: dict[str, Redis]) -> RateLimiter:
    if settings.rate_limits == "off":
        return NoRateLimiter()
    if settings.redis_url:
        return LimitsRateLimiter.on_redis(_redis(settings.redis_url, redis_clients),
                                          prefix=settings.redis_prefix)
    return LimitsRateLimiter.in_memory()


def _feed_store(settings: Settings, router: ShardRouter,
                redis_clients: dict[str, Redis]) -> FeedStore:
    if settings.feed_url == "sql":
        return SqlFeedStore(router, cap=settings.feed_cap)
    if settings.feed_url.startswith(("redis://", "rediss://", "unix://")):
        client = _redis(settings.feed_url, redis_clients)
        return RedisFeedStore(client, prefix=settings.redis_prefix, cap=settings.feed_cap)
    raise ValueError(f"PHOTOFEED_FEED_URL must be 'sql' or a redis:// URL, not "
                     f"{settings.feed_url!r}")


def _event_bus(settings: Settings, router: ShardRouter,
               redis_clients: dict[str, Redis]) -> EventBus:
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


BlobStores = tuple[BlobStore, PublicMedia, Callable[[], Awaitable[None]]]


def _media_parts(settings: Settings, router: ShardRouter, signal: OutboxSignal,
                 posts: SqlPostStore, viewing: Viewing, id_source: ids.IdGenerator,
                 stores: BlobStores) -> MediaParts:
    secret = settings.secret_key.encode() if settings.secret_key else \
        secret_key.load_or_create(settings.secret_key_file)
    signer = LinkSigner(secret, ttl_seconds=settings.media_url_ttl_seconds)
    limits = MediaLimits(max_photo_bytes=settings.max_photo_bytes,
                         max_video_bytes=settings.max_video_bytes, max_pixels=settings.max_pixels,
                         max_video_seconds=settings.max_video_seconds)
    blobs, public, check = stores
    store = SqlMediaStore(router, signal)
    lifecycle = MediaLifecycle(store=store, posts=posts, viewing=viewing, blobs=blobs,
                               public=public)
    quota = UploadQuota(store=store, limits=QuotaLimits(
        stored_bytes=settings.storage_quota_bytes, daily_bytes=settings.daily_upload_quota_bytes))
    processor = PillowAvProcessor(limits, settings.media_dir / "tmp")
    service = MediaService(store=store, blobs=blobs, lifecycle=lifecycle, names=signer,
                           processor=processor, id_source=id_source, quota=quota)
    return MediaParts(service=service, store=store, processor=processor, lifecycle=lifecycle,
                      blobs=blobs, public=public, signer=signer, check=check)


def _blob_stores(settings: Settings) -> BlobStores:
    """The blob store and public copies PHOTOFEED_MEDIA_URL names, and their health check."""
    location = settings.media_location
    if location is None:
        local = LocalBlobStore(settings.media_dir / "blobs")
        # Beside the blobs, on the same file system: public copies are hard links to them.
        public = LocalPublicMedia(local, settings.media_dir / "public")
        return local, public, lambda: _check_local(local)
    s3 = S3BlobStore(open_bucket(location, access_key=settings.s3_access_key,
                                 secret_key=settings.s3_secret_key))
    return s3, S3PublicMedia(s3), lambda: _check_bucket(s3, location)


async def _check_local(blobs: LocalBlobStore) -> None:
    await blobs.exists("0" * 64)


async def _check_bucket(blobs: S3BlobStore, location: S3Location) -> None:
    try:
        await asyncio.wait_for(blobs.check_bucket(), 10)
    except Exception as exc:
        # obstore's messages go on for lines of debug output; the first one says it.
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise BlobStoreUnavailable(f"media store {location.describe()} is unreachable: "
                                   f"{reason}") from exc


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


def _read_your_writes(settings: Settings, router: ShardRouter,
                      redis_clients: dict[str, Redis]) -> ReadYourWrites:
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


async def _first_replica_check(router: ShardRouter) -> None:
    """Know which replicas are fit before serving; an unfit one is no reason not to start."""
    await router.replicas.check_all()
    for of_one in router.replicas.replicas:
        for replica in of_one:
            if not router.replicas.fit(replica):
                log.warning("read replica %s is not fit to read from yet (down or lagging)",
                            replica.describe())


async def build(settings: Settings, *, migrate: bool = True) -> Container:
    """Connect to the configured backends and wire the services."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    router = make_router(settings)
    try:
        await router.check_reachable()
    except BaseException:
        await router.dispose()
        raise
    stores = _blob_stores(settings)
    try:
        if migrate:
            await migrate_all(router)
        # Completed shard moves override the configured map (docs/architecture.md).
        if await router.refresh() and migrate:
            await migrate_all(router)
        await stores[2]()  # an unreachable media store stops the start, naming it
    except BaseException:
        await router.dispose()
        raise
    await _first_replica_check(router)
    lease = SqlSlotLease(router)
    id_source = ids.IdGenerator(await lease.acquire())
    redis_clients: dict[str, Redis] = {}
    reads = _read_your_writes(settings, router, redis_clients)
    hasher = Argon2PasswordHasher(time_cost=settings.password_time_cost,
                                  memory_kib=settings.password_memory_kib)
    account_store = SqlAccountStore(router)
    accounts = AccountService(store=account_store, hasher=hasher, id_source=id_source)
    ttl = settings.access_token_ttl_seconds
    events = _event_bus(settings, router, redis_clients)
    tokens = TokenCache(events)
    oauth = OAuthService(store=SqlOAuthStore(router), accounts=accounts, id_source=id_source,
                         tokens=tokens, token_ttl=timedelta(seconds=ttl) if ttl else None)
    throttle = Throttle(limiter=_rate_limiter(settings, redis_clients), limits=ThrottleLimits(
        signin_per_ip=settings.signin_limit_per_ip,
        signin_per_account=settings.signin_limit_per_account,
        registration_per_ip=settings.registration_limit_per_ip,
        writes_per_account=settings.write_limit_per_account,
        writes_per_ip=settings.write_limit_per_ip))
    signal = OutboxSignal()
    graph_store = SqlGraphStore(router, signal)
    graph = GraphService(store=graph_store, accounts=account_store, id_source=id_source)
    post_store = SqlPostStore(router, signal)
    # Reads that wait on a network are worth overlapping; inline SQLite reads never wait.
    overlap_reads = not router.reads_inline or settings.feed_url != "sql"
    viewing = Viewing(posts=post_store, accounts=account_store, graph=graph_store,
                      pages=SqlFeedPages(router), overlap_reads=overlap_reads)
    affinity = SqlAffinityStore(router)
    media = _media_parts(settings, router, signal, post_store, viewing, id_source, stores)
    # A read may come from a replica lacking a change for as long as a writer reads the primary.
    settle = router.replicas.policy.read_your_writes_seconds if router.replicas.configured else 0
    recent_posts = RecentPosts(post_store, events, settle_seconds=settle)
    posts = PostService(store=post_store, media=media.store, accounts=account_store,
                        viewing=viewing, affinity=affinity, id_source=id_source,
                        media_lifecycle=media.lifecycle, recent_posts=recent_posts)
    policy = FanoutPolicy(mode=settings.fanout, celebrity_followers=settings.celebrity_followers,
                          inactive_days=settings.inactive_days, cap=settings.feed_cap)
    feeds = _feed_store(settings, router, redis_clients)
    fanout = FanOut(feeds=feeds, posts=post_store, accounts=account_store, graph=graph_store,
                    events=events, policy=policy)
    timelines = Timelines(feeds=feeds, posts=post_store, accounts=account_store,
                          graph=graph_store, affinity=affinity, viewing=viewing, fanout=fanout,
                          policy=policy, overlap_reads=overlap_reads, recent_posts=recent_posts,
                          celebrities=Celebrities(account_store, policy.celebrity_followers))
    search = SearchService(index=SqlSearchIndex(router), posts=post_store, graph=graph_store,
                           viewing=viewing)
    handlers: dict[str, list[EventHandler]] = {
        "follow_changed": [graph.on_follow_changed, fanout.on_follow_changed],
        "block_changed": [graph.on_block_changed, fanout.on_block_changed],
        "post_created": [posts.on_post_created, fanout.on_post_created,
                         media.lifecycle.on_post_created, search.on_post_created],
        "post_deleted": [posts.on_post_deleted, fanout.on_post_deleted,
                         media.lifecycle.on_post_deleted, search.on_post_deleted],
        "media_uploaded": [media.service.on_media_uploaded],
        "media_audience_changed": [media.lifecycle.on_audience_changed],
    }
    unposted = timedelta(hours=settings.unattached_media_hours)
    periodic: list[PeriodicJob] = [
        (3600.0, lambda: media.lifecycle.cleanup(older_than=unposted))]
    container = Container(settings=settings, router=router, lease=lease, id_source=id_source,
                          accounts=accounts, oauth=oauth, throttle=throttle, graph=graph,
                          posts=posts, fanout=fanout, feeds=feeds, timelines=timelines,
                          events=events,
                          outbox=SqlOutbox(router, signal), handlers=handlers,
                          media_parts=media, search=search, reads=reads,
                          periodic_jobs=periodic,
                          redis_clients=list(redis_clients.values()))
    container._tasks.append(asyncio.create_task(_keep_lease(container)))
    container._tasks.append(asyncio.create_task(tokens.follow_revocations()))
    if isinstance(events, SqlEventBus | PostgresEventBus):
        container._tasks.append(asyncio.create_task(events.follow()))
    container._tasks.append(asyncio.create_task(router.watch(settings.shard_map_refresh_seconds)))
    if router.replicas.configured:
        container._tasks.append(asyncio.create_task(router.replicas.keep_checking()))
    if policy.mode == "pull":
        await _follow_post_changes(container, recent_posts)
    return container


async def _follow_post_changes(container: Container, recent_posts: RecentPosts) -> None:
    container._tasks.append(asyncio.create_task(recent_posts.follow_changes()))
    # Until then pulled feeds keep nothing and read every followee's posts each time.
    try:
        async with asyncio.timeout(SUBSCRIBE_WAIT_SECONDS):
            await recent_posts.subscribed()
    except TimeoutError:
        log.warning("not subscribed to post changes yet; pulled feeds read more until it is")


async def _keep_lease(container: Container) -> None:
    """Renew the ID slot lease; if it was lost, take a new slot before minting more IDs."""
    interval = container.lease.ttl.total_seconds() / 3
    while True:
        await asyncio.sleep(interval)
        try:
            if not await container.lease.renew():
                log.error("ID slot lease %s was lost; taking a new one", container.lease.slot)
                container.id_source.slot = await container.lease.acquire()
        except Exception:
            log.exception("could not renew the ID slot lease; retrying")
