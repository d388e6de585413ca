"""Video processing on real files encoded with PyAV: remux, transcode, poster, bad input."""

from pathlib import Path

import av
import pytest
from PIL import Image

from photofeed.media.errors import (
    CorruptMedia,
    DecompressionBomb,
    MediaTooLarge,
    UnsupportedMediaType,
    VideoTooLong,
)
from photofeed.media.limits import MediaLimits
from photofeed.media.video import ProcessedVideo, process_video
from photofeed.media.video_probe import probe_video
from tests.unit.media import samples
from tests.unit.media.samples import GREEN, LOCATION, RED, SECRET


def streams_of(path: Path) -> list[tuple[str, str]]:
    with av.open(str(path)) as container:
        return [(s.type, s.codec_context.name) for s in container.streams]


def assert_clean_video(result: ProcessedVideo) -> None:
    """No location or title in the container, its streams, or anywhere in the bytes."""
    data = result.path.read_bytes()
    assert LOCATION.encode() not in data
    assert SECRET.encode() not in data
    with av.open(str(result.path)) as container:
        tags = dict(container.metadata)
        for stream in container.streams:
            tags.update(stream.metadata)
    assert not [k for k in tags if "location" in k.lower() or k.lower() in ("title", "gps")]
    for variant in result.poster.variants.values():
        with Image.open(variant.path) as poster:
            assert len(poster.getexif()) == 0


def first_frame(path: Path) -> tuple[Image.Image, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.to_image(), frame.rotation


def close_to(actual: object, expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual[:3], expected, strict=True))


def test_web_ready_mp4_is_rewrapped_without_location(
    videos: dict[str, Path], workdir: Path
) -> None:
    result = process_video(videos["h264.mp4"], workdir)
    assert not result.transcoded
    assert (result.mime, result.width, result.height) == ("video/mp4", 320, 240)
    assert result.duration == pytest.approx(1.0, abs=0.05)
    assert streams_of(result.path) == [("video", "h264"), ("audio", "aac")]
    data = result.path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart: playable while downloading
    assert_clean_video(result)


def test_poster_variants_are_made_from_a_frame(videos: dict[str, Path], workdir: Path) -> None:
    poster = process_video(videos["h264.mp4"], workdir).poster
    assert set(poster.variants) == {"original", "large", "small"}
    assert poster.variants["original"].mime == "image/jpeg"
    assert (poster.width, poster.height) == (320, 240)
    assert len(poster.blurhash) == 28
    with Image.open(poster.variants["original"].path) as image:
        assert close_to(image.getpixel((5, 5)), RED)
        assert close_to(image.getpixel((300, 200)), GREEN)


def test_mov_with_h264_becomes_mp4_without_transcoding(
    videos: dict[str, Path], workdir: Path
) -> None:
    result = process_video(videos["h264.mov"], workdir)
    assert (result.transcoded, result.mime, result.path.suffix) == (False, "video/mp4", ".mp4")
    assert_clean_video(result)


@pytest.mark.parametrize("name", ["vp8.webm", "vp9.webm"])
def test_webm_stays_webm(videos: dict[str, Path], workdir: Path, name: str) -> None:
    result = process_video(videos[name], workdir)
    assert (result.transcoded, result.mime) == (False, "video/webm")
    assert_clean_video(result)


def test_mpeg4_part2_is_transcoded_to_h264(videos: dict[str, Path], workdir: Path) -> None:
    result = process_video(videos["mpeg4.mp4"], workdir)
    assert result.transcoded
    assert result.source.video_codec == "mpeg4"
    assert streams_of(result.path) == [("video", "h264"), ("audio", "aac")]
    with av.open(str(result.path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert container.streams.video[0].frames == 24
    assert_clean_video(result)


def test_yuv422_h264_is_transcoded(videos: dict[str, Path], workdir: Path) -> None:
    assert process_video(videos["yuv422.mp4"], workdir).transcoded


def test_rotation_is_kept_when_rewrapping(videos: dict[str, Path], workdir: Path) -> None:
    result = process_video(videos["rotated.mp4"], workdir)
    assert not result.transcoded
    assert (result.width, result.height) == (240, 320)
    assert first_frame(result.path)[1] == -90  # players turn it upright themselves
    with Image.open(result.poster.variants["original"].path) as poster:
        assert poster.size == (240, 320)
        assert close_to(poster.getpixel((235, 5)), RED)  # top-left turned clockwise


def test_rotated_hevc_is_transcoded_upright(videos: dict[str, Path], workdir: Path) -> None:
    result = process_video(videos["rotated-hevc.mov"], workdir)
    assert result.transcoded
    assert (result.width, result.height) == (240, 320)
    image, rotation = first_frame(result.path)
    assert (image.size, rotation) == ((240, 320), 0)
    assert close_to(image.getpixel((235, 5)), RED)
    assert close_to(image.getpixel((5, 5)), GREEN)
    assert_clean_video(result)


def test_above_1080p_is_scaled_down(videos: dict[str, Path], workdir: Path) -> None:
    result = process_video(videos["big.mp4"], workdir)
    assert result.transcoded
    assert (result.width, result.height) == (1414, 1080)
    assert first_frame(result.path)[0].size == (1414, 1080)


def test_probe_reports_the_facts(videos: dict[str, Path]) -> None:
    probe = probe_video(videos["vp8.webm"])
    assert (probe.video_codec, probe.audio_codec, probe.fps) == ("vp8", "opus", 24.0)
    assert (probe.width, probe.height, probe.rotation) == (320, 240, 0)
    assert probe.is_web_playable()


def test_too_long_video_is_refused(videos: dict[str, Path], workdir: Path) -> None:
    with pytest.raises(VideoTooLong):
        process_video(videos["h264.mp4"], workdir, MediaLimits(max_video_seconds=0.5))


def test_byte_limit(videos: dict[str, Path], workdir: Path) -> None:
    with pytest.raises(MediaTooLarge):
        process_video(videos["h264.mp4"], workdir, MediaLimits(max_video_bytes=1000))


def test_frame_pixel_limit(videos: dict[str, Path], workdir: Path) -> None:
    with pytest.raises(DecompressionBomb):
        process_video(videos["big.mp4"], workdir, MediaLimits(max_pixels=1_000_000))


@pytest.mark.parametrize("name", ["truncated.mp4", "truncated-faststart.mp4"])
def test_truncated_video_is_corrupt(videos: dict[str, Path], workdir: Path, name: str) -> None:
    with pytest.raises(CorruptMedia):
        process_video(videos[name], workdir)
    assert list(workdir.iterdir()) == []  # no half-written output is left behind


def test_random_bytes_are_unsupported(tmp_path: Path, workdir: Path) -> None:
    with pytest.raises(UnsupportedMediaType):
        process_video(samples.random_bytes(tmp_path / "clip.mp4"), workdir)


def test_mp4_signature_with_garbage_is_corrupt(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "fake.mp4"
    src.write_bytes(b"\0\0\0\x18ftypisom\0\0\0\0isommp41" + bytes(range(256)) * 8)
    with pytest.raises(CorruptMedia):
        process_video(src, workdir)


def test_a_photo_is_not_a_video(tmp_path: Path, workdir: Path) -> None:
    src = samples.jpeg_with_metadata(tmp_path / "p.jpg", size=(64, 48))
    with pytest.raises(UnsupportedMediaType, match="expected a video"):
        process_video(src, workdir)


def test_audio_only_mp4_is_refused(tmp_path: Path, workdir: Path) -> None:
    src = tmp_path / "song.mp4"
    with av.open(str(src), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48_000)
        frame = av.AudioFrame(format="s16", layout="stereo", samples=4800)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = 48_000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(UnsupportedMediaType, match="no video"):
        process_video(src, workdir)
