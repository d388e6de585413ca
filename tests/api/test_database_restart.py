"""PostgreSQL closing every connection (a restart, a failover) while the service runs.

Pooled connections in use a moment ago are not checked before use (that would cost a
round trip per statement), so the first reads after the restart meet closed connections:
they are run again on fresh ones and still answer; a write that meets one answers 503 with
Retry-After, having committed nothing, and the next one succeeds.
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.api.support import register
from tests.services import POSTGRES_ADMIN_URL


@pytest.fixture
def backend() -> str:
    return "postgres"


async def _close_every_connection(database_url: str) -> int:
    url = make_url(database_url)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        closed = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()", url.database)
    finally:
        await admin.close()
    return len(closed)


async def test_reads_answer_after_the_database_closed_every_connection(
        client: httpx.AsyncClient, database_url: str) -> None:
    ann = await register(client, "ann")
    for _ in range(3):  # the pool's connections have all just been used
        assert (await client.get("/api/v1/timelines/home", headers=ann.headers)
                ).status_code == 200
    assert await _close_every_connection(database_url) > 0
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/timelines/home",
                 f"/api/v1/accounts/{ann.id}/statuses"):
        response = await client.get(path, headers=ann.headers)
        assert response.status_code == 200, (path, response.text)


async def test_a_write_on_a_closed_connection_is_refused_and_the_next_succeeds(
        client: httpx.AsyncClient, database_url: str) -> None:
    ann = await register(client, "ann")
    assert await _close_every_connection(database_url) > 0
    first = await client.post("/api/v1/statuses", headers=ann.headers,
                              data={"status": "refused"})
    assert first.status_code == 503, first.text
    assert first.headers["retry-after"] == "1"
    assert "try again" in first.json()["error"]
    second = await client.post("/api/v1/statuses", headers=ann.headers,
                               data={"status": "accepted"})
    assert second.status_code == 200, second.text
    shown = await client.get(f"/api/v1/accounts/{ann.id}/statuses", headers=ann.headers)
    assert [s["content"] for s in shown.json()] == ["<p>accepted</p>"]
