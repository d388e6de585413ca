"""Turning uploaded files into safe, servable renditions: the port the media services use.

The adapter does the pixel work (Pillow, PyAV) in threads; services see paths and sizes.
It raises the domain's errors: UnsupportedMedia (415), PayloadTooLarge (413, bytes or
pixels) and Unprocessable (422: corrupt, truncated, too long).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

UploadKind = Literal["photo", "video"]


@dataclass(frozen=True)
class Rendered:
    """One output file in a workspace, ready to be stored."""

    path: Path
    width: int
    height: int
    mime: str
    suffix: str  # ".jpg", ".webp", ".mp4": the stored name ends with it


@dataclass(frozen=True)
class Renditions:
    """Everything made from one upload: named files, a blurhash and, for video, timing."""

    kind: UploadKind
    files: dict[str, Rendered]
    blurhash: str | None
    duration: float | None = None
    fps: float | None = None
    meta: dict[str, str] = field(default_factory=dict)


class MediaProcessor(Protocol):
    def kind_of(self, head: bytes, size: int) -> UploadKind:
        """Photo or video, told by the first bytes; refuse other types and over-size files."""

    def workspace(self) -> AbstractAsyncContextManager[Path]:
        """A private temporary directory, removed with all it holds on exit."""

    async def photo(self, src: Path, work: Path) -> Renditions:
        """original (metadata stripped), large and small, a blurhash."""

    async def video(self, src: Path, work: Path) -> Renditions:
        """original (a clean web-playable copy), poster and small pictures, timing."""

    async def portrait(self, src: Path, work: Path, *, width: int, height: int) -> Renditions:
        """One picture cropped to fill width x height (avatars, headers) as "original"."""
