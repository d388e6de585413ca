"""Media against a real `photofeed serve` process: Mastodon.py's upload flow, a client that
hangs up mid-upload, and a large upload that must stream to disk, not into memory.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from mastodon import Mastodon

from tests.api import media_files as files

SCOPES = ["read", "write", "follow", "push"]
MB = 1024 * 1024


def _server_pids(data_dir: Path) -> list[int]:
    """The serve process and its granian workers, found by their --data-dir."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.name.isdigit() and str(data_dir).encode() in command:
            found.append(int(entry.name))
    return found


def _deleted_open_files(pids: list[int]) -> list[str]:
    """Unlinked files the server still holds open: spooled upload parts not yet closed."""
    held = []
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.endswith("(deleted)") and "sqlite" not in target:
                held.append(target)
    return held


def _media_rows(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "photofeed.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM media").fetchone()[0])


def test_mastodon_py_uploads_a_video_and_polls_until_it_is_processed(
        live_server: str, tmp_path: Path) -> None:
    client_id, secret = Mastodon.create_app("media tests", scopes=SCOPES,
                                            api_base_url=live_server)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=live_server)
    api.create_account("vera", "a long enough password", "vera@example.com", agreement=True,
                       scopes=SCOPES)
    clip = files.video(tmp_path, "mov")
    uploaded = api.media_post(clip.read_bytes(), mime_type="video/quicktime", description="A clip",
                              focus=(0.0, 0.5))
    assert uploaded.url is None  # 202: processing goes on after the answer
    deadline = time.monotonic() + 30
    media = api.media(uploaded)
    while media.url is None and time.monotonic() < deadline:
        time.sleep(0.2)
        media = api.media(uploaded)
    assert media.type == "video"
    assert media.description == "A clip"
    assert media.meta.original.width == 320
    photo = api.media_post(files.jpeg_bytes(), mime_type="image/jpeg")
    assert photo.url is not None  # photos are ready in the answer
    post = api.status_post("Both", media_ids=[media, photo], visibility="public")
    for attachment in post.media_attachments:
        for url in (attachment.url, attachment.preview_url, attachment.download_url):
            got = httpx.get(url)
            assert got.status_code == 200, url
            files.assert_clean_bytes(got.content)
    seek = httpx.get(post.media_attachments[0].url, headers={"Range": "bytes=100-199"})
    assert (seek.status_code, len(seek.content)) == (206, 100)


def _token(base: str) -> str:
    client_id, secret = Mastodon.create_app("raw", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base)
    return str(api.create_account("raw", "a long enough password", "raw@example.com",
                                  agreement=True, scopes=SCOPES))


def test_uploads_stream_to_disk_and_a_hang_up_leaves_nothing(live_server: str,
                                                              tmp_path: Path) -> None:
    token = _token(live_server)
    _hang_up_mid_upload(live_server, token, tmp_path)
    _upload_far_over_the_limit(live_server, token, tmp_path)


def _hang_up_mid_upload(live_server: str, token: str, tmp_path: Path) -> None:
    """No spooled part stays open, no file is stored and no record made."""
    data_dir = tmp_path / "live"
    boundary = "----photofeedtest"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"../../cut.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").encode()
    body_start = head + files.video(tmp_path, "mp4").read_bytes() + bytes(3 * MB)
    address = urlsplit(live_server)
    with socket.create_connection((address.hostname, address.port)) as raw:
        raw.sendall((f"POST /api/v2/media HTTP/1.1\r\nHost: {address.netloc}\r\n"
                     f"Authorization: Bearer {token}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {len(body_start) + 50 * MB}\r\n\r\n").encode())
        raw.sendall(body_start)  # more than the parser keeps in memory: spooled to disk
        time.sleep(0.5)
    pids = _server_pids(data_dir)
    deadline = time.monotonic() + 10
    while _deleted_open_files(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _deleted_open_files(pids) == []
    assert files.stored_files(data_dir) == []
    assert _media_rows(data_dir) == 0
    assert httpx.get(f"{live_server}/health/live").status_code == 200


def _peak_rss_mb(pids: list[int]) -> float:
    peak = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def _upload_far_over_the_limit(live_server: str, token: str, tmp_path: Path) -> None:
    """120 MB go through the server without its memory growing by anything like that."""
    pids = _server_pids(tmp_path / "live")
    before = _peak_rss_mb(pids)
    size = 120 * MB

    def chunks() -> Iterator[bytes]:
        # A JPEG far over the photo limit: read whole, judged, refused.
        yield files.jpeg_bytes()
        for _ in range(size // MB):
            yield bytes(MB)

    answer = httpx.post(f"{live_server}/api/v2/media", timeout=120,
                        headers={"Authorization": f"Bearer {token}"},
                        files={"file": ("big.jpg", _Stream(chunks()), "image/jpeg")})
    assert answer.status_code == 413, answer.text
    assert _peak_rss_mb(pids) - before < 40, "the upload was held in memory"


class _Stream:
    """A file-like object httpx streams from, one chunk per read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")
