"""Mastodon's streaming API as server-sent events: new posts reach open clients at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from photofeed.api.deps import BaseUrl, Caller, ServerDraining, Services, require
from photofeed.api.draining import Draining
from photofeed.api.status_entities import status_bytes
from photofeed.bootstrap import Container
from photofeed.domain.accounts import Account
from photofeed.domain.errors import Unprocessable

router = APIRouter()


@router.get("/api/v1/streaming/health", response_class=PlainTextResponse)
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")


@router.get("/api/v1/streaming/user", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def user_stream(services: Services, base_url: BaseUrl, draining: ServerDraining,
                      caller: Annotated[Caller, Depends(require("read:statuses"))],
                      ) -> StreamingResponse:
    return _sse(_user_events(services, caller.user, base_url, draining))


@router.get("/api/v1/streaming", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(request: Request, services: Services, base_url: BaseUrl,
                 draining: ServerDraining,
                 caller: Annotated[Caller, Depends(require("read:statuses"))],
                 ) -> StreamingResponse:
    if request.query_params.get("stream", "user") not in ("user", "user:notification"):
        raise Unprocessable("Only the user stream is available")
    return _sse(_user_events(services, caller.user, base_url, draining))


def _sse(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream", headers={
        "Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _user_events(services: Container, reader: Account, base_url: str,
                       draining: Draining) -> AsyncIterator[str]:
    # Events name posts and follows committed a moment ago; a replica may not have them yet.
    services.reads.read_primary()
    yield ":)\n\n"
    # When the server is stopping the stream ends, and the client reconnects elsewhere.
    stopping = asyncio.ensure_future(draining.wait())
    try:
        while True:
            channels = await services.timelines.live_channels(reader.id)
            async with services.events.subscribe(channels) as messages, \
                    aclosing(_with_heartbeats(messages, stopping,
                                              services.settings.stream_heartbeat_seconds)
                             ) as ticks:
                async for message in ticks:
                    if message is None:
                        yield ":thump\n\n"
                    elif message["event"] == "follows_changed":
                        break  # the followees changed: subscribe again to the new set
                    elif frame := await _frame(services, reader, base_url, message):
                        yield frame
                else:
                    return  # the server is stopping, or the event bus closed
    finally:
        stopping.cancel()


async def _with_heartbeats(messages: AsyncIterator[str], stopping: asyncio.Future[Any],
                           heartbeat: float) -> AsyncGenerator[dict[str, str] | None]:
    """The subscription's messages, and None each `heartbeat` seconds without one; ends
    when the server is stopping or the event bus closes."""
    # One read stays pending across heartbeats: cancelling a read on a timeout would close
    # the subscription's generator and end the stream.
    pending: asyncio.Future[Any] = asyncio.ensure_future(anext(messages))
    try:
        while True:
            done, _ = await asyncio.wait({pending, stopping}, timeout=heartbeat,
                                         return_when=asyncio.FIRST_COMPLETED)
            if stopping in done:
                return
            if not done:
                yield None
                continue
            try:
                raw = pending.result()
            except StopAsyncIteration:
                return  # the event bus closed: the app is shutting down
            pending = asyncio.ensure_future(anext(messages))
            yield json.loads(raw)
    finally:
        pending.cancel()


async def _frame(services: Container, reader: Account, base_url: str,
                 message: dict[str, str]) -> str | None:
    if message["event"] == "delete":
        return f"event: delete\ndata: {message['post_id']}\n\n"
    if message["event"] != "update":
        return None
    view = await services.posts.visible(viewer=reader, post_id=int(message["post_id"]))
    if view is None:
        return None
    # The kept rendering, as the timelines send it: compact JSON on one line, as SSE needs.
    return f"event: update\ndata: {status_bytes(view, base_url).decode()}\n\n"
