"""Media attachments as posts and clients see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MediaType = Literal["image", "gifv", "video"]
MediaStatus = Literal["processing", "ready", "failed"]


@dataclass(frozen=True)
class Variant:
    """One stored rendition: the original's pixels, a feed size, a grid size, a poster."""

    key: str
    width: int
    height: int
    mime: str
    size: int


@dataclass(frozen=True)
class MediaAttachment:
    id: int
    account_id: int
    type: MediaType
    status: MediaStatus
    variants: dict[str, Variant]
    blurhash: str | None
    description: str
    focus: tuple[float, float] | None
    duration: float | None
    fps: float | None
    post_id: int | None
    created_at: datetime
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.status == "ready"
