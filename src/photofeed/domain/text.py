"""Captions: the hashtags and mentions in them, the title, and their HTML."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

TITLE_MAX = 200
CAPTION_MAX = 2200
# One scanner finds URLs, hashtags and mentions together, so a "#fragment" or "?q=@name"
# inside a URL is part of the link, never a tag or a mention.
# A URL's last character is not sentence punctuation: "see https://x.example/a." links /a.
_URL = r"https?://[^\s<>\"']{0,1999}[^\s<>\"'.,;:!?)\]]"
# A hashtag is 1-100 letters, digits and underscores in any script, not all digits.
_HASHTAG = r"(?<![\w&])#(?P<tag>\w{1,100})(?!\w)"
# A mention may name a server (@ann@example.social); this server does not federate, so
# such a mention never resolves to a local namesake.
_MENTION = r"(?<![\w@/])@(?P<user>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)(?:@(?P<host>[\w.-]+))?"
_TOKENS = re.compile(f"(?P<url>{_URL})|{_HASHTAG}|{_MENTION}", re.UNICODE)


def hashtags(text: str) -> list[str]:
    """Distinct hashtags, lowercased, in order of first appearance."""
    found = [m["tag"].lower() for m in _TOKENS.finditer(text)
             if m["tag"] and not m["tag"].isdigit()]
    return list(dict.fromkeys(found))


def mentions(text: str) -> list[str]:
    """Distinct local usernames mentioned, as first written, in order of first appearance."""
    first: dict[str, str] = {}
    for match in _TOKENS.finditer(text):
        if match["user"] and not match["host"]:
            first.setdefault(match["user"].lower(), match["user"])
    return list(first.values())


def title_from(caption: str, title: str | None) -> str:
    """The given title, else the caption's first non-empty line."""
    if title is not None and title.strip():
        return " ".join(title.split())[:TITLE_MAX]
    for line in caption.splitlines():
        if line.strip():
            return " ".join(line.split())[:TITLE_MAX]
    return ""


def caption_html(caption: str, base_url: str, known_mentions: dict[str, str]) -> str:
    """Escaped caption with links for URLs, hashtags and mentions of known accounts.

    `known_mentions` maps a lowercased username to its profile URL; unknown names stay text.
    """
    return _caption_html(caption, base_url, tuple(sorted(known_mentions.items())))


@lru_cache(maxsize=4096)
def _caption_html(caption: str, base_url: str, mentions: tuple[tuple[str, str], ...]) -> str:
    # Cached: a popular post's caption is rendered in every feed that shows it.
    known_mentions = dict(mentions)
    caption = caption.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", caption) if p.strip()]
    return "".join(f"<p>{_linkify(p, base_url, known_mentions)}</p>" for p in paragraphs)


def _linkify(text: str, base_url: str, known: dict[str, str]) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        out.append(escape(text[position:match.start()]))
        out.append(_link(match, base_url, known))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _link(match: re.Match[str], base_url: str, known: dict[str, str]) -> str:
    if match["url"]:
        url = escape(match["url"])
        return f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>'
    if match["tag"] and not match["tag"].isdigit():
        tag = escape(match["tag"])
        return (f'<a href="{escape(base_url)}/tags/{tag.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{tag}</span></a>')
    profile = known.get(match["user"].lower()) if match["user"] and not match["host"] else None
    if profile is None:
        return escape(match[0])
    return (f'<span class="h-card"><a href="{escape(profile)}" class="u-url mention">'
            f"@<span>{escape(match['user'])}</span></a></span>")
