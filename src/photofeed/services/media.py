"""Use cases of uploads: accept a photo or video, describe it, finish videos in a worker.

Photos are processed before the upload is answered; a video is stored as it came and
processed by the outbox worker (event media_uploaded), so the upload returns at once. The
v1 API answers with the video processed: the request processes it, and the worker only
takes over if that request died.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from photofeed import ids
from photofeed.domain.accounts import Account
from photofeed.domain.errors import DomainError, NotFound, Unprocessable
from photofeed.domain.media import MediaAttachment, Variant
from photofeed.domain.media_links import LinkSigner
from photofeed.ports.blobs import BlobStore, sha256_of_file
from photofeed.ports.media import MediaStore
from photofeed.ports.media_processing import MediaProcessor, Rendered, UploadKind
from photofeed.services.clock import Clock, utc_now
from photofeed.services.media_lifecycle import MediaLifecycle
from photofeed.services.upload_quota import UploadQuota

log = logging.getLogger(__name__)
SNIFF_BYTES = 4096
# A video uploaded through the synchronous v1 API is processed by the request itself; the
# worker's event waits this long, and only processes it if that request died on the way.
# The longest video accepted runs ten minutes, and 1080p HEVC transcodes at 1.1-2.1x real
# time on two cores (docs/media.md): at most about nine minutes.
V1_WORKER_TAKEOVER = timedelta(minutes=15)
DESCRIPTION_MAX = 1500
PORTRAITS = {"avatar": (400, 400), "header": (1500, 500)}
Portrait = Literal["avatar", "header"]


@dataclass(frozen=True)
class MediaDetails:
    """What an uploader may say about a file: alt text, focal point, a video's poster."""

    description: str | None = None
    focus: tuple[float, float] | None = None
    thumbnail: Path | None = None


def parse_focus(text: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point "x,y", each between -1 and 1; None when not given."""
    if text is None or not text.strip():
        return None
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise Unprocessable('focus must be "x,y" with numbers between -1 and 1') from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):
        raise Unprocessable('focus must be "x,y" with numbers between -1 and 1')
    return (x, y)


class MediaService:
    def __init__(self, *, store: MediaStore, blobs: BlobStore, processor: MediaProcessor,
                 lifecycle: MediaLifecycle, names: LinkSigner, id_source: ids.IdGenerator,
                 quota: UploadQuota, clock: Clock = utc_now) -> None:
        self._store = store
        self._blobs = blobs
        self._processor = processor
        self._lifecycle = lifecycle
        self._names = names
        self._ids = id_source
        self._quota = quota
        self._clock = clock

    def check_upload(self, head: bytes, size: int) -> UploadKind:
        """Photo or video, by content; refuse other types and over-size files at once."""
        return self._processor.kind_of(head, size)

    def workspace(self) -> AbstractAsyncContextManager[Path]:
        """A scratch directory for one upload, removed with everything in it."""
        return self._processor.workspace()

    async def upload(self, *, actor: Account, src: Path, work: Path, details: MediaDetails,
                     synchronous: bool = False) -> MediaAttachment:
        """Store a new upload: a processed photo, or a video queued for processing, or
        processed before this returns when `synchronous` (the v1 API)."""
        _check_description(details.description)
        head, size = await asyncio.to_thread(_head_and_size, src)
        kind = self.check_upload(head, size)
        await self._quota.admit(account_id=actor.id, size=size)
        item = MediaAttachment(
            id=self._ids.new_id(), account_id=actor.id, type="image", status="ready",
            variants={}, blurhash=None, description=details.description or "",
            focus=details.focus, duration=None, fps=None, post_id=None,
            created_at=self._clock())
        if kind == "photo":
            return await self._add_photo(item, src, work)
        if not synchronous:
            return await self._add_video(item, src, work, details.thumbnail,
                                         announce_in=timedelta(0))
        item = await self._add_video(item, src, work, details.thumbnail,
                                     announce_in=V1_WORKER_TAKEOVER)
        await self.on_media_uploaded({"media_id": str(item.id)})
        return await self.get(actor=actor, media_id=item.id)

    async def _add_photo(self, item: MediaAttachment, src: Path,
                         work: Path) -> MediaAttachment:
        made = await self._processor.photo(src, work)
        digests = await _digests(made.files)
        item = replace(item, variants=self._variants(item.account_id, made.files, digests),
                       blurhash=made.blurhash)
        # Recorded before the blobs are written, so the cleanup of an identical older upload
        # sees the new reference and keeps the shared blob. Nobody knows the ID yet.
        await self._store.add(item)
        await self._put_or_forget(item, made.files, digests)
        return item

    async def _add_video(self, item: MediaAttachment, src: Path, work: Path,
                         thumbnail: Path | None, *, announce_in: timedelta) -> MediaAttachment:
        upload = Rendered(src, 0, 0, "application/octet-stream", ".upload")
        files = {"upload": upload}
        if thumbnail is not None:
            poster = await self._processor.photo(thumbnail, work)
            files |= {"poster": poster.files["large"], "small": poster.files["small"]}
            item = replace(item, blurhash=poster.blurhash)
        digests = await _digests(files)
        variants = self._variants(item.account_id, files, digests)
        # The raw upload is this record's alone: never served, deleted once processed.
        variants["upload"] = replace(variants["upload"], key=f"{item.id}-source.upload")
        item = replace(item, type="video", status="processing", variants=variants)
        await self._put(item, files, digests)
        await self._store.add(item, announce_in=announce_in)
        return item

    async def get(self, *, actor: Account, media_id: int) -> MediaAttachment:
        """One's own upload; others' are not found, whoever asks."""
        item = await self._store.get(media_id)
        if item is None or item.account_id != actor.id:
            raise NotFound("Record not found")
        return item

    async def update(self, *, actor: Account, media_id: int, details: MediaDetails,
                     work: Path) -> MediaAttachment:
        """Change the alt text, focal point or (for video) the poster of one's upload."""
        _check_description(details.description)
        item = await self.get(actor=actor, media_id=media_id)
        changed = replace(item, description=item.description if details.description is None
                          else details.description, focus=details.focus or item.focus)
        if details.thumbnail is not None and item.type == "video":
            poster = await self._processor.photo(details.thumbnail, work)
            files = {"poster": poster.files["large"], "small": poster.files["small"]}
            digests = await _digests(files)
            changed = replace(changed, blurhash=poster.blurhash, variants=item.variants
                              | self._variants(item.account_id, files, digests))
            await self._put(changed, files, digests)
        await self._store.replace(changed)
        await self._lifecycle.release(item.account_id, _dropped_keys(item, changed))
        return changed

    async def store_portrait(self, *, actor: Account, src: Path, work: Path,
                             which: Portrait) -> str:
        """Crop and store an avatar or header; its key, public from now on."""
        width, height = PORTRAITS[which]
        made = await self._processor.portrait(src, work, width=width, height=height)
        digests = await _digests(made.files)
        key = self._variants(actor.id, made.files, digests)["original"].key
        rendered = made.files["original"]
        await self._blobs.put_file(key, rendered.path, rendered.mime,
                                   sha256=digests["original"])
        await self._lifecycle.publish_keys([key])
        return key

    async def drop_portrait(self, *, actor: Account, key: str) -> None:
        """Delete a replaced avatar or header."""
        await self._lifecycle.release(actor.id, [key])

    async def on_media_uploaded(self, event: dict[str, Any]) -> None:
        """Process an uploaded video; safe to repeat, and a bad video is marked failed."""
        item = await self._store.get(int(event["media_id"]))
        if item is None or item.status != "processing" or "upload" not in item.variants:
            return
        async with self.workspace() as work:
            source = await self._fetch(item.variants["upload"].key, work / "source")
            try:
                done = await self._finish_video(item, source, work)
            except DomainError as exc:
                log.info("video %s could not be processed: %s", item.id, exc)
                done = replace(item, status="failed", error=str(exc),
                               variants={k: v for k, v in item.variants.items()
                                         if k != "upload"})
        current = await self._store.get(item.id)
        if current is None or current.status != "processing":
            # Another worker finished first (a long video outlived the outbox lease), or the
            # upload was deleted meanwhile: keep what stands, drop what this run made.
            await self._lifecycle.release(item.account_id, _dropped_keys(done, item))
            return
        await self._store.replace(done)
        await self._lifecycle.release(item.account_id, _dropped_keys(item, done))
        log.info("video %s is %s", item.id, done.status)

    async def _finish_video(self, item: MediaAttachment, source: Path,
                            work: Path) -> MediaAttachment:
        made = await self._processor.video(source, work)
        # A poster the uploader chose (thumbnail) wins over the frame we picked.
        files = {name: rendered for name, rendered in made.files.items()
                 if name not in item.variants}
        digests = await _digests(files)
        variants = {k: v for k, v in item.variants.items() if k != "upload"}
        variants |= self._variants(item.account_id, files, digests)
        done = replace(item, status="ready", variants=variants, duration=made.duration,
                       fps=made.fps, blurhash=item.blurhash or made.blurhash)
        await self._put(done, files, digests)
        return done

    async def _fetch(self, key: str, target: Path) -> Path:
        local = self._blobs.local_path(key)
        if local is not None:
            return local
        with target.open("wb") as fh:
            async for chunk in await self._blobs.read_range(key):
                await asyncio.to_thread(fh.write, chunk)
        return target

    def _variants(self, account_id: int, files: dict[str, Rendered],
                  digests: dict[str, str]) -> dict[str, Variant]:
        return {name: Variant(key=self._names.blob_name(account_id, digests[name]) + f.suffix,
                              width=f.width, height=f.height, mime=f.mime,
                              size=f.path.stat().st_size)
                for name, f in files.items()}

    async def _put(self, item: MediaAttachment, files: dict[str, Rendered],
                   digests: dict[str, str]) -> None:
        for name, rendered in files.items():
            await self._blobs.put_file(item.variants[name].key, rendered.path, rendered.mime,
                                       sha256=digests[name])

    async def _put_or_forget(self, item: MediaAttachment, files: dict[str, Rendered],
                             digests: dict[str, str]) -> None:
        try:
            await self._put(item, files, digests)
        except BaseException:
            if await self._store.delete(item.id):
                await self._lifecycle.release(item.account_id,
                                              [v.key for v in item.variants.values()])
            raise


def _head_and_size(path: Path) -> tuple[bytes, int]:
    with path.open("rb") as fh:
        return fh.read(SNIFF_BYTES), os.fstat(fh.fileno()).st_size


async def _digests(files: dict[str, Rendered]) -> dict[str, str]:
    return {name: await asyncio.to_thread(sha256_of_file, f.path) for name, f in files.items()}


def _dropped_keys(before: MediaAttachment, after: MediaAttachment) -> set[str]:
    kept = {v.key for v in after.variants.values()}
    return {v.key for v in before.variants.values()} - kept


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise Unprocessable(f"description is too long (maximum is {DESCRIPTION_MAX} "
                            "characters)")
