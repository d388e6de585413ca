"""Inspect a video with PyAV: size, duration, codecs, rotation; refuse what breaks the limits."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.video.stream import VideoStream

from photofeed.media.detect import MediaFormat, MediaKind, detect_file
from photofeed.media.errors import CorruptMedia, UnsupportedMediaType, VideoTooLong
from photofeed.media.limits import MediaLimits, check_file_size

# What every current browser plays without a plug-in, per container we write.
_PLAYABLE_VIDEO = {"mp4": frozenset({"h264"}), "webm": frozenset({"vp8", "vp9", "av1"})}
_PLAYABLE_AUDIO = {"mp4": frozenset({"aac"}), "webm": frozenset({"opus", "vorbis"})}
_PLAYABLE_PIXELS = frozenset({"yuv420p", "yuvj420p"})  # 10-bit and 4:2:2 fail in many browsers
_OUTPUT_CONTAINER = {MediaFormat.MP4: "mp4", MediaFormat.MOV: "mp4", MediaFormat.WEBM: "webm"}
_DEFAULT_FPS = 30.0


@dataclass(frozen=True, slots=True)
class VideoProbe:
    """What a video holds, as read from its container and first frame."""

    format: MediaFormat
    duration: float
    coded_width: int
    coded_height: int
    # Degrees clockwise a player turns the picture to show it upright (0, 90, 180, 270).
    rotation: int
    fps: float
    video_codec: str
    pixel_format: str | None
    audio_codec: str | None

    @property
    def width(self) -> int:
        """Return the displayed width, after rotation."""
        return self.coded_height if self.rotation in (90, 270) else self.coded_width

    @property
    def height(self) -> int:
        """Return the displayed height, after rotation."""
        return self.coded_width if self.rotation in (90, 270) else self.coded_height

    @property
    def output_container(self) -> str:
        """Return the container a cleaned copy is written in: "mp4" or "webm"."""
        return _OUTPUT_CONTAINER[self.format]

    def is_web_playable(self) -> bool:
        """Tell whether browsers play these streams as they are, once put in output_container."""
        container = self.output_container
        return (
            self.video_codec in _PLAYABLE_VIDEO[container]
            and self.pixel_format in _PLAYABLE_PIXELS
            and (self.audio_codec is None or self.audio_codec in _PLAYABLE_AUDIO[container])
        )

    def needs_transcode(self, limits: MediaLimits) -> bool:
        """Tell whether the video must be re-encoded rather than only re-wrapped."""
        too_big = min(self.width, self.height) > limits.max_video_short_side
        return too_big or not self.is_web_playable()


def probe_video(path: Path, limits: MediaLimits | None = None) -> VideoProbe:
    """Read the facts of the video at path, raising a MediaError when it is unacceptable."""
    limits = limits or MediaLimits()
    check_file_size(path.stat().st_size, limits.max_video_bytes, "video")
    fmt = detect_file(path)
    if fmt.kind is not MediaKind.VIDEO:
        raise UnsupportedMediaType(f"expected a video, got a {fmt.kind} ({fmt.mime})")
    with open_video(path) as container:
        stream = video_stream_of(container)
        limits.check_pixels(stream.width, stream.height)
        duration = _duration(container, stream)
        check_duration(duration, limits)
        rotation = _first_frame_rotation(container, stream)
        audio = audio_stream_of(container)
        return VideoProbe(
            format=fmt,
            duration=duration,
            coded_width=stream.width,
            coded_height=stream.height,
            rotation=rotation,
            fps=float(stream.average_rate or stream.guessed_rate or _DEFAULT_FPS),
            video_codec=stream.codec_context.name,
            pixel_format=stream.codec_context.pix_fmt,
            audio_codec=audio.codec_context.name if audio else None,
        )


@contextmanager
def open_video(path: Path) -> Iterator[InputContainer]:
    """Open a video for reading, turning any FFmpeg failure inside the block into CorruptMedia."""
    try:
        # Tags are text from the uploader: undecodable bytes must not fail the upload.
        with av.open(str(path), "r", metadata_errors="replace") as container:
            yield container
    except av.FFmpegError as exc:
        raise CorruptMedia("the video cannot be decoded") from exc


def video_stream_of(container: InputContainer) -> VideoStream:
    """Return the first video stream, or raise UnsupportedMediaType for audio-only files."""
    if not container.streams:
        # An MP4 cut off before its index (moov at the end) opens with no tracks at all.
        raise CorruptMedia("the video has no readable tracks; is the file complete?")
    if not container.streams.video:
        raise UnsupportedMediaType("the file has no video track")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # FFmpeg could not even read the track's parameters
        raise CorruptMedia("the video track cannot be decoded")
    return stream


def audio_stream_of(container: InputContainer) -> AudioStream | None:
    """Return the first audio stream that FFmpeg can read, if any."""
    # A sound track too damaged to describe is dropped rather than failing the whole video.
    readable = [s for s in container.streams.audio if s.codec_context is not None]
    return readable[0] if readable else None


def check_duration(seconds: float, limits: MediaLimits) -> None:
    """Raise VideoTooLong when seconds exceeds the limit."""
    if seconds > limits.max_video_seconds:
        raise VideoTooLong(
            f"the video lasts {seconds:.0f} s; the limit is {limits.max_video_seconds:g} s"
        )


def _duration(container: InputContainer, stream: VideoStream) -> float:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return _scan_duration(container, stream)


def _scan_duration(container: InputContainer, stream: VideoStream) -> float:
    """Find the last timestamp by reading packets, for files that state no duration."""
    last = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            end = (packet.pts + (packet.duration or 0)) * packet.time_base
            last = max(last, float(end))
    container.seek(0)
    if last <= 0:
        raise CorruptMedia("the video has no timed frames")
    return last


def _first_frame_rotation(container: InputContainer, stream: VideoStream) -> int:
    """Decode the first frame, which proves the stream decodes and carries its rotation."""
    for frame in container.decode(stream):
        # FFmpeg states rotation counter-clockwise; players turn the picture clockwise.
        return round(-frame.rotation / 90) % 4 * 90
    raise CorruptMedia("the video has no decodable frame")
