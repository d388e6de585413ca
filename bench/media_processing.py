"""Measure photo processing time and peak memory for Pillow vs pyvips (and our pipeline).

Run: python bench/media_processing.py [--megapixels 12] [--runs 5] [--video]

Each candidate runs in its own subprocess so that peak RSS belongs to it alone. Every
candidate does the same job on the same JPEG (EXIF orientation 6): decode, rotate upright,
convert to sRGB, write a metadata-free full-size JPEG (q92), a 1080 px and a 320 px WebP,
and a blurhash of a 32 px thumbnail. pyvips is not a dependency: to compare, install
pyvips and pyvips-binary into the environment first; without them its row says so.
--video also times process_video on a 1080p clip: HEVC (transcoded) and H.264 (re-wrapped).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CANDIDATES = ("pillow", "pyvips", "photofeed")


def make_photo(path: Path, megapixels: float) -> None:
    """Write a photo-like JPEG: gradients, shapes and sensor-like noise, rotated by EXIF."""
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    rng = random.Random(42)
    for _ in range(300):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(20, width // 8)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    photo = Image.blend(base, noise, 0.15)
    exif = Image.Exif()
    exif[0x0112] = 6
    photo.save(path, "JPEG", quality=90, exif=exif)


def _blurhash_of(small_rgb: list[list[list[int]]]) -> str:
    import blurhash  # type: ignore[import-untyped]  # untyped pure-python package

    return str(blurhash.encode(small_rgb, 4, 3))


def run_pillow(src: Path, out: Path) -> None:
    from PIL import ImageOps

    with Image.open(src) as opened:
        im = ImageOps.exif_transpose(opened)
    im.save(out / "original.jpg", "JPEG", quality=92)
    # A box reduce first, then Lanczos: nearly the same pixels at a third of the cost.
    large_size = (1080, round(im.height * 1080 / im.width))
    large = im.resize(large_size, Image.Resampling.LANCZOS, reducing_gap=1.5)
    del im
    large.save(out / "large.webp", "WEBP", quality=80)
    small = large.resize((320, round(large.height * 320 / large.width)), Image.Resampling.LANCZOS)
    small.save(out / "small.webp", "WEBP", quality=75)
    tiny = small.resize((32, 32))
    px = [[list(tiny.getpixel((x, y))) for x in range(32)] for y in range(32)]  # type: ignore[arg-type]
    _blurhash_of(px)


def run_pyvips(src: Path, out: Path) -> None:
    import pyvips

    full = pyvips.Image.new_from_file(str(src)).autorot()
    if full.interpretation != "srgb":
        full = full.colourspace("srgb")
    full.jpegsave(str(out / "original.jpg"), Q=92, keep="none")
    for name, width, q in (("large", 1080, 80), ("small", 320, 75)):
        thumb = pyvips.Image.thumbnail(str(src), width, height=10**6, size="down")
        thumb.webpsave(str(out / f"{name}.webp"), Q=q, keep="none")
    tiny = pyvips.Image.thumbnail(str(src), 32, height=32, size="force")
    data = tiny.write_to_memory()
    px = [[list(data[(y * 32 + x) * 3 :][:3]) for x in range(32)] for y in range(32)]
    _blurhash_of(px)


def run_photofeed(src: Path, out: Path) -> None:
    from photofeed.media.images import process_image
    from photofeed.media.limits import MediaLimits

    process_image(src, out, MediaLimits())


def _peak_rss_bytes() -> int:
    # Linux carries ru_maxrss across fork+exec from the parent, so read this process's own
    # high-water mark where /proc has it.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def worker(name: str, src: Path, runs: int) -> None:
    """Process src `runs` times in this process; print timings and RSS growth as JSON."""
    job: Callable[[Path, Path], None] = {
        "pillow": run_pillow,
        "pyvips": run_pyvips,
        "photofeed": run_photofeed,
    }[name]
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.jpg"
        make_photo(warm, 0.05)
        job(warm, Path(tmp))  # load codecs and libraries before the baseline
        baseline = _peak_rss_bytes()
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            job(src, Path(tmp))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    growth = _peak_rss_bytes() - baseline
    print(json.dumps({"times": times, "cpu": cpu, "peak_growth": growth}))


def available(name: str) -> bool:
    """Tell whether a candidate's library is installed."""
    module = {"pillow": "PIL", "pyvips": "pyvips", "photofeed": "photofeed.media.images"}[name]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def make_clip(path: Path, codec: str, seconds: int) -> None:
    """Write a 1920x1080 30 fps clip whose picture moves, as a phone would record it."""
    import av

    options = {"x265-params": "log-level=none"} if codec == "libx265" else {}
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=30, options={**options, "preset": "ultrafast"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        scene = Image.linear_gradient("L").resize((2400, 1080)).convert("RGB")
        for index in range(seconds * 30):
            frame = av.VideoFrame.from_ndarray(
                np.asarray(scene.crop((index, 0, index + 1920, 1080))), format="rgb24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def bench_video(seconds: int = 5) -> None:
    """Print how long process_video takes on a 1080p clip, per source codec."""
    from photofeed.media.video import process_video

    with tempfile.TemporaryDirectory() as tmp:
        for codec, suffix in (("libx265", ".mov"), ("libx264", ".mp4")):
            src = Path(tmp) / f"clip{suffix}"
            make_clip(src, codec, seconds)
            start, start_cpu = time.perf_counter(), time.process_time()
            result = process_video(src, Path(tmp))
            wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            action = "transcoded" if result.transcoded else "re-wrapped"
            print(
                f"video {codec[3:]} 1080p {seconds} s: {action} in {wall:.2f} s wall,"
                f" {cpu:.2f} s cpu ({seconds / wall:.1f}x real time)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--video", action="store_true", help="also time video processing")
    parser.add_argument("--worker", choices=CANDIDATES, help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.src, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        make_photo(src, args.megapixels)
        size_mb = src.stat().st_size / 1e6
        print(f"input: {args.megapixels:g} MP JPEG, {size_mb:.1f} MB, runs={args.runs}")
        print(f"{'candidate':<10} {'wall ms':>8} {'cpu ms':>8} {'peak RSS growth MB':>19}")
        for name in CANDIDATES:
            if not available(name):
                print(f"{name:<10} not installed")
                continue
            cmd = [sys.executable, __file__, "--worker", name, "--src", str(src)]
            cmd += ["--runs", str(args.runs)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)  # noqa: S603  # our own script
            result = json.loads(done.stdout.strip().splitlines()[-1])
            wall = statistics.median(result["times"]) * 1000
            cpu = statistics.median(result["cpu"]) * 1000
            peak = result["peak_growth"] / 1e6
            print(f"{name:<10} {wall:>8.0f} {cpu:>8.0f} {peak:>19.0f}")
    if args.video:
        bench_video()


if __name__ == "__main__":
    main()
