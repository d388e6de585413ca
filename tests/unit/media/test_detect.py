"""Format detection by content: magic bytes and container brands, never names."""

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from photofeed.media.detect import MediaFormat, MediaKind, detect_file, sniff
from photofeed.media.errors import UnsupportedMediaType


def encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, fmt)
    return buffer.getvalue()


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\0\0\0\x08free"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", MediaFormat.JPEG),
        ("PNG", MediaFormat.PNG),
        ("WEBP", MediaFormat.WEBP),
        ("GIF", MediaFormat.GIF),
    ],
)
def test_images_are_told_by_their_magic(fmt: str, expected: MediaFormat) -> None:
    assert sniff(encoded(fmt)) is expected
    assert expected.kind is MediaKind.PHOTO


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (ftyp(b"heic", b"mif1", b"heic"), MediaFormat.HEIF),
        (ftyp(b"mif1", b"heic"), MediaFormat.HEIF),
        (ftyp(b"qt  ", b"qt  "), MediaFormat.MOV),
        (ftyp(b"isom", b"isom", b"avc1"), MediaFormat.MP4),
        (ftyp(b"mp42", b"isom"), MediaFormat.MP4),
        (ftyp(b"XYZW", b"mp42"), MediaFormat.MP4),  # unknown major brand, known compatible
        (b"\0\0\0\x08wide\0\0\0\x10mdat", MediaFormat.MOV),  # QuickTime before ftyp existed
    ],
)
def test_iso_media_is_told_by_its_brands(head: bytes, expected: MediaFormat) -> None:
    assert sniff(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        ftyp(b"avif", b"mif1", b"avif"),  # AVIF lists mif1 too, yet is not accepted
        ftyp(b"XYZW", b"avif", b"mif1"),
        ftyp(b"M4A ", b"isom"),
        ftyp(b"crx ", b"crx "),
        b"",
        b"\xff\xd8",
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
    ],
)
def test_other_content_is_refused(head: bytes) -> None:
    with pytest.raises(UnsupportedMediaType, match="accepted are"):
        sniff(head)


def test_webm_is_told_from_matroska_by_doctype() -> None:
    head = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87\x81\x04"
    assert sniff(head) is MediaFormat.WEBM
    assert MediaFormat.WEBM.kind is MediaKind.VIDEO
    assert MediaFormat.WEBM.mime == "video/webm"


def test_real_videos_are_detected(videos: dict[str, Path]) -> None:
    assert detect_file(videos["h264.mp4"]) is MediaFormat.MP4
    assert detect_file(videos["h264.mov"]) is MediaFormat.MOV
    assert detect_file(videos["vp8.webm"]) is MediaFormat.WEBM


def test_the_name_does_not_matter(tmp_path: Path) -> None:
    misnamed = tmp_path / "holiday.mp4"
    misnamed.write_bytes(encoded("PNG"))
    assert detect_file(misnamed) is MediaFormat.PNG
