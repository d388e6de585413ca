"""How close a reader is to the authors they read, for ranking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class AffinityStore(Protocol):
    async def bump(self, account_id: int, author_id: int, amount: int) -> None:
        """Record an interaction of the reader with an author."""

    async def scores(self, account_id: int, author_ids: Iterable[int]) -> dict[int, int]:
        """The reader's affinity for each author (missing means none)."""
