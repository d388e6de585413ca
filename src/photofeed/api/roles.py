"""Separate read and write servers: each refuses the other kind of request, clearly."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Probes and scrapes must reach every server whatever its role.
EVERY_ROLE_PATHS = ("/health/", "/metrics")


class RoleGate:
    """Lets a `read` server answer only safe methods and a `write` server only the rest."""

    def __init__(self, app: ASGIApp, *, role: str) -> None:
        self.app = app
        self.role = role

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.role == "all" or \
                scope["path"].startswith(EVERY_ROLE_PATHS) or self._accepts(scope["method"]):
            await self.app(scope, receive, send)
            return
        other = "write" if self.role == "read" else "read"
        body = json.dumps({"error": f"This is a {self.role} server; send this request to a "
                                    f"{other} server"}).encode()
        allow = "GET, HEAD, OPTIONS" if self.role == "read" else "POST, PUT, PATCH, DELETE"
        await send({"type": "http.response.start", "status": 405, "headers": [
            (b"content-type", b"application/json"), (b"allow", allow.encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _accepts(self, method: str) -> bool:
        return (method in SAFE_METHODS) == (self.role == "read")
