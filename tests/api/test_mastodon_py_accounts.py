"""Mastodon.py, and plain HTTP, signing up and in against a real `photofeed serve` process.

The tests share one server (each signs up people of its own): starting one takes seconds.
Mastodon.py is synchronous, so these tests are too.
"""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon, MastodonIllegalArgumentError, MastodonUnauthorizedError

PASSWORD = "a long enough password"
SCOPES = ["read", "write", "follow", "push"]


def test_mastodon_py_signs_up_signs_in_edits_and_signs_out(module_live_server: str) -> None:
    url = module_live_server
    client_id, client_secret = Mastodon.create_app("photofeed tests", scopes=SCOPES,
                                                   api_base_url=url)

    newcomer = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    signup_token = newcomer.create_account("alice", PASSWORD, "alice@example.com",
                                           agreement=True, scopes=SCOPES)
    assert signup_token
    assert newcomer.account_verify_credentials()["username"] == "alice"

    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    assert api.log_in("alice", PASSWORD, scopes=SCOPES)
    me = api.account_verify_credentials()
    assert (me["username"], me["acct"], me["locked"]) == ("alice", "alice", False)

    updated = api.account_update_credentials(locked=True, display_name="Alice")
    assert updated["locked"] is True
    assert updated["display_name"] == "Alice"
    assert api.account(me["id"])["locked"] is True
    assert api.account_lookup("alice")["id"] == me["id"]

    # Signing in by e-mail, as toot does, works too and is a session of its own.
    by_email = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    by_email.log_in("alice@example.com", PASSWORD, scopes=SCOPES)

    revoked_token = api.access_token
    api.revoke_access_token()
    with pytest.raises(MastodonUnauthorizedError):
        Mastodon(access_token=revoked_token, api_base_url=url).account_verify_credentials()
    assert by_email.account_verify_credentials()["id"] == me["id"]
    assert newcomer.account_verify_credentials()["locked"] is True


def test_mastodon_py_is_told_what_went_wrong(module_live_server: str) -> None:
    url = module_live_server
    client_id, client_secret = Mastodon.create_app("photofeed tests", scopes=SCOPES,
                                                   api_base_url=url)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    api.create_account("bob", PASSWORD, "bob@example.com", agreement=True, scopes=SCOPES)

    again = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=url)
    token, error = again.create_account("BOB", PASSWORD, "bob2@example.com", agreement=True,
                                        scopes=SCOPES, return_detailed_error=True)
    assert token is None
    assert error["details"]["username"][0]["error"] == "ERR_TAKEN"
    with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
        again.log_in("bob", "not the password", scopes=SCOPES)


def test_plain_http_against_the_live_server(module_live_server: str) -> None:
    with httpx.Client(base_url=module_live_server, timeout=10) as http:
        for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance/"):
            instance = http.get(path)
            assert instance.status_code == 200, path
            assert instance.json()["version"].startswith("4.")
        app = http.post("/api/v1/apps", json={
            "client_name": "httpx", "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob"],
            "scopes": "read write"}).json()
        credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
        app_token = http.post("/oauth/token", json=credentials | {
            "grant_type": "client_credentials", "scope": "read write"}).json()["access_token"]
        signed_up = http.post("/api/v1/accounts", headers={
            "Authorization": f"Bearer {app_token}"}, json={
            "username": "carol", "email": "carol@example.com", "password": PASSWORD,
            "agreement": True, "locale": "en"})
        assert signed_up.status_code == 200, signed_up.text

        token = http.post("/oauth/token", data=credentials | {
            "grant_type": "password", "username": "carol", "password": PASSWORD,
            "scope": "read write"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        changed = http.patch("/api/v1/accounts/update_credentials", headers=auth,
                             data={"note": "hello", "locked": "true"})
        assert changed.json()["source"]["note"] == "hello"
        me = http.get("/api/v1/accounts/verify_credentials/", headers=auth)
        assert me.json()["locked"] is True

        assert http.post("/oauth/revoke", data=credentials | {"token": token}).json() == {}
        after = http.get("/api/v1/accounts/verify_credentials", headers=auth)
        assert after.status_code == 401
        assert isinstance(after.json()["error"], str)
        missing = http.get("/api/v1/no/such/route")
        assert missing.status_code == 404
        assert missing.json() == {"error": "Record not found"}
