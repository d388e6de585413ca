"""S3BlobStore: blobs as objects in an S3-compatible bucket, through obstore.

obstore (Rust's object_store) is async without threads, reads an upload's file itself and
sends it in parts of a few megabytes past one part, so a 200 MB video is never held in
memory; a PUT (or a multipart upload's completion) is atomic, so a reader sees the whole
blob or none of it. Objects are named ``blobs/<key>`` under the configured prefix; the
public copies (S3PublicMedia) are markers under ``public/<key>``.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import hashlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import GenericError
from obstore.store import S3Store

from photofeed.media_location import S3Location
from photofeed.ports.blobs import (
    BlobInfo,
    BlobIntegrityError,
    BlobNotFound,
    sha256_of_file,
    validate_key,
    validate_range,
)

if TYPE_CHECKING:
    from obstore import GetOptions, GetResult

_DEFAULT_TYPE = "application/octet-stream"
# Parts of a multipart upload, and how many go at once: memory per upload stays about
# their product (measured: +36 MB for a 100 MB file at 5 MB x 4), S3's minimum part is 5 MB.
_PART = 5 * 1024 * 1024
_PARTS_AT_ONCE = 4
_CHUNK = 256 * 1024


def open_bucket(location: S3Location, *, access_key: str = "", secret_key: str = "") -> S3Store:
    """An obstore client for the bucket; credentials unset come from the AWS_* variables."""
    _settle_before_exit()
    config: dict[str, str] = {}
    if location.endpoint:
        config["endpoint"] = location.endpoint
    if location.region:
        config["region"] = location.region
    if access_key or secret_key:
        config["access_key_id"] = access_key
        config["secret_access_key"] = secret_key
    allow_http = bool(location.endpoint and location.endpoint.startswith("http://"))
    return S3Store(location.bucket, prefix=location.prefix or None,
                   config=config,  # type: ignore[arg-type] # a plain dict of S3Config keys
                   client_options={"allow_http": allow_http, "timeout": timedelta(seconds=60),
                                   "connect_timeout": timedelta(seconds=5)},
                   retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=20),
                                 "backoff": {"init_backoff": timedelta(milliseconds=50),
                                             "max_backoff": timedelta(seconds=2),
                                             "base": 2.0}})


def _settle_before_exit() -> None:
    atexit.unregister(_settle)  # once per process, however many clients
    atexit.register(_settle)


def _settle() -> None:
    # obstore's runtime threads may still be letting go of Python objects just after the
    # last await; if the interpreter is already shutting down then, the process aborts
    # (SIGABRT) instead of exiting: measured in 15 of 60 runs of a script that made two
    # async calls and returned (a known obstore issue). Giving those threads 0.05 to
    # 0.2 s while the interpreter still runs: 0 aborts in 60 runs of each.
    gc.collect()
    time.sleep(0.1)


class S3BlobStore:
    """A BlobStore on an S3-compatible bucket, shared by every machine of an install."""

    def __init__(self, store: S3Store, *, chunk_size: int = _CHUNK) -> None:
        self._store = store
        self._chunk_size = chunk_size

    @property
    def client(self) -> S3Store:
        return self._store

    async def put_file(
        self, key: str, src: Path, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store the file at src under key, atomically; check its sha256 if one is given."""
        validate_key(key)
        if sha256 is not None:
            # Checked before sending, so a mismatch stores nothing and keeps an older blob.
            _check(key, await asyncio.to_thread(sha256_of_file, src), sha256)
        await obstore.put_async(self._store, object_name(key), src,
                                attributes={"Content-Type": content_type},
                                chunk_size=_PART, max_concurrency=_PARTS_AT_ONCE)
        return await self.stat(key)

    async def put_bytes(
        self, key: str, data: bytes, content_type: str, *, sha256: str | None = None
    ) -> BlobInfo:
        """Store data under key, atomically; check its sha256 if one is given."""
        validate_key(key)
        if sha256 is not None:
            _check(key, hashlib.sha256(data).hexdigest(), sha256)
        await obstore.put_async(self._store, object_name(key), data,
                                attributes={"Content-Type": content_type})
        return await self.stat(key)

    async def stat(self, key: str) -> BlobInfo:
        """Return the facts of a blob, or raise BlobNotFound."""
        validate_key(key)
        # A GET with "head" is a HEAD request that also reports the stored content type.
        return _info(key, await self._get(key, {"head": True}))

    async def open(self, key: str) -> tuple[BlobInfo, AsyncIterator[bytes]]:
        """Return a blob's facts and its bytes in chunks, from one GET, or raise BlobNotFound."""
        validate_key(key)
        result = await self._get(key, {})
        return _info(key, result), self._chunks(result)

    async def exists(self, key: str) -> bool:
        """Tell whether a blob is stored under key."""
        validate_key(key)
        try:
            await obstore.head_async(self._store, object_name(key))
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error, so retries are safe."""
        validate_key(key)
        await obstore.delete_async(self._store, object_name(key))

    async def read_range(
        self, key: str, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """Return the chunks of bytes [start, start + length), or raise BlobNotFound now."""
        validate_key(key)
        validate_range(start, length)
        if length == 0:
            await self.stat(key)  # nothing to read, but a missing blob must still be told
            return _nothing()
        # S3 refuses a range that starts past the end (416), where a file read gives b"";
        # the size is only known from a HEAD, so that case costs one more request.
        options: GetOptions = {}
        if length is not None:
            options["range"] = (start, start + length)
        elif start:
            options["range"] = {"offset": start}
        try:
            result = await self._get(key, options)
        except GenericError:
            if start >= (await self.stat(key)).size:
                return _nothing()
            raise
        return self._chunks(result)

    def local_path(self, key: str) -> None:
        """Blobs on S3 have no local file: they are streamed."""
        validate_key(key)

    def presigned_url(self, key: str, expires_in: timedelta) -> str:
        """A URL anyone holding it may GET the blob at (ranges too) until it expires."""
        return obstore.sign(self._store, "GET", object_name(validate_key(key)), expires_in)

    async def check_bucket(self) -> None:
        """Raise unless the bucket answers and these credentials may list it."""
        stream = obstore.list(self._store, prefix="blobs/", chunk_size=1)
        async for _ in stream:
            break

    async def _get(self, key: str, options: GetOptions) -> GetResult:
        try:
            return await obstore.get_async(self._store, object_name(key), options=options)
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    async def _chunks(self, result: GetResult) -> AsyncIterator[bytes]:
        async for chunk in result.stream(min_chunk_size=self._chunk_size):
            yield bytes(chunk)


def _info(key: str, result: GetResult) -> BlobInfo:
    meta = result.meta
    return BlobInfo(key=key, size=meta["size"], etag=(meta["e_tag"] or "").strip('"'),
                    mtime=meta["last_modified"],
                    content_type=str(result.attributes.get("Content-Type", _DEFAULT_TYPE)))


def object_name(key: str) -> str:
    return f"blobs/{key}"


def _check(key: str, actual: str, expected: str) -> None:
    if actual != expected.lower():
        raise BlobIntegrityError(f"content of {key} does not match its sha256")


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
