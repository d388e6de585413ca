"""The ASGI application factory: the HTTP edge, put together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from photofeed import __version__, bootstrap
from photofeed.api import errors
from photofeed.api.middleware import BodySizeLimit, SecurityHeaders, StripTrailingSlash
from photofeed.api.roles import RoleGate
from photofeed.api.routes import (
    accounts,
    apps,
    graph,
    health,
    instance,
    oauth,
    statuses,
    streaming,
    timelines,
)
from photofeed.config import Settings
from photofeed.web import authorize, share
from photofeed.workers.runner import OutboxWorker

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings) -> FastAPI:
    """The whole service; backends are connected when the app starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await bootstrap.build(settings)
        app.state.container = container
        stop = asyncio.Event()
        workers = []
        if settings.inprocess_workers:
            worker = OutboxWorker(container.outbox, container.handlers,
                                  lease=timedelta(seconds=settings.outbox_lease_seconds))
            workers.append(asyncio.create_task(worker.run_forever(stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers)
            await container.close()

    app = FastAPI(title="photofeed", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    errors.install(app)
    # graph before accounts: /accounts/relationships must win over /accounts/{id}.
    for module in (instance, apps, oauth, graph, accounts, statuses, timelines, streaming,
                   health):
        app.include_router(module.router)
    app.include_router(authorize.router)
    app.include_router(share.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RoleGate, role=settings.role)
    # Outermost, so routing and every other layer see the path without a trailing slash.
    app.add_middleware(StripTrailingSlash)
    return app
