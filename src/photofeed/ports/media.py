"""Where media attachment records are kept (the bytes live in a BlobStore)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol

from photofeed.domain.media import MediaAttachment


class MediaStore(Protocol):
    async def add(self, media: MediaAttachment, *,
                  announce_in: timedelta | None = None) -> None:
        """Record a new upload and the blobs it uses; `announce_in` queues media_uploaded
        in the same transaction, for the worker that processes videos, due that much
        later (none without it)."""

    async def get(self, media_id: int) -> MediaAttachment | None:
        """One attachment by ID."""

    async def get_many(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        """Several attachments, one query per database."""

    async def replace(self, media: MediaAttachment) -> None:
        """Store a changed attachment (processing finished, description edited, attached)."""

    async def attach(self, media_ids: list[int], post_id: int) -> bool:
        """Claim unused uploads for a post, all or none; False if one is already posted."""

    async def detach(self, media_ids: list[int], post_id: int) -> None:
        """Give back uploads a post claimed but could not use."""

    async def unattached_before(self, moment: datetime, limit: int) -> list[MediaAttachment]:
        """Uploads nobody posted, older than `moment`, for the cleanup job."""

    async def by_post(self, post_id: int) -> list[MediaAttachment]:
        """The uploads a post used (it may be deleted since)."""

    async def delete(self, media_id: int, *, unattached_before: datetime | None = None) -> bool:
        """Forget an upload and its blob references; with `unattached_before`, only if it
        is still unposted and older. Whether a row was deleted."""

    async def referencing(self, account_id: int, key: str) -> list[int]:
        """IDs of the owner's uploads that use a blob, one query per database."""

    async def stored_bytes(self, account_id: int) -> int:
        """What the owner's uploads take on disk, over every database."""

    async def uploaded_on(self, account_id: int, day: date) -> int:
        """Bytes the account uploaded on this UTC day (deleted uploads included)."""

    async def count_upload(self, account_id: int, day: date, size: int) -> None:
        """Add an accepted upload's bytes to the account's total for the day."""

    async def announce_audience_change(self, account_id: int) -> None:
        """Queue media_audience_changed: who may see the account's posts has changed."""
