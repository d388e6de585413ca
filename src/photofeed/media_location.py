"""Where media is stored, read from PHOTOFEED_MEDIA_URL: the local data directory or S3.

`s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME` names an S3-compatible bucket; no endpoint
means AWS itself. Parsing is pure, so a bad URL is refused while the settings load, with a
message that says what is wrong, before anything connects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

# S3's own bucket naming rules: 3-63 characters, lower case, digits, dots and hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX = re.compile(r"[A-Za-z0-9._/-]*")
_OPTIONS = {"endpoint", "region"}


class MediaUrlError(ValueError):
    """PHOTOFEED_MEDIA_URL cannot be understood."""


@dataclass(frozen=True, slots=True)
class S3Location:
    """A bucket (and a prefix within it) on an S3-compatible service."""

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None

    def describe(self) -> str:
        """Bucket and endpoint, for error messages and logs (never credentials)."""
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {self.endpoint or 'AWS'}"


def parse_media_url(url: str) -> S3Location | None:
    """None for the local data directory ("" or "file:"), else the S3 location."""
    if url in ("", "file:"):
        return None
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise MediaUrlError(f"PHOTOFEED_MEDIA_URL must be empty, 'file:' or s3://BUCKET?..., "
                            f"not {url!r}")
    if parts.username or parts.password:
        raise MediaUrlError("PHOTOFEED_MEDIA_URL must not hold credentials: set "
                            "PHOTOFEED_S3_ACCESS_KEY and PHOTOFEED_S3_SECRET_KEY")
    if not _BUCKET.fullmatch(parts.netloc):
        raise MediaUrlError(f"PHOTOFEED_MEDIA_URL: {parts.netloc!r} is not a valid bucket "
                            "name (3-63 characters: a-z, 0-9, '.', '-')")
    prefix = parts.path.strip("/")
    if not _PREFIX.fullmatch(prefix) or ".." in prefix.split("/"):
        raise MediaUrlError(f"PHOTOFEED_MEDIA_URL: bad prefix {parts.path!r}")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - _OPTIONS
    if unknown:
        raise MediaUrlError(f"PHOTOFEED_MEDIA_URL: unknown option(s) {sorted(unknown)}; "
                            f"known: {sorted(_OPTIONS)}")
    endpoint = options.get("endpoint") or None
    if endpoint is not None:
        target = urlsplit(endpoint)
        try:
            target.port  # noqa: B018 - raises on a port that is not a number in range
        except ValueError:
            target = target._replace(netloc="")
        if target.scheme not in ("http", "https") or not target.hostname:
            raise MediaUrlError(f"PHOTOFEED_MEDIA_URL: endpoint must be an http(s) URL, "
                                f"not {endpoint!r}")
    return S3Location(bucket=parts.netloc, prefix=prefix, endpoint=endpoint,
                      region=options.get("region") or None)
