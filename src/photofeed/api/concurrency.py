"""A cap on requests in progress, answered past it with a fast 503 instead of a queue."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

# Probes must get through a full server, or the proxy would take it for dead.
EXEMPT_PATHS = ("/health/",)


class ConcurrencyLimit:
    """Counts requests (streams included) in progress in this process."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PATHS):
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            await self._refuse(send)
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": "The server is at its connection limit; try again "
                                    "shortly"}).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"),
            (b"retry-after", str(self.retry_after).encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
