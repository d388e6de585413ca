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
from photofeed.adapters.passwords import Argon2PasswordHasher
from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.affinity import SqlAffinityStore
from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.feed_pages import SqlFeedPages
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.id_leases import SqlSlotLease
from photofeed.adapters.sql.migrate import migrate_all
from photofeed.adapters.sql.oauth import SqlOAuthStore
from photofeed.adapters.sql.outbox import OutboxSignal, SqlOutbox
from photofeed.adapters.sql.pg_events import PostgresEventBus
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.search import SqlSearchIndex
from photofeed.bootstrap.backends import (
    event_bus,
    feed_store,
    first_replica_check,
    make_router,
    ping_all,
    rate_limiter,
    read_your_writes,
)
from photofeed.bootstrap.media import MediaParts, blob_stores, media_parts
from photofeed.config import Settings
from photofeed.domain.feed import FanoutPolicy
from photofeed.domain.media_links import LinkSigner
from photofeed.ports.blobs import BlobStore
from photofeed.ports.events import EventBus
from photofeed.ports.feeds import FeedStore
from photofeed.ports.media import MediaStore
from photofeed.ports.outbox import Outbox
from photofeed.ports.public_media import PublicMedia
from photofeed.services.accounts import AccountService
from photofeed.services.celebrities import Celebrities
from photofeed.services.feed_read import Timelines
from photofeed.services.feed_write import FanOut
from photofeed.services.followed_celebrities import FollowedCelebrities
from photofeed.services.graph import GraphService
from photofeed.services.kept_reads import KeptReads
from photofeed.services.media import MediaService
from photofeed.services.oauth import OAuthService
from photofeed.services.posts import PostService
from photofeed.services.read_your_writes import ReadYourWrites
from photofeed.services.recent_posts import RecentPosts
from photofeed.services.search import SearchService
from photofeed.services.throttle import Throttle, ThrottleLimits
from photofeed.services.token_cache import TokenCache
from photofeed.services.viewing import Viewing

# make_router: the CLI's commands that need the databases alone make theirs with it.
__all__ = ["Container", "build", "make_router"]

log = logging.getLogger(__name__)
# How long start-up waits for the event bus before serving without in-memory post lists.
SUBSCRIBE_WAIT_SECONDS = 2.0
EventHandler = Callable[[dict[str, Any]], Awaitable[None]]
# (seconds between runs, job): run by whichever process runs the outbox workers.
PeriodicJob = tuple[float, Callable[[], Awaitable[object]]]


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
                  "redis": ping_all(self.redis_clients),
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


async def build(settings: Settings, *, migrate: bool = True) -> Container:
    """Connect to the configured backends and wire the services."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    router = make_router(settings)
    try:
        await router.check_reachable()
    except BaseException:
        await router.dispose()
        raise
    stores = blob_stores(settings)
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
    await first_replica_check(router)
    lease = SqlSlotLease(router)
    id_source = ids.IdGenerator(await lease.acquire())
    redis_clients: dict[str, Redis] = {}
    reads = read_your_writes(settings, router, redis_clients)
    hasher = Argon2PasswordHasher(time_cost=settings.password_time_cost,
                                  memory_kib=settings.password_memory_kib)
    account_store = SqlAccountStore(router)
    accounts = AccountService(store=account_store, hasher=hasher, id_source=id_source)
    ttl = settings.access_token_ttl_seconds
    events = event_bus(settings, router, redis_clients)
    tokens = TokenCache(events)
    oauth = OAuthService(store=SqlOAuthStore(router), accounts=accounts, id_source=id_source,
                         tokens=tokens, token_ttl=timedelta(seconds=ttl) if ttl else None)
    throttle = Throttle(limiter=rate_limiter(settings, redis_clients), limits=ThrottleLimits(
        signin_per_ip=settings.signin_limit_per_ip,
        signin_per_account=settings.signin_limit_per_account,
        registration_per_ip=settings.registration_limit_per_ip,
        writes_per_account=settings.write_limit_per_account,
        writes_per_ip=settings.write_limit_per_ip))
    signal = OutboxSignal()
    graph_store = SqlGraphStore(router, signal)
    # A read may come from a replica lacking a change for as long as a writer reads the primary.
    settle = router.replicas.policy.read_your_writes_seconds if router.replicas.configured else 0
    followed_celebrities = FollowedCelebrities(graph_store, events, settle_seconds=settle)
    graph = GraphService(store=graph_store, accounts=account_store, id_source=id_source,
                         followed_celebrities=followed_celebrities)
    post_store = SqlPostStore(router, signal)
    # Reads that wait on a network are worth overlapping; inline SQLite reads never wait.
    overlap_reads = not router.reads_inline or settings.feed_url != "sql"
    viewing = Viewing(posts=post_store, accounts=account_store, graph=graph_store,
                      pages=SqlFeedPages(router), overlap_reads=overlap_reads)
    affinity = SqlAffinityStore(router)
    media = media_parts(settings, router, signal, post_store, viewing, id_source, stores)
    recent_posts = RecentPosts(post_store, events, settle_seconds=settle)
    posts = PostService(store=post_store, media=media.store, accounts=account_store,
                        viewing=viewing, affinity=affinity, id_source=id_source,
                        media_lifecycle=media.lifecycle, recent_posts=recent_posts)
    policy = FanoutPolicy(mode=settings.fanout, celebrity_followers=settings.celebrity_followers,
                          inactive_days=settings.inactive_days, cap=settings.feed_cap)
    feeds = feed_store(settings, router, redis_clients)
    fanout = FanOut(feeds=feeds, posts=post_store, accounts=account_store, graph=graph_store,
                    events=events, policy=policy)
    timelines = Timelines(feeds=feeds, posts=post_store, accounts=account_store,
                          graph=graph_store, affinity=affinity, viewing=viewing, fanout=fanout,
                          policy=policy, overlap_reads=overlap_reads, recent_posts=recent_posts,
                          celebrities=Celebrities(account_store, policy.celebrity_followers),
                          followed_celebrities=followed_celebrities)
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
        await _follow_changes(container, recent_posts)
    elif policy.mode == "hybrid":
        await _follow_changes(container, recent_posts, followed_celebrities)
    return container


async def _follow_changes(container: Container, *kept: KeptReads[Any]) -> None:
    """Start hearing the changes that let reads be kept in memory between feed reads."""
    for each in kept:
        container._tasks.append(asyncio.create_task(each.follow_changes()))
    # Until then pulled feeds keep nothing and read from the databases each time.
    try:
        async with asyncio.timeout(SUBSCRIBE_WAIT_SECONDS):
            await asyncio.gather(*(each.subscribed() for each in kept))
    except TimeoutError:
        log.warning("not subscribed to changes yet; pulled feeds read more until it is")


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
