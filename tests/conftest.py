"""Fixtures shared by every test tier."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.services import postgres_databases

# Cheap password hashing keeps hundreds of sign-ups in a test run fast; production keeps
# the library's defaults.
FAST_HASHING = {"password_time_cost": 1, "password_memory_kib": 64}
BACKENDS = ["sqlite", "sqlite-sharded", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """One SQLite file, two SQLite files as two shards, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'one.sqlite3'}"
    elif backend == "sqlite-sharded":
        yield f"sqlite:///{tmp_path / 'a.sqlite3'},sqlite:///{tmp_path / 'b.sqlite3'}"
    else:
        with postgres_databases() as urls:
            yield urls[0]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, **FAST_HASHING)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """A real `photofeed serve` process on a free loopback port, with embedded defaults."""
    env = dict(os.environ, PHOTOFEED_PASSWORD_TIME_COST="1", PHOTOFEED_PASSWORD_MEMORY_KIB="64")
    command = [sys.executable, "-m", "photofeed.cli", "serve", "--port", "0",
               "--data-dir", str(tmp_path / "live")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env, text=True)
    try:
        yield _wait_for_url(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"listening on (http://\S+?)/?$", line.strip())
        if found:
            url = found.group(1)
            # Keep reading the log, or a chatty server blocks on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            # The URL is printed before uvicorn accepts; wait until it answers.
            for _ in range(100):
                try:
                    httpx.get(f"{url}/health/live", timeout=1)
                    return url
                except httpx.TransportError:
                    time.sleep(0.1)
    raise RuntimeError(f"photofeed serve exited with {process.wait()} before listening")
