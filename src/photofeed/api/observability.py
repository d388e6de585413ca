"""Request IDs, one structured log line per request, and Prometheus metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from photofeed.api.store_gauges import StoreGauges
from photofeed.logs import request_id

log = logging.getLogger("photofeed.access")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

REQUEST_SECONDS = Histogram(
    "photofeed_http_request_duration_seconds", "Time to answer an HTTP request.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10))


class RequestObserver:
    """Tags each request with an ID, times it by route, and logs it without secrets.

    Only the path is logged, never the query string or headers, so tokens (the streaming
    API accepts one in the query) never reach a log.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _CLIENT_ID.fullmatch(sent) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def tagged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = dict(message, headers=[*message.get("headers", []),
                                                 (b"x-request-id", rid.encode())])
            await send(message)

        try:
            await self.app(scope, receive, tagged_send)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope["method"], route, f"{status // 100}xx").observe(elapsed)
            log.info("request", extra={"method": scope["method"], "path": scope["path"],
                                       "route": route, "status": status,
                                       "duration_ms": round(elapsed * 1000, 2)})
            request_id.reset(token)


async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's metrics."""
    gauges: StoreGauges | None = getattr(request.app.state, "store_gauges", None)
    if gauges is not None:
        await gauges.refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

