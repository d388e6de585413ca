"""Public post pages with link previews, oEmbed and share links; nothing private leaks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.api.helpers import error_body
from tests.api.media_support import key, public_url, ready_photo
from tests.api.support import Person, register

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
BASE = "http://testserver"


class _Head(HTMLParser):
    """The page's <meta> tags, <link> tags and <a href>s, as a browser or a crawler reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in values:
            self.meta[values.get("property") or values.get("name", "")] = values["content"]
        if tag == "link":
            self.links[values.get("type") or values.get("rel", "")] = values.get("href", "")
        if tag == "a":
            self.hrefs.append(values.get("href", ""))
        if tag == "script" or any(name.startswith("on") for name in values):
            self.scripts += 1


async def _post(client: httpx.AsyncClient, person: Person, caption: str,
                visibility: str = "public", media: list[str] | None = None) -> dict:
    response = await client.post("/api/v1/statuses", headers=person.headers, json={
        "status": caption, "visibility": visibility, "media_ids": media or []})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_public_post_has_a_page_with_previews_and_share_links(
        client: httpx.AsyncClient, app: FastAPI) -> None:
    ann = await register(client, "ann")
    photo = await ready_photo(app, ann.id, description="A red sun over the sea")
    post = await _post(client, ann, "Sunset at the pier\nwith #beach vibes", media=[photo])
    page = await client.get(f"/@ann/{post['id']}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    head = _Head(page.text)
    url = f"{BASE}/@ann/{post['id']}"
    assert head.meta["og:url"] == url
    assert head.meta["og:title"] == "Sunset at the pier"
    assert head.meta["og:description"] == "Sunset at the pier with #beach vibes"
    assert head.meta["og:image"] == public_url(photo)
    assert (head.meta["og:image:width"], head.meta["og:image:height"]) == ("1080", "810")
    assert head.meta["og:image:alt"] == "A red sun over the sea"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["twitter:image"] == public_url(photo)
    assert head.links["canonical"] == url
    # Every share link on the page is the one in the Status JSON, and carries the post's URL.
    shares = post["share_links"]
    assert set(shares) == {"facebook", "x", "tumblr", "pinterest", "reddit", "email"}
    for network, href in shares.items():
        assert href in head.hrefs, network
        assert url in {v[0] for v in parse_qs(urlsplit(href).query).values()}, network

    oembed_url = head.links["application/json+oembed"]
    embed = (await client.get(oembed_url)).json()
    assert embed["type"] == "photo"
    assert (embed["url"], embed["width"], embed["height"]) == (public_url(photo), 1080, 810)
    assert (embed["author_name"], embed["author_url"]) == ("ann", f"{BASE}/@ann")
    small = (await client.get("/api/oembed", params={"url": url, "maxwidth": 400})).json()
    assert (small["url"], small["width"]) == (public_url(photo, "small"), 320)


async def test_posts_that_are_not_public_never_get_pages_previews_or_share_links(
        client: httpx.AsyncClient, app: FastAPI) -> None:
    ann, bob = await register(client, "ann"), await register(client, "bob")
    cat = await register(client, "cat", locked=True)
    await client.post(f"/api/v1/accounts/{ann.id}/follow", headers=bob.headers)
    photo = await ready_photo(app, ann.id)
    private = await _post(client, ann, "Friends only", "private", [photo])
    locked = await _post(client, cat, "My kitten", "public", [await ready_photo(app, cat.id)])
    unlisted = await _post(client, ann, "Quietly", "unlisted")
    for status in (private, locked, unlisted):
        assert "share_links" not in status
        embed = await client.get("/api/oembed", params={"url": status["url"]})
        error_body(embed, 404)
    for status in (private, locked):
        page = await client.get(urlsplit(status["url"]).path)
        assert page.status_code == 404
        assert status["media_attachments"][0]["id"] not in page.text
        assert "og:" not in page.text
        assert status["content"] not in page.text
    # Bob follows Ann, so he may open her friends-only post: no previews, not indexed.
    for_bob = await client.get(f"/@ann/{private['id']}", headers=bob.headers)
    assert for_bob.status_code == 200
    assert key(photo) in for_bob.text
    head = _Head(for_bob.text)
    assert not any(key.startswith(("og:", "twitter:")) for key in head.meta)
    assert head.meta["robots"] == "noindex"
    assert not any(href.startswith("mailto:") for href in head.hrefs)
    # Unlisted posts open for anyone with the link, but are not offered for sharing.
    quiet = await client.get(f"/@ann/{unlisted['id']}")
    assert quiet.status_code == 200
    assert "og:title" not in quiet.text
    assert quiet.headers["x-robots-tag"] == "noindex"
    # A post under someone else's name, or no post at all.
    for path in (f"/@bob/{unlisted['id']}", "/@ann/123456789012", "/@ann/not-an-id"):
        assert (await client.get(path)).status_code == 404, path


async def test_oembed_refuses_what_it_cannot_answer(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    post = await _post(client, ann, "Text only")
    plain = (await client.get("/api/oembed", params={"url": post["url"]})).json()
    assert (plain["type"], plain["title"]) == ("link", "Text only")
    xml = await client.get("/api/oembed", params={"url": post["url"], "format": "xml"})
    error_body(xml, 501)
    for url in ("", "not a url", f"https://elsewhere.example/@ann/{post['id']}",
                f"{BASE}/@ann/{post['id']}/../../etc", f"{BASE}/api/v1/statuses/{post['id']}"):
        error_body(await client.get("/api/oembed", params={"url": url}), 404)


async def test_hostile_captions_stay_text_on_the_page(client: httpx.AsyncClient) -> None:
    ann = await register(client, "ann")
    caption = ('"><script>alert(1)</script> <img src=x onerror=alert(2)>\n'
               "#tag\"onmouseover=alert(3) https://x.example/'onfocus='alert(4)")
    post = await _post(client, ann, caption)
    page = await client.get(f"/@ann/{post['id']}")
    head = _Head(page.text)
    assert head.scripts == 0
    assert head.meta["og:title"] == '"><script>alert(1)</script> <img src=x onerror=alert(2)>'
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert not re.search(r"<(script|img)\b", page.text)


async def test_profile_pages(client: httpx.AsyncClient, app: FastAPI) -> None:
    ann, cat = await register(client, "ann"), await register(client, "cat", locked=True)
    photo = await ready_photo(app, ann.id)
    shown = await _post(client, ann, "Hello", media=[photo])
    hidden = await _post(client, cat, "Hidden", media=[await ready_photo(app, cat.id)])
    page = await client.get("/@ann")
    assert page.status_code == 200
    assert f"/@ann/{shown['id']}" in page.text
    assert public_url(photo, "small") in page.text
    private = await client.get("/@cat")
    assert "This account is private" in private.text
    assert hidden["id"] not in private.text
    assert hidden["media_attachments"][0]["id"] not in private.text
    assert (await client.get("/@cat", headers=cat.headers)).text.count(hidden["id"]) == 1
    assert (await client.get("/@nobody")).status_code == 404
