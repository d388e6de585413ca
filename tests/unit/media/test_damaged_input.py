"""Damaged uploads fail with a MediaError, never another exception (which would be a 500)."""

import functools
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from photofeed.media.errors import MediaError
from photofeed.media.images import process_image
from photofeed.media.video import process_video
from tests.unit.media import samples


@functools.cache
def photo_samples() -> dict[str, bytes]:
    made = {}
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        buffer = io.BytesIO()
        samples.marked((48, 32)).save(buffer, fmt, exif=samples.exif_with_gps(6))
        made[fmt] = buffer.getvalue()
    return made


@functools.cache
def video_sample() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = samples.write_video(
            Path(tmp) / "v.mp4", "mp4", "mpeg4", size=(64, 48), frames=6, faststart=True
        )
        return path.read_bytes()


def damage(data: bytes, draw: st.DataObject) -> bytes:
    """Cut the data short, or overwrite a few bytes at random places."""
    if draw.draw(st.booleans(), label="truncate"):
        return data[: draw.draw(st.integers(0, len(data) - 1), label="keep")]
    damaged = bytearray(data)
    for _ in range(draw.draw(st.integers(1, 8), label="flips")):
        at = draw.draw(st.integers(0, len(data) - 1), label="at")
        damaged[at] = draw.draw(st.integers(0, 255), label="byte")
    return bytes(damaged)


def outcome(process: object, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"upload{suffix}"
        src.write_bytes(data)
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            assert callable(process)
            process(src, work)
        except MediaError:
            pass  # a clear 4xx for the uploader: the expected way to fail


# Pillow warns about damaged EXIF and carries on, as it does in production, where warnings
# are not errors; the suite's "warnings are errors" would turn that into a crash of its own.
@pytest.mark.filterwarnings("ignore::UserWarning:PIL")
@settings(max_examples=80, deadline=None)
@given(fmt=st.sampled_from(["JPEG", "PNG", "WEBP", "GIF"]), draw=st.data())
def test_damaged_photos_fail_cleanly(fmt: str, draw: st.DataObject) -> None:
    outcome(process_image, damage(photo_samples()[fmt], draw), ".jpg")


@settings(max_examples=40, deadline=None)
@given(draw=st.data())
def test_damaged_videos_fail_cleanly(draw: st.DataObject) -> None:
    outcome(process_video, damage(video_sample(), draw), ".mp4")


def test_undamaged_samples_process(tmp_path: Path) -> None:
    """The fuzzed samples are themselves valid, so the tests above start from real files."""
    for fmt, data in photo_samples().items():
        src = tmp_path / f"ok.{fmt.lower()}"
        src.write_bytes(data)
        upright_width = 48 if fmt == "GIF" else 32  # GIF has no EXIF orientation
        assert process_image(src, tmp_path).width == upright_width
        with Image.open(src) as image:
            assert image.format == fmt
    src = tmp_path / "ok.mp4"
    src.write_bytes(video_sample())
    assert process_video(src, tmp_path).transcoded
