"""Photo processing on real files: orientation, metadata, colour, variants, bad input."""

from pathlib import Path

import blurhash  # type: ignore[import-untyped]  # untyped pure-Python package
import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageOps, PngImagePlugin

from photofeed.media.errors import (
    CorruptMedia,
    DecompressionBomb,
    MediaTooLarge,
    UnsupportedMediaType,
)
from photofeed.media.images import ProcessedImage, Variant, process_image
from photofeed.media.limits import MediaLimits
from tests.unit.media import samples
from tests.unit.media.samples import BLUE, GREEN, RED, SECRET


def assert_clean(variant: Variant) -> None:
    """No GPS, XMP, ICC, comment, text chunk or secret; EXIF at most an orientation.

    A JPEG original keeps its compressed pixels as they came, sideways if the camera stored
    them so, with one EXIF tag saying how to turn them upright.
    """
    data = variant.path.read_bytes()
    assert SECRET.encode() not in data
    with Image.open(variant.path) as image:
        assert set(image.getexif()) <= {ExifTags.Base.Orientation}
        assert not image.getexif().get_ifd(0x8825)  # the GPS IFD
        leaked = {"xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment"}
        assert leaked.isdisjoint(image.info)
    if b"Exif" in data:
        assert variant.mime == "image/jpeg"
        assert data.count(b"Exif") == 1
        assert data.index(b"Exif") < 8  # the one block, right after the start marker


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 24) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), actual


def pixel(variant: Variant, xy: tuple[float, float]) -> tuple[int, ...]:
    """Return the pixel at fractional coordinates (0..1, 0..1) of a variant."""
    with Image.open(variant.path) as opened:
        image = ImageOps.exif_transpose(opened)  # as a browser shows it
        at = (int(xy[0] * (image.width - 1)), int(xy[1] * (image.height - 1)))
        value = image.convert("RGBA").getpixel(at)
    assert isinstance(value, tuple)
    return value


def test_exif_orientation_is_applied_and_all_metadata_stripped(
    tmp_path: Path, workdir: Path
) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "phone.jpg", size=(1600, 1200), orientation=6)
    result = process_image(src, workdir)
    assert (result.width, result.height) == (1200, 1600)
    for variant in result.variants.values():
        assert_clean(variant)
        # Orientation 6 turns the picture clockwise: the red top-left corner goes top-right.
        assert_close(pixel(variant, (0.95, 0.05))[:3], RED)
        assert_close(pixel(variant, (0.05, 0.05))[:3], GREEN)


def test_variants_are_scaled_down_to_their_widths(tmp_path: Path, workdir: Path) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "wide.jpg", size=(1600, 1200), orientation=1)
    variants = process_image(src, workdir).variants
    sizes = {name: (v.width, v.height, v.mime) for name, v in variants.items()}
    assert sizes == {
        "original": (1600, 1200, "image/jpeg"),
        "large": (1080, 810, "image/webp"),
        "small": (320, 240, "image/webp"),
    }
    for variant in variants.values():
        assert variant.path.parent == workdir
        assert variant.size == variant.path.stat().st_size
        assert variant.aspect == pytest.approx(4 / 3, rel=0.01)
        with Image.open(variant.path) as image:
            assert image.size == (variant.width, variant.height)


def test_small_photos_are_never_upscaled(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "tiny.jpg"
    samples.marked((200, 100)).save(src, "JPEG")
    result = process_image(src, workdir)
    assert {(v.width, v.height) for v in result.variants.values()} == {(200, 100)}


def test_png_keeps_alpha_and_stays_lossless(tmp_path: Path, workdir: Path) -> None:
    result = process_image(samples.png_with_alpha(tmp_path / "logo.png"), workdir)
    original, large = result.variants["original"], result.variants["large"]
    assert original.mime == "image/png"
    assert pixel(original, (0.95, 0.5))[3] == 0
    assert pixel(original, (0.05, 0.05)) == (*RED, 255)
    assert pixel(large, (0.95, 0.5))[3] == 0
    for variant in result.variants.values():
        assert_clean(variant)


def test_opaque_alpha_channel_is_dropped(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "opaque.png"
    samples.marked((64, 48), "RGBA").save(src)
    result = process_image(src, workdir)
    with Image.open(result.variants["original"].path) as image:
        assert image.mode == "RGB"
        assert image.format == "PNG"  # a lossless source keeps a lossless original


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "print.jpg"
    Image.new("CMYK", (64, 64), (0, 255, 255, 0)).save(src, "JPEG", quality=95)
    result = process_image(src, workdir)
    with Image.open(result.variants["original"].path) as image:
        assert image.mode == "RGB"
    assert_close(pixel(result.variants["large"], (0.5, 0.5))[:3], RED)


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "wide-gamut.jpg"
    icc = samples.swapped_primaries_icc()
    Image.new("RGB", (64, 64), RED).save(src, "JPEG", quality=95, icc_profile=icc)
    result = process_image(src, workdir)
    # In that profile the first channel is sRGB's green primary.
    for variant in result.variants.values():
        assert_close(pixel(variant, (0.5, 0.5))[:3], GREEN, tolerance=40)
        assert_clean(variant)


def test_broken_icc_profile_is_ignored(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "broken-icc.jpg"
    Image.new("RGB", (64, 64), BLUE).save(src, "JPEG", quality=95, icc_profile=b"junk" * 40)
    result = process_image(src, workdir)
    assert_close(pixel(result.variants["original"], (0.5, 0.5))[:3], BLUE)


def test_palette_with_transparency_becomes_rgba(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "palette.png"
    image = Image.new("P", (32, 32), 1)
    image.putpalette([*RED, *BLUE] + [0] * 762)
    image.paste(0, (0, 0, 16, 32))
    image.save(src, transparency=0)
    result = process_image(src, workdir)
    assert pixel(result.variants["original"], (0.1, 0.5))[3] == 0
    assert pixel(result.variants["original"], (0.9, 0.5)) == (*BLUE, 255)


def test_sixteen_bit_grey_keeps_its_level(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "grey16.png"
    Image.new("I;16", (32, 32), 40_000).save(src)
    result = process_image(src, workdir)
    assert_close(pixel(result.variants["original"], (0.5, 0.5))[:3], (156, 156, 156), 2)


def test_webp_source(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "photo.webp"
    samples.marked((400, 300)).save(src, "WEBP", quality=90, exif=samples.exif_with_gps())
    result = process_image(src, workdir)
    assert result.variants["original"].mime == "image/jpeg"
    assert_close(pixel(result.variants["small"], (0.05, 0.05))[:3], RED)
    for variant in result.variants.values():
        assert_clean(variant)


def test_animated_gif_keeps_its_first_frame(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (40, 30), colour) for colour in (BLUE, RED, GREEN)]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = process_image(src, workdir)
    assert result.animated
    assert result.variants["original"].mime == "image/png"
    assert_close(pixel(result.variants["original"], (0.5, 0.5))[:3], BLUE)


def test_heic_photo(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "iphone.heic"
    pillow_heif.register_heif_opener()
    samples.marked((320, 240)).save(src, "HEIF", exif=samples.exif_with_gps(6).tobytes())
    result = process_image(src, workdir)
    assert (result.width, result.height) == (240, 320)
    assert_close(pixel(result.variants["original"], (0.95, 0.05))[:3], RED, tolerance=40)
    for variant in result.variants.values():
        assert_clean(variant)


def test_blurhash_decodes_to_the_photo_colours(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "blue.png"
    Image.new("RGB", (300, 200), BLUE).save(src)
    landscape = process_image(src, workdir)
    assert len(landscape.blurhash) == 28
    assert blurhash.components(landscape.blurhash) == (4, 3)
    decoded = blurhash.decode(landscape.blurhash, 4, 4)
    assert_close(tuple(round(c) for c in decoded[2][2]), BLUE, tolerance=4)
    Image.new("RGB", (200, 300), BLUE).save(src)
    assert blurhash.components(process_image(src, workdir).blurhash) == (3, 4)


def test_result_reports_upright_dimensions(tmp_path: Path, workdir: Path) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "p.jpg", size=(300, 200), orientation=8)
    result = process_image(src, workdir)
    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height, result.aspect) == (200, 300, pytest.approx(2 / 3))


@pytest.mark.parametrize("fraction", [0.3, 0.7])
def test_truncated_jpeg_is_corrupt(tmp_path: Path, workdir: Path, fraction: float) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "whole.jpg", orientation=1)
    cut = samples.truncated(src, tmp_path / "cut.jpg", fraction)
    with pytest.raises(CorruptMedia):
        process_image(cut, workdir)
    assert list(workdir.iterdir()) == []


def test_truncated_png_is_corrupt(tmp_path: Path, workdir: Path) -> None:
    src = samples.png_with_alpha(tmp_path / "whole.png")
    with pytest.raises(CorruptMedia):
        process_image(samples.truncated(src, tmp_path / "cut.png"), workdir)


def test_random_bytes_are_unsupported(tmp_path: Path, workdir: Path) -> None:
    with pytest.raises(UnsupportedMediaType):
        process_image(samples.random_bytes(tmp_path / "noise.jpg"), workdir)


def test_text_named_jpg_is_unsupported(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "notes.jpg"
    src.write_text("definitely a photo\n")
    with pytest.raises(UnsupportedMediaType):
        process_image(src, workdir)


def test_png_declaring_ten_billion_pixels_is_refused(tmp_path: Path, workdir: Path) -> None:
    with pytest.raises(DecompressionBomb):
        process_image(samples.bomb_png(tmp_path / "bomb.png"), workdir)


def test_pixel_limit_is_configurable(tmp_path: Path, workdir: Path) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "p.jpg", size=(400, 300), orientation=1)
    with pytest.raises(DecompressionBomb, match="limit"):
        process_image(src, workdir, MediaLimits(max_pixels=400 * 300 - 1))
    assert process_image(src, workdir, MediaLimits(max_pixels=400 * 300)).width == 400


def test_byte_limit(tmp_path: Path, workdir: Path) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "p.jpg", size=(400, 300), orientation=1)
    with pytest.raises(MediaTooLarge):
        process_image(src, workdir, MediaLimits(max_photo_bytes=src.stat().st_size - 1))


def test_a_video_is_not_a_photo(videos: dict[str, Path], workdir: Path) -> None:
    with pytest.raises(UnsupportedMediaType, match="expected a photo"):
        process_image(videos["h264.mp4"], workdir)


def test_png_text_chunks_do_not_survive(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "text.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", SECRET)
    info.add_text("Author", SECRET)
    samples.marked((50, 50)).save(src, pnginfo=info)
    for variant in process_image(src, workdir).variants.values():
        assert_clean(variant)
