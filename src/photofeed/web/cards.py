"""What templates show of people and posts: plain values, text escaped, HTML marked safe."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from markupsafe import Markup

from photofeed.api.entities import iso, media_url
from photofeed.api.media_links import download_link, media_link
from photofeed.api.status_entities import share_links_json
from photofeed.domain import text
from photofeed.domain.accounts import Account
from photofeed.domain.media import MediaAttachment
from photofeed.domain.media_links import visible_to_anyone
from photofeed.domain.posts import PostView
from photofeed.domain.visibility import listed_publicly

TONES = 8  # default avatars: an initial on one of this many colours (see site.css)


@dataclass(frozen=True)
class Person:
    id: str
    username: str
    name: str
    url: str
    avatar: str | None  # None: draw the initial instead of a picture
    initial: str
    tone: int
    locked: bool = False


def person(account: Account, base_url: str) -> Person:
    name = account.display_name or account.username
    return Person(id=str(account.id), username=account.username, name=name,
                  url=f"{base_url}/@{account.username}",
                  avatar=media_url(base_url, account.avatar_key) if account.avatar_key else None,
                  initial=name[:1].upper(), tone=zlib.crc32(account.username.encode()) % TONES,
                  locked=account.locked)


@dataclass(frozen=True)
class Media:
    """One attachment, with every size a browser may choose from."""

    id: str
    type: str
    alt: str
    width: int
    height: int
    src: str
    thumb: str  # the small size, for grids
    srcset: str = ""
    poster: str = ""
    blurhash: str = ""
    download: str = ""


@dataclass(frozen=True)
class PostCard:
    id: str
    url: str
    path: str
    title: str
    heading: str  # the title, unless the caption's first line already says it
    content: Markup
    author: Person
    created_at: str
    visibility: str
    favourites_count: int
    replies_count: int
    favourited: bool
    media: list[Media] = field(default_factory=list)
    share_links: dict[str, str] = field(default_factory=dict)


def media_item(item: MediaAttachment, base_url: str, *, public: bool) -> Media | None:
    """The attachment as the page shows it; None while it is not ready to be seen."""
    variants = item.variants
    shown = variants.get("large") or variants.get("original")
    if not item.ready or shown is None:
        return None

    def link(key: str) -> str:
        return media_link(base_url, key, public=public)

    small = variants.get("small")
    common = {"id": str(item.id), "type": item.type, "alt": item.description,
              "blurhash": item.blurhash or "",
              "download": download_link(item, base_url, public=public) or ""}
    if item.type == "image":
        sizes = sorted((v for n, v in variants.items() if n in ("small", "large")),
                       key=lambda v: v.width)
        return Media(**common, width=shown.width, height=shown.height, src=link(shown.key),
                     thumb=link(small.key) if small else link(shown.key),
                     srcset=", ".join(f"{link(v.key)} {v.width}w" for v in sizes))
    poster = variants.get("poster")
    poster_link = link(poster.key) if poster else ""
    return Media(**common, width=shown.width, height=shown.height, src=link(shown.key),
                 thumb=link(small.key) if small else poster_link, poster=poster_link)


def post_card(view: PostView, base_url: str) -> PostCard:
    post, author = view.post, view.author
    public = visible_to_anyone(post, author)
    known = {m.username.lower(): f"{base_url}/@{m.username}" for m in post.mentions}
    path = f"/@{author.username}/{post.id}"
    shown = (media_item(m, base_url, public=public) for m in post.media)
    return PostCard(
        id=str(post.id), url=base_url + path, path=path, title=post.title,
        heading="" if post.title == text.title_from(post.caption, None) else post.title,
        content=Markup(text.caption_html(post.caption, base_url, known)),  # noqa: S704 - escaped by caption_html
        author=person(author, base_url), created_at=iso(post.created_at),
        visibility=post.visibility, favourites_count=post.favourites_count,
        replies_count=post.replies_count, favourited=view.favourited,
        media=[m for m in shown if m is not None],
        share_links=share_links_json(post, author, base_url)
        if listed_publicly(post, author) else {})
