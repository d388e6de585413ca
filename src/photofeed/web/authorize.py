"""GET/POST /oauth/authorize: the sign-in and consent page of the authorization code grant."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from photofeed.api.deps import Services, client_ip
from photofeed.api.params import Params, parse
from photofeed.domain.errors import DomainError, RateLimited
from photofeed.domain.oauth import OOB_REDIRECT, Application
from photofeed.domain.scopes import Scopes
from photofeed.web.templates import templates

router = APIRouter()


class AuthorizeParams(Params):
    client_id: str = Field(default="", max_length=200)
    redirect_uri: str = Field(default="", max_length=2000)
    scope: str | None = Field(default=None, max_length=500)
    state: str = Field(default="", max_length=1000)
    response_type: str = "code"
    username: str = Field(default="", max_length=400)
    password: str = Field(default="", max_length=1000)
    decision: str = ""


async def _checked(services: Services, params: AuthorizeParams) -> tuple[Application, Scopes]:
    if params.response_type != "code":
        raise _PageError("Only response_type=code is supported.")
    try:
        app = await services.oauth.client(params.client_id)
        services.oauth.check_redirect(app, params.redirect_uri)
        return app, services.oauth.requested_scopes(app, params.scope)
    except DomainError as exc:
        raise _PageError(exc.message) from None


class _PageError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(request: Request, app: Application, params: AuthorizeParams, scopes: Scopes,
          error: str = "", status: int = 200) -> HTMLResponse:
    return _page(request, "authorize.html", status, app_name=app.name, client_id=app.client_id,
                 redirect_uri=params.redirect_uri, scope=str(scopes),
                 scopes=sorted(scopes.names), state=params.state,
                 username=params.username, error=error)


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def show(request: Request, services: Services) -> Response:
    params = await parse(request, AuthorizeParams)
    try:
        app, scopes = await _checked(services, params)
    except _PageError as exc:
        return _page(request, "oauth_error.html", 400, message=exc.message)
    return _form(request, app, params, scopes)


@router.post("/oauth/authorize", response_class=HTMLResponse)
async def decide(request: Request, services: Services) -> Response:
    params = await parse(request, AuthorizeParams)
    try:
        app, scopes = await _checked(services, params)
    except _PageError as exc:
        return _page(request, "oauth_error.html", 400, message=exc.message)
    if params.decision != "approve":
        return _back(params, error="access_denied")
    try:
        await services.throttle.signin(ip=client_ip(request), login=params.username)
    except RateLimited:
        return _form(request, app, params, scopes, "Too many attempts; wait a minute.", 429)
    account = await services.accounts.authenticate(login=params.username,
                                                   password=params.password)
    if account is None:
        return _form(request, app, params, scopes, "Wrong username or password.", 401)
    code = await services.oauth.grant_code(app=app, account=account,
                                           redirect_uri=params.redirect_uri, scopes=scopes)
    if params.redirect_uri == OOB_REDIRECT:
        return _page(request, "authorize_code.html", app_name=app.name, code=code)
    return _back(params, code=code)


def _back(params: AuthorizeParams, **values: str) -> Response:
    """Send the browser back to the app with the code or the refusal."""
    if params.redirect_uri == OOB_REDIRECT:
        return HTMLResponse("<p>Authorization denied.</p>", status_code=403)
    query = dict(values, **({"state": params.state} if params.state else {}))
    separator = "&" if "?" in params.redirect_uri else "?"
    return RedirectResponse(params.redirect_uri + separator + urlencode(query), status_code=302)
