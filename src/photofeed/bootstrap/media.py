"""The media side of the composition root: blob stores, public copies, signing, processing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from photofeed import ids
from photofeed.adapters import secret_key
from photofeed.adapters.blobs.local import LocalBlobStore
from photofeed.adapters.blobs.public import LocalPublicMedia
from photofeed.adapters.blobs.s3 import S3BlobStore, open_bucket
from photofeed.adapters.blobs.s3_public import S3PublicMedia
from photofeed.adapters.media_processing import PillowAvProcessor
from photofeed.adapters.sql.media import SqlMediaStore
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.config import Settings
from photofeed.domain.media_links import LinkSigner
from photofeed.media.limits import MediaLimits
from photofeed.media_location import S3Location
from photofeed.ports.blobs import BlobStore, BlobStoreUnavailable
from photofeed.ports.media import MediaStore
from photofeed.ports.media_processing import MediaProcessor
from photofeed.ports.public_media import PublicMedia
from photofeed.services.media import MediaService
from photofeed.services.media_lifecycle import MediaLifecycle
from photofeed.services.upload_quota import QuotaLimits, UploadQuota
from photofeed.services.viewing import Viewing


@dataclass
class MediaParts:
    """Uploads, their records, the blob store and the public copies, URL signing, and
    the processor that renders photos and transcodes videos."""

    service: MediaService
    store: MediaStore
    processor: MediaProcessor
    lifecycle: MediaLifecycle
    blobs: BlobStore
    public: PublicMedia
    signer: LinkSigner
    # Raises unless the store answers: for readiness and start-up.
    check: Callable[[], Awaitable[None]]


# The blob store, its public copies, and the check that it answers.
BlobStores = tuple[BlobStore, PublicMedia, Callable[[], Awaitable[None]]]


def media_parts(settings: Settings, router: ShardRouter, signal: OutboxSignal,
                posts: SqlPostStore, viewing: Viewing, id_source: ids.IdGenerator,
                stores: BlobStores) -> MediaParts:
    """The media services over the given blob stores."""
    secret = settings.secret_key.encode() if settings.secret_key else \
        secret_key.load_or_create(settings.secret_key_file)
    signer = LinkSigner(secret, ttl_seconds=settings.media_url_ttl_seconds)
    limits = MediaLimits(max_photo_bytes=settings.max_photo_bytes,
                         max_video_bytes=settings.max_video_bytes, max_pixels=settings.max_pixels,
                         max_video_seconds=settings.max_video_seconds)
    blobs, public, check = stores
    store = SqlMediaStore(router, signal)
    lifecycle = MediaLifecycle(store=store, posts=posts, viewing=viewing, blobs=blobs,
                               public=public)
    quota = UploadQuota(store=store, limits=QuotaLimits(
        stored_bytes=settings.storage_quota_bytes, daily_bytes=settings.daily_upload_quota_bytes))
    processor = PillowAvProcessor(limits, settings.media_dir / "tmp")
    service = MediaService(store=store, blobs=blobs, lifecycle=lifecycle, names=signer,
                           processor=processor, id_source=id_source, quota=quota)
    return MediaParts(service=service, store=store, processor=processor, lifecycle=lifecycle,
                      blobs=blobs, public=public, signer=signer, check=check)


def blob_stores(settings: Settings) -> BlobStores:
    """The blob store and public copies PHOTOFEED_MEDIA_URL names, and their health check."""
    location = settings.media_location
    if location is None:
        local = LocalBlobStore(settings.media_dir / "blobs")
        # Beside the blobs, on the same file system: public copies are hard links to them.
        public = LocalPublicMedia(local, settings.media_dir / "public")
        return local, public, lambda: _check_local(local)
    s3 = S3BlobStore(open_bucket(location, access_key=settings.s3_access_key,
                                 secret_key=settings.s3_secret_key))
    return s3, S3PublicMedia(s3), lambda: _check_bucket(s3, location)


async def _check_local(blobs: LocalBlobStore) -> None:
    await blobs.exists("0" * 64)


async def _check_bucket(blobs: S3BlobStore, location: S3Location) -> None:
    try:
        await asyncio.wait_for(blobs.check_bucket(), 10)
    except Exception as exc:
        # obstore's messages go on for lines of debug output; the first one says it.
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise BlobStoreUnavailable(f"media store {location.describe()} is unreachable: "
                                   f"{reason}") from exc
