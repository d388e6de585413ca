"""`photofeed serve` at start: the address it prints is one that answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.timeout(120)


def test_the_address_is_printed_once_the_server_answers_on_it(tmp_path: Path) -> None:
    env = dict(os.environ, PHOTOFEED_PASSWORD_TIME_COST="1", PHOTOFEED_PASSWORD_MEMORY_KIB="64")
    process = subprocess.Popen(
        [sys.executable, "-m", "photofeed.cli", "serve", "--port", "0",
         "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    assert process.stdout is not None
    try:
        printed = []
        for line in process.stdout:
            printed.append(line)
            if found := re.search(r"listening on (http://\S+?)/?$", line.strip()):
                break
        else:
            pytest.fail(f"no address printed:\n{''.join(printed)}")

        # At once and only once: a script that reads the line may connect straight away.
        answer = httpx.get(f"{found.group(1)}/health/live", timeout=5)

        assert answer.status_code == 200
        assert any("starting on" in earlier for earlier in printed), \
            "something is printed at once, before the app is up"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
