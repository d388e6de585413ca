"""Sign-in and sign-up are rate limited per address and per account, and can be turned off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.api.conftest import ClientFactory
from tests.api.helpers import error_body, new_app, password_grant, sign_up, sqlite_only

pytestmark = sqlite_only


def assert_limited(response: httpx.Response, limit: int) -> None:
    """A 429 with honest X-RateLimit-* headers that Mastodon.py can parse."""
    error_body(response, 429)
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == "0"
    reset = datetime.fromisoformat(response.headers["x-ratelimit-reset"])
    assert reset.tzinfo is not None
    now = datetime.now(UTC)
    assert now - timedelta(seconds=2) <= reset <= now + timedelta(minutes=1, seconds=2)
    assert 1 <= int(response.headers["retry-after"]) <= 61


async def test_sign_in_attempts_on_one_account_are_limited(client_with: ClientFactory) -> None:
    async with client_with(signin_limit_per_account="3/minute") as http:
        app = await new_app(http)
        await sign_up(http, app, "alice")
        for _ in range(3):
            wrong = await password_grant(http, app, "alice", password="guess guess")
            assert wrong.status_code == 400
        # Even the right password waits now: the guesser must not learn it was right.
        assert_limited(await password_grant(http, app, "alice"), 3)
        assert_limited(await password_grant(http, app, "ALICE"), 3)
        # Someone else signs in as usual.
        await sign_up(http, app, "bob")
        assert (await password_grant(http, app, "bob")).status_code == 200


async def test_sign_in_attempts_from_one_address_are_limited(
        client_with: ClientFactory) -> None:
    async with client_with(signin_limit_per_ip="4/minute") as http:
        app = await new_app(http)
        for n in range(4):
            assert (await password_grant(http, app, f"user{n}")).status_code == 400
        assert_limited(await password_grant(http, app, "someone-else"), 4)
        # The sign-in page counts against the same limit.
        page = await http.post("/oauth/authorize", data={
            "client_id": app.client_id, "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code", "decision": "approve", "username": "x", "password": "y"})
        assert page.status_code == 429


async def test_sign_ups_from_one_address_are_limited(client_with: ClientFactory) -> None:
    async with client_with(registration_limit_per_ip="2/hour") as http:
        app = await new_app(http)
        for name in ("ann", "ben"):
            assert (await sign_up(http, app, name)).status_code == 200
        refused = await sign_up(http, app, "cat")
        error_body(refused, 429)
        assert refused.headers["x-ratelimit-limit"] == "2"
        assert datetime.fromisoformat(refused.headers["x-ratelimit-reset"]) > datetime.now(UTC)
        assert (await http.get("/api/v1/accounts/lookup", params={"acct": "cat"})
                ).status_code == 404


@pytest.mark.parametrize("how", ["settings", "environment"])
async def test_limits_can_be_turned_off(client_with: ClientFactory, how: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    limits = {"signin_limit_per_account": "2/minute", "signin_limit_per_ip": "2/minute",
              "registration_limit_per_ip": "1/hour"}
    if how == "environment":
        monkeypatch.setenv("PHOTOFEED_RATE_LIMITS", "off")
    else:
        limits["rate_limits"] = "off"
    async with client_with(**limits) as http:
        app = await new_app(http)
        for name in ("ann", "ben", "cat"):
            assert (await sign_up(http, app, name)).status_code == 200
        for _ in range(5):
            assert (await password_grant(http, app, "ann", password="wrong guess")
                    ).status_code == 400
