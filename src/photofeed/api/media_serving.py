"""GET and HEAD of /media/<key>: answered before routing, without the database.

A plain URL is answered from the public copies alone (a blob is there only while a post
anyone may see shows it); a URL with a valid, unexpired signature from the private blob
store. Files go out by `http.response.pathsend` where the server offers it (granian sends
them from Rust), else in chunks. This layer also hands the request's link signer to the
routes (api/media_links.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from photofeed.api.http_ranges import Unsatisfiable, http_date, not_modified, wanted_range
from photofeed.api.media_bodies import BlobBody, Body, FileBody, StreamBody
from photofeed.api.media_links import done_signing, use_signer
from photofeed.ports.blobs import BlobInfo, BlobNotFound, BlobStore

if TYPE_CHECKING:
    from photofeed.bootstrap import Container

log = logging.getLogger(__name__)
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{2,198}[a-z0-9]")
_TYPES = {".jpg": b"image/jpeg", ".png": b"image/png", ".webp": b"image/webp",
          ".mp4": b"video/mp4", ".webm": b"video/webm"}
# Public names are immutable; shared caches (a CDN) revalidate after 5 minutes, so a copy
# withdrawn when its post turns private stops being served there too.
PUBLIC_CACHE = b"public, max-age=31536000, s-maxage=300, immutable"
_SAFETY = [(b"x-content-type-options", b"nosniff"), (b"accept-ranges", b"bytes"),
           (b"content-security-policy", b"default-src 'none'; sandbox")]


class MediaFront:
    """Media files here, everything else to the application.

    Added as the application's outermost middleware it serves every ASGI server and test
    client. The production server also wraps the whole application in one (`root` given),
    so media requests skip even the framework's per-request work.
    """

    def __init__(self, app: ASGIApp, *, root: Starlette | None = None) -> None:
        self.app = app
        self._root = root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = (self._root or scope["app"]).state
        container: Container | None = getattr(state, "container", None)
        token = use_signer(container.signer if container else None)
        try:
            if container is not None and scope["path"].startswith("/media/"):
                await _serve(scope, send, container)
            else:
                await self.app(scope, receive, send)
        finally:
            done_signing(token)


async def _serve(scope: Scope, send: Send, container: Container) -> None:
    if scope["method"] not in ("GET", "HEAD"):
        await _error(send, 405, "Method not allowed", [(b"allow", b"GET, HEAD")])
        return
    key = scope["path"][len("/media/"):]
    query = _query(scope["query_string"]) if scope["query_string"] else {}
    if not _KEY.fullmatch(key) or key.endswith(".upload"):
        await _error(send, 404, "Record not found")
        return
    found = _locate(key, query, container)
    if isinstance(found, int):
        await _error(send, found, "This link has expired" if found == 403 else
                     "Record not found")
        return
    path, cache = found
    if path is None:  # a remote store: ask it, then stream
        await _serve_remote(scope, send, container, key, cache, query)
        return
    try:
        st = os.stat(path)  # a local stat costs microseconds; a thread would cost more
    except OSError:
        await _error(send, 404, "Record not found")
        return
    await _answer(scope, send, FileBody(path), key, cache, st.st_size, st.st_mtime,
                  download="download" in query)


async def _serve_remote(scope: Scope, send: Send, container: Container, key: str,
                        cache: bytes, query: dict[str, str]) -> None:
    # Each request to S3 is a round trip: a plain GET (no Range, no validators) fetches the
    # object at once, beside the public check; anything else asks for the facts first.
    public = "sig" not in query
    plain = scope["method"] == "GET" and not any(
        name in (b"range", b"if-none-match", b"if-modified-since") for name, _ in
        scope["headers"])
    try:
        shown, (info, body) = await asyncio.gather(
            container.public_media.is_published(key) if public else _true(),
            _open(container.blobs, key) if plain else _stat(container.blobs, key))
    except BlobNotFound:
        await _error(send, 404, "Record not found")
        return
    except Exception:
        log.warning("media store unavailable serving %s", key, exc_info=True)
        await _error(send, 503, "Media storage is unavailable; try again shortly",
                     [(b"retry-after", b"5")])
        return
    if not shown:
        if isinstance(body, StreamBody):
            await body.discard()
        await _error(send, 404, "Record not found")
        return
    await _answer(scope, send, body, key, cache, info.size, info.mtime.timestamp(),
                  download="download" in query)


async def _open(blobs: BlobStore, key: str) -> tuple[BlobInfo, Body]:
    info, chunks = await blobs.open(key)
    return info, StreamBody(chunks)


async def _stat(blobs: BlobStore, key: str) -> tuple[BlobInfo, Body]:
    return await blobs.stat(key), BlobBody(blobs, key)


async def _true() -> bool:
    return True


def _query(raw: bytes) -> dict[str, str]:
    """The query's fields, first value of each: ours are plain ASCII, never escaped."""
    fields: dict[str, str] = {}
    for pair in raw.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        fields.setdefault(name, value)
    return fields


def _locate(key: str, query: dict[str, str],
            container: Container) -> tuple[str | None, bytes] | int:
    """The local file for this URL (None: in a remote store) and its Cache-Control, or an
    error status."""
    if "sig" not in query:
        return container.public_media.local_file(key), PUBLIC_CACHE
    expires, signature = query.get("exp", ""), query["sig"]
    now = time.time()
    if not container.signer.verify(key, expires, signature, now=now):
        authentic = expires.isdigit() and container.signer.verify(key, expires, signature,
                                                                  now=0)
        return 403 if authentic else 404
    blob = container.blobs.local_path(key)
    cache = f"private, max-age={max(0, int(expires) - int(now))}".encode()
    return (str(blob) if blob is not None else None), cache


async def _answer(scope: Scope, send: Send, body: Body, key: str, cache: bytes, size: int,
                  mtime: float, *, download: bool) -> None:
    headers = dict(scope["headers"])
    suffix = key[key.rfind("."):]
    common = [(b"etag", f'"{key}"'.encode()), (b"last-modified", http_date(mtime).encode()),
              (b"cache-control", cache), *_SAFETY]
    if not_modified(headers, key, mtime):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    common.append((b"content-type", _TYPES.get(suffix, b"application/octet-stream")))
    if download:
        name = f"photofeed-{key[:16]}{suffix}"
        common.append((b"content-disposition", f'attachment; filename="{name}"'.encode()))
    try:
        wanted = wanted_range(headers, size, key, mtime)
    except Unsatisfiable:
        await _error(send, 416, "Requested range not satisfiable",
                     [(b"content-range", f"bytes */{size}".encode())])
        return
    start, end = wanted if wanted else (0, size - 1)
    status = 206 if wanted else 200
    if wanted:
        common.append((b"content-range", f"bytes {start}-{end}/{size}".encode()))
    common.append((b"content-length", str(end - start + 1).encode()))
    await send({"type": "http.response.start", "status": status, "headers": common})
    if scope["method"] == "HEAD":
        await send({"type": "http.response.body", "body": b""})
    else:
        await body.send(scope, send, start, end - start + 1, whole=not wanted)


async def _error(send: Send, status: int, message: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
