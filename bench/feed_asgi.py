"""The app for a server started by name (uvicorn --factory), configured from PHOTOFEED_*.

`photofeed serve` builds Settings from flags; a server that imports an app by name cannot,
so this factory reads the same environment variables.
"""

from __future__ import annotations

from fastapi import FastAPI

from photofeed.asgi import create_app
from photofeed.config import Settings


def app() -> FastAPI:
    return create_app(Settings())
