"""URLs of media files: by name when anyone may see them, else signed and expiring.

The signer is set per request by the media front (api/media_serving.py), so every route
that renders a Status gets signed links without passing the secret around.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

from photofeed.domain.media import MediaAttachment
from photofeed.domain.media_links import LinkSigner

_signer: ContextVar[LinkSigner | None] = ContextVar("photofeed_media_signer", default=None)


def use_signer(signer: LinkSigner | None) -> Token[LinkSigner | None]:
    """Sign the links rendered while handling the current request with this signer."""
    return _signer.set(signer)


def done_signing(token: Token[LinkSigner | None]) -> None:
    _signer.reset(token)


def media_link(base_url: str, key: str, *, public: bool, download: bool = False) -> str:
    """The URL of a stored file; signed unless public (see docs/media.md)."""
    url = f"{base_url}/media/{key}"
    signer = _signer.get()
    if public or signer is None:
        # Without a signer (a render outside a request) the bare URL simply finds nothing.
        return f"{url}?download=1" if download else url
    expires = signer.expiry(time.time())
    url = f"{url}?exp={expires}&sig={signer.sign(key, expires)}"
    return f"{url}&download=1" if download else url


def download_link(item: MediaAttachment, base_url: str, *, public: bool) -> str | None:
    """Where the full-size original is downloaded, as a file, once processing is done."""
    original = item.variants.get("original")
    if not item.ready or original is None:
        return None
    return media_link(base_url, original.key, public=public, download=True)
