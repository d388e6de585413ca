"""The media benchmark: processing speed and memory, and serving throughput, as one table.

Run: python bench/media.py [--runs 7] [--seconds 10] [--connections 64]
                           [--no-video] [--no-serving] [--compare-uvicorn]

Processing (each job in its own process, so its peak memory is its own):
  - a 12 MP photo-like JPEG (EXIF orientation 6) to all its variants: the stripped
    original, 1080 and 320 px WebP, blurhash; CPU ms of one core and photos/s per core;
  - a 1080p 10 s clip: H.264 (re-wrapped) and HEVC (transcoded to H.264).
Serving: `photofeed serve --workers <cores>` (granian) with a 200 KB variant published,
loaded by bench/media_load.py in another process over 64 keep-alive connections; once
by its public URL and once by a signed URL (private media). For scale, the same file
is also loaded from granian's own static-file route (Rust end to end, but no privacy, no
ETag, no Range): the ceiling of this machine at this moment, since a shared machine's
figures move from run to run. --compare-uvicorn adds the application under uvicorn,
which has no pathsend and writes the bytes from Python.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
VARIANT_BYTES = 200 * 1000


def _run_json(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)  # noqa: S603  # our own scripts
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def photo_row(runs: int, megapixels: float) -> list[str]:
    sys.path.insert(0, str(BENCH))
    from media_processing import make_photo

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "photo.jpg"
        make_photo(src, megapixels)
        result = _run_json([sys.executable, str(BENCH / "media_processing.py"), "--worker",
                            "photofeed", "--src", str(src), "--runs", str(runs)])
    cpu = statistics.median(result["cpu"]) * 1000
    wall = statistics.median(result["times"]) * 1000
    return [f"photo {megapixels:g} MP JPEG -> variants", f"{wall:.0f} ms wall",
            f"{cpu:.0f} ms cpu", f"{1000 / cpu:.1f} photos/s/core",
            f"{result['peak_growth'] / 1e6:.0f} MB"]


def video_worker(src: Path) -> None:
    """In a subprocess of its own: time process_video on a clip, and its peak memory."""
    sys.path.insert(0, str(BENCH))
    from media_processing import _peak_rss_bytes
    from photofeed.media.video import process_video

    baseline = _peak_rss_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = process_video(src, Path(tmp))
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_growth": _peak_rss_bytes() - baseline,
                      "transcoded": result.transcoded}))


def video_row(codec: str, seconds: int) -> list[str]:
    sys.path.insert(0, str(BENCH))
    from media_processing import make_clip

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / ("clip.mov" if codec == "libx265" else "clip.mp4")
        make_clip(src, codec, seconds)
        result = _run_json([sys.executable, __file__, "--video-worker", str(src)])
    action = "transcoded" if result["transcoded"] else "re-wrapped"
    return [f"video {codec[3:]} 1080p {seconds} s, {action}", f"{result['wall']:.2f} s wall",
            f"{result['cpu']:.2f} s cpu", f"{seconds / result['wall']:.1f}x real time",
            f"{result['peak_growth'] / 1e6:.0f} MB"]


def _publish_variant(data_dir: Path) -> tuple[str, str]:
    """Store and publish a 200 KB variant; return its public and signed paths."""
    from photofeed.adapters import secret_key
    from photofeed.adapters.blobs.local import LocalBlobStore
    from photofeed.adapters.blobs.public import LocalPublicMedia
    from photofeed.domain.media_links import LinkSigner
    from photofeed.ports.blobs import key_for_bytes

    data = secrets.token_bytes(VARIANT_BYTES)
    key = key_for_bytes(data, ".webp")
    blobs = LocalBlobStore(data_dir / "media" / "blobs")
    asyncio.run(blobs.put_bytes(key, data, "image/webp"))
    asyncio.run(LocalPublicMedia(blobs, data_dir / "media" / "public").publish(key))
    signer = LinkSigner(secret_key.load_or_create(data_dir / "secret_key"), ttl_seconds=86400)
    expires = signer.expiry(time.time())
    return f"/media/{key}", f"/media/{key}?exp={expires}&sig={signer.sign(key, expires)}"


def serving_rows(args: argparse.Namespace) -> list[list[str]]:
    sys.path.insert(0, str(BENCH))
    from processes import free_port, running

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        public, signed = _publish_variant(data_dir)
        from photofeed.config import Settings

        port = free_port()
        env = dict(os.environ, PHOTOFEED_DATA_DIR=str(data_dir), PHOTOFEED_RATE_LIMITS="off",
                   PHOTOFEED_SERVE_SETTINGS_JSON=Settings(data_dir=data_dir,
                                                          port=port).model_dump_json())
        factory = "photofeed.cli.serve:app_from_environment"
        key = public.rsplit("/", 1)[1]
        servers = {
            "granian": ([sys.executable, "-m", "photofeed.cli", "serve", "--port", "0",
                         "--workers", str(args.server_workers)], [public, signed]),
            "granian static route (reference)": (
                [sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
                 "--port", str(port), "--workers", str(args.server_workers),
                 "--static-path-route", "/reference",
                 "--static-path-mount", str(data_dir / "media" / "public"), factory],
                [f"/reference/{key[:2]}/{key[2:4]}/{key}"]),
        }
        if args.compare_uvicorn:
            servers["uvicorn"] = ([sys.executable, "-m", "uvicorn", "--factory", "--port",
                                   str(port), "--no-access-log", factory], [public, signed])
        for name, (command, paths) in servers.items():
            with running(command, env, log=data_dir / "server.log") as (_, url):
                for path in paths:
                    label = "signed" if "sig=" in path else "public"
                    rows.append(_load_row(f"serve 200 KB {label}, {name}", url + path, args))
    return rows


def _load_row(label: str, url: str, args: argparse.Namespace) -> list[str]:
    result = _run_json([sys.executable, str(BENCH / "media_load.py"), url, "--connections",
                        str(args.connections), "--seconds", str(args.seconds)])
    return [f"{label}, {args.connections} conns", f"{result['requests_per_s']:,.0f} req/s",
            f"{result['mb_per_s']:,.0f} MB/s", f"p50 {result['p50_ms']:.1f} ms",
            f"p99 {result['p99_ms']:.1f} ms, {result['errors']} errors"]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--clip-seconds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0, help="of load, per row")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1,
                        help="granian worker processes (default: one per core)")
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument("--no-serving", action="store_true")
    parser.add_argument("--compare-uvicorn", action="store_true")
    parser.add_argument("--video-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.video_worker:
        video_worker(Path(args.video_worker))
        return
    rows = [["job", "time", "cpu / rate", "throughput", "peak memory / notes"]]
    rows.append(photo_row(args.runs, args.megapixels))
    if not args.no_video:
        rows += [video_row(codec, args.clip_seconds) for codec in ("libx264", "libx265")]
    if not args.no_serving:
        rows += serving_rows(args)
    print(f"media benchmark on {os.cpu_count()} cores, load from a separate process")
    print_table(rows)


if __name__ == "__main__":
    main()
