"""Sharing a public post on other networks: the links, the title, the picture that stands for it."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from photofeed.domain.accounts import Account
from photofeed.domain.media import MediaAttachment, Variant
from photofeed.domain.posts import Post

SHARE_NETWORKS = ("facebook", "x", "tumblr", "pinterest", "reddit", "email")


def share_title(post: Post, author: Account) -> str:
    """What a shared link is called: the post's title, else whose post it is."""
    return post.title or f"A post by @{author.username}"


def still_image(item: MediaAttachment) -> Variant | None:
    """The picture of an attachment a link preview shows: a photo, or a video's poster."""
    if not item.ready:
        return None
    variants = item.variants
    if item.type == "image":
        return variants.get("large") or variants.get("original")
    return variants.get("poster")


def cover(post: Post) -> tuple[MediaAttachment, Variant] | None:
    """The first attachment that has a picture, and that picture."""
    for item in post.media:
        picture = still_image(item)
        if picture is not None:
            return item, picture
    return None


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    # Popular posts are rendered in many feeds; quote() walks its input byte by byte.
    return quote(text, safe="")


def share_links(url: str, title: str, image_url: str | None) -> dict[str, str]:
    """Each network's "share this" address for a post's page, keyed by network."""
    # Each value is quoted once and reused: this runs for every public post in every
    # timeline page. quote, not quote_plus: mailto: (RFC 6068) reads "+" literally.
    u, t = _quoted(url), _quoted(title)
    media = f"&media={_quoted(image_url)}" if image_url else ""
    text = f"&text={t}" if t else ""
    return {
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={u}",
        "x": f"https://x.com/intent/tweet?url={u}{text}",
        "tumblr": f"https://www.tumblr.com/widgets/share/tool?canonicalUrl={u}"
                  + (f"&title={t}" if t else "") + "&posttype=link",
        "pinterest": f"https://pinterest.com/pin/create/button/?url={u}{media}"
                     + (f"&description={t}" if t else ""),
        "reddit": f"https://www.reddit.com/submit?url={u}" + (f"&title={t}" if t else ""),
        "email": ("mailto:?" + (f"subject={t}&" if t else "") + f"body={u}"),
    }
