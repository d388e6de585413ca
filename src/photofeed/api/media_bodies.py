"""How the bytes of a media answer are sent: from a local file, or streamed from a blob store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Protocol

from starlette.types import Scope, Send

from photofeed.ports.blobs import BlobError, BlobStore

_CHUNK = 256 * 1024


class Body(Protocol):
    async def send(self, scope: Scope, send: Send, start: int, length: int, *,
                   whole: bool) -> None:
        """Send bytes [start, start + length) as the response body, and end it."""


class FileBody:
    """A local file: whole by `http.response.pathsend` where the server offers it."""

    def __init__(self, path: str) -> None:
        self._path = path

    async def send(self, scope: Scope, send: Send, start: int, length: int, *,
                   whole: bool) -> None:
        if whole and "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": self._path})
            return
        whole_length = length
        with open(self._path, "rb") as fh:  # noqa: ASYNC230 - one small read, from the page cache
            fh.seek(start)
            while length > 0:
                size = min(_CHUNK, length)
                # Small reads come from the page cache at once; large ones must not stall
                # the loop.
                chunk = fh.read(size) if length <= _CHUNK else await asyncio.to_thread(
                    fh.read, size)
                if not chunk:
                    break
                length -= len(chunk)
                await send({"type": "http.response.body", "body": chunk,
                            "more_body": length > 0})
        if length > 0 or whole_length == 0:  # the file shrank under us, or was empty:
            await send({"type": "http.response.body", "body": b""})  # end the body


class BlobBody:
    """A blob in a remote store (S3): only the wanted range is fetched, in chunks."""

    def __init__(self, blobs: BlobStore, key: str) -> None:
        self._blobs = blobs
        self._key = key

    async def send(self, scope: Scope, send: Send, start: int, length: int, *,
                   whole: bool) -> None:
        whole_length = length
        try:
            async for chunk in await self._blobs.read_range(self._key, start, length):
                length -= len(chunk)
                await send({"type": "http.response.body", "body": chunk,
                            "more_body": length > 0})
        except BlobError:
            pass  # deleted since the headers went out; end the body short, as for a file
        if length > 0 or whole_length == 0:  # cut short, or nothing to send: end the body
            await send({"type": "http.response.body", "body": b""})


class StreamBody:
    """The whole of a blob already being fetched (BlobStore.open)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks

    async def send(self, scope: Scope, send: Send, start: int, length: int, *,
                   whole: bool) -> None:
        # Only plain GETs (no Range) get one, so this is always the whole blob.
        try:
            async for chunk in self._chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except BlobError:
            pass  # cut short; the client sees fewer bytes than Content-Length says
        await send({"type": "http.response.body", "body": b""})

    async def discard(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()
