"""Where media attachment records are kept (the bytes live in a BlobStore)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from photofeed.domain.media import MediaAttachment


class MediaStore(Protocol):
    async def add(self, media: MediaAttachment) -> None:
        """Record a new upload."""

    async def get(self, media_id: int) -> MediaAttachment | None:
        """One attachment by ID."""

    async def get_many(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        """Several attachments, one query per database."""

    async def replace(self, media: MediaAttachment) -> None:
        """Store a changed attachment (processing finished, description edited, attached)."""

    async def attach(self, media_ids: list[int], post_id: int) -> None:
        """Mark uploads as used by a post, so the cleanup job leaves them alone."""

    async def unattached_before(self, moment: datetime, limit: int) -> list[MediaAttachment]:
        """Uploads nobody posted, older than `moment`, for the cleanup job."""
