"""LocalBlobStore: blobs as files under one directory, written atomically and durably.

Layout: ``<root>/data/ab/cd/<key>`` holds the bytes and ``<root>/types/ab/cd/<key>`` the
content type, where ``ab`` and ``cd`` are the key's first four characters (so no directory
grows past 65,536 entries for hex keys). Writes go to a temporary file beside the target,
are fsynced, renamed into place and the directory fsynced: a reader sees the whole blob
or none of it, and a put that returned survives a power cut.
"""

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from photofeed.ports.blobs import (
    BlobInfo,
    BlobIntegrityError,
    BlobNotFound,
    validate_key,
    validate_range,
)

_CHUNK = 256 * 1024
_DEFAULT_TYPE = "application/octet-stream"
_TEMP_PREFIX = ".tmp-"  # keys cannot start with a dot, so temporary files never clash


class LocalBlobStore:
    """A BlobStore on the local file system, for one machine or a shared mount."""

    def __init__(self, root: Path, *, chunk_size: int = _CHUNK) -> None:
        self._root = root
        self._chunk_size = chunk_size

    async def put_file(
        self, key: str, src: Path, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store the file at src under key, atomically; check its sha256 if one is given."""
        validate_key(key)
        return await asyncio.to_thread(self._put_file, key, src, content_type, sha256)

    async def put_bytes(
        self, key: str, data: bytes, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store data under key, atomically; check its sha256 if one is given."""
        validate_key(key)
        return await asyncio.to_thread(self._put, key, [data], content_type, sha256)

    async def stat(self, key: str) -> BlobInfo:
        """Return the facts of a blob, or raise BlobNotFound."""
        validate_key(key)
        return await asyncio.to_thread(self._stat, key)

    async def exists(self, key: str) -> bool:
        """Tell whether a blob is stored under key."""
        validate_key(key)
        return await asyncio.to_thread(self._path(key, "data").is_file)

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error, so retries are safe."""
        validate_key(key)
        await asyncio.to_thread(self._delete, key)

    async def read_range(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """Return the chunks of bytes [start, start + length), or raise BlobNotFound now."""
        validate_key(key)
        validate_range(start, length)
        fh = await asyncio.to_thread(self._open, key)
        return self._chunks(fh, start, length)

    async def open(self, key: str) -> tuple[BlobInfo, AsyncIterator[bytes]]:
        """Return a blob's facts and its bytes in chunks, or raise BlobNotFound now."""
        validate_key(key)
        fh = await asyncio.to_thread(self._open, key)
        try:
            info = await asyncio.to_thread(self._stat, key)
        except BaseException:
            fh.close()
            raise
        return info, self._chunks(fh, 0, None)

    def local_path(self, key: str) -> Path:
        """Return the file that holds (or would hold) the blob, for zero-copy serving."""
        return self._path(validate_key(key), "data")

    def _path(self, key: str, tree: str) -> Path:
        return self._root / tree / key[:2] / key[2:4] / key

    def _put_file(self, key: str, src: Path, content_type: str, sha256: str | None) -> BlobInfo:
        with src.open("rb") as fh:
            return self._put(key, _read_chunks(fh, self._chunk_size), content_type, sha256)

    def _put(
        self, key: str, chunks: Iterable[bytes], content_type: str, sha256: str | None
    ) -> BlobInfo:
        data = self._path(key, "data")
        staged = _stage(data, chunks, sha256)  # a failed or mismatched upload stops here
        try:
            # The type goes in before the data: once the data is visible, its type must be.
            type_file = self._path(key, "types")
            _commit(_stage(type_file, [content_type.encode()], None), type_file)
            _commit(staged, data)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return self._stat(key)

    def _stat(self, key: str) -> BlobInfo:
        try:
            st = self._path(key, "data").stat()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        try:
            content_type = self._path(key, "types").read_text()
        except FileNotFoundError:
            content_type = _DEFAULT_TYPE
        return BlobInfo(
            key=key,
            size=st.st_size,
            etag=f"{st.st_size:x}-{st.st_mtime_ns:x}",
            mtime=datetime.fromtimestamp(st.st_mtime, UTC),
            content_type=content_type,
        )

    def _delete(self, key: str) -> None:
        # Data first: from that moment on the blob is gone for every reader.
        for tree in ("data", "types"):
            path = self._path(key, tree)
            path.unlink(missing_ok=True)
            if path.parent.exists():
                fsync_dir(path.parent)

    def _open(self, key: str) -> BinaryIO:
        try:
            return self._path(key, "data").open("rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    async def _chunks(self, fh: BinaryIO, start: int, length: int | None) -> AsyncIterator[bytes]:
        try:
            await asyncio.to_thread(fh.seek, start)
            remaining = length
            while remaining is None or remaining > 0:
                size = self._chunk_size if remaining is None else min(self._chunk_size, remaining)
                chunk = await asyncio.to_thread(fh.read, size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            fh.close()


def _read_chunks(fh: BinaryIO, size: int) -> Iterator[bytes]:
    while chunk := fh.read(size):
        yield chunk


def _stage(target: Path, chunks: Iterable[bytes], sha256: str | None) -> Path:
    """Write chunks to a fsynced temporary file beside target and return its path."""
    make_dirs_durable(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise BlobIntegrityError(f"content of {target.name} does not match its sha256")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _commit(staged: Path, target: Path) -> None:
    """Move a staged file into place atomically and make the rename durable."""
    os.replace(staged, target)
    fsync_dir(target.parent)


def make_dirs_durable(directory: Path) -> None:
    """Create missing directories and fsync each parent, so the new entries survive a crash."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals renames itself
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
