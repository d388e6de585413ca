"""What a shared post link shows elsewhere: its link-preview meta tags and its oEmbed answer."""

from __future__ import annotations

from typing import Any

from photofeed.api.entities import iso, media_url
from photofeed.domain import sharing
from photofeed.domain.media import Variant
from photofeed.domain.posts import PostView

DESCRIPTION_MAX = 300
# (attribute, key, content): OpenGraph uses property=, Twitter Cards use name=.
MetaTag = tuple[str, str, str]


def post_url(view: PostView, base_url: str) -> str:
    return f"{base_url}/@{view.author.username}/{view.post.id}"


def description(view: PostView) -> str:
    return " ".join(view.post.caption.split())[:DESCRIPTION_MAX]


def meta_tags(view: PostView, base_url: str, site_name: str) -> list[MetaTag]:
    """OpenGraph and Twitter Card tags; only for posts listed publicly."""
    post, title, summary = view.post, sharing.share_title(view.post, view.author), description(view)
    tags: list[MetaTag] = [
        ("property", "og:type", "article"), ("property", "og:site_name", site_name),
        ("property", "og:url", post_url(view, base_url)), ("property", "og:title", title),
        ("property", "og:description", summary),
        ("property", "article:published_time", iso(post.created_at)),
    ]
    cover = sharing.cover(post)
    if cover is not None:
        item, picture = cover
        tags += _picture_tags("og:image", picture, base_url)
        tags.append(("property", "og:image:alt", item.description or title))
    for item in post.media:
        video = item.variants.get("original") if item.type in ("video", "gifv") else None
        if item.ready and video is not None:
            tags += _picture_tags("og:video", video, base_url)
            break
    tags += [("name", "twitter:card", "summary_large_image" if cover else "summary"),
             ("name", "twitter:title", title), ("name", "twitter:description", summary)]
    if cover is not None:
        tags += [("name", "twitter:image", media_url(base_url, cover[1].key)),
                 ("name", "twitter:image:alt", cover[0].description or title)]
    return tags


def _picture_tags(prefix: str, variant: Variant, base_url: str) -> list[MetaTag]:
    return [("property", prefix, media_url(base_url, variant.key)),
            ("property", f"{prefix}:type", variant.mime),
            ("property", f"{prefix}:width", str(variant.width)),
            ("property", f"{prefix}:height", str(variant.height))]


def oembed(view: PostView, base_url: str, site_name: str, *, max_width: int | None,
           max_height: int | None) -> dict[str, Any]:
    """The oEmbed 1.0 answer: a photo when the post has a picture, else a link."""
    author = view.author
    body: dict[str, Any] = {
        "version": "1.0", "type": "link", "title": sharing.share_title(view.post, author),
        "author_name": author.display_name or author.username,
        "author_url": f"{base_url}/@{author.username}", "provider_name": site_name,
        "provider_url": base_url, "cache_age": 3600,
    }
    cover = sharing.cover(view.post)
    if cover is None:
        return body
    item, _ = cover
    fitting = _fitting(list(item.variants.values()), max_width, max_height, cover[1])
    thumb = item.variants.get("small") or fitting
    return body | {
        "type": "photo", "url": media_url(base_url, fitting.key),
        "width": fitting.width, "height": fitting.height,
        "thumbnail_url": media_url(base_url, thumb.key),
        "thumbnail_width": thumb.width, "thumbnail_height": thumb.height,
    }


def _fitting(variants: list[Variant], max_width: int | None, max_height: int | None,
             preferred: Variant) -> Variant:
    """The preferred picture if it fits the consumer's bounds, else the largest that does."""
    pictures = sorted((v for v in variants if v.mime.startswith("image/")),
                      key=lambda v: v.width * v.height, reverse=True)

    def fits(v: Variant) -> bool:
        return (max_width is None or v.width <= max_width) and \
            (max_height is None or v.height <= max_height)

    if fits(preferred):
        return preferred
    return next((v for v in pictures if fits(v)), pictures[-1] if pictures else preferred)
