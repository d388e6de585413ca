"""Ready media records for API tests that are about posts, not uploads.

A record is stored the way the upload path leaves it (processed, owned, unattached),
through the real SQL media store of the running app. Its files are not in the blob store:
these tests look at which URLs the API hands out, never fetch them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import FastAPI

from photofeed.adapters.sql.media import SqlMediaStore
from photofeed.domain.media import MediaAttachment, Variant


def key(media_id: str, variant: str = "large") -> str:
    """The blob key of one rendition of a test photo; it holds the media ID."""
    extension = "jpg" if variant == "original" else "webp"
    return f"{media_id}-{variant}.{extension}"


async def ready_photo(app: FastAPI, owner_id: str, *, description: str = "") -> str:
    """A processed 1200x900 photo owned by `owner_id`, not yet in a post; its ID."""
    container = app.state.container
    media_id = container.id_source.new_id()
    variants = {
        "original": Variant(key(media_id, "original"), 1200, 900, "image/jpeg", 200_000),
        "large": Variant(key(media_id, "large"), 1080, 810, "image/webp", 90_000),
        "small": Variant(key(media_id, "small"), 320, 240, "image/webp", 12_000),
    }
    await SqlMediaStore(container.router).add(MediaAttachment(
        id=media_id, account_id=int(owner_id), type="image", status="ready",
        variants=variants, blurhash=None, description=description, focus=None,
        duration=None, fps=None, post_id=None, created_at=datetime.now(UTC)))
    return str(media_id)


def media_path(url: str | None) -> str | None:
    """The file a media URL names, whether it comes signed or not."""
    return urlsplit(url).path if url else None


def large_path(media_id: str) -> str:
    """The path of a photo's feed-size rendition, as Status JSON links it."""
    return f"/media/{key(media_id)}"


def public_url(media_id: str, variant: str = "large") -> str:
    """The unsigned URL of a rendition of a photo anyone may see."""
    return f"http://testserver/media/{key(media_id, variant)}"
