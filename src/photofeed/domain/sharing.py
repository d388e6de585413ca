"""Sharing a public post on other networks: the links, the title, the picture that stands for it."""

from __future__ import annotations

from urllib.parse import quote, urlencode

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


def share_links(url: str, title: str, image_url: str | None) -> dict[str, str]:
    """Each network's "share this" address for a post's page, keyed by network."""

    def query(**params: str | None) -> str:
        kept = {name: value for name, value in params.items() if value}
        # quote, not quote_plus: mailto: (RFC 6068) reads "+" literally.
        return urlencode(kept, quote_via=quote)

    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + query(u=url),
        "x": "https://x.com/intent/tweet?" + query(url=url, text=title),
        "tumblr": "https://www.tumblr.com/widgets/share/tool?"
                  + query(canonicalUrl=url, title=title, posttype="link"),
        "pinterest": "https://pinterest.com/pin/create/button/?"
                     + query(url=url, media=image_url, description=title),
        "reddit": "https://www.reddit.com/submit?" + query(url=url, title=title),
        "email": "mailto:?" + query(subject=title, body=url),
    }
