"""The ASGI application factory: the HTTP edge, put together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware

from photofeed import __version__, bootstrap
from photofeed.api import errors, openapi_doc
from photofeed.api.concurrency import ConcurrencyLimit
from photofeed.api.draining import Draining
from photofeed.api.media_serving import MediaFront
from photofeed.api.middleware import BodySizeLimit, SecurityHeaders, StripTrailingSlash
from photofeed.api.observability import RequestObserver, metrics
from photofeed.api.reads import ReadRouting
from photofeed.api.roles import RoleGate
from photofeed.api.routes import (
    accounts,
    apps,
    graph,
    health,
    instance,
    media,
    oauth,
    search,
    statuses,
    streaming,
    timelines,
)
from photofeed.api.store_gauges import StoreGauges
from photofeed.config import Settings
from photofeed.web import auth, authorize, home, people, share, tools
from photofeed.web.session import CookieBearer
from photofeed.workers.periodic import run_periodically
from photofeed.workers.runner import OutboxWorker

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings) -> FastAPI:
    """The whole service; backends are connected when the app starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await bootstrap.build(settings)
        app.state.container = container
        app.state.draining = draining = Draining()
        draining.install()
        app.state.store_gauges = StoreGauges(container,
                                             interval=settings.metrics_sample_seconds)
        stop = asyncio.Event()
        workers = []
        if settings.inprocess_workers:
            worker = OutboxWorker(container.outbox, container.handlers,
                                  lease=timedelta(seconds=settings.outbox_lease_seconds))
            workers.append(asyncio.create_task(worker.run_forever(stop)))
            workers.append(asyncio.create_task(run_periodically(container.periodic_jobs, stop)))
        try:
            yield
        finally:
            draining.uninstall()
            stop.set()
            await asyncio.gather(*workers)
            await container.close()

    app = FastAPI(title="photofeed", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    errors.install(app)
    openapi_doc.install(app)
    # Routing tries routes in order: the News Feed, the busiest, goes first. graph and
    # search before accounts: /accounts/relationships and /accounts/search must win over
    # /accounts/{id}.
    for module in (timelines, instance, apps, oauth, graph, search, accounts, statuses,
                   streaming, health, media):
        app.include_router(module.router)
    # The web pages; people before share: /@name/followers must win over /@name/{id}.
    for page_module in (authorize, auth, home, people, tools, share):
        app.include_router(page_module.router)
    app.add_route("/metrics", metrics, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Uploads stream to spooled files; the cap only has to allow the largest video.
    # Innermost: a read retried on the primary runs just the routes again.
    app.add_middleware(ReadRouting)
    app.add_middleware(BodySizeLimit, large_upload_paths=media.UPLOAD_PATHS,
                       large_upload_limit=settings.max_video_bytes + settings.max_photo_bytes
                       + media.FORM_OVERHEAD)
    # Page scripts call the API with the session cookie; writes need its CSRF token.
    app.add_middleware(CookieBearer, public_url=settings.public_url)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RoleGate, role=settings.role)
    # The API authenticates with bearer tokens, never cookies, so any site may call it.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"],
                       allow_headers=["*"], expose_headers=["Link", "X-RateLimit-Limit",
                                                            "X-RateLimit-Remaining",
                                                            "X-RateLimit-Reset", "X-Request-Id"])
    app.add_middleware(ConcurrencyLimit, limit=settings.max_connections)
    app.add_middleware(RequestObserver)
    # Outermost, so routing and every other layer see the path without a trailing slash.
    app.add_middleware(StripTrailingSlash)
    # Outside everything: media files are answered without routing or a database.
    app.add_middleware(MediaFront)
    return app
