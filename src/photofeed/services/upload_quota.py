"""Upload quotas: how much one account may keep stored, and upload in one UTC day.

Both are counted from durable rows, not process memory: stored bytes are summed from the
account's media rows (so deleting a post or the clean-up of unposted uploads gives them
back at once), and the day's bytes from a per-day counter that deleting does not lower.
Two uploads racing may both pass a check; a quota can be overshot by at most the uploads
in flight at once, never grown without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from photofeed.domain.errors import PayloadTooLarge, RateLimited
from photofeed.ports.media import MediaStore
from photofeed.services.clock import Clock, utc_now


@dataclass(frozen=True)
class QuotaLimits:
    """Bytes; 0 turns a quota off."""

    stored_bytes: int = 0
    daily_bytes: int = 0


class UploadQuota:
    def __init__(self, *, store: MediaStore, limits: QuotaLimits,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._limits = limits
        self._clock = clock

    async def admit(self, *, account_id: int, size: int) -> None:
        """Count an upload of `size` bytes against the account's quotas, or refuse it.

        Over the storage quota: 413, as the upload cannot be kept however long one waits.
        Over the daily quota: 429 with the moment the allowance renews.
        """
        if self._limits.stored_bytes:
            stored = await self._store.stored_bytes(account_id)
            if stored + size > self._limits.stored_bytes:
                raise PayloadTooLarge(
                    f"Storage quota reached: {stored} of {self._limits.stored_bytes} bytes "
                    f"are in use and this upload is {size} bytes; delete posts to make room")
        if self._limits.daily_bytes:
            today = self._clock().astimezone(UTC).date()
            uploaded = await self._store.uploaded_on(account_id, today)
            if uploaded + size > self._limits.daily_bytes:
                renews = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
                raise RateLimited(
                    f"Daily upload quota reached: {uploaded} of {self._limits.daily_bytes} "
                    f"bytes uploaded today (UTC) and this upload is {size} bytes",
                    limit=self._limits.daily_bytes, reset_at=renews)
            await self._store.count_upload(account_id, today, size)
