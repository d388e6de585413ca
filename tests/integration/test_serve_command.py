"""`photofeed serve` when it cannot listen: a plain error, not a traceback, and no claim
that it is listening."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path


def test_a_port_in_use_is_reported_plainly(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "photofeed.cli", "serve", "--port", str(port),
             "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"photofeed: cannot listen on 127.0.0.1:{port}: " \
                          "Address already in use\n"
    assert "listening" not in done.stdout
