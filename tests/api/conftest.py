"""Fixtures for API tests that need settings other than the defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import obstore
import pytest
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests import s3_server
from tests.api.media_files import stored_files
from tests.conftest import FAST_HASHING

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
StoredMedia = Callable[[], list[str]]


@pytest.fixture
def client_with(database_url: str, media_settings: dict[str, str],
                tmp_path: Path) -> ClientFactory:
    """Open an ASGI client on an app built with these Settings overrides, on this backend."""

    @asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                            **(FAST_HASHING | media_settings | overrides))
        application = create_app(settings)
        async with LifespanManager(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://testserver") as http:
                yield http

    return open_client


@pytest.fixture
def stored_media(media_settings: dict[str, str], tmp_path: Path) -> StoredMedia:
    """List every media file kept: under data_dir/media (blobs, public copies, scratch)
    and, when media is on S3, every object in the bucket, by name."""

    def listing() -> list[str]:
        local = [str(path) for path in stored_files(tmp_path / "data")]
        if not media_settings:
            return local
        location = Settings(**media_settings).media_location  # type: ignore[arg-type]
        assert location is not None
        assert location.endpoint is not None
        bucket = s3_server.bucket_client(location.endpoint, location.bucket)
        found = [meta["path"] for page in obstore.list(bucket) for meta in page]
        return sorted(local + found)

    return listing
