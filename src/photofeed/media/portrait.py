"""Avatars and profile headers: a photo cropped to fill a fixed box, without metadata."""

from pathlib import Path

from PIL import Image, ImageOps

from photofeed.media import colour
from photofeed.media.detect import MediaFormat, MediaKind, detect_file
from photofeed.media.errors import UnsupportedMediaType
from photofeed.media.images import Variant, load_checked, open_checked, save_image, upright
from photofeed.media.limits import MediaLimits, check_file_size

QUALITY = 85


def render_cropped(
    path: Path, workdir: Path, size: tuple[int, int], limits: MediaLimits | None = None
) -> Variant:
    """Turn the photo upright, crop its middle to the aspect of size, scale to fit, as WebP."""
    limits = limits or MediaLimits()
    check_file_size(path.stat().st_size, limits.max_photo_bytes, "photo")
    fmt = detect_file(path)
    if fmt.kind is not MediaKind.PHOTO:
        raise UnsupportedMediaType(f"expected a photo, got a {fmt.kind} ({fmt.mime})")
    with open_checked(path, fmt, limits) as opened:
        if fmt is MediaFormat.JPEG:
            # Decode no larger than needed: a 12 MP photo for a 400 px avatar is 1/8 the work.
            opened.draft("RGB", (max(size), max(size)))
        load_checked(opened)
        image = colour.to_srgb(upright(opened))
    fitted = ImageOps.fit(image, size, Image.Resampling.BILINEAR)
    fitted.info.clear()
    return save_image(fitted, workdir, "portrait", "WEBP", quality=QUALITY)
