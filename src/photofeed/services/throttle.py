"""Limits on guessable actions: signing in and signing up."""

from __future__ import annotations

from dataclasses import dataclass

from photofeed.domain.errors import RateLimited
from photofeed.ports.ratelimit import LimitState, RateLimiter


@dataclass(frozen=True)
class ThrottleLimits:
    signin_per_ip: str = "30/minute"
    signin_per_account: str = "10/minute"
    registration_per_ip: str = "10/hour"
    writes_per_account: str = "300/5minutes"
    writes_per_ip: str = "1500/5minutes"


class Throttle:
    def __init__(self, *, limiter: RateLimiter, limits: ThrottleLimits) -> None:
        self._limiter = limiter
        self._limits = limits

    async def signin(self, *, ip: str, login: str) -> LimitState:
        """Count a sign-in attempt from this address for this account."""
        await self._check(self._limits.signin_per_ip, "signin-ip", ip)
        return await self._check(self._limits.signin_per_account, "signin-account",
                                 login.strip().lower())

    async def write(self, *, ip: str, account_id: int | None) -> None:
        """Count a mutation: posting, following, liking, uploading."""
        await self._check(self._limits.writes_per_ip, "write-ip", ip)
        if account_id is not None:
            await self._check(self._limits.writes_per_account, "write-account",
                              str(account_id))

    async def registration(self, *, ip: str) -> LimitState:
        return await self._check(self._limits.registration_per_ip, "register-ip", ip)

    async def _check(self, limit: str, *keys: str) -> LimitState:
        state = await self._limiter.hit(limit, *keys)
        if not state.allowed:
            raise RateLimited("Too many requests", limit=state.limit, reset_at=state.reset_at)
        return state
