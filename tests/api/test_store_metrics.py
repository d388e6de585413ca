"""/metrics shows what operators watch: the outbox backlog, the feed store, media work."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from photofeed.config import Settings
from photofeed.workers.runner import OutboxWorker
from tests.api import media_files as files
from tests.api.support import register
from tests.conftest import FAST_HASHING
from tests.running_app import started


@pytest.fixture
async def app(database_url: str, redis_settings: dict[str, str],
              tmp_path: Path) -> AsyncIterator[FastAPI]:
    """An app whose events wait for a worker the test runs, sampled on every scrape."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                        inprocess_workers=False, metrics_sample_seconds=0,
                        **FAST_HASHING, **redis_settings)
    async with started(settings) as application:
        yield application


async def _scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


def _value(body: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", body, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def _drain(app: FastAPI) -> None:
    container = app.state.container
    await OutboxWorker(container.outbox, container.handlers).run_until_idle()


async def test_outbox_depth_and_feed_size_follow_posts_and_workers(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    ann, bob, cat = [await register(client, name) for name in ("ann", "bob", "cat")]
    for fan in (bob, cat):
        await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=fan.headers)
        # A reader who has never opened the feed is not pushed to (hybrid mode).
        await client.get("/api/v1/timelines/home", headers=fan.headers)
    await _drain(app)
    before = await _scrape(client)
    assert _value(before, "photofeed_outbox_depth") == 0

    for n in range(3):
        posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                   data={"status": f"post {n}"})
        assert posted.status_code == 200
    waiting = await _scrape(client)
    assert _value(waiting, "photofeed_outbox_depth") == 3

    await _drain(app)
    after = await _scrape(client)
    assert _value(after, "photofeed_outbox_depth") == 0
    # Each post lands in the author's own feed and in both followers' feeds.
    grown = (_value(after, "photofeed_feed_store_entries")
             - _value(before, "photofeed_feed_store_entries"))
    assert grown == 9
    assert _value(after, "photofeed_outbox_event_lag_seconds_count",
                  '{kind="post_created"}') >= 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_media_processing_time_is_recorded_for_photos_and_videos(
        app: FastAPI, client: httpx.AsyncClient, tmp_path: Path) -> None:
    ann = await register(client, "ann")
    photo_count = '{kind="photo",outcome="done"}'
    video_count = '{kind="video",outcome="done"}'
    name = "photofeed_media_processing_seconds_count"
    before = await _scrape(client)

    uploaded = await files.upload(client, ann.headers, files.jpeg_bytes())
    assert uploaded.status_code == 200
    clip = files.video(tmp_path, "mp4").read_bytes()
    queued = await files.upload(client, ann.headers, clip, name="clip.mp4")
    assert queued.status_code == 202
    middle = await _scrape(client)
    assert _value(middle, name, photo_count) == _value(before, name, photo_count) + 1
    assert _value(middle, name, video_count) == _value(before, name, video_count)

    await _drain(app)
    after = await _scrape(client)
    assert _value(after, name, video_count) == _value(before, name, video_count) + 1
    assert _value(after, "photofeed_media_processing_seconds_sum", video_count) > \
        _value(before, "photofeed_media_processing_seconds_sum", video_count)
