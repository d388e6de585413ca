"""Media privacy: a file is reachable exactly as long as its viewer may see its post.

Runs on one database and on two (blob references are looked up across shard databases),
and on the scale-out backend, whose media is in an S3 bucket.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.api import media_files as files
from tests.api.conftest import StoredMedia
from tests.api.support import Person, register

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "sqlite-sharded", "scale-out"],
                                     indirect=True)


async def _post(client: httpx.AsyncClient, author: Person, visibility: str) -> dict[str, str]:
    media = (await files.upload(client, author.headers, files.jpeg_bytes())).json()
    post = await client.post("/api/v1/statuses", headers=author.headers, json={
        "status": "look", "visibility": visibility, "media_ids": [media["id"]]})
    assert post.status_code == 200, post.text
    return dict(post.json())


async def _becomes(client: httpx.AsyncClient, url: str, status: int) -> int:
    """The status the URL settles on within a few seconds (the outbox worker runs)."""
    deadline = time.monotonic() + 10
    while True:
        got = (await client.get(url)).status_code
        if got == status or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.05)


def _bare(url: str) -> str:
    return url.split("?", 1)[0]


async def test_private_media_reaches_followers_only(client: httpx.AsyncClient) -> None:
    alice, fan, stranger = [await register(client, name) for name in ("alice", "fan", "stranger")]
    follow = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=fan.headers)
    assert follow.json()["following"] is True
    post = await _post(client, alice, "private")
    assert (await client.get(f"/api/v1/statuses/{post['id']}",
                             headers=stranger.headers)).status_code == 404
    seen = (await client.get(f"/api/v1/statuses/{post['id']}", headers=fan.headers)).json()
    media = seen["media_attachments"][0]
    for url in files.served_urls(media):
        assert "sig=" in url
        assert (await client.get(url)).status_code == 200, url
        # Without the signature the name alone opens nothing, for anyone.
        assert (await client.get(_bare(url))).status_code == 404, url
        assert (await client.get(_bare(url), headers=stranger.headers)).status_code == 404


async def test_public_media_is_served_by_name_until_the_post_is_deleted(
        client: httpx.AsyncClient, stored_media: StoredMedia) -> None:
    alice = await register(client, "alice")
    post = await _post(client, alice, "public")
    media = post["media_attachments"][0]
    signed = (await client.get(f"/api/v1/media/{media['id']}", headers=alice.headers)).json()
    for url in files.served_urls(media) + files.served_urls(signed):
        assert (await client.get(url)).status_code == 200, url
    gone = await client.delete(f"/api/v1/statuses/{post['id']}", headers=alice.headers)
    assert gone.status_code == 200
    for url in files.served_urls(media) + files.served_urls(signed):
        assert await _becomes(client, url, 404) == 404, url
    assert (await client.get(f"/api/v1/media/{media['id']}",
                             headers=alice.headers)).status_code == 404
    for _ in range(200):  # the worker deletes the blobs right after the URLs stop working
        if not stored_media():
            break
        await asyncio.sleep(0.05)
    assert stored_media() == []


async def test_locking_the_account_withdraws_its_public_media(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")
    urls = files.served_urls((await _post(client, alice, "public"))["media_attachments"][0])
    unlisted = await _post(client, alice, "unlisted")
    urls += files.served_urls(unlisted["media_attachments"][0])
    for locked, status in (("true", 404), ("false", 200)):
        changed = await client.patch("/api/v1/accounts/update_credentials",
                                     headers=alice.headers, data={"locked": locked})
        assert changed.status_code == 200
        for url in urls:
            assert await _becomes(client, url, status) == status, (locked, url)


async def test_unposted_uploads_are_private_and_cleaned_up_after_a_day(
        client: httpx.AsyncClient, app: FastAPI, stored_media: StoredMedia) -> None:
    alice = await register(client, "alice")
    kept = await _post(client, alice, "public")
    upload = (await files.upload(client, alice.headers, files.jpeg_bytes((800, 600)))).json()
    assert (await client.get(_bare(upload["url"]))).status_code == 404
    lifecycle = app.state.container.media_parts.lifecycle
    assert await lifecycle.cleanup(older_than=timedelta(hours=1)) == 0
    assert await lifecycle.cleanup(older_than=timedelta(0)) == 1
    assert await lifecycle.cleanup(older_than=timedelta(0)) == 0
    assert (await client.get(f"/api/v1/media/{upload['id']}",
                             headers=alice.headers)).status_code == 404
    assert (await client.get(upload["url"])).status_code == 404
    for url in files.served_urls(kept["media_attachments"][0]):
        assert (await client.get(url)).status_code == 200
    # Only the posted photo's three files are left (each a blob, its type and a public link
    # on disk; a blob and a public marker on S3).
    kept_keys = {url.split("?")[0].rsplit("/", 1)[-1]
                 for url in files.served_urls(kept["media_attachments"][0])}
    left = stored_media()
    assert {name.rsplit("/", 1)[-1] for name in left} == kept_keys
    assert len(left) == 3 * (2 if any(name.startswith("blobs/") for name in left) else 3)
