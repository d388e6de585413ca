"""Uploading every accepted type through the Mastodon media API, and what comes back.

Every URL a MediaAttachment gives is fetched and inspected: sizes as stated, no planted
secret or GPS position in any byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from photofeed.workers.runner import OutboxWorker
from tests.api import media_files as files
from tests.api.conftest import StoredMedia
from tests.api.helpers import bearer, local_and_s3, new_app, user_token
from tests.api.support import register

pytestmark = local_and_s3


@pytest.mark.parametrize("kind", files.PHOTO_TYPES)
async def test_each_photo_type_is_processed_before_the_answer(
        client: httpx.AsyncClient, tmp_path: Path, kind: str) -> None:
    alice = await register(client, "alice")
    source = files.photo(tmp_path, kind)
    answer = await files.upload(client, alice.headers, source.read_bytes(), name=source.name,
                                data={"description": "A red corner", "focus": "0.5,-0.25"})
    assert answer.status_code == 200, answer.text
    media = answer.json()
    assert media["type"] == "image"
    assert media["description"] == "A red corner"
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert len(media["blurhash"]) >= 20
    upright = (1200, 1600) if kind == "jpeg" else (1600, 1200)  # the JPEG is turned by EXIF
    assert (media["meta"]["original"]["width"], media["meta"]["original"]["height"]) == upright
    wanted = {media["url"]: (1080, round(1080 * upright[1] / upright[0])),
              media["preview_url"]: (320, round(320 * upright[1] / upright[0])),
              media["download_url"]: upright}
    for url, size in wanted.items():
        got = await client.get(url)
        assert got.status_code == 200, (url, got.text)
        files.assert_clean_bytes(got.content)
        assert files.image_size(got.content) == size, url


@pytest.mark.parametrize("kind", files.VIDEO_TYPES)
async def test_each_video_type_is_processed_after_the_answer(
        client: httpx.AsyncClient, tmp_path: Path, kind: str) -> None:
    alice = await register(client, "alice")
    source = files.video(tmp_path, kind)
    answer = await files.upload(client, alice.headers, source.read_bytes(), name=source.name)
    assert answer.status_code == 202, answer.text
    assert answer.json()["url"] is None
    done = await files.until_processed(client, alice.headers, answer.json()["id"])
    assert done.status_code == 200, done.text
    media = done.json()
    assert media["type"] == "video"
    assert media["meta"]["original"]["duration"] == pytest.approx(0.5, abs=0.1)
    assert (media["meta"]["original"]["width"], media["meta"]["original"]["height"]) == (320, 240)
    for url in files.served_urls(media):
        got = await client.get(url)
        assert got.status_code == 200, url
        files.assert_clean_bytes(got.content)
    poster = await client.get(media["preview_url"])
    assert files.image_size(poster.content) == (320, 240)


async def test_v1_upload_of_a_video_answers_when_it_is_done(client: httpx.AsyncClient,
                                                            tmp_path: Path) -> None:
    alice = await register(client, "alice")
    answer = await files.upload(client, alice.headers, files.video(tmp_path, "mp4").read_bytes(),
                                version="v1")
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"].startswith("http://testserver/media/")


async def test_v1_upload_of_a_video_is_processed_by_the_request_alone(
        app: FastAPI, client: httpx.AsyncClient, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The real processor, counted: the in-process worker runs beside the request, and
    # used to start on the same video the moment the upload was recorded.
    processor = app.state.container.media_parts.processor
    transcode = processor.video
    processed: list[Path] = []

    async def counted(source: Path, work: Path) -> Any:
        processed.append(source)
        return await transcode(source, work)

    monkeypatch.setattr(processor, "video", counted)
    alice = await register(client, "alice")
    answer = await files.upload(client, alice.headers, files.video(tmp_path, "mp4").read_bytes(),
                                version="v1")
    await OutboxWorker(app.state.container.outbox,
                       app.state.container.handlers).run_until_idle()

    assert answer.status_code == 200, answer.text
    assert answer.json()["meta"]["original"]["duration"] == pytest.approx(0.5, abs=0.1)
    assert len(processed) == 1, "the video was transcoded more than once"


async def test_a_chosen_thumbnail_becomes_the_video_poster(client: httpx.AsyncClient,
                                                           tmp_path: Path) -> None:
    alice = await register(client, "alice")
    clip = files.video(tmp_path, "mp4").read_bytes()
    answer = await client.post("/api/v2/media", headers=alice.headers, files={
        "file": ("clip.mp4", clip), "thumbnail": ("poster.jpg", files.jpeg_bytes((900, 600)))})
    assert answer.status_code == 202, answer.text
    media = (await files.until_processed(client, alice.headers, answer.json()["id"])).json()
    poster = await client.get(media["preview_url"])
    assert files.image_size(poster.content) == (320, 213)
    files.assert_clean_bytes(poster.content)


async def test_description_and_focus_can_be_changed(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")
    media = (await files.upload(client, alice.headers, files.jpeg_bytes())).json()
    changed = await client.put(f"/api/v1/media/{media['id']}", headers=alice.headers,
                               data={"description": "Now described", "focus": "-1,1"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] == "Now described"
    again = (await client.get(f"/api/v1/media/{media['id']}", headers=alice.headers)).json()
    assert again["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    bad = await client.put(f"/api/v1/media/{media['id']}", headers=alice.headers,
                           data={"focus": "2,0"})
    assert bad.status_code == 422
    assert "focus" in bad.json()["error"]


async def test_others_media_is_not_found_and_the_scope_is_needed(
        client: httpx.AsyncClient) -> None:
    alice, bob = await register(client, "alice"), await register(client, "bob")
    media = (await files.upload(client, alice.headers, files.jpeg_bytes())).json()
    for method in ("GET", "PUT"):
        other = await client.request(method, f"/api/v1/media/{media['id']}",
                                     headers=bob.headers)
        assert other.status_code == 404, other.text
    reading_app = await new_app(client, scopes="read")
    reader = bearer(await user_token(client, reading_app, "alice", scope="read"))
    refused = await files.upload(client, reader, files.jpeg_bytes())
    assert refused.status_code == 403
    anonymous = await files.upload(client, {}, files.jpeg_bytes())
    assert anonymous.status_code == 401


async def test_identical_uploads_share_their_files(client: httpx.AsyncClient,
                                                   stored_media: StoredMedia) -> None:
    alice = await register(client, "alice")
    content = files.jpeg_bytes()
    first = (await files.upload(client, alice.headers, content)).json()
    stored = stored_media()
    assert stored
    second = (await files.upload(client, alice.headers, content)).json()
    assert first["id"] != second["id"]
    assert stored_media() == stored


async def test_avatar_and_header_are_cropped_clean_and_public(client: httpx.AsyncClient,
                                                              tmp_path: Path) -> None:
    alice = await register(client, "alice", locked=True)  # pictures are public all the same
    source = files.photo(tmp_path, "jpeg").read_bytes()
    changed = await client.patch("/api/v1/accounts/update_credentials", headers=alice.headers,
                                 files={"avatar": ("me.jpg", source),
                                        "header": ("wide.jpg", source)},
                                 data={"display_name": "Alice"})
    assert changed.status_code == 200, changed.text
    account = changed.json()
    assert account["display_name"] == "Alice"
    for field, size in (("avatar", (400, 400)), ("header", (1500, 500))):
        got = await client.get(account[field])
        assert got.status_code == 200, account[field]
        assert files.image_size(got.content) == size
        files.assert_clean_bytes(got.content)
    replaced = await client.patch("/api/v1/accounts/update_credentials", headers=alice.headers,
                                  files={"avatar": ("new.jpg", files.jpeg_bytes())})
    assert replaced.json()["avatar"] != account["avatar"]
    assert (await client.get(account["avatar"])).status_code == 404
    refused = await client.patch("/api/v1/accounts/update_credentials", headers=alice.headers,
                                 files={"avatar": ("a.jpg", b"not a picture at all")})
    assert refused.status_code == 415
