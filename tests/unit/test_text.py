"""Captions: hashtags, mentions, titles, and HTML that hostile text cannot break out of."""

from __future__ import annotations

import re

import pytest

from photofeed.domain.text import caption_html, hashtags, mentions, title_from

BASE = "https://photos.example"


def html(caption: str, known: dict[str, str] | None = None) -> str:
    return caption_html(caption, BASE, known or {})


def test_hashtags_are_distinct_lowercase_and_in_order() -> None:
    assert hashtags("#Beach day #sunset and #beach again #café #日本") == [
        "beach", "sunset", "café", "日本"]


@pytest.mark.parametrize("caption", [
    "#2024",                       # all digits: a number, not a tag
    "issue#12",                    # glued to a word
    "&#39; is an entity",          # an HTML entity typed as text
    "https://x.example/page#top",  # a URL's fragment
    "#" + "a" * 101,               # longer than a tag may be
])
def test_what_is_not_a_hashtag(caption: str) -> None:
    assert hashtags(caption) == []


def test_mentions_are_distinct_ignoring_case_and_keep_the_first_spelling() -> None:
    assert mentions("hi @Bob and @bob, thanks @cat.b. @ann_1!") == ["Bob", "cat.b", "ann_1"]


@pytest.mark.parametrize("caption", [
    "mail me at ann@example.com",
    "https://x.example/?q=@bob",
    "https://x.example/@bob",
    "@bob@mastodon.social lives elsewhere",
])
def test_what_is_not_a_local_mention(caption: str) -> None:
    assert mentions(caption) == []


def test_title_is_the_given_one_or_the_captions_first_line() -> None:
    assert title_from("\n\n  Sunset   at the pier \nmore", None) == "Sunset at the pier"
    assert title_from("caption", "  My   title ") == "My title"
    assert title_from("", None) == ""
    assert len(title_from("x" * 500, None)) == 200


def test_links_for_urls_tags_and_known_mentions() -> None:
    out = html("Hi @bob and @eve, see https://x.example/a?b=1&c=2. #Sun",
               {"bob": f"{BASE}/@bob"})
    assert '<a href="https://x.example/a?b=1&amp;c=2" rel="nofollow noopener noreferrer"' in out
    assert "</a>. " in out  # the full stop ends the sentence, not the link
    assert f'<a href="{BASE}/tags/sun" class="mention hashtag" rel="tag">#<span>Sun</span></a>' \
        in out
    assert f'<a href="{BASE}/@bob" class="u-url mention">@<span>bob</span></a>' in out
    assert "@eve" in out  # nobody called eve here: plain text, no link
    assert "/@eve" not in out


def test_paragraphs_and_line_breaks() -> None:
    assert html("one\r\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"
    assert html("") == ""


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '#tag"><script>alert(1)</script>',
    "#tag' onmouseover='alert(1)",
    'https://x.example/"onmouseover="alert(1)',
    "https://x.example/'><script>alert(1)</script>",
    'https://x.example/a"style="x',
    "javascript:alert(1)",
    '@bob"><script>alert(1)</script>',
])
def test_hostile_captions_stay_text(hostile: str) -> None:
    out = html(hostile, {"bob": f"{BASE}/@bob"})
    # The only tags are the ones we write, and every attribute value is one we chose.
    tags = re.findall(r"<(/?)(\w+)([^>]*)>", out)
    assert {name for _, name, _ in tags} <= {"p", "a", "span", "br"}
    for _, _, attributes in tags:
        assert "<" not in attributes
        for name, _value in re.findall(r'\s([\w-]+)="([^"]*)"', attributes):
            assert name in {"href", "rel", "target", "class"}
        assert not re.search(r"\son\w+=", attributes)
    assert 'href="javascript' not in out
    assert "<script" not in out
