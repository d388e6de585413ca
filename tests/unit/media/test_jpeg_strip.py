"""Lossless JPEG metadata stripping: the compressed pixels stay, everything else goes."""

import io

import pytest
from PIL import ExifTags, Image, ImageChops

from photofeed.media.errors import CorruptMedia
from photofeed.media.jpeg_strip import strip_metadata
from tests.unit.media import samples
from tests.unit.media.samples import SECRET


def _jpeg(**params: object) -> bytes:
    out = io.BytesIO()
    xmp = f"<x:xmpmeta><r>{SECRET}</r></x:xmpmeta>".encode()
    samples.marked((320, 240)).save(out, "JPEG", quality=90, exif=samples.exif_with_gps(6),
                                    comment=SECRET, xmp=xmp, **params)
    return out.getvalue()


@pytest.mark.parametrize("progressive", [False, True])
def test_pixels_are_kept_bit_for_bit_and_metadata_dropped(progressive: bool) -> None:
    source = _jpeg(progressive=progressive)
    stripped = strip_metadata(source, orientation=6)
    assert SECRET.encode() not in stripped
    with Image.open(io.BytesIO(source)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox() \
            is None
        assert dict(after.getexif()) == {ExifTags.Base.Orientation: 6}
        assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_upright_photos_keep_no_exif_and_trailing_files_are_cut() -> None:
    stripped = strip_metadata(_jpeg() + b"PK\x03\x04 a zip rides along", orientation=1)
    assert b"Exif" not in stripped
    assert stripped.endswith(b"\xff\xd9")
    assert b"PK\x03\x04" not in stripped


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.99])
def test_cut_off_files_are_corrupt(cut: float) -> None:
    source = _jpeg()
    with pytest.raises(CorruptMedia):
        strip_metadata(source[: int(len(source) * cut)])
