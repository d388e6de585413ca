"""The browser session: an OAuth token in an HttpOnly cookie, and CSRF protection around it.

Signing in through the web pages gets an ordinary OAuth access token from the first-party
app (web/first_party.py) and keeps it in the `pf_session` cookie: HttpOnly (page scripts
never see it), SameSite=Lax, Secure when the site is reached over https. Pages read it on
the server. Page scripts call the JSON API with no token of their own: `CookieBearer`
turns the cookie into the bearer header for /api/ requests, and for anything but a read it
asks for the `X-CSRF-Token` header, whose value only our own pages know (see
docs/web.md for why this design).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_COOKIE = "pf_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SESSION_MAX_AGE = 60 * 60 * 24 * 90  # the cookie's life; the token's own TTL still applies
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSRF_KEY = b"photofeed web csrf v1"


def csrf_token(session: str) -> str:
    """The session's CSRF token: derived from the session, so it changes with every sign-in
    and needs no storage; a one-way function, so showing it to scripts shows no token."""
    return hmac.new(session.encode(), _CSRF_KEY, hashlib.sha256).hexdigest()


def csrf_matches(session: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(session), presented or "")


def session_of(connection: HTTPConnection) -> str | None:
    value = connection.cookies.get(SESSION_COOKIE, "")
    return value if 20 <= len(value) <= 200 else None


def _secure(connection: HTTPConnection, public_url: str) -> bool:
    return connection.url.scheme == "https" or public_url.startswith("https://")


def start_session(response: Response, connection: HTTPConnection, token: str, *,
                  public_url: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_MAX_AGE, path="/",
                        httponly=True, samesite="lax",
                        secure=_secure(connection, public_url))


def end_session(response: Response, connection: HTTPConnection, *, public_url: str) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(connection, public_url))


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site(connection: HTTPConnection, public_url: str = "") -> bool:
    """Whether the browser says the request came from another site.

    Browsers send Sec-Fetch-Site and Origin with every POST; a request from a page of
    ours says same-origin. Their absence (curl, an old browser) proves nothing either way,
    so the CSRF token stays the real check for a signed-in session.
    """
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = connection.headers.get("origin")
    if origin is None or (origin == "null" and fetch_site == "same-origin"):
        return False
    ours = {_origin_of(str(connection.base_url))}
    if public_url:
        ours.add(_origin_of(public_url))
    return origin.lower() not in ours


class CookieBearer:
    """Let same-origin page scripts call /api/ with the session cookie instead of a token.

    A request that brings its own Authorization header is left alone, so Mastodon clients
    see no change. Reads get the bearer header at once; writes only with the session's
    CSRF token in X-CSRF-Token and not from another site, else 403 before any route runs.
    """

    def __init__(self, app: ASGIApp, *, public_url: str = "") -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session = session_of(connection)
        if session is None or "authorization" in connection.headers:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and (
                cross_site(connection, self.public_url)
                or not csrf_matches(session, connection.headers.get(CSRF_HEADER))):
            await _refuse(send)
            return
        headers = [*scope["headers"], (b"authorization", f"Bearer {session}".encode())]
        await self.app(dict(scope, headers=headers), receive, send)


async def _refuse(send: Send) -> None:
    body = json.dumps({"error": "The CSRF token is missing or wrong; reload the page"}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
