"""Domain errors of media handling; the API maps each to one HTTP status.

UnsupportedMediaType → 415, MediaTooLarge (and DecompressionBomb) → 413,
CorruptMedia and VideoTooLong → 422.
"""


class MediaError(Exception):
    """Base of every media error; its message is safe to show to the uploader."""


class UnsupportedMediaType(MediaError):
    """The content is not one of the accepted photo or video formats."""


class CorruptMedia(MediaError):
    """The content claims a supported format but cannot be decoded."""


class MediaTooLarge(MediaError):
    """The upload exceeds a size limit."""


class DecompressionBomb(MediaTooLarge):
    """The content declares more pixels than the limit allows."""


class VideoTooLong(MediaError):
    """The video lasts longer than the limit allows."""
