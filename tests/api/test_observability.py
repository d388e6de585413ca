"""Request IDs, metrics, CORS and security headers that operators and browsers rely on."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.api.support import register
from tests.conftest import FAST_HASHING


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/accounts/123456")
    body = (await client.get("/metrics")).text
    assert "photofeed_http_request_duration_seconds_bucket" in body
    assert 'route="/api/v1/accounts/{account_id}"' in body


async def test_each_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    mine = await client.get("/health/live", headers={"X-Request-Id": "trace-42"})
    assert mine.headers["x-request-id"] == "trace-42"
    made = await client.get("/health/live", headers={"X-Request-Id": "bad id; \"quoted\""})
    assert len(made.headers["x-request-id"]) == 32


async def test_cors_preflight_and_security_headers(client: httpx.AsyncClient) -> None:
    preflight = await client.options("/api/v1/timelines/home", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    plain = await client.get("/api/v1/instance")
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert plain.headers["x-frame-options"] == "DENY"


async def test_writes_are_rate_limited_per_account(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, write_limit_per_account="3/minute",
                        **FAST_HASHING)
    app = create_app(settings)
    async with LifespanManager(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        ann = await register(client, "ann")
        answers = [await client.post("/api/v1/statuses", headers=ann.headers,
                                     data={"status": f"post {i}"}) for i in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
        assert answers[3].headers["x-ratelimit-limit"] == "3"
        assert answers[3].headers["x-ratelimit-remaining"] == "0"
        assert "retry-after" in answers[3].headers
        grid = await client.get(f"/api/v1/accounts/{ann.id}/statuses")
        assert len(grid.json()) == 3


async def test_readiness_reports_each_backend(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"databases": "ok", "redis": "ok", "media": "ok"}


async def test_readiness_fails_while_redis_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, feed_url="redis://127.0.0.1:1/0",
                        inprocess_workers=False, **FAST_HASHING)
    app = create_app(settings)
    async with LifespanManager(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/health/ready")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["redis"].startswith("unavailable")
        assert checks["databases"] == "ok"
