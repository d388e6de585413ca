"""OAuth 2 as Mastodon clients use it: apps, the three grants, the authorize page, revoking."""

from __future__ import annotations

import asyncio
import base64
import re
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.api.conftest import ClientFactory
from tests.api.helpers import (
    OOB,
    PASSWORD,
    Client,
    app_token,
    bearer,
    error_body,
    new_app,
    password_grant,
    sign_up,
    sqlite_only,
    user_token,
)

CALLBACK = "https://app.example/callback"


def code_on_page(html: str) -> str:
    found = re.search(r'<code class="code" id="code">([^<]+)</code>', html)
    assert found, html
    return found.group(1)


async def authorize(http: httpx.AsyncClient, app: Client, *, redirect_uri: str = OOB,
                    scope: str = "read write", decision: str = "approve",
                    username: str = "alice", password: str = PASSWORD,
                    state: str = "") -> httpx.Response:
    """What the person's browser posts from the sign-in and consent page."""
    return await http.post("/oauth/authorize", data={
        "client_id": app.client_id, "redirect_uri": redirect_uri, "scope": scope,
        "response_type": "code", "state": state, "username": username, "password": password,
        "decision": decision})


async def exchange(http: httpx.AsyncClient, app: Client, code: str,
                   redirect_uri: str = OOB) -> httpx.Response:
    return await http.post("/oauth/token", data=app.form(
        grant_type="authorization_code", code=code, redirect_uri=redirect_uri))


@sqlite_only
async def test_apps_register_from_a_form_with_key_lists_or_from_json(
        client: httpx.AsyncClient) -> None:
    uris = [OOB, CALLBACK]
    form = await client.post("/api/v1/apps/", data={
        "client_name": "Pixel Client", "redirect_uris[]": uris, "scopes": "read write",
        "website": "https://pixel.example"})
    as_json = await client.post("/api/v1/apps", json={
        "client_name": "Pixel Client", "redirect_uris": uris, "scopes": "read write",
        "website": "https://pixel.example"})
    for response in (form, as_json):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["redirect_uris"] == uris
        assert body["scopes"] == ["read", "write"]
        assert (body["name"], body["website"]) == ("Pixel Client", "https://pixel.example")
        assert body["client_id"]
        assert body["client_secret"]
    assert form.json()["client_id"] != as_json.json()["client_id"]


async def test_the_authorization_code_grant_through_the_sign_in_page(
        client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    await sign_up(client, app, "alice")
    page = await client.get("/oauth/authorize/", params={
        "response_type": "code", "client_id": app.client_id, "redirect_uri": OOB,
        "scope": "read write"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert 'name="password"' in page.text

    shown = await authorize(client, app)
    assert shown.status_code == 200, shown.text
    code = code_on_page(shown.text)
    token = await exchange(client, app, code)
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == {"read", "write"}
    me = await client.get("/api/v1/accounts/verify_credentials",
                          headers=bearer(token.json()["access_token"]))
    assert me.json()["username"] == "alice"
    # A code works once.
    assert error_body(await exchange(client, app, code), 400)["error"] == "invalid_grant"


@sqlite_only
async def test_the_code_goes_back_to_a_registered_redirect_with_the_state(
        client: httpx.AsyncClient) -> None:
    app = await new_app(client, redirect_uris=CALLBACK)
    await sign_up(client, app, "alice")
    approved = await authorize(client, app, redirect_uri=CALLBACK, state="xyz")
    assert approved.status_code == 302
    location = urlsplit(approved.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]

    other = await new_app(client, redirect_uris=CALLBACK)
    stolen = await exchange(client, other, query["code"][0], CALLBACK)
    assert error_body(stolen, 400)["error"] == "invalid_grant"

    again = parse_qs(urlsplit((await authorize(client, app, redirect_uri=CALLBACK)
                               ).headers["location"]).query)
    elsewhere = await exchange(client, app, again["code"][0], "https://evil.example/cb")
    assert error_body(elsewhere, 400)["error"] == "invalid_grant"
    third = parse_qs(urlsplit((await authorize(client, app, redirect_uri=CALLBACK)
                               ).headers["location"]).query)
    unnamed = await client.post("/oauth/token", data=app.form(
        grant_type="authorization_code", code=third["code"][0]))
    assert error_body(unnamed, 400)["error"] == "invalid_grant"

    denied = await authorize(client, app, redirect_uri=CALLBACK, decision="deny", state="s")
    assert denied.status_code == 302
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {
        "error": ["access_denied"], "state": ["s"]}


@sqlite_only
async def test_the_sign_in_page_refuses_bad_requests_without_a_code(
        client: httpx.AsyncClient) -> None:
    await sign_up(client, await new_app(client), "alice")
    app = await new_app(client, scopes="read")
    unknown = await client.get("/oauth/authorize", params={
        "response_type": "code", "client_id": "unknown", "redirect_uri": OOB})
    assert unknown.status_code == 400
    unregistered = await client.get("/oauth/authorize", params={
        "response_type": "code", "client_id": app.client_id, "redirect_uri": CALLBACK})
    assert unregistered.status_code == 400
    too_much = await client.get("/oauth/authorize", params={
        "response_type": "code", "client_id": app.client_id, "redirect_uri": OOB,
        "scope": "read write"})
    assert too_much.status_code == 400
    wrong_password = await authorize(client, app, scope="read", password="wrong password")
    assert wrong_password.status_code == 401
    assert 'id="code"' not in wrong_password.text
    assert "Wrong username or password" in wrong_password.text


@sqlite_only
async def test_client_credentials_may_come_as_http_basic(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read"  # the default when none is asked for
    assert response.headers["cache-control"] == "no-store"


@sqlite_only
async def test_scopes_asked_for_must_be_known_and_within_the_apps(
        client: httpx.AsyncClient) -> None:
    app = await new_app(client, scopes="read write")
    await sign_up(client, app, "alice", scope="read write")
    granular = await password_grant(client, app, "alice", scope="read:accounts write:statuses")
    assert granular.json()["scope"] == "read:accounts write:statuses"
    beyond = await password_grant(client, app, "alice", scope="read write follow")
    assert error_body(beyond, 400)["error"] == "invalid_scope"
    unknown = await password_grant(client, app, "alice", scope="read admin:everything")
    assert error_body(unknown, 400)["error"] == "invalid_scope"


@sqlite_only
async def test_the_token_endpoint_reports_rfc_6749_errors(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    unsupported = await client.post("/oauth/token", data=app.form(grant_type="implicit"))
    assert error_body(unsupported, 400)["error"] == "unsupported_grant_type"
    missing = await client.post("/oauth/token", data=app.form())
    assert error_body(missing, 400)["error"] == "invalid_request"
    bad_secret = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app.client_id,
        "client_secret": "wrong"})
    assert error_body(bad_secret, 401)["error"] == "invalid_client"
    no_client = await client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert error_body(no_client, 401)["error"] == "invalid_client"
    # No discovery document: Mastodon.py then falls back to /oauth/token.
    assert error_body(await client.get("/.well-known/oauth-authorization-server"), 404)


async def test_revoking_a_token(client: httpx.AsyncClient) -> None:
    app, other = await new_app(client), await new_app(client)
    await sign_up(client, app, "alice")
    token = await user_token(client, app, "alice")
    keeper = await user_token(client, app, "alice")

    # Another app cannot revoke it, and a wrong secret is no app at all.
    foreign = await client.post("/oauth/revoke", data=other.form(token=token))
    assert error_body(foreign, 403)
    wrong_secret = await client.post("/oauth/revoke", data={
        "client_id": app.client_id, "client_secret": "wrong", "token": token})
    assert error_body(wrong_secret, 401)["error"] == "invalid_client"
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 200

    revoked = await client.post("/oauth/revoke/", json=app.form(token=token))
    assert revoked.status_code == 200
    assert revoked.json() == {}
    after = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert "revoked" in error_body(after, 401)["error"]
    # Only that token: the person's other sessions go on.
    still = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(keeper))
    assert still.status_code == 200
    # RFC 7009: revoking an unknown or already revoked token is not an error.
    for again in (token, "never-issued"):
        assert (await client.post("/oauth/revoke", data=app.form(token=again))).status_code == 200


@sqlite_only
async def test_tokens_expire_when_a_lifetime_is_set(client_with: ClientFactory) -> None:
    async with client_with(access_token_ttl_seconds=1, rate_limits="off") as http:
        app = await new_app(http)
        signed_up = await sign_up(http, app, "alice")
        assert signed_up.json()["expires_in"] == 1
        signed_in = await password_grant(http, app, "alice")
        assert signed_in.json()["expires_in"] == 1
        tokens = [signed_up.json()["access_token"], signed_in.json()["access_token"],
                  await app_token(http, app)]
        assert (await http.get("/api/v1/instance", headers=bearer(tokens[0]))).status_code \
            == 200
        await asyncio.sleep(1.1)
        for token in tokens[:2]:
            me = await http.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
            assert "expired" in error_body(me, 401)["error"]
            assert me.headers["www-authenticate"].startswith("Bearer")
        register = await http.post("/api/v1/accounts", headers=bearer(tokens[2]), data={
            "username": "late", "email": "late@example.com", "password": PASSWORD,
            "agreement": "1"})
        assert error_body(register, 401)
