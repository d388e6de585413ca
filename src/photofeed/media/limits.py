"""Limits applied while accepting and processing media."""

from dataclasses import dataclass

from photofeed.media.errors import DecompressionBomb, MediaTooLarge

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Upper bounds for uploads; the defaults suit a small self-hosted instance."""

    max_photo_bytes: int = 16 * MB
    max_video_bytes: int = 200 * MB
    # 50 MP covers every phone and most cameras; a decoded RGBA frame of that size is 200 MB.
    max_pixels: int = 50_000_000
    max_video_seconds: float = 600.0
    # Videos whose shorter side exceeds this are scaled down (1080 = "1080p").
    max_video_short_side: int = 1080

    def check_pixels(self, width: int, height: int) -> None:
        """Raise DecompressionBomb when width x height exceeds max_pixels."""
        if width * height > self.max_pixels:
            raise DecompressionBomb(
                f"{width}x{height} is {width * height / 1e6:.1f} megapixels;"
                f" the limit is {self.max_pixels / 1e6:g}"
            )


def check_file_size(size: int, limit: int, what: str) -> None:
    """Raise MediaTooLarge when a file of `size` bytes exceeds `limit`."""
    if size > limit:
        raise MediaTooLarge(f"{what} is {size / MB:.1f} MB; the limit is {limit / MB:g} MB")
