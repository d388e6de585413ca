"""A whole photofeed deployment on loopback: proxy, read and write servers, workers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """Processes started from one environment; each can be killed and started again."""

    env: dict[str, str]
    workdir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start_server(self, name: str, role: str) -> None:
        port = self.ports.setdefault(name, free_port())
        self._spawn(name, ["serve", "--role", role, "--host", "127.0.0.1",
                           "--port", str(port)])

    def start_worker(self, name: str, *options: str) -> None:
        self._spawn(name, ["worker", *options])

    def start_launcher(self, name: str) -> None:
        """`python3 run.py serve`, the README's first command, as a terminal runs it."""
        port = self.ports.setdefault(name, free_port())
        self._spawn(name, ["serve", "--host", "127.0.0.1", "--port", str(port)],
                    program=["run.py"])

    def _spawn(self, name: str, args: list[str],
               program: list[str] | None = None) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.logs.append(log)
        # A session of its own: a server is granian's main process and the worker processes
        # it forks, and killing "the server" must take all of them, as a crash would.
        self.processes[name] = subprocess.Popen(
            [sys.executable, *(program or ["-m", "photofeed.cli"]), *args], env=self.env,
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_proxy(self) -> str:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        port = self.ports.setdefault("proxy", free_port())
        env = dict(self.env, PHOTOFEED_PROXY_BIND=f"127.0.0.1:{port}",
                   PHOTOFEED_READ_1=f"127.0.0.1:{self.ports['read1']}",
                   PHOTOFEED_READ_2=f"127.0.0.1:{self.ports['read2']}",
                   PHOTOFEED_WRITE_1=f"127.0.0.1:{self.ports['write1']}")
        log = (self.workdir / "proxy.log").open("ab")
        self.logs.append(log)
        self.processes["proxy"] = subprocess.Popen(
            [haproxy, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return f"http://127.0.0.1:{port}"

    def wait_ready(self, name: str, seconds: float = 60) -> None:
        url = f"http://127.0.0.1:{self.ports[name]}/health/ready"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.workdir / (name + '.log')}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become ready")

    def kill(self, name: str) -> None:
        """kill -9 of the whole process group: no chance to finish anything."""
        process = self.processes[name]
        _signal_group(process, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
            _signal_group(process, signal.SIGKILL)  # whatever the group left behind
        for log in self.logs:
            log.close()


@contextlib.contextmanager
def on_loopback(tmp_path: Path, **settings: str) -> Iterator[Cluster]:
    """A cluster whose processes share embedded SQLite in tmp_path, stopped afterwards.

    `settings` are PHOTOFEED_* variables (without the prefix) on top of fast test defaults.
    """
    env = dict(os.environ, PHOTOFEED_DATA_DIR=str(tmp_path / "data"),
               PHOTOFEED_RATE_LIMITS="off", PHOTOFEED_PASSWORD_TIME_COST="1",
               PHOTOFEED_PASSWORD_MEMORY_KIB="64",
               **{f"PHOTOFEED_{name.upper()}": value for name, value in settings.items()})
    running = Cluster(env=env, workdir=tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


def cluster_env(database_url: str, redis_url: str, prefix: str, data_dir: Path) -> dict[str, str]:
    return dict(os.environ, PHOTOFEED_DATABASE_URL=database_url, PHOTOFEED_FEED_URL=redis_url,
                PHOTOFEED_EVENTS_URL=redis_url, PHOTOFEED_REDIS_URL=redis_url,
                PHOTOFEED_REDIS_PREFIX=prefix, PHOTOFEED_DATA_DIR=str(data_dir),
                PHOTOFEED_RATE_LIMITS="off", PHOTOFEED_INPROCESS_WORKERS="false",
                PHOTOFEED_OUTBOX_LEASE_SECONDS="3", PHOTOFEED_PASSWORD_TIME_COST="1",
                PHOTOFEED_PASSWORD_MEMORY_KIB="64")


def sign_up(http: httpx.Client) -> dict[str, str]:
    """Register `ann` through the API; her Authorization header."""
    scopes = "read write"
    app = http.post("/api/v1/apps", data={"client_name": "t", "scopes": scopes,
                                          "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}).json()
    app_token = http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": scopes}).json()["access_token"]
    made = http.post("/api/v1/accounts", headers={"Authorization": f"Bearer {app_token}"},
                     data={"username": "ann", "email": "ann@example.com",
                           "password": "a long enough password", "agreement": "true"})
    assert made.status_code == 200, made.text
    return {"Authorization": f"Bearer {made.json()['access_token']}"}


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
