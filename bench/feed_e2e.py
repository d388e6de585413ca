"""End-to-end reads over HTTP on loopback: a real server process, load from another one."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from feed_backends import Backend
from feed_data import DataSet
from feed_inprocess import config_for
from processes import free_port, running

BENCH = Path(__file__).resolve().parent
HOME_PATH = "/api/v1/timelines/home?limit=20"
# "serve" is `photofeed serve` as shipped (granian, one worker); measured against it: the
# same with two worker processes, and uvicorn (the server before granian) on one.
SERVERS = ("serve", "serve-2w", "uvicorn")


def _command(server: str, scratch: Path) -> tuple[list[str], int]:
    """The server's command line, and its port when known before it starts (0: printed).

    Everything else (databases, feed store, mode) reaches the server as PHOTOFEED_* variables.
    """
    if server.startswith("serve"):
        workers = "2" if server.endswith("2w") else "1"
        return [sys.executable, "-m", "photofeed.cli", "serve", "--port", "0",
                "--workers", workers, "--data-dir", str(scratch)], 0
    port = free_port()
    return [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--app-dir", str(BENCH),
            "feed_asgi:app"], port


@contextmanager
def running_server(backend: Backend, data: DataSet, mode: str, *, server: str,
                   cap: int) -> Iterator[tuple[str, int]]:
    """Start a server on the data set; yields its base URL and process ID, then stops it."""
    with tempfile.TemporaryDirectory(prefix="feed-e2e-") as scratch_name:
        scratch = Path(scratch_name)
        command, port = _command(server, scratch)
        settings = config_for(backend, data, mode, cap) | {"data_dir": str(scratch)}
        env = dict(os.environ, **{f"PHOTOFEED_{k.upper()}": v for k, v in settings.items()},
                   PYTHONPATH=os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")]))
        with running(command, env, log=scratch / "server.log",
                     url=f"http://127.0.0.1:{port}" if port else "") as (process, url):
            yield url, process.pid


def drive(url: str, tokens_file: Path, *, concurrency: int, duration: float,
          warmup: float) -> dict[str, Any]:
    """Run bench/load.py in its own process against the server and return its report."""
    done = subprocess.run(  # noqa: S603 - our own script, our arguments
        [sys.executable, str(BENCH / "load.py"), "--url", url, "--path", HOME_PATH,
         "--tokens-file", str(tokens_file), "--concurrency", str(concurrency),
         "--duration", str(duration), "--warmup", str(warmup)],
        capture_output=True, text=True, check=True, timeout=duration + warmup + 120)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def end_to_end(backend: Backend, data: DataSet, mode: str, *, server: str, cap: int,
               clients: list[int], duration: float, warmup: float) -> dict[str, Any]:
    """Latency and throughput of GET /api/v1/timelines/home at each concurrency."""
    asyncio.run(backend.refresh_activity(mode))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feed-tokens-") as folder:
        tokens_file = Path(folder) / "tokens.txt"
        tokens_file.write_text("\n".join(data.tokens))
        with running_server(backend, data, mode, server=server, cap=cap) as (url, pid):
            for count in clients:
                load_before, cpu_before = os.getloadavg()[0], tree_cpu_seconds(pid)
                run = drive(url, tokens_file, concurrency=count, duration=duration,
                            warmup=warmup)
                cpu = tree_cpu_seconds(pid) - cpu_before
                # CPU per read is what a busy shared machine distorts least: it says how
                # many reads a core could serve, whatever else ran beside the benchmark.
                run["server_cpu_ms_per_read"] = cpu * 1000 / max(run["answered_with_warmup"], 1)
                run["loadavg_before"] = load_before
                results[str(count)] = run
    return results


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        process = int(stat.parent.name)
        parents[process] = int(fields[1])
        used[process] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        grown = tree | {p for p, parent in parents.items() if parent in tree}
        grew, tree = grown != tree, grown
    return sum(used.get(p, 0.0) for p in tree)
