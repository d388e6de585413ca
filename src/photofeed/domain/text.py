"""Captions: the hashtags and mentions in them, the title, and their HTML."""

from __future__ import annotations

import re
from html import escape

TITLE_MAX = 200
CAPTION_MAX = 2200
# A hashtag is letters, digits and underscores in any script, not all digits.
_HASHTAG = re.compile(r"(?<![\w&])#(\w{1,100})", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)(?:@[\w.-]+)?")
_URL = re.compile(r"https?://[^\s<>\"']{1,2000}")
_TOKENS = re.compile(f"{_URL.pattern}|{_HASHTAG.pattern}|{_MENTION.pattern}", re.UNICODE)


def hashtags(text: str) -> list[str]:
    """Distinct hashtags, lowercased, in order of first appearance."""
    found = [m.group(1).lower() for m in _HASHTAG.finditer(text) if not m.group(1).isdigit()]
    return list(dict.fromkeys(found))


def mentions(text: str) -> list[str]:
    """Distinct mentioned usernames, in order of first appearance."""
    return list(dict.fromkeys(m.group(1) for m in _MENTION.finditer(text)))


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
    if not caption:
        return ""
    paragraphs = [p for p in re.split(r"\n\s*\n", caption) if p.strip()]
    return "".join(f"<p>{_linkify(p, base_url, known_mentions)}</p>" for p in paragraphs)


def _linkify(text: str, base_url: str, known: dict[str, str]) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        out.append(escape(text[position:match.start()]))
        token = match.group(0)
        out.append(_link(token, base_url, known))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out).replace("\n", "<br>")


def _link(token: str, base_url: str, known: dict[str, str]) -> str:
    if token.startswith("#") and not token[1:].isdigit():
        tag = escape(token[1:])
        return (f'<a href="{base_url}/tags/{tag.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{tag}</span></a>')
    if token.startswith("@"):
        username = token[1:].split("@", 1)[0]
        url = known.get(username.lower())
        if url is None:
            return escape(token)
        return (f'<span class="h-card"><a href="{escape(url)}" class="u-url mention">'
                f"@<span>{escape(username)}</span></a></span>")
    if token.startswith("#"):
        return escape(token)
    return f'<a href="{escape(token)}" rel="nofollow noopener" target="_blank">{escape(token)}</a>'
