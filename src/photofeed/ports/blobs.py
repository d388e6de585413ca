"""The blob store port: immutable, content-addressed files for photos, videos and variants."""

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

# Lower case only, so that keys stay distinct on case-insensitive file systems; no "/",
# "\\" or NUL, so a key can never name a path outside the store; no leading or trailing
# dot, which some file systems drop or hide.
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{2,198}[a-z0-9]")
_CHUNK = 1024 * 1024


class BlobError(Exception):
    """Base of the blob store's errors."""


class BlobNotFound(BlobError):
    """No blob is stored under the key."""


class InvalidBlobKey(BlobError, ValueError):
    """The key is not a valid blob key."""


class BlobStoreUnavailable(BlobError, ConnectionError):
    """The store cannot be reached, or refuses these credentials."""


class BlobIntegrityError(BlobError):
    """The bytes received do not match the digest the caller expected; nothing was stored."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What is known about a stored blob without reading it."""

    key: str
    size: int
    # An opaque validator that changes when the content does, without surrounding quotes.
    etag: str
    mtime: datetime
    content_type: str


class BlobStore(Protocol):
    """Durable storage of blobs by key; a put is complete and durable when it returns."""

    async def put_file(
        self, key: str, src: Path, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store the file at src under key, atomically; check its sha256 if one is given."""
        ...

    async def put_bytes(
        self, key: str, data: bytes, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store data under key, atomically; check its sha256 if one is given."""
        ...

    async def stat(self, key: str) -> BlobInfo:
        """Return the facts of a blob, or raise BlobNotFound."""
        ...

    async def exists(self, key: str) -> bool:
        """Tell whether a blob is stored under key."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error, so retries are safe."""
        ...

    async def read_range(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """Return the chunks of bytes [start, start + length), or raise BlobNotFound now."""
        ...

    async def open(self, key: str) -> tuple[BlobInfo, AsyncIterator[bytes]]:
        """Return a blob's facts and its bytes in chunks, from one request where the store
        can (a remote store's GET), or raise BlobNotFound now; the chunks must be read."""
        ...

    def local_path(self, key: str) -> Path | None:
        """Return the local file holding the blob, for zero-copy serving; None if remote."""
        ...


def validate_key(key: str) -> str:
    """Return key unchanged, or raise InvalidBlobKey."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidBlobKey(f"invalid blob key: {key!r}")
    return key


def validate_range(start: int, length: int | None) -> None:
    """Raise ValueError for a byte range no store can serve: a negative start or length."""
    if start < 0 or (length is not None and length < 0):
        raise ValueError("start and length must not be negative")


def key_for_digest(sha256_hex: str, suffix: str = "") -> str:
    """Return the content-addressed key for a SHA-256 hex digest and a suffix like ".webp"."""
    return validate_key(sha256_hex.lower() + suffix.lower())


def sha256_of_file(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks (blocking: run in a thread)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def key_for_file(path: Path, suffix: str = "") -> str:
    """Return the content-addressed key of a file (blocking: run in a thread)."""
    return key_for_digest(sha256_of_file(path), suffix)


def key_for_bytes(data: bytes, suffix: str = "") -> str:
    """Return the content-addressed key of some bytes."""
    return key_for_digest(hashlib.sha256(data).hexdigest(), suffix)
