"""Who is looking at a page, and the page itself with the headers every page carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from photofeed.api.deps import base_url, container
from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound, Unauthenticated
from photofeed.web import session
from photofeed.web.cards import Person, person
from photofeed.web.templates import templates

# Scripts only from our /static files, never inline; nothing frames the pages. Media may
# be a blob: URL while an upload is previewed before it is sent.
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; style-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


@dataclass(frozen=True)
class Visitor:
    """The person behind a page request (None if signed out) and their CSRF token."""

    account: Account | None
    me: Person | None
    csrf: str = ""


async def visitor(request: Request) -> Visitor:
    """From a bearer header (API clients) or the session cookie; a dead token signs out."""
    header = request.headers.get("authorization", "")
    scheme, _, bearer = header.partition(" ")
    cookie = session.session_of(request)
    token_text = bearer.strip() if scheme.lower() == "bearer" else cookie
    if not token_text:
        return Visitor(None, None)
    services = container(request)
    try:
        token = await services.oauth.bearer(token_text)
        if token.account_id is None or not token.scopes.allows("read:statuses"):
            return Visitor(None, None)
        await services.reads.acting_as(token.account_id)
        account = await services.accounts.get(token.account_id)
    except (Unauthenticated, NotFound):
        return Visitor(None, None)
    csrf = session.csrf_token(cookie) if cookie == token_text and cookie else ""
    return Visitor(account, person(account, base_url(request)), csrf)


Current = Annotated[Visitor, Depends(visitor)]


def page(request: Request, name: str, who: Visitor, status: int = 200, *,
         index: bool = False, scripts: tuple[str, ...] | None = None,
         **context: Any) -> HTMLResponse:
    """A template rendered for `who`: with app.js when signed in, else the read-only view.js,
    unless the page names its own scripts."""
    if scripts is None:
        scripts = ("app",) if who.account else ("view",)
    response = templates.TemplateResponse(
        request, name, {"me": who.me, "csrf": who.csrf, "scripts": scripts, **context},
        status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    # What a page shows depends on who asks; never let a cache hand it to someone else.
    response.headers["Cache-Control"] = "no-cache, private"
    response.headers["Vary"] = "Authorization, Cookie"
    if not index:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def to_sign_in(request: Request) -> RedirectResponse:
    """Off to the sign-in page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='/')}", status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site: never //host or a scheme, which would leave it."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
