"""Entity shapes checked against the Mastodon documentation for the version we claim (4.5).

Typed clients deserialize every documented attribute; a missing key or a number where a
string belongs breaks them. Each table lists attribute -> expected JSON type(s).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.api.helpers import bearer, new_app, sign_up, sqlite_only

STR, BOOL, INT, LIST, DICT, NULL = str, bool, int, list, dict, type(None)

ACCOUNT = {
    "id": STR, "username": STR, "acct": STR, "url": (STR, NULL), "uri": STR,
    "display_name": STR, "note": STR, "avatar": STR, "avatar_static": STR, "header": STR,
    "header_static": STR, "locked": BOOL, "fields": LIST, "emojis": LIST, "bot": BOOL,
    "group": BOOL, "discoverable": (BOOL, NULL), "indexable": BOOL, "noindex": (BOOL, NULL),
    "created_at": STR, "last_status_at": (STR, NULL), "statuses_count": INT,
    "followers_count": INT, "following_count": INT, "hide_collections": (BOOL, NULL),
    "roles": (LIST, NULL),
}
SOURCE = {
    "note": STR, "fields": LIST, "privacy": STR, "sensitive": BOOL, "language": STR,
    "follow_requests_count": INT, "hide_collections": (BOOL, NULL),
    "discoverable": (BOOL, NULL), "indexable": BOOL,
}
ROLE = {"id": STR, "name": STR, "color": STR, "permissions": STR, "highlighted": BOOL}
APPLICATION = {
    "id": STR, "name": STR, "website": (STR, NULL), "scopes": LIST, "redirect_uris": LIST,
    "redirect_uri": STR, "client_id": STR, "client_secret": STR,
    "client_secret_expires_at": INT,
}
TOKEN = {"access_token": STR, "token_type": STR, "scope": STR, "created_at": INT}
INSTANCE_V1 = {
    "uri": STR, "title": STR, "short_description": STR, "description": STR, "email": STR,
    "version": STR, "urls": DICT, "stats": DICT, "thumbnail": (STR, NULL), "languages": LIST,
    "registrations": BOOL, "approval_required": BOOL, "invites_enabled": BOOL,
    "configuration": DICT, "contact_account": (DICT, NULL), "rules": LIST,
}
INSTANCE_V2 = {
    "domain": STR, "title": STR, "version": STR, "source_url": STR, "description": STR,
    "usage": DICT, "thumbnail": DICT, "icon": LIST, "languages": LIST, "configuration": DICT,
    "registrations": DICT, "api_versions": DICT, "contact": DICT, "rules": LIST,
}
V2_CONFIGURATION = {
    "urls": DICT, "vapid": DICT, "accounts": DICT, "statuses": DICT, "media_attachments": DICT,
    "polls": DICT, "translation": DICT, "timelines_access": DICT, "limited_federation": BOOL,
}
V2_URLS = {"streaming": STR, "status": (STR, NULL), "about": STR,
           "privacy_policy": (STR, NULL), "terms_of_service": (STR, NULL)}
V2_REGISTRATIONS = {"enabled": BOOL, "approval_required": BOOL, "message": (STR, NULL),
                    "url": (STR, NULL), "min_age": (INT, NULL), "reason_required": (BOOL, NULL)}
MEDIA = {"supported_mime_types": LIST, "description_limit": INT, "image_size_limit": INT,
         "image_matrix_limit": INT, "video_size_limit": INT, "video_frame_rate_limit": INT,
         "video_matrix_limit": INT}
FEED_ACCESS = {"public", "authenticated", "disabled"}


def assert_shape(entity: dict[str, Any], shape: dict[str, Any], what: str) -> None:
    missing = sorted(set(shape) - set(entity))
    assert not missing, f"{what} lacks {missing}"
    for key, kinds in shape.items():
        value = entity[key]
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        # JSON true is not a number, even though Python's bool is an int.
        ok = isinstance(value, allowed) and not (isinstance(value, bool) and BOOL not in allowed)
        assert ok, f"{what}.{key} is {value!r}, wanted {allowed}"


@sqlite_only
async def test_account_entities(client: httpx.AsyncClient) -> None:
    app = await new_app(client)
    token = (await sign_up(client, app, "alice")).json()
    assert_shape(token, TOKEN, "Token")
    me = (await client.get("/api/v1/accounts/verify_credentials",
                           headers=bearer(token["access_token"]))).json()
    assert_shape(me, ACCOUNT, "CredentialAccount")
    assert_shape(me["source"], SOURCE, "CredentialAccount.source")
    assert_shape(me["role"], ROLE, "CredentialAccount.role")
    assert me["source"]["privacy"] in {"public", "unlisted", "private", "direct"}
    datetime.fromisoformat(me["created_at"])
    public = (await client.get(f"/api/v1/accounts/{me['id']}")).json()
    assert_shape(public, ACCOUNT, "Account")
    assert public["id"] == me["id"]
    assert public["acct"] == "alice"


@sqlite_only
async def test_application_and_app_token_entities(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/apps", data={
        "client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"})
    assert_shape(response.json(), APPLICATION, "CredentialApplication")
    app = await new_app(client)
    token = await client.post("/oauth/token", data=app.form(grant_type="client_credentials"))
    assert_shape(token.json(), TOKEN, "Token")


@sqlite_only
async def test_instance_entities(client: httpx.AsyncClient) -> None:
    v1 = (await client.get("/api/v1/instance/")).json()
    assert_shape(v1, INSTANCE_V1, "V1::Instance")
    assert isinstance(v1["urls"]["streaming_api"], str)
    assert v1["version"].startswith("4.")
    assert_shape(v1["configuration"]["media_attachments"], MEDIA, "configuration.media")

    v2 = (await client.get("/api/v2/instance")).json()
    assert_shape(v2, INSTANCE_V2, "Instance")
    assert_shape(v2["configuration"], V2_CONFIGURATION, "configuration")
    assert_shape(v2["configuration"]["urls"], V2_URLS, "configuration.urls")
    assert_shape(v2["registrations"], V2_REGISTRATIONS, "registrations")
    assert isinstance(v2["api_versions"]["mastodon"], int)
    assert isinstance(v2["thumbnail"]["url"], str)
    assert isinstance(v2["usage"]["users"]["active_month"], int)
    assert isinstance(v2["configuration"]["vapid"]["public_key"], str)
    for feed in ("live_feeds", "hashtag_feeds", "trending_link_feeds"):
        access = v2["configuration"]["timelines_access"][feed]
        assert {access["local"], access["remote"]} <= FEED_ACCESS
