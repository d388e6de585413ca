"""600 clients at once against a read server capped at 500: 500 served, 100 refused fast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fault.cluster import Cluster, on_loopback, sign_up

pytestmark = pytest.mark.timeout(180)
CAP = 500
EXTRA = 100
# Long enough for all CAP requests to reach a server on a loaded machine, so none is
# answered before the extra ones arrive.
WAIT_SECONDS = 20


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with on_loopback(tmp_path, max_connections=str(CAP)) as running:
        yield running


Answer = tuple[int, float, dict[str, str]]


async def _get(port: int, path: str, token: str) -> Answer:
    """One request on its own connection: (status, seconds to the answer, headers)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     f"Authorization: Bearer {token}\r\n\r\n".encode())
        status = int((await reader.readline()).split()[1])
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        await reader.read()
        return status, time.monotonic() - started, headers
    finally:
        writer.close()


async def _until_full(port: int, token: str, seconds: float) -> None:
    """Probe until the server refuses: then every held request is in it, waiting."""
    deadline = time.monotonic() + seconds
    while (await _get(port, "/api/v1/instance", token))[0] != 503:
        assert time.monotonic() < deadline, f"the server never reached {CAP} requests"
        await asyncio.sleep(0.1)


async def _flood(port: int, path: str, token: str) -> tuple[list[Answer], list[Answer]]:
    """CAP requests held open, then EXTRA more while they are."""
    held = [asyncio.create_task(_get(port, path, token)) for _ in range(CAP)]
    await _until_full(port, token, seconds=WAIT_SECONDS / 2)
    assert not any(task.done() for task in held), "a held request was answered early"
    extra = await asyncio.gather(*(_get(port, path, token) for _ in range(EXTRA)))
    return list(await asyncio.gather(*held)), list(extra)


def test_past_500_connections_clients_get_a_fast_503_while_500_are_served(
        cluster: Cluster) -> None:
    cluster.start_server("write", "write")
    cluster.start_server("read", "read")
    cluster.wait_ready("write")
    cluster.wait_ready("read")
    with httpx.Client(base_url=f"http://127.0.0.1:{cluster.ports['write']}", timeout=30) as http:
        me = sign_up(http)
        newest = http.post("/api/v1/statuses", headers=me, data={"status": "hi"}).json()["id"]
    token = me["Authorization"].removeprefix("Bearer ")
    # A long poll for posts newer than the newest: held in the server for WAIT_SECONDS.
    path = f"/api/v1/timelines/home?min_id={newest}&wait={WAIT_SECONDS}"
    held, extra = asyncio.run(_flood(cluster.ports["read"], path, token))

    assert sorted({status for status, _, _ in held}) == [200]
    assert all(took >= WAIT_SECONDS - 1 for _, took, _ in held)
    assert [status for status, _, _ in extra] == [503] * EXTRA
    slowest_refusal = max(took for _, took, _ in extra)
    assert slowest_refusal < 2.0, "refusals should not wait for a slot"
    assert {headers.get("retry-after") for _, _, headers in extra} == {"1"}
    print(f"\n{CAP} held long polls: all 200; {EXTRA} more: all 503, slowest refusal "
          f"{slowest_refusal * 1000:.0f} ms")
