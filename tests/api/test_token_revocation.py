"""A revoked token stops working on every server process, though each keeps tokens a while."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.api.conftest import ClientFactory
from tests.api.helpers import bearer, error_body, new_app, sharing_databases, sign_up, user_token
from tests.services import redis_prefix

ME = "/api/v1/accounts/verify_credentials"


async def _refused_within(http: httpx.AsyncClient, token: str, seconds: float) -> float:
    """How long until `http` refuses the token as revoked; fails after `seconds`."""
    started = time.monotonic()
    while True:
        answer = await http.get(ME, headers=bearer(token))
        if answer.status_code == 401:
            assert "revoked" in error_body(answer, 401)["error"]
            return time.monotonic() - started
        assert answer.status_code == 200
        assert time.monotonic() - started < seconds, "the other process still takes the token"
        await asyncio.sleep(0.02)


async def test_revoking_on_one_process_reaches_a_process_that_kept_the_token(
        client_with: ClientFactory) -> None:
    with redis_prefix() as (url, prefix):
        shared = {"events_url": url, "redis_url": url, "redis_prefix": prefix}
        async with client_with(**shared) as first, client_with(**shared) as second:
            app = await new_app(first)
            await sign_up(first, app, "alice")
            token = await user_token(first, app, "alice")
            keeper = await user_token(first, app, "alice")
            for http in (first, second):  # both processes have now checked and kept them
                for held in (token, keeper):
                    assert (await http.get(ME, headers=bearer(held))).status_code == 200

            revoked = await first.post("/oauth/revoke", data=app.form(token=token))
            assert revoked.status_code == 200
            assert "revoked" in error_body(await first.get(ME, headers=bearer(token)), 401)[
                "error"]
            # The other process hears of it through the event bus, long before its kept
            # entry would have aged out (30 s).
            assert await _refused_within(second, token, seconds=3) < 3
            assert (await second.get(ME, headers=bearer(keeper))).status_code == 200


@sharing_databases
async def test_processes_sharing_databases_pass_revocations_without_redis(
        client_with: ClientFactory) -> None:
    async with client_with() as first, client_with() as second:
        app = await new_app(first)
        await sign_up(first, app, "alice")
        token = await user_token(first, app, "alice")
        assert (await second.get(ME, headers=bearer(token))).status_code == 200  # kept

        assert (await first.post("/oauth/revoke", data=app.form(token=token))).status_code \
            == 200
        # Through the shared database, not the kept entry's 30 s.
        assert await _refused_within(second, token, seconds=3) < 3

