"""Share links for public posts: each network's address, with the post's URL encoded."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from photofeed.domain.sharing import SHARE_NETWORKS, share_links

URL = "https://photos.example/@ann/123"


def test_every_network_gets_the_post_url_and_title() -> None:
    links = share_links(URL, "Sunset & sea #1", "https://photos.example/media/1/large.webp")
    assert tuple(links) == SHARE_NETWORKS
    assert parse_qs(urlsplit(links["facebook"]).query) == {"u": [URL]}
    assert parse_qs(urlsplit(links["x"]).query) == {"url": [URL], "text": ["Sunset & sea #1"]}
    assert parse_qs(urlsplit(links["reddit"]).query)["title"] == ["Sunset & sea #1"]
    assert parse_qs(urlsplit(links["tumblr"]).query)["canonicalUrl"] == [URL]
    pin = parse_qs(urlsplit(links["pinterest"]).query)
    assert pin["media"] == ["https://photos.example/media/1/large.webp"]
    assert urlsplit(links["x"]).netloc == "x.com"


def test_email_link_uses_percent_escapes_not_plus_signs() -> None:
    email = share_links(URL, "a b+c", None)["email"]
    assert email.startswith("mailto:?")
    assert "subject=a%20b%2Bc" in email
    assert "body=https%3A%2F%2Fphotos.example%2F%40ann%2F123" in email


def test_pinterest_without_a_picture_leaves_media_out() -> None:
    pin = share_links(URL, "t", None)["pinterest"]
    assert "media=" not in pin
