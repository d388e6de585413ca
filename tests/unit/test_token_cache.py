"""TokenCache: kept tokens age out, the oldest go first, revocations reach every cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from photofeed.adapters.events import InProcessEventBus
from photofeed.domain.oauth import AccessToken
from photofeed.domain.scopes import Scopes
from photofeed.services.token_cache import TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def token(name: str) -> AccessToken:
    return AccessToken(token_hash=name, client_id="app", account_id=1,
                       scopes=Scopes.parse("read"), created_at=datetime(2026, 1, 1, tzinfo=UTC),
                       expires_at=None, revoked_at=None)


def test_a_kept_token_is_given_back_until_it_is_ttl_old() -> None:
    clock = Clock()
    cache = TokenCache(InProcessEventBus(), ttl=30, clock=clock)
    cache.keep(token("a"))
    clock.now += 29.9
    assert cache.get("a") == token("a")
    clock.now += 0.1
    assert cache.get("a") is None  # the store is asked again, and may say it was revoked
    assert cache.get("never") is None


def test_the_longest_kept_token_goes_first_when_full() -> None:
    clock = Clock()
    cache = TokenCache(InProcessEventBus(), max_tokens=2, clock=clock)
    cache.keep(token("a"))
    cache.keep(token("b"))
    cache.keep(token("a"))  # read again: now the newest
    cache.keep(token("c"))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None


async def test_a_revocation_reaches_every_cache_on_the_bus() -> None:
    bus = InProcessEventBus()
    here, there = TokenCache(bus), TokenCache(bus)
    following = asyncio.create_task(there.follow_revocations())
    try:
        for cache in (here, there):
            cache.keep(token("a"))
            cache.keep(token("b"))
        await asyncio.sleep(0)  # the follower subscribes
        await here.revoked("a")
        assert here.get("a") is None
        for _ in range(100):
            if there.get("a") is None:
                break
            await asyncio.sleep(0.01)
        assert there.get("a") is None
        assert there.get("b") is not None
    finally:
        following.cancel()
