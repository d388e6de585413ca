"""Bad input to sign-up, sign-in and profiles: one clear JSON 4xx each, never a 500.

The cases do not depend on the database, so they share one app on one SQLite file (with rate
limits off, so the flood of attempts is not refused for volume instead).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

from photofeed.asgi import create_app
from photofeed.config import Settings
from tests.api.helpers import (
    OOB,
    PASSWORD,
    Client,
    app_token,
    bearer,
    error_body,
    new_app,
    sign_up,
    user_token,
)
from tests.conftest import FAST_HASHING

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass(frozen=True)
class World:
    http: httpx.AsyncClient
    app: Client
    tokens: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    tmp = tmp_path_factory.mktemp("bad-input")
    settings = Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'db.sqlite3'}",
                        rate_limits="off", **FAST_HASHING)
    application = create_app(settings)
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            app = await new_app(http)
            signed_up = await sign_up(http, app, "alice")
            assert signed_up.status_code == 200, signed_up.text
            yield World(http, app, {
                "app": await app_token(http, app),
                "user": await user_token(http, app, "alice"),
                "read": await user_token(http, app, "alice", scope="read"),
            })


@dataclass(frozen=True)
class Case:
    """One bad request and the answer it deserves."""

    name: str
    method: str
    path: str
    status: int
    auth: str | None = None  # a key of World.tokens
    form: dict[str, Any] | None = None
    json_body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    error: str | None = None  # the exact `error` expected, when it is a code
    field: tuple[str, str] | None = None  # (field, ERR_* code) in `details`


_DROP = object()
BIG = 2 * 1024 * 1024


def signup(name: str, field: tuple[str, str], **body: Any) -> Case:
    base: dict[str, Any] = {"username": "newcomer", "email": "newcomer@example.com",
                            "password": PASSWORD, "agreement": True}
    payload = {k: v for k, v in (base | body).items() if v is not _DROP}
    return Case(f"signup: {name}", "POST", "/api/v1/accounts", 422, auth="app",
                json_body=payload, field=field)


def profile(name: str, field: tuple[str, str], form: dict[str, Any] | None = None,
            json_body: Any = None) -> Case:
    return Case(f"profile: {name}", "PATCH", "/api/v1/accounts/update_credentials", 422,
                auth="user", form=form, json_body=json_body, field=field)


CASES = [
    # Sign-up: missing fields and wrong types.
    Case("signup: empty body", "POST", "/api/v1/accounts", 422, auth="app",
         form={}, field=("username", "ERR_BLANK")),
    signup("no email", ("email", "ERR_BLANK"), email=_DROP),
    signup("no password", ("password", "ERR_BLANK"), password=_DROP),
    signup("agreement refused", ("agreement", "ERR_ACCEPTED"), agreement=False),
    signup("agreement maybe", ("agreement", "ERR_INVALID"), agreement="maybe"),
    signup("username is a number", ("username", "ERR_INVALID"), username=12345),
    signup("username is a list", ("username", "ERR_INVALID"), username=["alice"]),
    signup("username is an object", ("username", "ERR_INVALID"), username={"a": 1}),
    signup("username is null", ("username", "ERR_INVALID"), username=None),
    signup("email is a number", ("email", "ERR_INVALID"), email=5),
    signup("password is true", ("password", "ERR_INVALID"), password=True),
    signup("locale is a list", ("locale", "ERR_INVALID"), locale=["en"]),
    signup("malformed email", ("email", "ERR_INVALID"), email="not-an-email"),
    signup("short password", ("password", "ERR_TOO_SHORT"), password="short"),
    # Sign-up: names that are too long, look like someone else's, or are reserved.
    signup("31 characters", ("username", "ERR_TOO_LONG"), username="x" * 31),
    signup("5000 characters", ("username", "ERR_INVALID"), username="x" * 5000),
    signup("Cyrillic look-alike", ("username", "ERR_INVALID"), username="\u0430lice"),
    signup("full-width letters", ("username", "ERR_INVALID"),
           username="\uff41\uff4c\uff49\uff43\uff45"),
    signup("zero-width joiner", ("username", "ERR_INVALID"), username="ali\u200dce"),
    signup("emoji", ("username", "ERR_INVALID"), username="alice\U0001f4f8"),
    signup("leading dot", ("username", "ERR_INVALID"), username=".alice"),
    signup("reserved", ("username", "ERR_RESERVED"), username="admin"),
    signup("reserved in capitals", ("username", "ERR_RESERVED"), username="Admin"),
    signup("taken in other case", ("username", "ERR_TAKEN"), username="ALICE",
           email="other@example.com"),
    signup("email taken in other case", ("email", "ERR_TAKEN"), email="Alice@Example.com"),
    signup("lone surrogate", ("username", "ERR_INVALID"), username="ali\ud800ce"),
    signup("password with a lone surrogate", ("password", "ERR_INVALID"),
           password="password\udfff"),
    Case("signup: user token, no write", "POST", "/api/v1/accounts", 403, auth="read",
         form={"username": "x"}),
    # Profile edits.
    profile("locked=maybe", ("locked", "ERR_INVALID"), form={"locked": "maybe"}),
    profile("locked=2", ("locked", "ERR_INVALID"), json_body={"locked": 2}),
    profile("display name is a number", ("display_name", "ERR_INVALID"),
            json_body={"display_name": 7}),
    profile("display name is a list", ("display_name", "ERR_INVALID"),
            json_body={"display_name": ["a"]}),
    profile("note is an object", ("note", "ERR_INVALID"), json_body={"note": {"a": "b"}}),
    profile("display name too long", ("display_name", "ERR_TOO_LONG"),
            form={"display_name": "x" * 31}),
    profile("note too long", ("note", "ERR_TOO_LONG"), form={"note": "x" * 501}),
    Case("profile: read-only token", "PATCH", "/api/v1/accounts/update_credentials", 403,
         auth="read", form={"display_name": "x"}),
    Case("profile: app token", "PATCH", "/api/v1/accounts/update_credentials", 422,
         auth="app", form={"display_name": "x"}),
    Case("profile: no token", "PATCH", "/api/v1/accounts/update_credentials", 401,
         form={"display_name": "x"}),
    Case("verify: app token", "GET", "/api/v1/accounts/verify_credentials", 422, auth="app"),
    Case("verify: garbage bearer", "GET", "/api/v1/accounts/verify_credentials", 401,
         headers={"Authorization": "Bearer not-a-token-we-issued"}),
    Case("verify: empty bearer", "GET", "/api/v1/accounts/verify_credentials", 401,
         headers={"Authorization": "Bearer "}),
    Case("verify: basic scheme", "GET", "/api/v1/accounts/verify_credentials", 401,
         headers={"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}),
    Case("verify: 10 kB bearer", "GET", "/api/v1/accounts/verify_credentials", 401,
         headers={"Authorization": "Bearer " + "x" * 10_000}),
    # Bodies that cannot be read.
    Case("malformed JSON", "POST", "/api/v1/apps", 400, content=b'{"client_name": ',
         headers={"Content-Type": "application/json"}),
    Case("JSON array body", "POST", "/api/v1/apps", 400, content=b'["client_name"]',
         headers={"Content-Type": "application/json"}),
    Case("JSON string body", "POST", "/api/v1/apps", 400, content=b'"hello"',
         headers={"Content-Type": "application/json"}),
    Case("JSON that is not UTF-8", "POST", "/api/v1/apps", 400,
         content=b'{"client_name": "\xff\xfe"}', headers={"Content-Type": "application/json"}),
    Case("deeply nested JSON", "POST", "/api/v1/apps", 400, content=b"[" * 50_000,
         headers={"Content-Type": "application/json"}),
    Case("plain text body", "POST", "/api/v1/apps", 415, content=b"client_name=x",
         headers={"Content-Type": "text/plain"}),
    Case("XML body", "POST", "/oauth/token", 415, content=b"<grant/>",
         headers={"Content-Type": "application/xml"}),
    Case("body without a content type", "PATCH", "/api/v1/accounts/update_credentials", 415,
         auth="user", content=b"locked=1"),
    Case("oversized declared body", "POST", "/api/v1/apps", 413, content=b"x" * BIG,
         headers={"Content-Type": "application/json"}),
    Case("broken multipart", "POST", "/api/v1/apps", 400, content=b"garbage",
         headers={"Content-Type": "multipart/form-data; boundary=zz"}),
    Case("too many form fields", "POST", "/api/v1/apps", 400,
         content="&".join(f"f{n}=1" for n in range(500)).encode(),
         headers={"Content-Type": "application/x-www-form-urlencoded"}),
    # Apps.
    Case("app: nothing", "POST", "/api/v1/apps", 422, form={}),
    Case("app: no redirect", "POST", "/api/v1/apps", 422, form={"client_name": "x"}),
    Case("app: relative redirect", "POST", "/api/v1/apps", 422, error="invalid_redirect_uri",
         form={"client_name": "x", "redirect_uris": "/callback"}),
    Case("app: redirect objects", "POST", "/api/v1/apps", 422,
         json_body={"client_name": "x", "redirect_uris": [{"uri": OOB}]}),
    Case("app: unknown scope", "POST", "/api/v1/apps", 400, error="invalid_scope",
         form={"client_name": "x", "redirect_uris": OOB, "scopes": "read admin"}),
    Case("app: long name", "POST", "/api/v1/apps", 422,
         form={"client_name": "x" * 201, "redirect_uris": OOB}),
    Case("app: name is a number", "POST", "/api/v1/apps", 422,
         json_body={"client_name": 1, "redirect_uris": OOB}),
    # The token and revoke endpoints speak RFC 6749 errors.
    Case("token: grant type is a number", "POST", "/oauth/token", 400, error="invalid_request",
         json_body={"grant_type": 1}),
    Case("token: client id is a list", "POST", "/oauth/token", 400, error="invalid_request",
         json_body={"grant_type": "password", "client_id": ["a"]}),
    Case("token: client id with NUL", "POST", "/oauth/token", 400, error="invalid_request",
         form={"grant_type": "client_credentials", "client_id": "a\x00b",
               "client_secret": "x"}),
    Case("token: odd client id over basic", "POST", "/oauth/token", 401, error="invalid_client",
         form={"grant_type": "client_credentials"},
         headers={"Authorization": "Basic YQBiOnNlY3JldA=="}),  # "a\0b:secret"
    Case("revoke: nothing", "POST", "/oauth/revoke", 401, error="invalid_client", form={}),
    # Paths and queries.
    Case("id: letters", "GET", "/api/v1/accounts/abc", 404),
    Case("id: negative", "GET", "/api/v1/accounts/-1", 404),
    Case("id: zero", "GET", "/api/v1/accounts/0", 404),
    Case("id: past a signed 64-bit", "GET", "/api/v1/accounts/9223372036854775808", 404),
    Case("id: 30 digits", "GET", "/api/v1/accounts/" + "9" * 30, 404),
    Case("id: exponent", "GET", "/api/v1/accounts/1e5", 404),
    Case("id: emoji", "GET", "/api/v1/accounts/%F0%9F%98%80", 404),
    Case("id: nobody's", "GET", "/api/v1/accounts/1234567890123", 404),
    Case("lookup: huge acct", "GET", "/api/v1/accounts/lookup", 404,
         params={"acct": "a" * 30_000}),
    Case("lookup: empty", "GET", "/api/v1/accounts/lookup", 404, params={"acct": ""}),
    Case("lookup: someone elsewhere", "GET", "/api/v1/accounts/lookup", 404,
         params={"acct": "alice@elsewhere.example"}),
    Case("lookup: full-width", "GET", "/api/v1/accounts/lookup", 404,
         params={"acct": "\uff41\uff4c\uff49\uff43\uff45"}),
    Case("lookup: NUL", "GET", "/api/v1/accounts/lookup", 404, params={"acct": "ali\x00ce"}),
    Case("unknown route", "GET", "/api/v1/nothing-here", 404),
    Case("unknown version", "GET", "/api/v9/instance", 404),
    Case("wrong method", "DELETE", "/api/v1/instance", 405),
]


async def send(world: World, case: Case) -> httpx.Response:
    headers = dict(case.headers)
    if case.auth:
        headers |= bearer(world.tokens[case.auth])
    content = case.content
    if case.json_body is not None:
        # json.dumps escapes a lone surrogate as \\udXXX, which is valid JSON text.
        content = json.dumps(case.json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    return await world.http.request(case.method, case.path, headers=headers, params=case.params,
                                    data=case.form, content=content)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_bad_input_gets_a_clear_error(world: World, case: Case) -> None:
    response = await send(world, case)
    body = error_body(response, case.status)
    if case.error:
        assert body["error"] == case.error
    if case.field:
        name, code = case.field
        assert code in [e["error"] for e in body["details"][name]], body


async def _oversized() -> AsyncIterator[bytes]:
    """A body sent in chunks with no Content-Length, so only counting can stop it."""
    yield b"client_name="
    for _ in range(40):
        yield b"x" * 65536


async def test_an_oversized_body_without_a_length_is_cut_off(world: World) -> None:
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        response = await world.http.post("/api/v1/apps", content=_oversized(),
                                          headers={"Content-Type": content_type})
        error_body(response, 413)


async def test_unknown_fields_are_ignored(world: World) -> None:
    response = await world.http.post("/api/v1/apps", data={
        "client_name": "x", "redirect_uris": OOB, "oauth_info": "stray", "extra\x00": "y"})
    assert response.status_code == 200, response.text


async def test_refused_sign_ups_leave_nothing_behind(world: World) -> None:
    for acct in ("newcomer", "ALICE"):
        found = await world.http.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert found.status_code == (404 if acct == "newcomer" else 200)
    me = await world.http.get("/api/v1/accounts/verify_credentials",
                              headers=bearer(world.tokens["user"]))
    assert (me.json()["display_name"], me.json()["locked"]) == ("", False)
