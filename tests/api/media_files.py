"""Real upload files for the media API tests, and checks on what the server gives back.

Every file is made here (Pillow, pillow-heif, PyAV) with a secret and a GPS position
planted in its metadata; nothing the server serves may contain either.
"""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path
from typing import Any

import httpx
import pillow_heif
from PIL import ExifTags, Image

from tests.unit.media import samples
from tests.unit.media.samples import LOCATION, SECRET

PHOTO_TYPES = ("jpeg", "png", "webp", "gif", "heic")
VIDEO_TYPES = ("mp4", "mov", "webm")
_VIDEO_CODECS = {"mp4": ("mp4", "libx264", "aac"), "mov": ("mov", "libx264", "aac"),
                 "webm": ("webm", "libvpx", "libopus")}


def photo(tmp_path: Path, kind: str, size: tuple[int, int] = (1600, 1200)) -> Path:
    """A photo of the given type whose metadata holds SECRET and a GPS position."""
    path = tmp_path / f"upload.{kind}"
    picture = samples.marked(size)
    exif = samples.exif_with_gps(6 if kind == "jpeg" else 1)
    if kind == "jpeg":
        return samples.jpeg_with_metadata(path, size, orientation=6)
    if kind == "png":
        return samples.png_with_alpha(path, size)
    if kind == "heic":
        pillow_heif.register_heif_opener()
        picture.save(path, "HEIF", exif=exif.tobytes())
    elif kind == "gif":
        picture.save(path, "GIF", comment=SECRET.encode())
    else:
        picture.save(path, kind.upper(), exif=exif, xmp=f"<x>{SECRET}</x>".encode())
    return path


def video(tmp_path: Path, kind: str, *, frames: int = 12) -> Path:
    """A short video tagged with a location and a title (SECRET)."""
    fmt, codec, audio = _VIDEO_CODECS[kind]
    return samples.write_video(tmp_path / f"clip.{kind}", fmt, codec, audio, frames=frames)


def jpeg_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    samples.marked(size).save(out, "JPEG", quality=85, exif=samples.exif_with_gps(),
                              comment=SECRET)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, headers: dict[str, str], content: bytes, *,
                 name: str = "upload.bin", version: str = "v2",
                 data: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(f"/api/{version}/media", headers=headers, data=data or {},
                             files={"file": (name, content, "application/octet-stream")})


async def until_processed(client: httpx.AsyncClient, headers: dict[str, str],
                          media_id: str, seconds: float = 30) -> httpx.Response:
    """Poll GET /api/v1/media/:id the way clients do, until it is no longer 206."""
    deadline = time.monotonic() + seconds
    while True:
        got = await client.get(f"/api/v1/media/{media_id}", headers=headers)
        if got.status_code != 206 or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.1)


def served_urls(media: dict[str, Any]) -> list[str]:
    """Every URL of a MediaAttachment that leads to bytes."""
    return [url for url in (media["url"], media["preview_url"], media["download_url"]) if url]


def assert_clean_bytes(data: bytes) -> None:
    """No planted secret, GPS position or metadata block but a lone orientation."""
    assert SECRET.encode() not in data
    assert LOCATION.encode() not in data
    for marker in (b"http://ns.adobe.com/xap", b"<x:xmpmeta", b"tEXt", b"iTXt", b"zTXt"):
        assert marker not in data
    if data[:3] == b"\xff\xd8\xff" or data[:4] in (b"RIFF", b"\x89PNG"):
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            assert set(exif) <= {ExifTags.Base.Orientation}, dict(exif)
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
            assert "icc_profile" not in image.info


def image_size(data: bytes) -> tuple[int, int]:
    """The displayed size: EXIF orientation applied, as a browser shows it."""
    with Image.open(io.BytesIO(data)) as image:
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        return (image.height, image.width) if turned else image.size


def stored_files(data_dir: Path) -> list[Path]:
    """Every file under the media directory (blobs, public copies, scratch)."""
    root = data_dir / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
