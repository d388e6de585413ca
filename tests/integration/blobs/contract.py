"""The behaviour every BlobStore adapter must show; subclass it with a `store` fixture."""

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from photofeed.ports.blobs import (
    BlobIntegrityError,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    key_for_bytes,
    key_for_file,
)

BAD_KEYS = [
    "",
    "abc",
    "../../etc/passwd",
    "..",
    "/etc/passwd",
    "ab/cd/efgh",
    "abcd\\..\\..\\x",
    "abcd\x00.jpg",
    "ABCDEF",
    "abcdef.",
    ".abcdef",
    "a" * 201,
    "abcd efgh",
]


async def read_all(store: BlobStore, key: str, start: int = 0, length: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in await store.read_range(key, start, length)])


class BlobStoreContract:
    """Run against a real store; a subclass only provides the `store` fixture."""

    @pytest.fixture
    def store(self) -> BlobStore:
        raise NotImplementedError

    async def test_put_bytes_then_read_and_stat(self, store: BlobStore) -> None:
        data = b"hello, blob"
        key = key_for_bytes(data, ".txt")
        before = datetime.now(UTC) - timedelta(seconds=5)
        info = await store.put_bytes(key, data, "text/plain")
        assert (info.key, info.size, info.content_type) == (key, len(data), "text/plain")
        assert before <= info.mtime <= datetime.now(UTC) + timedelta(seconds=5)
        assert await store.stat(key) == info
        assert await store.exists(key)
        assert await read_all(store, key) == data

    async def test_open_gives_the_facts_and_every_byte(self, store: BlobStore,
                                                       tmp_path: Path) -> None:
        src = tmp_path / "clip.webm"
        src.write_bytes(bytes(range(256)) * 4099)
        stored = await store.put_file("clip-0002.webm", src, "video/webm")
        info, chunks = await store.open("clip-0002.webm")
        assert info == stored
        assert b"".join([chunk async for chunk in chunks]) == src.read_bytes()
        with pytest.raises(BlobNotFound):
            await store.open(key_for_bytes(b"never stored"))

    async def test_put_file_streams_large_content(self, store: BlobStore, tmp_path: Path) -> None:
        src = tmp_path / "video.mp4"
        src.write_bytes(bytes(range(256)) * 12_289)  # ~3 MB: several chunks, an odd tail
        key = await asyncio.to_thread(key_for_file, src, ".mp4")
        info = await store.put_file(key, src, "video/mp4")
        assert info.size == src.stat().st_size
        assert await read_all(store, key) == src.read_bytes()

    async def test_ranged_reads(self, store: BlobStore) -> None:
        data = bytes(range(256)) * 4
        key = key_for_bytes(data)
        await store.put_bytes(key, data, "application/octet-stream")
        assert await read_all(store, key, 10, 5) == data[10:15]
        assert await read_all(store, key, 1000) == data[1000:]
        assert await read_all(store, key, 1020, 100) == data[1020:]
        assert await read_all(store, key, 5000) == b""
        assert await read_all(store, key, 0, 0) == b""
        with pytest.raises(ValueError, match="negative"):
            await store.read_range(key, -1)

    async def test_missing_blob(self, store: BlobStore) -> None:
        key = key_for_bytes(b"never stored")
        assert not await store.exists(key)
        with pytest.raises(BlobNotFound):
            await store.stat(key)
        with pytest.raises(BlobNotFound):
            await store.read_range(key)
        await store.delete(key)  # deleting what is not there is fine: retries are safe

    async def test_delete(self, store: BlobStore) -> None:
        key = key_for_bytes(b"short-lived")
        await store.put_bytes(key, b"short-lived", "text/plain")
        await store.delete(key)
        assert not await store.exists(key)
        with pytest.raises(BlobNotFound):
            await store.stat(key)

    async def test_overwrite_replaces_content_and_type(self, store: BlobStore) -> None:
        key = "avatar-0001.png"
        first = await store.put_bytes(key, b"first", "image/png")
        second = await store.put_bytes(key, b"second!", "image/webp")
        assert (second.size, second.content_type) == (7, "image/webp")
        assert second.etag != first.etag
        assert await read_all(store, key) == b"second!"

    async def test_identical_content_has_one_key(self, store: BlobStore, tmp_path: Path) -> None:
        one, two = tmp_path / "one.jpg", tmp_path / "two.jpg"
        one.write_bytes(b"same photo")
        two.write_bytes(b"same photo")
        assert (
            key_for_file(one, ".jpg")
            == key_for_file(two, ".jpg")
            == key_for_bytes(b"same photo", ".jpg")
        )
        assert key_for_bytes(b"same photo") != key_for_bytes(b"other photo")
        assert key_for_bytes(b"x", ".jpg") == hashlib.sha256(b"x").hexdigest() + ".jpg"

    async def test_matching_digest_is_accepted(self, store: BlobStore) -> None:
        data = b"checked"
        digest = hashlib.sha256(data).hexdigest()
        await store.put_bytes(key_for_bytes(data), data, "text/plain", sha256=digest)
        assert await store.exists(key_for_bytes(data))

    async def test_failed_put_leaves_nothing(self, store: BlobStore, tmp_path: Path) -> None:
        src = tmp_path / "upload.bin"
        src.write_bytes(b"x" * 600_000)
        key = key_for_bytes(b"what the client promised")
        with pytest.raises(BlobIntegrityError):
            await store.put_file(key, src, "image/jpeg", sha256="0" * 64)
        assert not await store.exists(key)
        with pytest.raises(BlobIntegrityError):
            await store.put_bytes(key, b"tampered", "image/jpeg", sha256="0" * 64)
        assert not await store.exists(key)

    async def test_failed_overwrite_keeps_the_old_blob(self, store: BlobStore) -> None:
        key = "profile-0001.jpg"
        await store.put_bytes(key, b"old", "image/jpeg")
        with pytest.raises(BlobIntegrityError):
            await store.put_bytes(key, b"new", "image/png", sha256="0" * 64)
        assert await read_all(store, key) == b"old"

    @pytest.mark.parametrize("key", BAD_KEYS)
    async def test_invalid_keys_are_refused(self, store: BlobStore, key: str) -> None:
        with pytest.raises(InvalidBlobKey):
            await store.put_bytes(key, b"x", "text/plain")
        with pytest.raises(InvalidBlobKey):
            await store.stat(key)
        with pytest.raises(InvalidBlobKey):
            await store.exists(key)
        with pytest.raises(InvalidBlobKey):
            await store.delete(key)
        with pytest.raises(InvalidBlobKey):
            await store.read_range(key)
        with pytest.raises(InvalidBlobKey):
            await store.open(key)
        with pytest.raises(InvalidBlobKey):
            store.local_path(key)

    async def test_concurrent_puts_of_one_key(self, store: BlobStore) -> None:
        data = b"popular" * 10_000
        key = key_for_bytes(data)
        await asyncio.gather(*(store.put_bytes(key, data, "text/plain") for _ in range(8)))
        assert await read_all(store, key) == data
