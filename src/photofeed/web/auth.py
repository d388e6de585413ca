"""Sign up, sign in and sign out: the only web forms, since they make or end the cookie."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from photofeed.api.deps import client_ip, container
from photofeed.api.params import Params, parse
from photofeed.bootstrap import Container
from photofeed.domain.errors import DomainError, OAuthError, RateLimited, ValidationFailed
from photofeed.domain.oauth import OOB_REDIRECT, Application
from photofeed.web import session
from photofeed.web.render import Current, page, safe_next

router = APIRouter()
# Everything the pages' scripts do through the API; a third-party app asks for its own.
WEB_SCOPES = "read write follow"
_app_lock = asyncio.Lock()


class SignInForm(Params):
    username: str = Field(default="", max_length=400)
    password: str = Field(default="", max_length=1000)
    next: str = Field(default="/", max_length=2000)


class SignUpForm(Params):
    username: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=400)
    password: str = Field(default="", max_length=1000)
    agreement: bool = False


async def first_party_app(request: Request) -> Application:
    """The web UI's own OAuth client, registered once per server process.

    Tokens of any process's copy work everywhere (a token names its client), so processes
    need not agree on one; sign-out revokes through the client the token names.
    """
    async with _app_lock:
        known: Application | None = getattr(request.app.state, "web_client", None)
        if known is None:
            known, _ = await container(request).oauth.register_app(
                name="photofeed web", redirect_uris=[OOB_REDIRECT], scopes=WEB_SCOPES,
                website=None)
            request.app.state.web_client = known
        return known


def _signed_in(request: Request, services: Container, token: str, target: str) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    session.start_session(response, request, token, public_url=services.settings.public_url)
    return response


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, who: Current, next: str = "/") -> Response:
    if who.account:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "signin.html", who, next=safe_next(next)[:2000])


@router.post("/signin", response_class=HTMLResponse)
async def sign_in(request: Request, who: Current) -> Response:
    services = container(request)
    form = await parse(request, SignInForm)

    def again(error: str, status: int) -> Response:
        return page(request, "signin.html", who, status, error=error, username=form.username,
                    next=safe_next(form.next))

    if session.cross_site(request, services.settings.public_url):
        return again("This form was sent from another site.", 403)
    try:
        await services.throttle.signin(ip=client_ip(request), login=form.username)
        issued = await services.oauth.password_grant(
            app=await first_party_app(request), login=form.username, password=form.password,
            scope=WEB_SCOPES)
    except RateLimited:
        return again("Too many attempts; wait a minute.", 429)
    except OAuthError:
        return again("Wrong username or password.", 401)
    return _signed_in(request, services, issued.access_token, form.next)


@router.get("/signup", response_class=HTMLResponse)
async def sign_up_page(request: Request, who: Current) -> Response:
    if who.account:
        return RedirectResponse("/", status_code=303)
    return page(request, "signup.html", who, form=SignUpForm(), errors={},
                open=container(request).settings.registrations_open)


@router.post("/signup", response_class=HTMLResponse)
async def sign_up(request: Request, who: Current) -> Response:
    services = container(request)
    form = await parse(request, SignUpForm)

    def again(errors: dict[str, str], status: int) -> Response:
        return page(request, "signup.html", who, status, form=form, errors=errors,
                    open=services.settings.registrations_open)

    if session.cross_site(request, services.settings.public_url):
        return again({"form": "This form was sent from another site."}, 403)
    if not services.settings.registrations_open:
        return again({"form": "Registrations are closed on this server."}, 403)
    try:
        await services.throttle.registration(ip=client_ip(request))
        account = await services.accounts.register(
            username=form.username, email=form.email, password=form.password,
            agreement=form.agreement)
    except RateLimited:
        return again({"form": "Too many sign-ups from here; try again later."}, 429)
    except ValidationFailed as failed:
        return again({name: "; ".join(e.description for e in errors)
                      for name, errors in failed.details.items()}, 422)
    await services.reads.acting_as(account.id)  # its first pages must find the account
    app = await first_party_app(request)
    issued = await services.oauth.issue_for(client_id=app.client_id, account_id=account.id,
                                            scopes=app.scopes)
    return _signed_in(request, services, issued.access_token, "/")


@router.post("/signout", response_class=HTMLResponse)
async def sign_out(request: Request) -> Response:
    services = container(request)
    token = session.session_of(request)
    form = await request.form()
    presented = form.get(session.CSRF_FIELD)
    if token is None or not session.csrf_matches(token, presented if isinstance(
            presented, str) else None):
        return RedirectResponse("/", status_code=303)
    try:
        stored = await services.oauth.bearer(token)
        app = await services.oauth.client(stored.client_id)
        await services.oauth.revoke(app=app, token=token)
    except DomainError:
        pass  # expired or revoked already: the cookie goes all the same
    response = RedirectResponse("/", status_code=303)
    session.end_session(response, request, public_url=services.settings.public_url)
    return response
