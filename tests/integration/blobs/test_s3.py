"""S3BlobStore on a real S3 server (SeaweedFS): the port contract, plus what only S3 shows."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from photofeed import bootstrap
from photofeed.adapters.blobs.s3 import S3BlobStore, open_bucket
from photofeed.adapters.blobs.s3_public import S3PublicMedia
from photofeed.config import Settings
from photofeed.ports.blobs import BlobNotFound, BlobStoreUnavailable, key_for_bytes
from tests import s3_server
from tests.integration.blobs.contract import BlobStoreContract, read_all
from tests.services import s3_bucket

MB = 1024 * 1024


def _store(media: dict[str, str]) -> S3BlobStore:
    settings = Settings(**media)  # type: ignore[arg-type] # keys of Settings, as strings
    assert settings.media_location is not None
    return S3BlobStore(open_bucket(settings.media_location, access_key=settings.s3_access_key,
                                   secret_key=settings.s3_secret_key), chunk_size=64 * 1024)


@pytest.fixture
def media() -> Iterator[dict[str, str]]:
    with s3_bucket() as settings:
        yield settings


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, media: dict[str, str]) -> S3BlobStore:
        return _store(media)


async def test_large_files_go_up_in_parts(media: dict[str, str], tmp_path: Path) -> None:
    store = _store(media)
    src = tmp_path / "clip.mp4"
    src.write_bytes(bytes(range(256)) * (12 * MB // 256 + 7))  # 12 MB: three parts
    info = await store.put_file("clip-0001.mp4", src, "video/mp4")
    # S3 names a multipart object's ETag by its part count.
    assert info.etag.endswith("-3"), info.etag
    assert info.size == src.stat().st_size
    tail = await read_all(store, "clip-0001.mp4", info.size - 1000)
    assert tail == src.read_bytes()[-1000:]


def test_an_upload_is_streamed_not_held_in_memory(media: dict[str, str],
                                                  tmp_path: Path) -> None:
    src = tmp_path / "video.mp4"
    with src.open("wb") as fh:
        for _ in range(100):
            fh.write(bytes(range(256)) * (MB // 256))
    script = f"""
import asyncio, resource
from pathlib import Path
from tests.integration.blobs.test_s3 import _store
store = _store({media!r})
async def main():
    await store.put_bytes("warm-up-0001", b"x", "text/plain")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await store.put_file("video-0001.mp4", Path({str(src)!r}), "video/mp4")
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    growth_mb = int(done.stdout.strip())
    assert growth_mb < 60, f"a 100 MB upload grew the process by {growth_mb} MB"


def test_a_process_that_used_the_store_exits_cleanly(media: dict[str, str]) -> None:
    # Only the adapter is imported, so each run takes a fraction of a second.
    script = f"""
import asyncio
from photofeed.adapters.blobs.s3 import S3BlobStore, open_bucket
from photofeed.media_location import parse_media_url
store = S3BlobStore(open_bucket(parse_media_url({media["media_url"]!r}),
                                access_key={media["s3_access_key"]!r},
                                secret_key={media["s3_secret_key"]!r}))
async def main():
    await store.put_bytes("exit-0001", b"x", "text/plain")
    assert await store.exists("exit-0001")
asyncio.run(main())
"""
    # Without the adapter's care, one exit in four to sixteen was a SIGABRT.
    codes = [subprocess.run([sys.executable, "-c", script], capture_output=True,
                            timeout=60).returncode for _ in range(12)]
    assert codes == [0] * 12


async def test_presigned_urls_serve_ranges_until_they_expire(media: dict[str, str]) -> None:
    store = _store(media)
    data = bytes(range(256)) * 8
    key = key_for_bytes(data, ".jpg")
    await store.put_bytes(key, data, "image/jpeg")
    url = store.presigned_url(key, timedelta(seconds=2))
    async with httpx.AsyncClient() as http:
        part = await http.get(url, headers={"range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == data[100:200]
        assert part.headers["content-type"] == "image/jpeg"
        await asyncio.sleep(3)
        assert (await http.get(url)).status_code == 403


async def test_public_markers(media: dict[str, str]) -> None:
    store = _store(media)
    public = S3PublicMedia(store)
    key = key_for_bytes(b"public photo", ".webp")
    with pytest.raises(BlobNotFound):
        await public.publish(key)
    await store.put_bytes(key, b"public photo", "image/webp")
    assert not await public.is_published(key)
    await public.publish(key)
    await public.publish(key)  # again: nothing changes
    assert await public.is_published(key)
    assert public.local_file(key) is None
    await public.unpublish(key)
    await public.unpublish(key)
    assert not await public.is_published(key)
    assert await store.exists(key)  # withdrawing a public copy leaves the blob


async def test_start_up_names_a_missing_bucket(media: dict[str, str], tmp_path: Path) -> None:
    missing = media | {"media_url": media["media_url"].replace("s3://", "s3://no-such-")}
    settings = Settings(data_dir=tmp_path, **missing)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(BlobStoreUnavailable, match="media store s3://no-such-photofeed-test"):
        await bootstrap.build(settings)
    assert time.monotonic() - started < 15


async def test_start_up_names_an_unreachable_endpoint(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, media_url="s3://photos?endpoint=http://127.0.0.1:1",
                        s3_access_key="a", s3_secret_key="b")
    with pytest.raises(BlobStoreUnavailable, match=r"s3://photos at http://127.0.0.1:1 is "
                                                   r"unreachable"):
        await bootstrap.build(settings)


async def test_wrong_credentials_are_refused_at_start_up(media: dict[str, str],
                                                         tmp_path: Path) -> None:
    wrong = media | {"s3_secret_key": "not-the-secret"}
    with pytest.raises(BlobStoreUnavailable, match="unreachable"):
        await bootstrap.build(Settings(data_dir=tmp_path, **wrong))  # type: ignore[arg-type]


async def test_readiness_reports_a_bucket_that_went_away(media: dict[str, str],
                                                        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, **media)  # type: ignore[arg-type]
    container = await bootstrap.build(settings)
    try:
        assert (await container.readiness())["media"] == "ok"
        location = settings.media_location
        assert location is not None
        assert location.endpoint is not None
        s3_server.delete_bucket(location.endpoint, location.bucket)
        assert (await container.readiness())["media"] == "unavailable: BlobStoreUnavailable"
    finally:
        await container.close()
