"""Leases on ID generator slots, so no two live processes mint IDs with the same slot."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from photofeed import ids
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import id_leases

log = logging.getLogger(__name__)


class NoFreeSlot(RuntimeError):
    """Every generator slot is held by a live process."""


class SqlSlotLease:
    """Holds one slot in the directory database, renewed well before it lapses."""

    def __init__(self, router: ShardRouter, *, ttl: timedelta = timedelta(seconds=60)) -> None:
        self._router = router
        self.ttl = ttl
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.slot: int | None = None

    async def acquire(self) -> int:
        """Take the lowest slot that is free or whose holder stopped renewing it."""
        for _attempt in range(5):
            now = datetime.now(UTC)
            async with self._router.directory.connect() as conn:
                rows = (await conn.execute(select(id_leases.c.slot, id_leases.c.expires_at))).all()
            held = {slot for slot, expires in rows if expires > now}
            present = {slot for slot, _ in rows}
            for slot in (s for s in range(ids.SLOTS) if s not in held):
                if await self._take(slot, now, exists=slot in present):
                    self.slot = slot
                    return slot
        raise NoFreeSlot(f"all {ids.SLOTS} ID generator slots are leased")

    async def _take(self, slot: int, now: datetime, *, exists: bool) -> bool:
        expires = now + self.ttl
        try:
            async with self._router.write_engine(0) as conn:
                if not exists:
                    await conn.execute(insert(id_leases).values(
                        slot=slot, owner=self.owner, expires_at=expires))
                    return True
                result = await conn.execute(update(id_leases).where(
                    id_leases.c.slot == slot, id_leases.c.expires_at <= now
                ).values(owner=self.owner, expires_at=expires))
                return result.rowcount == 1
        except IntegrityError:
            return False

    async def renew(self) -> bool:
        """Extend the lease; False when it was lost (the caller must stop minting)."""
        now = datetime.now(UTC)
        async with self._router.write_engine(0) as conn:
            result = await conn.execute(update(id_leases).where(
                id_leases.c.slot == self.slot, id_leases.c.owner == self.owner
            ).values(expires_at=now + self.ttl))
        return result.rowcount == 1

    async def release(self) -> None:
        if self.slot is None:
            return
        async with self._router.write_engine(0) as conn:
            await conn.execute(delete(id_leases).where(
                id_leases.c.slot == self.slot, id_leases.c.owner == self.owner))
        self.slot = None

