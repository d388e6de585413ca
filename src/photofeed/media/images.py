"""Turn an uploaded photo into upright, metadata-free sRGB variants and a blurhash."""

import functools
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image

from photofeed.media import colour
from photofeed.media.blur import blurhash_of
from photofeed.media.detect import MediaFormat, MediaKind, detect_file
from photofeed.media.errors import CorruptMedia, DecompressionBomb, UnsupportedMediaType
from photofeed.media.jpeg_strip import strip_metadata
from photofeed.media.limits import MediaLimits, check_file_size

# name → widest side allowed across; the original keeps its full size.
VARIANT_WIDTHS = {"large": 1080, "small": 320}
WEBP_QUALITY = {"large": 80, "small": 75}
# libwebp's effort, 0-6. Its default (4) spends 150 ms on a 1080 px photo; 0 takes 35 ms
# for files about 40% larger, still far smaller than JPEG at the same look.
WEBP_METHOD = 0
JPEG_QUALITY = 92
_WEBP_MAX_SIDE = 16383  # the WebP format cannot hold more
_JPEG_MAX_SIDE = 65500  # likewise for JPEG; larger originals go to PNG

_PILLOW_FORMAT = {
    MediaFormat.JPEG: "JPEG",
    MediaFormat.PNG: "PNG",
    MediaFormat.WEBP: "WEBP",
    MediaFormat.GIF: "GIF",
    MediaFormat.HEIF: "HEIF",
}
# Sources whose pixels are exact: re-encoding them lossily would not be faithful.
_LOSSLESS_SOURCES = frozenset({MediaFormat.PNG, MediaFormat.GIF})
# The transposition that shows a photo upright, by EXIF orientation value.
_ORIENTATION_FIX = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Downscaling only: an area average (box) looks like Lanczos at feed and grid sizes and
# costs 29 ms instead of 74 for the 1080 px step of a 12 MP photo (docs/media.md).
_RESAMPLE = Image.Resampling.BOX
# What Pillow and its plugins raise on data that does not decode.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


@dataclass(frozen=True, slots=True)
class Variant:
    """One rendition of a photo, written to a file in the work directory."""

    path: Path
    width: int
    height: int
    mime: str
    size: int

    @property
    def aspect(self) -> float:
        """Return width / height."""
        return self.width / self.height


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """The renditions of one photo: "original", "large" and "small", plus a blurhash."""

    width: int
    height: int
    variants: dict[str, Variant]
    blurhash: str
    # The source had more frames (animated GIF/WebP); only the first one was kept.
    animated: bool = False

    @property
    def aspect(self) -> float:
        """Return width / height of the upright photo."""
        return self.width / self.height


def process_image(path: Path, workdir: Path, limits: MediaLimits | None = None) -> ProcessedImage:
    """Check, orient, clean and render the photo at path into files in workdir."""
    limits = limits or MediaLimits()
    check_file_size(path.stat().st_size, limits.max_photo_bytes, "photo")
    fmt = detect_file(path)
    if fmt.kind is not MediaKind.PHOTO:
        raise UnsupportedMediaType(f"expected a photo, got a {fmt.kind} ({fmt.mime})")
    with open_checked(path, fmt, limits) as opened:
        if fmt is MediaFormat.JPEG and _can_keep_original(opened):
            return _process_jpeg(path, opened, workdir)
        animated = load_checked(opened)
        shown = colour.to_srgb(upright(opened))
        if shown is not opened:
            opened.close()  # free the decoded source early: one full-size frame less at peak
        return render_photo(shown, workdir, lossless=fmt in _LOSSLESS_SOURCES, animated=animated)


def render_photo(
    image: Image.Image, workdir: Path, *, lossless: bool = False, animated: bool = False
) -> ProcessedImage:
    """Write the variants of an upright RGB/RGBA sRGB image and compute its blurhash."""
    image.info.clear()  # text chunks, comments, EXIF, XMP and ICC must not reach any output
    original = _save_original(image, workdir, lossless=lossless)
    try:
        rendered = render_variants(image, workdir)
    except BaseException:
        original.path.unlink(missing_ok=True)
        raise
    return ProcessedImage(
        width=image.width,
        height=image.height,
        variants={"original": original, **rendered.variants},
        blurhash=rendered.blurhash,
        animated=animated,
    )


def render_variants(image: Image.Image, workdir: Path) -> ProcessedImage:
    """Write the large and small WebP variants of an upright sRGB image and its blurhash."""
    image.info.clear()
    variants: dict[str, Variant] = {}
    source = image
    try:
        for name, width in VARIANT_WIDTHS.items():
            # Each variant is made from the previous, smaller one: same look, far less work.
            source = _fit(source, width, _WEBP_MAX_SIDE)
            variants[name] = save_image(source, workdir, name, "WEBP", quality=WEBP_QUALITY[name],
                                   method=WEBP_METHOD)
    except BaseException:
        for variant in variants.values():
            variant.path.unlink(missing_ok=True)
        raise
    return ProcessedImage(width=image.width, height=image.height, variants=variants,
                          blurhash=blurhash_of(source))


def _can_keep_original(image: Image.Image) -> bool:
    """Whether the JPEG's own bytes can be served as the original once stripped.

    CMYK and ICC-tagged photos are re-encoded instead: browsers show them inconsistently,
    and everything served must be plain sRGB.
    """
    return image.mode in ("RGB", "L") and "icc_profile" not in image.info


def _process_jpeg(path: Path, image: Image.Image, workdir: Path) -> ProcessedImage:
    """Keep the original's compressed pixels; decode only as much as the variants need.

    JPEG can decode at 1/2, 1/4 or 1/8 of its size for a fraction of the work (draft),
    which with the untouched original is what makes a 12 MP photo cheap.
    """
    orientation = _orientation(image)
    turned = orientation in (5, 6, 7, 8)
    width, height = (image.height, image.width) if turned else image.size
    original = _write_stripped(path, workdir, orientation, (width, height))
    try:
        scale = min(1.0, VARIANT_WIDTHS["large"] / width, _WEBP_MAX_SIDE / max(width, height))
        coded = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image.draft("RGB" if image.mode == "RGB" else "L", coded)
        load_checked(image)
        sized = image if image.size == coded else image.resize(coded, _RESAMPLE)
        method = _ORIENTATION_FIX.get(orientation)
        shown = sized.transpose(method) if method is not None else sized
        rendered = render_variants(shown if shown.mode == "RGB" else shown.convert("RGB"), workdir)
    except BaseException:
        original.path.unlink(missing_ok=True)
        raise
    rendered.variants["original"] = original
    return ProcessedImage(width=width, height=height, variants=rendered.variants,
                          blurhash=rendered.blurhash)


def _write_stripped(path: Path, workdir: Path, orientation: int,
                    size: tuple[int, int]) -> Variant:
    data = strip_metadata(path.read_bytes(), orientation)
    fd, tmp = tempfile.mkstemp(dir=workdir, prefix="original-", suffix=".jpg")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Variant(Path(tmp), size[0], size[1], "image/jpeg", len(data))


def open_checked(path: Path, fmt: MediaFormat, limits: MediaLimits) -> Image.Image:
    if fmt is MediaFormat.HEIF:
        _enable_heif()
    try:
        image = Image.open(path, formats=[_PILLOW_FORMAT[fmt]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb("the image declares far too many pixels") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptMedia(f"the {fmt.value.upper()} image cannot be read") from exc
    try:
        limits.check_pixels(*image.size)
    except DecompressionBomb:
        image.close()
        raise
    return image


def load_checked(image: Image.Image) -> bool:
    """Decode the first frame; return whether more frames follow (animated GIF or WebP)."""
    try:
        # is_animated reads ahead to a second frame, so damage there shows here too.
        animated = bool(getattr(image, "is_animated", False))
        image.load()
    except _DECODE_ERRORS as exc:
        raise CorruptMedia(f"the {image.format} image is truncated or corrupt") from exc
    return animated


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (SyntaxError, ValueError, TypeError, OSError, struct.error):
        return 1  # broken EXIF only loses the orientation; the pixels are fine
    return value if isinstance(value, int) and value in _ORIENTATION_FIX else 1


def upright(image: Image.Image) -> Image.Image:
    method = _ORIENTATION_FIX.get(_orientation(image))
    return image.transpose(method) if method is not None else image


@functools.cache
def _enable_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def _save_original(image: Image.Image, workdir: Path, *, lossless: bool) -> Variant:
    too_wide_for_jpeg = max(image.size) > _JPEG_MAX_SIDE
    if lossless or image.mode == "RGBA" or too_wide_for_jpeg:
        return save_image(image, workdir, "original", "PNG")
    return save_image(image, workdir, "original", "JPEG", quality=JPEG_QUALITY)


def _fit(image: Image.Image, max_width: int, max_side: int) -> Image.Image:
    """Scale down (never up) to at most max_width across and max_side along either side."""
    scale = min(1.0, max_width / image.width, max_side / image.height, max_side / image.width)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size == image.size:
        return image
    # A fast box reduction to within twice the size, then the filter for the last step.
    return image.resize(size, _RESAMPLE, reducing_gap=2.0)


_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def save_image(image: Image.Image, workdir: Path, name: str, fmt: str, **params: int) -> Variant:
    fd, tmp = tempfile.mkstemp(dir=workdir, prefix=f"{name}-", suffix=_SUFFIX[fmt])
    path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, format=fmt, **params)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Variant(path, image.width, image.height, _MIME[fmt], path.stat().st_size)
