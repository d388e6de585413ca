"""Bring any decoded photo to 8-bit sRGB, RGB or RGBA, which every browser shows alike."""

import functools
import io

from PIL import Image, ImageCms

# Modes whose embedded ICC profile LittleCMS can apply directly.
_CMS_MODES = frozenset({"RGB", "RGBA", "CMYK", "L"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def to_srgb(image: Image.Image) -> Image.Image:
    """Return the image as sRGB in mode RGB, or RGBA when it has real transparency."""
    image = _to_cms_mode(image)
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    icc = image.info.get("icc_profile")
    converted = _apply_profile(image, icc, out_mode) if icc else None
    if converted is None:
        # No profile, or a broken one: the common case, and sRGB is the right guess.
        converted = image if image.mode == out_mode else image.convert(out_mode)
    return _drop_opaque_alpha(converted)


def _to_cms_mode(image: Image.Image) -> Image.Image:
    if image.mode in _CMS_MODES:
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale: keep the top 8 bits rather than letting convert() clip at 255.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _apply_profile(image: Image.Image, icc: bytes, out_mode: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        transform = ImageCms.buildTransform(source, _srgb(), image.mode, out_mode)
        return transform.apply(image)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    """An alpha channel that is 255 everywhere only makes files bigger and forces PNG."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB")
    return image
