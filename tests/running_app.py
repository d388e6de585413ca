"""The application started in this process, with its lifespan, and a client that calls it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from photofeed.asgi import create_app
from photofeed.config import Settings


@asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its start-up done (migrations, workers as configured) until the block ends."""
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The started app and an HTTP client that reaches it without a socket."""
    async with started(settings) as application, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://testserver") as http:
        yield application, http
