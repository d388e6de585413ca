"""Who may fetch a media file without asking the database, and the signatures that prove it.

A blob of a post that anyone may see is published: a public copy is served by name alone.
Everything else (uploads not yet posted, media of private, direct or locked-account posts)
is served only to a URL carrying an expiring HMAC signature, which the API hands out only
to viewers the privacy policy lets see the post.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from photofeed.domain.accounts import Account
from photofeed.domain.posts import Post
from photofeed.domain.visibility import can_view_post

SIGNATURE_HEX = 32  # 128 bits: forging one is out of reach, and URLs stay short


def visible_to_anyone(post: Post, author: Account) -> bool:
    """Whether a signed-out stranger may see the post, and so fetch its media by name."""
    return can_view_post(None, post, author, None)


class LinkSigner:
    """Signs and checks the expiring URLs of media that is not public."""

    def __init__(self, secret: bytes, *, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = ttl_seconds

    def expiry(self, now: float) -> int:
        """When a URL made now expires: rounded up, so URLs repeat and browsers cache them.

        A URL is valid for at least ttl and at most twice that.
        """
        return int(math.ceil((now + self._ttl) / self._ttl) * self._ttl)

    def sign(self, key: str, expires: int) -> str:
        message = f"media:{key}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:SIGNATURE_HEX]

    def verify(self, key: str, expires: str, signature: str, *, now: float) -> bool:
        """Whether the signature is ours for this key and has not expired."""
        if not expires.isdigit() or int(expires) < now:
            return False
        return hmac.compare_digest(self.sign(key, int(expires)), signature)

    def blob_name(self, account_id: int, sha256_hex: str) -> str:
        """The stored name of some content for one owner: identical uploads share it.

        Keyed by the secret, so nobody can tell from a name whose content it is, nor derive
        one person's name for a picture from another's.
        """
        message = f"blob:{account_id}:{sha256_hex}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:40]
