"""MediaProcessor on photofeed.media (Pillow, PyAV): the pixel work, in worker threads."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from prometheus_client import Histogram

from photofeed.domain.errors import PayloadTooLarge, Unprocessable, UnsupportedMedia
from photofeed.media import errors
from photofeed.media.detect import MediaKind, sniff
from photofeed.media.images import ProcessedImage, process_image
from photofeed.media.images import Variant as ImageVariant
from photofeed.media.limits import MediaLimits, check_file_size
from photofeed.media.portrait import render_cropped
from photofeed.media.video import process_video
from photofeed.ports.media_processing import Rendered, Renditions, UploadKind

T = TypeVar("T")
# Wall time of the pixel work alone (decode, resize, encode; for video, probe and
# re-wrap or transcode), by kind and whether it produced a result.
PROCESSING_SECONDS = Histogram(
    "photofeed_media_processing_seconds", "Time to process one uploaded photo or video.",
    ["kind", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900))
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
           "video/mp4": ".mp4", "video/webm": ".webm"}


class PillowAvProcessor:
    def __init__(self, limits: MediaLimits, scratch: Path) -> None:
        self._limits = limits
        self._scratch = scratch

    def kind_of(self, head: bytes, size: int) -> UploadKind:
        fmt = _translated(sniff, head)
        kind: UploadKind = "video" if fmt.kind is MediaKind.VIDEO else "photo"
        limit = self._limits.max_video_bytes if kind == "video" else self._limits.max_photo_bytes
        _translated(check_file_size, size, limit, kind)
        return kind

    @asynccontextmanager
    async def workspace(self) -> AsyncIterator[Path]:
        self._scratch.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=self._scratch, prefix="work-"))
        try:
            yield work
        finally:
            await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)

    async def photo(self, src: Path, work: Path) -> Renditions:
        done = await _timed("photo", process_image, src, work, self._limits)
        return Renditions(kind="photo", files=_files(done), blurhash=done.blurhash)

    async def video(self, src: Path, work: Path) -> Renditions:
        done = await _timed("video", process_video, src, work, self._limits)
        clip = Rendered(done.path, done.width, done.height, done.mime, _SUFFIX[done.mime])
        poster = _files(done.poster)
        return Renditions(kind="video", files={"original": clip, "poster": poster["large"],
                                               "small": poster["small"]},
                          blurhash=done.poster.blurhash, duration=round(done.duration, 3),
                          fps=round(done.source.fps, 3))

    async def portrait(self, src: Path, work: Path, *, width: int, height: int) -> Renditions:
        done = await _in_thread(render_cropped, src, work, (width, height), self._limits)
        return Renditions(kind="photo", files={"original": _rendered(done)}, blurhash=None)


def _files(done: ProcessedImage) -> dict[str, Rendered]:
    return {name: _rendered(variant) for name, variant in done.variants.items()}


def _rendered(variant: ImageVariant) -> Rendered:
    return Rendered(variant.path, variant.width, variant.height, variant.mime,
                    _SUFFIX[variant.mime])


async def _in_thread(job: Callable[..., T], *args: object) -> T:
    return await asyncio.to_thread(_translated, job, *args)


async def _timed(kind: str, job: Callable[..., T], *args: object) -> T:
    started = time.perf_counter()
    outcome = "failed"
    try:
        done = await _in_thread(job, *args)
        outcome = "done"
        return done
    finally:
        PROCESSING_SECONDS.labels(kind, outcome).observe(time.perf_counter() - started)


def _translated(job: Callable[..., T], *args: object) -> T:
    """Run job, turning the media library's errors into the domain's (and HTTP statuses)."""
    try:
        return job(*args)
    except errors.MediaTooLarge as exc:  # DecompressionBomb included
        raise PayloadTooLarge(str(exc)) from None
    except errors.UnsupportedMediaType as exc:
        raise UnsupportedMedia(str(exc)) from None
    except errors.MediaError as exc:  # corrupt, truncated, too long
        raise Unprocessable(str(exc)) from None
