"""Counting attempts against limits such as "10/minute"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LimitState:
    allowed: bool
    limit: int
    remaining: int
    reset_at: datetime


class RateLimiter(Protocol):
    async def hit(self, limit: str, *keys: str) -> LimitState:
        """Count one attempt under `limit` for the bucket named by keys."""
