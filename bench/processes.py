"""Server processes the benchmarks start: a free port, start and wait until it answers, stop."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# What the servers the benchmarks start print once they listen: `photofeed serve`,
# uvicorn and granian.
_LISTENING = re.compile(r"(?:listening on|running on|Listening at:) (http://[\d.:]+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(command: list[str], env: dict[str, str], *, log: Path, url: str = "",
            seconds: float = 120) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start a server with its output in `log`; yields it and its URL once its readiness
    check answers (the URL as it prints it unless given), then stops it."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,  # noqa: S603
                                   env=env)
    try:
        yield process, _answering(process, log, url, seconds)
    finally:
        stop(process, seconds=30)


def _answering(process: subprocess.Popen[bytes], log: Path, url: str,
               seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        if not url:
            found = _LISTENING.search(log.read_text())
            url = found.group(1).rstrip("/") if found else ""
        if url:
            try:
                with urllib.request.urlopen(f"{url}/health/ready", timeout=2):  # noqa: S310
                    return url
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not come up:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[Any], *, seconds: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `seconds`."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
