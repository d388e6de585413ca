"""Fixtures shared by every test tier."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.services import postgres_databases, redis_prefix, s3_bucket

# Cheap password hashing keeps hundreds of sign-ups in a test run fast; production keeps
# the library's defaults.
FAST_HASHING = {"password_time_cost": 1, "password_memory_kib": 64}
# Every API test runs on the embedded configuration, on two SQLite shard files, and on the
# scale-out configuration: two PostgreSQL shard databases with feeds, live events and rate
# limits in Redis, media in a bucket of a real S3 server (SeaweedFS). "postgres" (one
# database, nothing in Redis) can be asked for by name.
BACKENDS = ["sqlite", "sqlite-sharded", "scale-out"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """One SQLite file, two SQLite files as two shards, or a fresh PostgreSQL database."""
    with fresh_database(backend, tmp_path) as url:
        yield url


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """The database URL setting for a new, empty database of this backend."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'one.sqlite3'}"
    elif backend == "sqlite-sharded":
        yield f"sqlite:///{directory / 'a.sqlite3'},sqlite:///{directory / 'b.sqlite3'}"
    else:
        with postgres_databases(2 if backend == "scale-out" else 1) as urls:
            yield ",".join(urls)


@pytest.fixture
def redis_settings(backend: str) -> Iterator[dict[str, str]]:
    """Settings that put feeds, events and limits in Redis, for the scale-out backend."""
    if backend != "scale-out":
        yield {}
        return
    with redis_prefix() as (url, prefix):
        yield {"feed_url": url, "events_url": url, "redis_url": url, "redis_prefix": prefix}


@pytest.fixture
def media_settings(backend: str) -> Iterator[dict[str, str]]:
    """Settings that keep media in a fresh S3 bucket, for the scale-out backend."""
    if backend != "scale-out":
        yield {}
        return
    with s3_bucket() as settings:
        yield settings


@pytest.fixture
def settings(database_url: str, redis_settings: dict[str, str],
             media_settings: dict[str, str], tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, **FAST_HASHING,
                    **redis_settings, **media_settings)


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
    with serving(tmp_path / "live") as url:
        yield url


@pytest.fixture(scope="module")
def module_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `live_server` for a whole module (starting one takes seconds); tests share its data."""
    with serving(tmp_path_factory.mktemp("live")) as url:
        yield url


@contextmanager
def serving(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `photofeed serve` on data_dir until the block ends; yields its base URL."""
    env = dict(os.environ, PHOTOFEED_PASSWORD_TIME_COST="1", PHOTOFEED_PASSWORD_MEMORY_KIB="64",
               **(env or {}))
    command = [sys.executable, "-m", "photofeed.cli", "serve", "--port", "0",
               "--data-dir", str(data_dir)]
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
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            # The URL is printed once the socket is bound, before the workers have started
            # the app; wait until it answers.
            for _ in range(100):
                try:
                    httpx.get(f"{url}/health/live", timeout=1)
                    return url
                except httpx.TransportError:
                    time.sleep(0.1)
    process.stdout.close()
    raise RuntimeError(f"photofeed serve exited with {process.wait()} before listening")


def _drain(log: IO[str]) -> None:
    """Read the server's log until it exits, then close the pipe (unclosed, it warns)."""
    with log:
        log.read()


# Here rather than in tests/fuzz/conftest.py: with xdist only this file's hooks run in the
# process that prints the summary.
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the whole run's figures, so they can be quoted."""
    total: Counter[str] = Counter()
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "schemathesis_figures" and getattr(report, "when", "") == "teardown":
                    total.update(value)
                if name == "fault_figures" and getattr(report, "when", "") == "call":
                    figures = ", ".join(f"{key}: {count}" for key, count in value.items())
                    terminalreporter.write_line(f"fault test figures: {figures}")
    if total:
        shown = {"5xx": 0, "failures": 0, **total}
        line = ", ".join(f"{name}: {count}" for name, count in sorted(shown.items()))
        terminalreporter.write_line(f"schemathesis figures: {line}")
