"""JSON shapes of Status and MediaAttachment, following Mastodon's entities."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import orjson
from fastapi.responses import Response

from photofeed.api.entities import account_json, iso, media_url
from photofeed.api.media_links import download_link, media_link
from photofeed.domain import sharing, text
from photofeed.domain.accounts import Account
from photofeed.domain.media import MediaAttachment
from photofeed.domain.media_links import visible_to_anyone
from photofeed.domain.posts import Post, PostView
from photofeed.domain.visibility import listed_publicly


def media_json(item: MediaAttachment, base_url: str, *, public: bool = False) -> dict[str, Any]:
    """The MediaAttachment entity; `public` when anyone may see the post that shows it."""
    variants = item.variants
    shown = variants.get("large") or variants.get("original")
    preview = variants.get("small") or variants.get("poster") or shown
    meta: dict[str, Any] = {}
    for name, label in (("original", "original"), ("small", "small")):
        variant = variants.get(name) or (preview if name == "small" else None)
        if variant is not None:
            meta[label] = {"width": variant.width, "height": variant.height,
                           "size": f"{variant.width}x{variant.height}",
                           "aspect": round(variant.width / max(variant.height, 1), 6)}
    if item.duration is not None and "original" in meta:
        meta["original"] |= {"duration": item.duration, "frame_rate": f"{item.fps or 0:g}/1"}
    if item.focus is not None:
        meta["focus"] = {"x": item.focus[0], "y": item.focus[1]}
    ready = item.ready and shown is not None
    return {
        "id": str(item.id),
        "type": item.type,
        "url": media_link(base_url, shown.key, public=public) if ready and shown else None,
        "preview_url": media_link(base_url, preview.key, public=public)
        if ready and preview else None,
        "remote_url": None,
        "meta": meta,
        "description": item.description or None,
        "blurhash": item.blurhash,
        # An extension: the full-size original, as a file to save.
        "download_url": download_link(item, base_url, public=public),
    }


# Statuses rendered to JSON once per (post, author) pair of objects, and per value of
# `favourited`, the one field that depends on the viewer. The stores hand out the same
# objects for as long as their rows are unchanged (adapters/sql/row_decoding.py), so a
# popular post is rendered once rather than on every page that shows it; a like or an edit
# gives a new object and so a new rendering. Kept as bytes: a page of statuses is then
# their concatenation, and an entry takes a third of the memory of the nested dicts.
# Bounded (about 3 kB each); the oldest-used go first.
RENDERED_STATUSES = 16384
_rendered: OrderedDict[tuple[int, int, str, bool], tuple[Post, Account, bytes]] = \
    OrderedDict()


def status_bytes(view: PostView, base_url: str) -> bytes:
    """The Status entity as this viewer sees it, as JSON."""
    post, author = view.post, view.author
    key = (id(post), id(author), base_url, view.favourited)
    found = _rendered.get(key)
    # The objects are kept with their rendering, so their IDs cannot be reused meanwhile.
    if found is not None and found[0] is post and found[1] is author:
        _rendered.move_to_end(key)
        return found[2]
    body = _render_status(post, author, base_url)
    body["favourited"] = view.favourited
    rendered = orjson.dumps(body)
    _rendered[key] = (post, author, rendered)
    if len(_rendered) > RENDERED_STATUSES:
        _rendered.popitem(last=False)
    return rendered


def statuses_json(views: Iterable[PostView], base_url: str) -> bytes:
    """A JSON array of Status entities."""
    return b"[" + b",".join(status_bytes(v, base_url) for v in views) + b"]"


def statuses_response(views: Iterable[PostView], base_url: str,
                      headers: dict[str, str]) -> Response:
    """A list of statuses as a response, its JSON made of the kept renderings."""
    return Response(statuses_json(views, base_url), headers=headers,
                    media_type="application/json")


def status_json(view: PostView, base_url: str, *, source: bool = False) -> dict[str, Any]:
    """The Status entity as this viewer sees it."""
    body: dict[str, Any] = orjson.loads(status_bytes(view, base_url))
    if source:
        body["text"] = view.post.caption
    return body


def _render_status(post: Post, author: Account, base_url: str) -> dict[str, Any]:
    """Everything of a Status that does not depend on who looks at it."""
    url = f"{base_url}/@{author.username}/{post.id}"
    known = {m.username.lower(): f"{base_url}/@{m.username}" for m in post.mentions}
    body: dict[str, Any] = {
        "id": str(post.id),
        "uri": url,
        "url": url,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at) if post.edited_at else None,
        "account": account_json(author, base_url),
        "title": post.title,
        "content": text.caption_html(post.caption, base_url, known),
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": post.spoiler_text,
        "language": post.language,
        "media_attachments": [media_json(m, base_url, public=visible_to_anyone(post, author))
                              for m in post.media],
        "application": None,
        "mentions": [{"id": str(m.account_id), "username": m.username, "acct": m.username,
                      "url": f"{base_url}/@{m.username}"} for m in post.mentions],
        "tags": [{"name": tag, "url": f"{base_url}/tags/{tag}"} for tag in post.tags],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": post.favourites_count,
        "replies_count": post.replies_count,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(post.in_reply_to_account_id)
        if post.in_reply_to_account_id else None,
        "reblog": None,
        "poll": None,
        "card": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "filtered": [],
    }
    if listed_publicly(post, author):
        # An extension, for clients that show share buttons; only public posts carry it.
        body["share_links"] = share_links_json(post, author, base_url)
    return body


def share_links_json(post: Post, author: Account, base_url: str) -> dict[str, str]:
    found = sharing.cover(post)
    image = media_url(base_url, found[1].key) if found else None
    return sharing.share_links(f"{base_url}/@{author.username}/{post.id}",
                               sharing.share_title(post, author), image)
