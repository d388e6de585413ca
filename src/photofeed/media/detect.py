"""Tell a media file's format from its first bytes, never from its name or claimed type."""

import enum
from pathlib import Path

from photofeed.media.errors import UnsupportedMediaType

# Enough for the ftyp box of any real ISO-BMFF file and for an EBML header.
SNIFF_BYTES = 4096


class MediaKind(enum.StrEnum):
    PHOTO = "photo"
    VIDEO = "video"


class MediaFormat(enum.StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    GIF = "gif"
    HEIF = "heif"
    MP4 = "mp4"
    MOV = "mov"
    WEBM = "webm"

    @property
    def kind(self) -> MediaKind:
        """Tell whether this format holds a photo or a video."""
        return MediaKind.VIDEO if self in _VIDEO_FORMATS else MediaKind.PHOTO

    @property
    def mime(self) -> str:
        """Return the IANA media type of this format."""
        return _MIME[self]


_VIDEO_FORMATS = frozenset({MediaFormat.MP4, MediaFormat.MOV, MediaFormat.WEBM})
_MIME = {
    MediaFormat.JPEG: "image/jpeg",
    MediaFormat.PNG: "image/png",
    MediaFormat.WEBP: "image/webp",
    MediaFormat.GIF: "image/gif",
    MediaFormat.HEIF: "image/heif",
    MediaFormat.MP4: "video/mp4",
    MediaFormat.MOV: "video/quicktime",
    MediaFormat.WEBM: "video/webm",
}

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "}
)
# AVIF declares mif1 as compatible too; it is not accepted, so it must not pass as HEIF.
_REFUSED_BRANDS = frozenset({b"avif", b"avis", b"M4A ", b"M4B "})
# Old QuickTime files start with one of these atoms instead of ftyp.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


def sniff(head: bytes) -> MediaFormat:
    """Return the format that the leading bytes show, or raise UnsupportedMediaType."""
    found = _sniff_image(head) or _sniff_iso_bmff(head) or _sniff_webm(head)
    if found is None:
        raise UnsupportedMediaType(
            "unsupported media type: accepted are JPEG, PNG, WebP, GIF, HEIC photos"
            " and MP4, MOV, WebM videos"
        )
    return found


def detect_file(path: Path) -> MediaFormat:
    """Return the format of the file at path by reading its first bytes."""
    with path.open("rb") as fh:
        return sniff(fh.read(SNIFF_BYTES))


def _sniff_image(head: bytes) -> MediaFormat | None:
    if head.startswith(b"\xff\xd8\xff"):
        return MediaFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaFormat.PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return MediaFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaFormat.WEBP
    return None


def _sniff_iso_bmff(head: bytes) -> MediaFormat | None:
    box_type = head[4:8]
    if box_type in _QUICKTIME_ATOMS:
        return MediaFormat.MOV
    if box_type != b"ftyp" or len(head) < 16:
        return None
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    return _format_of_brands(major, compatible)


def _format_of_brands(major: bytes, compatible: set[bytes]) -> MediaFormat | None:
    if major in _REFUSED_BRANDS:
        return None
    if major in _HEIF_BRANDS:
        return MediaFormat.HEIF
    if major == b"qt  ":
        return MediaFormat.MOV
    if major in _MP4_BRANDS:
        return MediaFormat.MP4
    # An unknown major brand: fall back on what the file says it is compatible with.
    if compatible & _REFUSED_BRANDS:
        return None
    if compatible & _HEIF_BRANDS:
        return MediaFormat.HEIF
    if compatible & _MP4_BRANDS:
        return MediaFormat.MP4
    return None


def _sniff_webm(head: bytes) -> MediaFormat | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    # Matroska also starts with an EBML header; only the DocType "webm" is accepted.
    at = head.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(head):
        return None
    length_byte = head[at + 2]
    width = 8 - length_byte.bit_length() + 1  # an EBML varint's length is its leading zeros + 1
    length = int.from_bytes(head[at + 2 : at + 2 + width], "big") & ((1 << (7 * width)) - 1)
    doctype = head[at + 2 + width : at + 2 + width + length]
    return MediaFormat.WEBM if doctype.rstrip(b"\x00") == b"webm" else None
