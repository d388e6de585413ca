"""Upload quotas per account: storage (413, given back on delete) and per day (429)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.api import media_files as files
from tests.api.conftest import ClientFactory
from tests.api.support import Person, register

PHOTO = files.jpeg_bytes()


async def _upload_until_refused(client: httpx.AsyncClient, person: Person,
                                most: int) -> tuple[list[str], httpx.Response]:
    accepted = []
    for _ in range(most):
        answer = await files.upload(client, person.headers, PHOTO)
        if answer.status_code != 200:
            return accepted, answer
        accepted.append(answer.json()["id"])
    raise AssertionError(f"{most} uploads and none refused")


async def _accepted_within(client: httpx.AsyncClient, person: Person,
                           seconds: float = 10) -> httpx.Response:
    """Upload until accepted: freed space comes back once the worker deleted the media."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await files.upload(client, person.headers, PHOTO)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.1)


async def test_storage_quota_refuses_with_413_and_deleting_a_post_frees_room(
        client_with: ClientFactory) -> None:
    async with client_with(storage_quota_bytes=4 * len(PHOTO), daily_upload_quota_bytes=0,
                           rate_limits="off") as client:
        ann = await register(client, "ann")
        bob = await register(client, "bob")
        accepted, refused = await _upload_until_refused(client, ann, most=8)
        assert accepted
        assert refused.status_code == 413
        assert refused.json()["error"].startswith("Storage quota reached")
        # One account's quota is its own.
        assert (await files.upload(client, bob.headers, PHOTO)).status_code == 200

        posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                   json={"status": "all of them", "media_ids": accepted})
        assert posted.status_code == 200, posted.text
        assert (await files.upload(client, ann.headers, PHOTO)).status_code == 413
        deleted = await client.delete(f"/api/v1/statuses/{posted.json()['id']}",
                                      headers=ann.headers)
        assert deleted.status_code == 200
        assert (await _accepted_within(client, ann)).status_code == 200


async def test_daily_quota_refuses_with_429_and_survives_a_restart(
        client_with: ClientFactory) -> None:
    quota = {"storage_quota_bytes": 0, "daily_upload_quota_bytes": 2 * len(PHOTO) + 1,
             "rate_limits": "off"}
    async with client_with(**quota) as client:
        ann = await register(client, "ann")
        accepted, refused = await _upload_until_refused(client, ann, most=4)
        assert len(accepted) == 2
        assert refused.status_code == 429
        assert refused.json()["error"].startswith("Daily upload quota reached")
        assert int(refused.headers["retry-after"]) <= 24 * 3600
        assert refused.headers["x-ratelimit-remaining"] == "0"
        posted = await client.post("/api/v1/statuses", headers=ann.headers,
                                   json={"status": "x", "media_ids": accepted})
        await client.delete(f"/api/v1/statuses/{posted.json()['id']}", headers=ann.headers)
        await asyncio.sleep(1)
        # Deleting does not give back the day's allowance.
        assert (await files.upload(client, ann.headers, PHOTO)).status_code == 429
    # The count lives in the database, not in the server process.
    async with client_with(**quota) as client:
        signed_in = await client.get("/api/v1/accounts/verify_credentials",
                                     headers=ann.headers)
        assert signed_in.status_code == 200
        assert (await files.upload(client, ann.headers, PHOTO)).status_code == 429


async def test_a_refused_file_type_is_not_counted(client_with: ClientFactory) -> None:
    async with client_with(daily_upload_quota_bytes=len(PHOTO) + 1,
                           rate_limits="off") as client:
        ann = await register(client, "ann")
        bad = await files.upload(client, ann.headers, b"not a picture at all" * 100)
        assert bad.status_code == 415
        assert (await files.upload(client, ann.headers, PHOTO)).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cleaning_up_unposted_uploads_frees_room(settings: Settings) -> None:
    application = create_app(settings.model_copy(update={
        "storage_quota_bytes": 4 * len(PHOTO), "daily_upload_quota_bytes": 0}))
    async with LifespanManager(application), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t") as client:
        ann = await register(client, "ann")
        accepted, refused = await _upload_until_refused(client, ann, most=8)
        assert refused.status_code == 413
        lifecycle = application.state.container.media_parts.lifecycle
        assert await lifecycle.cleanup(older_than=timedelta(0)) == len(accepted)
        assert (await files.upload(client, ann.headers, PHOTO)).status_code == 200
