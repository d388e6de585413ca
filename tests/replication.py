"""A throwaway PostgreSQL primary with a hot standby streaming from it, for replica tests.

The shared test server has no replication set up, so the tests start their own pair
from the Debian PostgreSQL binaries, in a temporary directory, on free loopback ports,
and remove it afterwards. PostgreSQL refuses to run as root: as root, the commands run as
the `postgres` user. Where no binaries are found, the tests skip (fail in CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from photofeed.adapters.sql.migrate import migrate_urls
from tests.services import unavailable

HINT = "install the PostgreSQL server binaries (Debian: postgresql) to run replica tests"
DATABASE = "photofeed"
SERVER_SETTINGS = ["fsync=off", "full_page_writes=off",
                   "listen_addresses=127.0.0.1", "max_wal_senders=4", "hot_standby=on",
                   "wal_receiver_status_interval=1s", "shared_buffers=16MB",
                   # Long queries on the standby wait for replay instead of being cancelled.
                   "max_standby_streaming_delay=-1"]


def _binaries() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                      else 0)
    if not versions:
        raise FileNotFoundError("no initdb under /usr/lib/postgresql/*/bin")
    return versions[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StreamingPair:
    """The two servers; URLs for the `photofeed` database on each."""

    bin_dir: Path
    root: Path
    primary_port: int
    replica_port: int

    @property
    def primary_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.primary_port}/{DATABASE}"

    @property
    def replica_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.replica_port}/{DATABASE}"

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, str(self.bin_dir / command[0]), *command[1:]],
                              capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout}")

    def start(self, name: str, port: int) -> None:
        options = " ".join(f"-c {s}" for s in [*SERVER_SETTINGS, f"port={port}",
                                                f"unix_socket_directories={self.root}"])
        self.run("pg_ctl", "start", "-w", "-t", "30", "-D", str(self.root / name),
                 "-l", str(self.root / f"{name}.log"), "-o", options)

    def stop(self, name: str) -> None:
        """Stop a server the hard way, as a crash would."""
        self.run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.root / name))

    def stop_replica(self) -> None:
        self.stop("replica")

    async def replica_sql(self, sql: str) -> None:
        await _execute(self.replica_url, sql)

    async def primary_sql(self, sql: str) -> None:
        await _execute(self.primary_url, sql)

    async def wait_replayed(self, seconds: float = 10) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        primary = await asyncpg.connect(self.primary_url)
        replica = await asyncpg.connect(self.replica_url)
        try:
            # Flushed WAL holds every commit acknowledged so far (synchronous_commit is on).
            target = await primary.fetchval("SELECT pg_current_wal_flush_lsn()")
            deadline = time.monotonic() + seconds
            while await replica.fetchval("SELECT pg_wal_lsn_diff($1, "
                                         "pg_last_wal_replay_lsn()) > 0", target):
                assert time.monotonic() < deadline, "the replica did not catch up"
                await asyncio.sleep(0.02)
        finally:
            await primary.close()
            await replica.close()


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def streaming_pair() -> Iterator[StreamingPair]:
    """A migrated primary and a hot standby of it, both running until the block ends."""
    try:
        pair = StreamingPair(_binaries(), Path(tempfile.mkdtemp(prefix="photofeed-replica-")),
                             _free_port(), _free_port())
        if os.geteuid() == 0:
            shutil.chown(pair.root, "postgres", "postgres")
        started = []
        try:
            pair.run("initdb", "-D", str(pair.root / "primary"), "-U", "postgres",
                     "-A", "trust", "--no-sync", "--no-instructions")
            pair.start("primary", pair.primary_port)
            started.append("primary")
            asyncio.run(_execute(f"postgresql://postgres@127.0.0.1:{pair.primary_port}/postgres",
                                 f"CREATE DATABASE {DATABASE}"))
            asyncio.run(migrate_urls([pair.primary_url]))
            pair.run("pg_basebackup", "-D", str(pair.root / "replica"), "-R", "-X", "stream",
                     "-c", "fast", "--no-sync", "-h", "127.0.0.1", "-p", str(pair.primary_port),
                     "-U", "postgres")
            pair.start("replica", pair.replica_port)
            started.append("replica")
        except BaseException:
            _tear_down(pair, started)
            raise
    except (OSError, RuntimeError, subprocess.SubprocessError, asyncpg.PostgresError) as error:
        unavailable("A PostgreSQL primary with a streaming replica", HINT, error)
    try:
        yield pair
    finally:
        _tear_down(pair, ["primary", "replica"])


def _tear_down(pair: StreamingPair, started: list[str]) -> None:
    for name in started:
        # A server may be stopped already, as the test that killed it meant.
        with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
            pair.stop(name)
    shutil.rmtree(pair.root, ignore_errors=True)
