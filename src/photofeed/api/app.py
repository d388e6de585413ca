"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from photofeed import __version__, bootstrap
from photofeed.api import errors
from photofeed.api.middleware import BodySizeLimit, SecurityHeaders, StripTrailingSlash
from photofeed.api.routes import accounts, apps, health, instance, oauth
from photofeed.config import Settings
from photofeed.web import authorize

STATIC_DIR = Path(__file__).parent.parent / "web" / "static"


def create_app(settings: Settings) -> FastAPI:
    """The whole service; backends are connected when the app starts, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await bootstrap.build(settings)
        app.state.container = container
        try:
            yield
        finally:
            await container.close()

    app = FastAPI(title="photofeed", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    errors.install(app)
    for module in (instance, apps, oauth, accounts, health):
        app.include_router(module.router)
    app.include_router(authorize.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)
    # Outermost, so routing and every other layer see the path without a trailing slash.
    app.add_middleware(StripTrailingSlash)
    return app
