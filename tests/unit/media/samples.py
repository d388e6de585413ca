"""Build real sample photos and videos for the media tests; nothing here is mocked."""

import random
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
from av.audio.stream import AudioStream
from PIL import ExifTags, Image

# Planted in every kind of metadata a sample carries; no output may contain it.
SECRET = "SecretCam-7f3a"
LOCATION = "+48.8584+002.2945/"
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    """Return EXIF with an orientation, a camera make, and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = SECRET
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 17.0, 40.0)
    return exif


def marked(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Return a green image with a red block in its top-left corner, to track orientation."""
    image = Image.new(mode, size, GREEN if mode == "RGB" else (*GREEN, 255))
    block = (0, 0, size[0] // 4, size[1] // 4)
    image.paste(RED if mode == "RGB" else (*RED, 255), block)
    return image


def jpeg_with_metadata(
    path: Path, size: tuple[int, int] = (1600, 1200), orientation: int = 6
) -> Path:
    """Write a JPEG with EXIF orientation and GPS, a comment and XMP, all holding SECRET."""
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><r>{SECRET}</r></x:xmpmeta>'.encode()
    marked(size).save(
        path, "JPEG", quality=90, exif=exif_with_gps(orientation), comment=SECRET, xmp=xmp
    )
    return path


def png_with_alpha(path: Path, size: tuple[int, int] = (400, 300)) -> Path:
    """Write an RGBA PNG whose right half is fully transparent, with a text chunk."""
    from PIL import PngImagePlugin

    image = marked(size, "RGBA")
    image.paste((0, 0, 0, 0), (size[0] // 2, 0, size[0], size[1]))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET)
    image.save(path, "PNG", pnginfo=text, exif=exif_with_gps())
    return path


def swapped_primaries_icc() -> bytes:
    """Return an ICC v2 RGB profile whose red and green primaries are those of sRGB, swapped."""
    d50 = (0.9642, 1.0, 0.8249)
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # gamma 2.2, padded
    text = b"swapped\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(green)),
        (b"gXYZ", xyz(red)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I4sI4s4s4s", size, b"\0\0\0\0", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += bytes(12) + b"acsp" + bytes(24) + struct.pack(">I", 0)
    header += b"".join(struct.pack(">i", round(v * 65536)) for v in d50)
    header += bytes(128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


def bomb_png(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """Write a tiny PNG whose header declares width x height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def random_bytes(path: Path, size: int = 4096, seed: int = 7) -> Path:
    """Write bytes no format claims."""
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def truncated(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Write the first fraction of src to dst, as a cut-off upload would be."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def write_video(
    path: Path,
    fmt: str,
    codec: str,
    audio: str | None = None,
    *,
    size: tuple[int, int] = (320, 240),
    fps: int = 24,
    frames: int = 24,
    rotation: int | None = None,
    pix_fmt: str = "yuv420p",
    faststart: bool = False,
    noisy: bool = False,
) -> Path:
    """Encode a short video of the marked picture, tagged with a GPS location and titles.

    Noisy frames all cost many bytes, so a cut-off copy loses frames rather than only its end.
    """
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as out:
        out.metadata["location"] = LOCATION
        out.metadata["title"] = SECRET
        quiet = {"x265-params": "log-level=none"} if codec == "libx265" else {}
        video = out.add_stream(codec, rate=fps, options=quiet)
        video.width, video.height, video.pix_fmt = *size, pix_fmt
        video.metadata["title"] = SECRET
        if rotation is not None:
            video.set_display_rotation(rotation)
        sound = out.add_stream(audio, rate=48_000) if audio else None
        picture = marked(size)
        for index in range(frames):
            if noisy:
                picture = Image.effect_noise(size, 64).convert("RGB")
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            _add_silence(out, sound, Fraction(frames, fps))
    return path


def _add_silence(out: av.container.OutputContainer, stream: AudioStream, seconds: Fraction) -> None:
    frame = av.AudioFrame(format="s16", layout="stereo", samples=int(48_000 * seconds))
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.sample_rate, frame.pts = 48_000, 0
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
