"""Fixtures of the media tests: a work directory and sample videos made once per session."""

from pathlib import Path

import pytest

from tests.unit.media import samples


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real one-second videos in the containers and codecs phones and browsers produce."""
    root = tmp_path_factory.mktemp("videos")
    made = {
        "h264.mp4": samples.write_video(root / "h264.mp4", "mp4", "libx264", "aac"),
        "h264.mov": samples.write_video(root / "h264.mov", "mov", "libx264", "aac"),
        "vp8.webm": samples.write_video(root / "vp8.webm", "webm", "libvpx", "libopus"),
        "vp9.webm": samples.write_video(root / "vp9.webm", "webm", "libvpx-vp9", frames=6),
        "mpeg4.mp4": samples.write_video(root / "mpeg4.mp4", "mp4", "mpeg4", "aac"),
        "rotated.mp4": samples.write_video(root / "rotated.mp4", "mp4", "libx264", rotation=-90),
        "rotated-hevc.mov": samples.write_video(
            root / "rotated-hevc.mov", "mov", "libx265", rotation=-90, frames=12
        ),
        "big.mp4": samples.write_video(
            root / "big.mp4", "mp4", "libx264", size=(1440, 1100), fps=5, frames=5
        ),
        "yuv422.mp4": samples.write_video(
            root / "yuv422.mp4", "mp4", "libx264", pix_fmt="yuv422p", frames=6
        ),
        "faststart.mp4": samples.write_video(
            root / "faststart.mp4", "mp4", "libx264", frames=24, faststart=True, noisy=True
        ),
    }
    made["truncated.mp4"] = samples.truncated(made["h264.mp4"], root / "truncated.mp4")
    made["truncated-faststart.mp4"] = samples.truncated(
        made["faststart.mp4"], root / "truncated-faststart.mp4"
    )
    return made
