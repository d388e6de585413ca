"""LocalBlobStore: the port contract, plus what only a local directory can show."""

import os
from pathlib import Path

import pytest

from photofeed.adapters.blobs.local import LocalBlobStore
from photofeed.ports.blobs import BlobIntegrityError, InvalidBlobKey, key_for_bytes
from tests.integration.blobs.contract import BlobStoreContract


class TestLocalBlobStore(BlobStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs", chunk_size=64 * 1024)


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_blobs_fan_out_and_serve_from_their_path(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    key = key_for_bytes(b"photo", ".jpg")
    await store.put_bytes(key, b"photo", "image/jpeg")
    path = store.local_path(key)
    assert path == tmp_path / "data" / key[:2] / key[2:4] / key
    assert path.read_bytes() == b"photo"


async def test_failed_put_leaves_no_file_at_all(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    src = tmp_path.parent / "upload.bin"
    src.write_bytes(os.urandom(300_000))
    with pytest.raises(BlobIntegrityError):
        await store.put_file("abcdef.bin", src, "image/jpeg", sha256="0" * 64)
    assert all_files(tmp_path) == []  # neither the blob, its type, nor a temporary file


async def test_no_temporary_files_remain(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    for index in range(5):
        await store.put_bytes(f"blob-{index:04d}", b"x" * index, "text/plain")
    assert not [p for p in all_files(tmp_path) if p.name.startswith(".")]


async def test_traversal_never_reaches_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "store"
    outside = tmp_path / "secret.txt"
    outside.write_text("keep out")
    store = LocalBlobStore(root)
    for key in ("../secret.txt", "../../secret.txt", str(outside), "..%2fsecret.txt"):
        with pytest.raises(InvalidBlobKey):
            await store.put_bytes(key, b"overwritten", "text/plain")
        with pytest.raises(InvalidBlobKey):
            await store.read_range(key)
    assert outside.read_text() == "keep out"
