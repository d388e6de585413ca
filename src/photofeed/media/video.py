"""Turn an uploaded video into a clean web-playable file and a poster photo, with PyAV."""

import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.filter import Graph
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from photofeed.media import colour
from photofeed.media.errors import CorruptMedia
from photofeed.media.images import ProcessedImage, render_photo
from photofeed.media.limits import MediaLimits
from photofeed.media.video_probe import (
    VideoProbe,
    audio_stream_of,
    check_duration,
    open_video,
    probe_video,
    video_stream_of,
)

# veryfast keeps 1080p above real time on two cores (bench/media_processing.py --video);
# crf 23 is x264's own default quality.
X264_OPTIONS = {"crf": "23", "preset": "veryfast"}
AUDIO_BITRATE = 128_000
# Take the poster a little way in: first frames are often black or a fade-in.
POSTER_MAX_SECONDS = 1.0
_MUXER_OPTIONS = {"mp4": {"movflags": "+faststart"}, "webm": {"cues_to_front": "1"}}
_MIME = {"mp4": "video/mp4", "webm": "video/webm"}
# Pillow transpositions and FFmpeg filters that turn a picture clockwise by the key's degrees.
_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
_ROTATE_FILTERS = {
    90: [("transpose", "clock")],
    180: [("hflip", ""), ("vflip", "")],
    270: [("transpose", "cclock")],
}


@dataclass(frozen=True, slots=True)
class ProcessedVideo:
    """A web-playable copy of a video without metadata, and its poster photo."""

    path: Path
    mime: str
    width: int
    height: int
    duration: float
    size: int
    # False when the streams were copied unchanged into a clean container.
    transcoded: bool
    poster: ProcessedImage
    source: VideoProbe


def process_video(path: Path, workdir: Path, limits: MediaLimits | None = None) -> ProcessedVideo:
    """Check the video at path and write its playable copy and poster variants into workdir."""
    limits = limits or MediaLimits()
    probe = probe_video(path, limits)
    transcode = probe.needs_transcode(limits)
    container = "mp4" if transcode else probe.output_container
    fd, tmp = tempfile.mkstemp(dir=workdir, prefix="video-", suffix=f".{container}")
    os.close(fd)
    out_path = Path(tmp)
    try:
        width, height = _write_playable(path, out_path, probe, limits, container)
        poster = _poster(path, probe, workdir)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return ProcessedVideo(
        path=out_path,
        mime=_MIME[container],
        width=width,
        height=height,
        duration=probe.duration,
        size=out_path.stat().st_size,
        transcoded=transcode,
        poster=poster,
        source=probe,
    )


def _write_playable(
    path: Path, out_path: Path, probe: VideoProbe, limits: MediaLimits, container: str
) -> tuple[int, int]:
    """Write the re-wrapped or re-encoded video; return its displayed width and height."""
    with open_video(path) as source, _open_output(out_path, container) as out:
        if probe.needs_transcode(limits):
            width, height, reached = _transcode(source, out, probe, limits)
        else:
            width, height = probe.width, probe.height
            reached = _remux(source, out, limits)
    _check_complete(reached, probe.duration)
    return width, height


def _open_output(path: Path, container: str) -> OutputContainer:
    # Only what we add is written: no container or stream metadata is ever copied over.
    return av.open(str(path), "w", format=container, options=_MUXER_OPTIONS[container])


def _poster(path: Path, probe: VideoProbe, workdir: Path) -> ProcessedImage:
    target = min(POSTER_MAX_SECONDS, probe.duration / 10)
    with open_video(path) as container:
        chosen: VideoFrame | None = None
        for frame in container.decode(video_stream_of(container)):
            chosen = frame
            if frame.time is None or frame.time >= target:
                break
        if chosen is None:
            raise CorruptMedia("the video has no decodable frame")
        image = chosen.to_image()  # type: ignore[no-untyped-call]  # PyAV's stub lacks hints
    if probe.rotation:
        image = image.transpose(_TRANSPOSE[probe.rotation])
    return render_photo(colour.to_srgb(image), workdir)


def _kept_streams(source: InputContainer) -> tuple[VideoStream, AudioStream | None]:
    # Only the first picture and sound tracks: data tracks (timed GPS, for one) are dropped.
    return video_stream_of(source), audio_stream_of(source)


def _check_complete(reached: float, duration: float) -> None:
    # A cut-off upload still demuxes cleanly; only its missing end gives it away.
    if reached < duration * 0.9 - 0.25:
        raise CorruptMedia(f"the video is truncated: {reached:.1f} s of {duration:.1f} s")


def _remux(source: InputContainer, out: OutputContainer, limits: MediaLimits) -> float:
    """Copy the packets of the kept streams into the new container; return the seconds reached."""
    video, audio = _kept_streams(source)
    kept = (video, audio) if audio else (video,)
    # A template brings codec parameters (and the display rotation), never the tags.
    targets = {stream.index: out.add_stream_from_template(stream) for stream in kept}
    reached = 0.0
    for packet in source.demux(kept):
        if packet.dts is None:  # the demuxer's end-of-stream marker
            continue
        if packet.pts is not None and packet.time_base is not None:
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            # A container may state a short duration and hold hours: trust the packets.
            check_duration(end, limits)
            reached = max(reached, end)
        packet.stream = targets[packet.stream.index]
        out.mux(packet)
    return reached


def _transcode(
    source: InputContainer, out: OutputContainer, probe: VideoProbe, limits: MediaLimits
) -> tuple[int, int, float]:
    """Re-encode to H.264 yuv420p (and AAC), upright and within the size limit.

    Return the output's width, height and the seconds of video reached.
    """
    video, audio = _kept_streams(source)
    width, height = _output_size(probe, limits)
    pictures = _PictureEncoder(out, video, probe, limits, (width, height))
    sound = _audio_encoder(out, audio) if audio else None
    for packet in source.demux((video, audio) if audio else (video,)):
        for frame in packet.decode():
            if isinstance(frame, VideoFrame):
                pictures.encode(frame)
            elif sound is not None and isinstance(frame, AudioFrame):
                out.mux(sound.encode(frame))
    pictures.flush()
    if sound is not None:
        out.mux(sound.encode(None))
    return width, height, pictures.reached


class _PictureEncoder:
    """Turn decoded frames upright, scale them and encode them with x264."""

    def __init__(
        self,
        out: OutputContainer,
        source: VideoStream,
        probe: VideoProbe,
        limits: MediaLimits,
        size: tuple[int, int],
    ) -> None:
        source.thread_type = "AUTO"
        self._out, self._limits, self._frame_seconds = out, limits, 1 / probe.fps
        self._graph = _filter_graph(source, probe.rotation, size)
        self._stream = out.add_stream("libx264", rate=Fraction(probe.fps).limit_denominator(1001))
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        # Keep the source's clock so variable frame rate phone videos keep their timing.
        self._stream.codec_context.time_base = source.time_base or Fraction(1, 90_000)
        self._stream.options = dict(X264_OPTIONS)
        self._last_pts = -1
        self.reached = 0.0

    def encode(self, frame: VideoFrame | None) -> None:
        """Filter and encode one decoded frame; None drains the filters."""
        self._graph.vpush(frame)
        while True:
            try:
                ready = self._graph.vpull()
            except (av.BlockingIOError, av.EOFError):
                return
            if ready.pts is None or ready.pts <= self._last_pts:
                continue  # duplicate or unstamped frames would stop the encoder
            self._last_pts = ready.pts
            if ready.time is not None:
                check_duration(ready.time, self._limits)
                self.reached = ready.time + self._frame_seconds
            self._out.mux(self._stream.encode(ready))

    def flush(self) -> None:
        """Drain the filters and the encoder into the output."""
        self.encode(None)
        self._out.mux(self._stream.encode(None))


def _audio_encoder(out: OutputContainer, audio: AudioStream) -> AudioStream:
    encoder = out.add_stream("aac", rate=audio.rate or 48_000)
    encoder.layout = "mono" if audio.channels == 1 else "stereo"
    encoder.bit_rate = AUDIO_BITRATE
    return encoder


def _output_size(probe: VideoProbe, limits: MediaLimits) -> tuple[int, int]:
    """Return the upright size scaled to the limit, in even numbers as yuv420p requires."""
    scale = min(1.0, limits.max_video_short_side / min(probe.width, probe.height))
    return _even(probe.width * scale), _even(probe.height * scale)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _filter_graph(stream: VideoStream, rotation: int, size: tuple[int, int]) -> Graph:
    graph = Graph()
    nodes = [graph.add_buffer(template=stream)]
    for name, args in _ROTATE_FILTERS.get(rotation, []):
        nodes.append(graph.add(name, args or None))
    nodes.append(graph.add("scale", f"{size[0]}:{size[1]}"))
    nodes.append(graph.add("format", "yuv420p"))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph
