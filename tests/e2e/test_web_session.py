"""The browser session over plain HTTP: cookie flags, CSRF on every cookie-borne write,
sign-in from another site refused, sign-out revoking the token, escaped profile text.

These need no browser: they speak HTTP to the app the way a browser (or an attacker's
page) would, so they run everywhere, fast.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.conftest import FAST_HASHING

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
PASSWORD = "a long enough password"
EVIL = "https://evil.example"


async def sign_up(client: httpx.AsyncClient, username: str) -> str:
    """Sign up through the web form; the session's CSRF token, read from the page."""
    response = await client.post("/signup", data={
        "username": username, "email": f"{username}@example.com", "password": PASSWORD,
        "agreement": "true"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    home = await client.get("/")
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', home.text)
    assert found, home.text
    return found.group(1)


def cookie_flags(response: httpx.Response) -> list[str]:
    header = response.headers["set-cookie"]
    assert header.startswith("pf_session="), header
    return [part.strip().lower() for part in header.split(";")[1:]]


async def test_the_session_cookie_is_httponly_and_lax(client: httpx.AsyncClient) -> None:
    response = await client.post("/signup", data={
        "username": "ann", "email": "ann@example.com", "password": PASSWORD,
        "agreement": "true"})
    flags = cookie_flags(response)
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "secure" not in flags  # plain http here; see the https test below
    me = await client.get("/api/v1/accounts/verify_credentials")
    assert me.json()["username"] == "ann"


async def test_writes_with_the_cookie_need_the_csrf_token(client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, "ann")
    post = {"status": "Hello"}
    for headers in ({}, {"X-CSRF-Token": "0" * 64},
                    {"X-CSRF-Token": csrf, "Origin": EVIL},
                    {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}):
        refused = await client.post("/api/v1/statuses", json=post, headers=headers)
        assert refused.status_code == 403, headers
        assert "CSRF" in refused.json()["error"]
    made = await client.post("/api/v1/statuses", json=post, headers={
        "X-CSRF-Token": csrf, "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert made.status_code == 200, made.text
    # A bearer token is the caller's own business: no cookie rules apply to it.
    client.cookies.clear()
    anonymous = await client.post("/api/v1/statuses", json=post)
    assert anonymous.status_code == 401


async def test_sign_in_from_another_site_is_refused(client: httpx.AsyncClient) -> None:
    await sign_up(client, "ann")
    client.cookies.clear()
    form = {"username": "ann", "password": PASSWORD, "next": "/"}
    forged = await client.post("/signin", data=form, headers={"Origin": EVIL})
    assert forged.status_code == 403
    assert "set-cookie" not in forged.headers
    wrong = await client.post("/signin", data=form | {"password": "not it at all"})
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.text
    away = await client.post("/signin", data=form | {"next": "//evil.example/x"})
    assert away.status_code == 303
    assert away.headers["location"] == "/"
    back = await client.post("/signin", data=form | {"next": "/@ann"})
    assert back.headers["location"] == "/@ann"


async def test_sign_out_needs_the_token_and_revokes_the_session(
        client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, "ann")
    session = client.cookies["pf_session"]
    ignored = await client.post("/signout", data={})
    assert ignored.status_code == 303
    assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 200
    out = await client.post("/signout", data={"csrf": csrf})
    assert out.status_code == 303
    assert 'pf_session=""' in out.headers["set-cookie"]
    revoked = await client.get("/api/v1/accounts/verify_credentials",
                               headers={"Authorization": f"Bearer {session}"})
    assert revoked.status_code == 401
    # A stale cookie is simply signed out, never an error page.
    client.cookies.set("pf_session", session)
    page = await client.get("/")
    assert page.status_code == 200
    assert "Create an account" in page.text


async def test_pages_carry_a_strict_policy_and_escape_what_people_wrote(
        client: httpx.AsyncClient) -> None:
    csrf = await sign_up(client, "ann")
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    changed = await client.patch("/api/v1/accounts/update_credentials", headers={
        "X-CSRF-Token": csrf}, data={"display_name": "Ann <b>", "note": hostile})
    assert changed.status_code == 200, changed.text
    for path in ("/", "/@ann", "/settings", "/search?q=ann", "/@ann/followers"):
        page = await client.get(path)
        assert page.status_code == 200, path
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert "<script>alert" not in page.text, path
        assert "<img src=x" not in page.text, path
        scripts = re.findall(r"<script\b[^>]*>", page.text)
        assert all('src="/static/' in tag for tag in scripts), (path, scripts)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (await client.get("/@ann")).text


@pytest.fixture
async def https_client(database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url,
                        public_url="https://photos.example", **FAST_HASHING)
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport,
                                     base_url="https://photos.example") as http:
            yield http


async def test_the_cookie_is_secure_behind_https(https_client: httpx.AsyncClient) -> None:
    response = await https_client.post("/signup", data={
        "username": "ann", "email": "ann@example.com", "password": PASSWORD,
        "agreement": "true"})
    assert "secure" in cookie_flags(response)
