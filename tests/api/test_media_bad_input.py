"""Bad uploads: each is refused with a clear 4xx JSON error and leaves no file behind,
or, where the content is fine whatever it is called, accepted by what it really is.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api import media_files as files
from tests.api.conftest import ClientFactory, StoredMedia
from tests.api.helpers import error_body, local_and_s3
from tests.api.support import register
from tests.unit.media import samples

pytestmark = local_and_s3
MB = 1024 * 1024


async def test_refused_uploads_leave_nothing_behind(client: httpx.AsyncClient, tmp_path: Path,
                                                    stored_media: StoredMedia) -> None:
    alice = await register(client, "alice")
    photo = files.photo(tmp_path, "jpeg").read_bytes()
    clip = files.video(tmp_path, "mp4").read_bytes()
    cases = {
        "random bytes": (samples.random_bytes(tmp_path / "r.jpg").read_bytes(), 415),
        "an HTML page called .jpg": (b"<!doctype html><script>alert(1)</script>", 415),
        "a PDF": (b"%PDF-1.7\n" + bytes(2000), 415),
        "an empty file": (b"", 422),
        "a truncated JPEG": (photo[: len(photo) // 2], 422),
        "a truncated video": (clip[: len(clip) // 2], 422),
        "a decompression bomb": (samples.bomb_png(tmp_path / "bomb.png").read_bytes(), 413),
    }
    for what, (content, status) in cases.items():
        answer = await files.upload(client, alice.headers, content, name="x.jpg", version="v1")
        assert error_body(answer, status)["error"], what
        assert await _emptied(stored_media) == [], what
    missing = await client.post("/api/v2/media", headers=alice.headers, data={"a": "b"})
    assert error_body(missing, 422)["details"]["file"][0]["error"] == "ERR_BLANK"


async def test_a_video_that_cannot_be_processed_fails_and_leaves_no_file(
        client_with: ClientFactory, tmp_path: Path, stored_media: StoredMedia) -> None:
    clip = files.video(tmp_path, "mp4", frames=24).read_bytes()  # one second
    async with client_with(max_video_seconds=0.5) as client:
        alice = await register(client, "alice")
        queued = await files.upload(client, alice.headers, clip)
        assert queued.status_code == 202, queued.text
        failed = await files.until_processed(client, alice.headers, queued.json()["id"])
        assert "longer" in error_body(failed, 422)["error"] or "limit" in failed.json()["error"]
        direct = await files.upload(client, alice.headers, clip, version="v1")
        error_body(direct, 422)
        assert stored_media() == []


async def test_size_limits_are_the_configured_ones(client_with: ClientFactory, tmp_path: Path,
                                                   stored_media: StoredMedia) -> None:
    async with client_with(max_photo_bytes=64 * 1024, max_video_bytes=MB) as client:
        alice = await register(client, "alice")
        noise = io.BytesIO()
        Image.effect_noise((300, 300), 64).convert("RGB").save(noise, "PNG")
        big_photo = noise.getvalue()
        assert len(big_photo) > 64 * 1024
        assert "limit" in error_body(await files.upload(client, alice.headers, big_photo),
                                     413)["error"]
        big_video = files.video(tmp_path, "mp4").read_bytes() + bytes(MB)
        error_body(await files.upload(client, alice.headers, big_video), 413)
        # Past video + photo limits and framing, the body itself is refused, unread.
        huge = await files.upload(client, alice.headers, bytes(17 * MB))
        assert "larger than" in error_body(huge, 413)["error"]
        assert stored_media() == []


async def test_type_comes_from_the_content_never_the_name(client: httpx.AsyncClient,
                                                          tmp_path: Path) -> None:
    alice = await register(client, "alice")
    png = files.photo(tmp_path, "png").read_bytes()
    answer = await files.upload(client, alice.headers, png, name="holiday.jpg")
    assert answer.status_code == 200, answer.text
    original = await client.get(answer.json()["download_url"])
    assert original.content.startswith(b"\x89PNG")
    assert original.headers["content-type"] == "image/png"


@pytest.mark.parametrize("name", ["../../../../evil.jpg", "..\\..\\evil.jpg", "/etc/passwd",
                                  "a\x00b.jpg", "évil\r\nX-Header: 1.jpg"])
async def test_file_names_are_never_used(client: httpx.AsyncClient, tmp_path: Path,
                                         name: str) -> None:
    alice = await register(client, "alice")
    answer = await files.upload(client, alice.headers, files.jpeg_bytes(), name=name)
    assert answer.status_code == 200, answer.text
    assert "evil" not in answer.text
    everything = [p.name for p in await asyncio.to_thread(_everything_under, tmp_path)]
    assert not [n for n in everything if "evil" in n or "passwd" in n]


def _everything_under(root: Path) -> list[Path]:
    return list(root.rglob("*"))


async def test_polyglots_lose_their_second_life(client: httpx.AsyncClient,
                                                tmp_path: Path) -> None:
    """A picture with a ZIP or a script riding along is served as the picture alone."""
    alice = await register(client, "alice")
    zip_tail = b"PK\x03\x04" + b"payload.txt" + bytes(64) + b"PK\x05\x06" + bytes(18)
    gif = io.BytesIO()
    Image.new("RGB", (64, 48), samples.BLUE).save(gif, "GIF")
    riders = {"jpeg+zip": files.jpeg_bytes() + zip_tail,
              "gif+script": gif.getvalue() + b"<script>alert(1)</script>"}
    for what, content in riders.items():
        answer = await files.upload(client, alice.headers, content, name="x.html")
        assert answer.status_code == 200, (what, answer.text)
        for url in files.served_urls(answer.json()):
            served = (await client.get(url)).content
            assert b"PK\x03\x04" not in served, what
            assert b"<script" not in served, what
        original = (await client.get(answer.json()["download_url"])).content
        assert original.endswith(b"\xff\xd9") or original.startswith(b"\x89PNG"), what


async def _emptied(stored_media: StoredMedia, seconds: float = 5.0) -> list[str]:
    """What is stored once clean-up settles. A refused video may be processed twice at once:
    by the v1 request itself and by a worker that took its event; whichever marks it failed
    first deletes the source a moment later, possibly just after the other one answered."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := stored_media()) and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110 - polling another process's store
        await asyncio.sleep(0.05)
    return left
