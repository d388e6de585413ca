"""ASGI middleware that has to see requests before routing."""

from __future__ import annotations

import json
from typing import ClassVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Bodies are read by routes; these caps stop a client from making us buffer without end.
FORM_BODY_LIMIT = 1 * 1024 * 1024
UPLOAD_BODY_LIMIT = 16 * 1024 * 1024


class StripTrailingSlash:
    """Serve `/api/v1/instance/` exactly as `/api/v1/instance`: clients ask for both."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope["path"]) > 1 and scope["path"].endswith("/"):
            scope = dict(scope, path=scope["path"].rstrip("/") or "/")
            if "raw_path" in scope:
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Answer 413 once a request body grows past its limit, without reading the rest."""

    def __init__(self, app: ASGIApp, *, form_limit: int = FORM_BODY_LIMIT,
                 upload_limit: int = UPLOAD_BODY_LIMIT,
                 large_upload_paths: tuple[str, ...] = (), large_upload_limit: int = 0) -> None:
        self.app = app
        self.form_limit = form_limit
        self.upload_limit = upload_limit
        self.large_paths = large_upload_paths
        self.large_limit = large_upload_limit

    def _limit(self, scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if ctype != b"multipart/form-data":
            return self.form_limit
        if self.large_paths and scope["path"].startswith(self.large_paths):
            return max(self.large_limit, self.upload_limit)
        return self.upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        responded = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal responded
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not responded:
                await _too_large(send, limit)


class BodyTooLarge(Exception):
    """The body grew past its limit; raised from receive() so reading stops at once."""


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"Request body is larger than {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Headers every response carries so browsers treat our content safely."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *self.HEADERS])
            await send(message)

        await self.app(scope, receive, send_with_headers)
