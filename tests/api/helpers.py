"""Helpers for the accounts and sign-in tests: apps, grants and error checks.

Signing people up goes through tests/api/support.py's `register`; these add the OAuth steps
a client takes around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

# For behaviour that does not depend on the database: run it once, on one SQLite file.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
# Processes that share their databases and no Redis: SQLite files, or a PostgreSQL database.
sharing_databases = pytest.mark.parametrize(
    "backend", ["sqlite", "sqlite-sharded", pytest.param("postgres", marks=pytest.mark.postgres)])
# For behaviour that depends on where media is kept: local files (SQLite) and an S3 bucket
# (the scale-out backend).
local_and_s3 = pytest.mark.parametrize("backend", ["sqlite", "scale-out"], indirect=True)
OOB = "urn:ietf:wg:oauth:2.0:oob"
ALL_SCOPES = "read write follow push"
PASSWORD = "a long enough password"


@dataclass(frozen=True)
class Client:
    """A registered OAuth application's credentials."""

    client_id: str
    client_secret: str

    def form(self, **fields: str) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret, **fields}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_app(http: httpx.AsyncClient, *, scopes: str = ALL_SCOPES,
                  redirect_uris: str = OOB) -> Client:
    response = await http.post("/api/v1/apps", data={
        "client_name": "tests", "redirect_uris": redirect_uris, "scopes": scopes})
    assert response.status_code == 200, response.text
    body = response.json()
    return Client(body["client_id"], body["client_secret"])


async def app_token(http: httpx.AsyncClient, app: Client, scope: str = ALL_SCOPES) -> str:
    """An app-only token from the client_credentials grant."""
    response = await http.post("/oauth/token", data=app.form(
        grant_type="client_credentials", scope=scope))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def sign_up(http: httpx.AsyncClient, app: Client, username: str, *,
                  email: str | None = None, password: str = PASSWORD,
                  scope: str = ALL_SCOPES) -> httpx.Response:
    """POST /api/v1/accounts the way Mastodon.py does, under a fresh app token."""
    token = await app_token(http, app, scope)
    return await http.post("/api/v1/accounts", headers=bearer(token), data={
        "username": username, "email": email or f"{username}@example.com",
        "password": password, "agreement": "1", "locale": "en"})


async def password_grant(http: httpx.AsyncClient, app: Client, login: str, *,
                         password: str = PASSWORD, scope: str = ALL_SCOPES) -> httpx.Response:
    return await http.post("/oauth/token", data=app.form(
        grant_type="password", username=login, password=password, scope=scope,
        redirect_uri=OOB))


async def user_token(http: httpx.AsyncClient, app: Client, login: str, *,
                     scope: str = ALL_SCOPES) -> str:
    response = await password_grant(http, app, login, scope=scope)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def error_body(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert the one error shape: the status, JSON, and a non-empty `error` string."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str), body
    assert body["error"], body
    if "error_description" in body:
        assert isinstance(body["error_description"], str), body
    return body


def field_error(response: httpx.Response, field: str) -> str:
    """The ERR_* code a 422 gives for one field, as Mastodon.py's create_account reads it."""
    body = error_body(response, 422)
    return str(body["details"][field][0]["error"])
