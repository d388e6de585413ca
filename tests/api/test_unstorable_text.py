"""Text a database cannot store (NUL, lone surrogates) is refused as input, not a 500.

PostgreSQL rejects NUL in text and no driver can encode a lone surrogate, so these run on
PostgreSQL as well as SQLite.
"""

from __future__ import annotations

import json
from base64 import b64encode
from typing import Any

import httpx
import pytest

from tests.api.helpers import OOB, PASSWORD, app_token, bearer, error_body, new_app, sign_up

NUL, SURROGATE = "a\x00b", "a\ud800b"


def as_json(body: dict[str, Any], auth: dict[str, str] | None = None) -> dict[str, Any]:
    # json.dumps writes a lone surrogate as a \\ud800 escape: valid JSON that clients can send.
    return {"content": json.dumps(body).encode(),
            "headers": {"Content-Type": "application/json", **(auth or {})}}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_nul_and_lone_surrogates_are_refused_everywhere(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    await sign_up(client, app, "alice")
    app_auth = bearer(await app_token(client, app))
    user = (await client.post("/oauth/token", data=app.form(
        grant_type="password", username="alice", password=PASSWORD, scope="read write"))).json()
    user_auth = bearer(user["access_token"])
    for bad in (NUL, SURROGATE):
        in_json: list[tuple[str, str, str, dict[str, Any]]] = [
            ("app name", "POST", "/api/v1/apps",
             as_json({"client_name": bad, "redirect_uris": OOB})),
            ("redirect", "POST", "/api/v1/apps",
             as_json({"client_name": "x", "redirect_uris": f"https://{bad}.example/"})),
            ("username", "POST", "/api/v1/accounts",
             as_json({"username": bad, "email": "n@example.com", "password": PASSWORD,
                      "agreement": True}, app_auth)),
            ("email", "POST", "/api/v1/accounts",
             as_json({"username": "newcomer", "email": f"{bad}@example.com",
                      "password": PASSWORD, "agreement": True}, app_auth)),
            ("sign-in name", "POST", "/oauth/token",
             as_json(app.form(grant_type="password", username=bad, password=PASSWORD))),
            ("sign-in e-mail", "POST", "/oauth/token",
             as_json(app.form(grant_type="password", username=f"{bad}@example.com",
                              password=PASSWORD))),
            ("client id", "POST", "/oauth/token",
             as_json({"grant_type": "client_credentials", "client_id": bad,
                      "client_secret": "x"})),
            ("revoke", "POST", "/oauth/revoke",
             as_json({"client_id": bad, "client_secret": "x", "token": "y"})),
            ("display name", "PATCH", "/api/v1/accounts/update_credentials",
             as_json({"display_name": bad}, user_auth)),
        ]
        # A URL or an urlencoded form can carry a NUL (%00) but not a lone surrogate.
        in_urls: list[tuple[str, str, str, dict[str, Any]]] = [
            ("authorize page", "GET", "/oauth/authorize",
             {"params": {"client_id": bad, "redirect_uri": OOB, "response_type": "code"}}),
            ("authorize form", "POST", "/oauth/authorize",
             {"data": {"client_id": app.client_id, "redirect_uri": OOB, "decision": "approve",
                       "username": bad, "password": PASSWORD}}),
            ("lookup", "GET", "/api/v1/accounts/lookup", {"params": {"acct": bad}}),
            ("client id over basic", "POST", "/oauth/token", {
                "data": {"grant_type": "client_credentials"},
                "headers": {"Authorization": "Basic " + b64encode(f"{bad}:x".encode()).decode()}}),
        ] if bad == NUL else []
        for name, method, path, kwargs in in_json + in_urls:
            response = await client.request(method, path, **kwargs)
            assert 400 <= response.status_code < 500, (name, repr(bad), response.text)
            if "json" in response.headers["content-type"]:
                error_body(response, response.status_code)
    # Nothing half-stored: alice is unchanged and the refused sign-ups do not exist.
    me = await client.get("/api/v1/accounts/verify_credentials", headers=user_auth)
    assert me.json()["display_name"] == ""
    assert (await client.get("/api/v1/accounts/lookup", params={"acct": "newcomer"})
            ).status_code == 404
