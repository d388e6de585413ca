"""SIGTERM to `photofeed serve` and `photofeed worker`, and Ctrl-C to `run.py serve`: what is
in flight is finished."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fault.cluster import Cluster, free_port, on_loopback, sign_up
from tests.unit.media import samples

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Embedded SQLite shared by a server and a worker process (workers not in the server)."""
    with on_loopback(tmp_path, inprocess_workers="false") as running:
        yield running


def test_sigterm_lets_a_long_poll_answer_then_refuses_new_connections(
        cluster: Cluster) -> None:
    cluster.start_server("server", "all")
    cluster.wait_ready("server")
    url = f"http://127.0.0.1:{cluster.ports['server']}"
    with httpx.Client(base_url=url, timeout=30) as http:
        me = sign_up(http)
        newest = http.post("/api/v1/statuses", headers=me, data={"status": "hi"}).json()["id"]
    answers: list[httpx.Response] = []

    def long_poll() -> None:
        answers.append(httpx.get(f"{url}/api/v1/timelines/home", headers=me, timeout=30,
                                 params={"min_id": newest, "wait": "4"}))

    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(1)  # the poll is in the server, waiting
    server = cluster.processes["server"]
    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert server.poll() is None, "the server left with a request in flight"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health/live", timeout=2)
    poller.join(timeout=30)
    assert [a.status_code for a in answers] == [200]
    assert answers[0].json() == []
    assert server.wait(timeout=30) == 0


def test_sigterm_ends_open_event_streams_so_the_server_stops_without_being_killed(
        tmp_path: Path) -> None:
    """An event stream never ends by itself: before, one held the server for the whole
    grace period, after which granian killed it before the app's shutdown ran."""
    with on_loopback(tmp_path, shutdown_grace_seconds="60") as cluster:
        cluster.start_server("server", "all")
        cluster.wait_ready("server")
        url = f"http://127.0.0.1:{cluster.ports['server']}"
        with httpx.Client(base_url=url, timeout=30) as http:
            me = sign_up(http)
        received: list[str] = []
        ended: list[BaseException | None] = []

        def listen() -> None:
            try:
                with httpx.stream("GET", f"{url}/api/v1/streaming/user", headers=me,
                                  timeout=90) as stream:
                    received.extend(stream.iter_text())
                ended.append(None)
            except httpx.HTTPError as error:
                ended.append(error)

        listener = threading.Thread(target=listen)
        listener.start()
        deadline = time.monotonic() + 30
        while not received:
            assert time.monotonic() < deadline, "the stream never opened"
            time.sleep(0.05)
        server = cluster.processes["server"]
        server.send_signal(signal.SIGTERM)

        listener.join(timeout=30)
        assert ended == [None], "the stream did not end cleanly when the server was told to stop"
        # Well inside the grace period: the server was not left to kill its worker.
        assert server.wait(timeout=30) == 0
        log = (tmp_path / "server.log").read_text()
        assert "refused to gracefully stop" not in log, log[-2000:]


def test_ctrl_c_stops_the_service_and_the_launcher_quietly(cluster: Cluster,
                                                           tmp_path: Path) -> None:
    """`python3 run.py serve`, the README's first command, then Ctrl-C in its terminal."""
    cluster.start_launcher("launcher")
    cluster.wait_ready("launcher")
    launcher = cluster.processes["launcher"]

    os.killpg(launcher.pid, signal.SIGINT)  # what Ctrl-C in the terminal does

    assert launcher.wait(timeout=60) == 0
    output = (tmp_path / "launcher.log").read_text()
    assert "Traceback" not in output, output[-3000:]
    assert "Granian shutdown completed" in output, output[-3000:]


def _media_row(database: Path, media_id: str) -> tuple[str, str | None]:
    """(status, claimed_by of its media_uploaded event) straight from the database."""
    with sqlite3.connect(database, timeout=10) as db:
        status = db.execute("SELECT status FROM media WHERE id = ?", (int(media_id),)
                            ).fetchone()[0]
        claim = db.execute("SELECT claimed_by FROM outbox WHERE kind = 'media_uploaded'"
                           ).fetchone()
    return status, claim[0] if claim else None


def _scrape_when_up(port: int) -> str:
    """The worker's own metrics page (`photofeed worker --metrics-port`)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the worker serves no metrics"
            time.sleep(0.1)


def test_sigterm_to_a_worker_mid_video_finishes_the_job_once(
        cluster: Cluster, tmp_path: Path) -> None:
    cluster.start_server("server", "all")
    cluster.wait_ready("server")
    url = f"http://127.0.0.1:{cluster.ports['server']}"
    # Long enough (a second or so of decoding and re-encoding) to be caught in the middle.
    clip = samples.write_video(tmp_path / "clip.webm", "webm", "libvpx", "libopus",
                               size=(1280, 720), frames=240)
    database = tmp_path / "data" / "photofeed.sqlite3"
    with httpx.Client(base_url=url, timeout=60) as http:
        me = sign_up(http)
        metrics_port = free_port()
        cluster.start_worker("worker", "--metrics-port", str(metrics_port))
        assert "photofeed_media_processing_seconds" in _scrape_when_up(metrics_port)

        sent = http.post("/api/v2/media", headers=me,
                         files={"file": ("clip.webm", clip.read_bytes(), "video/webm")})
        assert sent.status_code == 202, sent.text
        media_id = sent.json()["id"]
        deadline = time.monotonic() + 60
        while (state := _media_row(database, media_id)) == ("processing", None):
            assert time.monotonic() < deadline, "the worker never claimed the job"
            time.sleep(0.01)
        assert state[0] == "processing", "the job was done before it could be interrupted"
        worker = cluster.processes["worker"]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        # Finished by the worker that was stopped, exactly once.
        log = (tmp_path / "worker.log").read_text()
        assert log.count(f"video {media_id} is ready") == 1, log[-2000:]

        assert _media_row(database, media_id) == ("ready", None)
        done = http.get(f"/api/v1/media/{media_id}", headers=me)
        assert done.status_code == 200
        assert done.json()["type"] == "video"
        # Nothing is left for a second worker: the job is not run again.
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        served = http.get(done.json()["url"])
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("video/")
