"""Serving media files: caching headers, conditional requests, ranges, downloads, links."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from tests.api import media_files as files
from tests.api.helpers import error_body, local_and_s3
from tests.api.support import Person, register

pytestmark = local_and_s3


async def _public_photo(client: httpx.AsyncClient, person: Person) -> dict[str, str]:
    media = (await files.upload(client, person.headers, files.jpeg_bytes((1600, 1200)))).json()
    post = await client.post("/api/v1/statuses", headers=person.headers,
                             json={"status": "hello", "media_ids": [media["id"]]})
    assert post.status_code == 200, post.text
    shown = post.json()["media_attachments"][0]
    assert "?" not in shown["url"]  # anyone may see the post: a plain, cacheable URL
    return dict(shown)


async def test_whole_file_with_validators_and_long_caching(client: httpx.AsyncClient) -> None:
    media = await _public_photo(client, await register(client, "alice"))
    got = await client.get(media["url"])
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/webp"
    assert int(got.headers["content-length"]) == len(got.content)
    assert got.headers["etag"].startswith('"')
    assert got.headers["last-modified"].endswith("GMT")
    assert "immutable" in got.headers["cache-control"]
    assert "max-age=31536000" in got.headers["cache-control"]
    assert got.headers["accept-ranges"] == "bytes"
    assert got.headers["x-content-type-options"] == "nosniff"
    head = await client.head(media["url"])
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


async def test_conditional_requests_answer_304(client: httpx.AsyncClient) -> None:
    media = await _public_photo(client, await register(client, "alice"))
    first = await client.get(media["url"])
    for condition in ({"If-None-Match": first.headers["etag"]},
                      {"If-None-Match": f'W/{first.headers["etag"]}, "other"'},
                      {"If-None-Match": "*"},
                      {"If-Modified-Since": first.headers["last-modified"]}):
        again = await client.get(media["url"], headers=condition)
        assert again.status_code == 304, condition
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
    changed = await client.get(media["url"], headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    old = await client.get(media["url"], headers={
        "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status_code == 200


async def test_ranges_for_seeking_and_resuming(client: httpx.AsyncClient) -> None:
    media = await _public_photo(client, await register(client, "alice"))
    whole = (await client.get(media["download_url"])).content
    size = len(whole)
    for header, (start, end) in {"bytes=0-99": (0, 99), "bytes=100-": (100, size - 1),
                                 "bytes=-50": (size - 50, size - 1),
                                 f"bytes=10-{size + 500}": (10, size - 1)}.items():
        part = await client.get(media["download_url"], headers={"Range": header})
        assert part.status_code == 206, header
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert part.content == whole[start: end + 1], header
    for unsatisfiable in (f"bytes={size}-", "bytes=-0"):
        refused = await client.get(media["url"], headers={"Range": unsatisfiable})
        error_body(refused, 416)
        assert refused.headers["content-range"].startswith("bytes */")
    for ignored in ("bytes=0-1,5-9", "lines=1-2", "bytes=x-y"):
        full = await client.get(media["url"], headers={"Range": ignored})
        assert full.status_code == 200, ignored
    stale = await client.get(media["url"], headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200
    current = await client.get(media["url"], headers={
        "Range": "bytes=0-9", "If-Range": (await client.head(media["url"])).headers["etag"]})
    assert current.status_code == 206


async def test_the_original_downloads_as_a_file(client: httpx.AsyncClient) -> None:
    media = await _public_photo(client, await register(client, "alice"))
    got = await client.get(media["download_url"])
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith('attachment; filename="photofeed-')
    assert got.content.startswith(b"\xff\xd8")
    assert files.image_size(got.content) == (1600, 1200)
    files.assert_clean_bytes(got.content)


async def test_signed_links_must_be_intact_and_current(client: httpx.AsyncClient,
                                                       app: FastAPI) -> None:
    alice = await register(client, "alice")
    media = (await files.upload(client, alice.headers, files.jpeg_bytes())).json()
    assert (await client.get(media["url"])).status_code == 200
    parts = urlsplit(media["url"])
    key = parts.path.rsplit("/", 1)[1]
    signer = app.state.container.signer
    forged = f"{parts.path}?exp={parts.query.split('&')[0][4:]}&sig={'0' * 32}"
    stale = f"{parts.path}?exp=1000&sig={signer.sign(key, 1000)}"
    other_key = urlsplit(media["preview_url"]).path + "?" + parts.query
    for url, status in ((forged, 404), (stale, 403), (other_key, 404), (parts.path, 404)):
        error_body(await client.get(url), status)


async def test_only_get_and_head_and_only_real_names(client: httpx.AsyncClient) -> None:
    media = await _public_photo(client, await register(client, "alice"))
    error_body(await client.post(media["url"]), 405)
    for path in ("/media/../secret_key", "/media/%2e%2e%2fsecret_key", "/media/ab",
                 "/media/secret_key", "/media/UPPER.webp", "/media/"):
        error_body(await client.get(path), 404)
