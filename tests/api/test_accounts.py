"""Signing up, signing in and editing one's profile, on every database backend."""

from __future__ import annotations

import httpx

from tests.api.helpers import (
    ALL_SCOPES,
    app_token,
    bearer,
    error_body,
    field_error,
    new_app,
    password_grant,
    sign_up,
    sqlite_only,
    user_token,
)


async def test_sign_up_sign_in_and_edit_the_profile(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    signed_up = await sign_up(client, app, "Alice")
    assert signed_up.status_code == 200, signed_up.text
    token = signed_up.json()
    assert set(token["scope"].split()) == set(ALL_SCOPES.split())
    assert token["token_type"] == "Bearer"

    me = await client.get("/api/v1/accounts/verify_credentials",
                          headers=bearer(token["access_token"]))
    assert me.status_code == 200, me.text
    account = me.json()
    assert (account["username"], account["acct"], account["locked"]) == ("Alice", "Alice", False)
    assert isinstance(account["id"], str)
    assert int(account["id"]) > 0

    changed = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token["access_token"]),
        data={"display_name": "Alice Liddell", "note": "Down the <rabbit> hole", "locked": "1"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Alice Liddell"
    assert changed.json()["locked"] is True
    assert changed.json()["source"]["note"] == "Down the <rabbit> hole"
    assert "&lt;rabbit&gt;" in changed.json()["note"]  # the bio is shown escaped

    # Anyone can see the change, by ID and by name in any letter case.
    public = await client.get(f"/api/v1/accounts/{account['id']}")
    assert public.status_code == 200
    assert (public.json()["display_name"], public.json()["locked"]) == ("Alice Liddell", True)
    assert "source" not in public.json()
    for acct in ("alice", "@ALICE", "Alice@testserver"):
        found = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert found.status_code == 200, (acct, found.text)
        assert found.json()["id"] == account["id"]


async def test_signing_in_works_with_the_username_or_the_email(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    assert (await sign_up(client, app, "bob", email="Bob@Example.com")).status_code == 200
    for login in ("bob", "BOB", "bob@example.com", "BOB@EXAMPLE.COM"):
        response = await password_grant(client, app, login)
        assert response.status_code == 200, (login, response.text)
        # Mastodon.py refuses a token whose scope lacks any scope it asked for.
        assert set(response.json()["scope"].split()) == set(ALL_SCOPES.split())
        me = await client.get("/api/v1/accounts/verify_credentials",
                              headers=bearer(response.json()["access_token"]))
        assert me.json()["username"] == "bob"


@sqlite_only
async def test_sign_up_accepts_json_as_toot_sends_it(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    token = await app_token(client, app)
    response = await client.post("/api/v1/accounts", headers=bearer(token), json={
        "username": "carol", "email": "carol@example.com", "password": "a long enough password",
        "agreement": True, "locale": "en"})
    assert response.status_code == 200, response.text
    me = await client.get("/api/v1/accounts/verify_credentials/",
                          headers=bearer(response.json()["access_token"]))
    assert me.json()["username"] == "carol"


async def test_usernames_and_emails_are_unique_ignoring_case(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    assert (await sign_up(client, app, "dave")).status_code == 200
    assert field_error(await sign_up(client, app, "DAVE", email="d2@example.com"),
                       "username") == "ERR_TAKEN"
    assert field_error(await sign_up(client, app, "dave2", email="DAVE@example.com"),
                       "email") == "ERR_TAKEN"
    # The refused attempts left nothing behind: the name they tried is still free.
    assert (await sign_up(client, app, "dave2", email="d2@example.com")).status_code == 200


@sqlite_only
async def test_a_wrong_password_is_refused(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    await sign_up(client, app, "erin")
    wrong = await password_grant(client, app, "erin", password="not the password")
    assert error_body(wrong, 400)["error"] == "invalid_grant"
    unknown = await password_grant(client, app, "nobody")
    assert error_body(unknown, 400)["error"] == "invalid_grant"


@sqlite_only
async def test_scopes_decide_what_a_token_may_do(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    await sign_up(client, app, "frank")
    read_only = await user_token(client, app, "frank", scope="read")
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(read_only))
    assert me.status_code == 200
    refused = await client.patch("/api/v1/accounts/update_credentials",
                                 headers=bearer(read_only), data={"display_name": "F"})
    assert error_body(refused, 403)

    # Granular scopes: verify_credentials accepts read:accounts (or profile) on its own.
    for scope in ("read:accounts", "profile"):
        narrow = await user_token(client, app, "frank", scope=scope)
        me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(narrow))
        assert me.status_code == 200, (scope, me.text)
    statuses_only = await user_token(client, app, "frank", scope="read:statuses")
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(statuses_only))
    assert error_body(me, 403)
    writer = await user_token(client, app, "frank", scope="write:accounts")
    changed = await client.patch("/api/v1/accounts/update_credentials",
                                 headers=bearer(writer), json={"display_name": "Frank"})
    assert changed.json()["display_name"] == "Frank"


@sqlite_only
async def test_an_app_token_is_not_a_person(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    token = await app_token(client, app)
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert error_body(me, 422)
    edit = await client.patch("/api/v1/accounts/update_credentials", headers=bearer(token),
                              data={"locked": "true"})
    assert error_body(edit, 422)


@sqlite_only
async def test_signing_up_needs_an_app_token_with_write(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    body = {"username": "gina", "email": "gina@example.com",
            "password": "a long enough password", "agreement": "true"}
    anonymous = await client.post("/api/v1/accounts", data=body)
    assert error_body(anonymous, 401)
    read_only = await app_token(client, app, scope="read")
    assert error_body(await client.post("/api/v1/accounts", data=body,
                                        headers=bearer(read_only)), 403)
