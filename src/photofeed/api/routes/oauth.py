"""The OAuth 2 endpoints: token (three grants), revoke, and the authorize page."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from photofeed.api import response_docs as doc
from photofeed.api.deps import Services, client_ip
from photofeed.api.entities import token_json
from photofeed.api.openapi_doc import body_of
from photofeed.api.params import Params, parse
from photofeed.domain.errors import OAuthError, ValidationFailed

router = APIRouter()
P = TypeVar("P", bound=Params)


class TokenParams(Params):
    grant_type: Literal["password", "client_credentials", "authorization_code"] | str
    client_id: str = Field(default="", max_length=200)
    client_secret: str | None = Field(default=None, max_length=200)
    scope: str | None = Field(default=None, max_length=500)
    username: str = Field(default="", max_length=400)
    password: str = Field(default="", max_length=1000)
    code: str = Field(default="", max_length=200)
    redirect_uri: str | None = Field(default=None, max_length=2000)


class RevokeParams(Params):
    client_id: str = Field(default="", max_length=200)
    client_secret: str | None = Field(default=None, max_length=200)
    token: str = Field(default="", max_length=200)


async def _oauth_params(request: Request, model: type[P]) -> P:
    """Parameters, with a missing or mistyped one reported as RFC 6749's invalid_request."""
    try:
        return await parse(request, model)
    except ValidationFailed as exc:
        raise OAuthError("invalid_request", exc.message) from None


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client credentials sent as HTTP Basic, which RFC 6749 prefers to the form fields."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


@router.post("/oauth/token", **doc.answers(doc.Token),
             openapi_extra=body_of(TokenParams, required=True))
async def token(request: Request, services: Services) -> JSONResponse:
    params = await _oauth_params(request, TokenParams)
    client_id, secret = _basic_credentials(request) or (params.client_id, params.client_secret)
    if params.grant_type not in ("password", "client_credentials", "authorization_code"):
        raise OAuthError("unsupported_grant_type", "The authorization grant type is not "
                         "supported by the authorization server.")
    app = await services.oauth.client(client_id, secret or "")
    oauth = services.oauth
    if params.grant_type == "password":
        await services.throttle.signin(ip=client_ip(request), login=params.username)
        issued = await oauth.password_grant(app=app, login=params.username,
                                            password=params.password, scope=params.scope)
    elif params.grant_type == "client_credentials":
        issued = await oauth.client_credentials_grant(app=app, scope=params.scope)
    else:
        issued = await oauth.authorization_code_grant(app=app, code=params.code,
                                                      redirect_uri=params.redirect_uri)
    return JSONResponse(token_json(issued), headers={"Cache-Control": "no-store"})


@router.post("/oauth/revoke", openapi_extra=body_of(RevokeParams))
async def revoke(request: Request, services: Services) -> dict[str, Any]:
    params = await _oauth_params(request, RevokeParams)
    client_id, secret = _basic_credentials(request) or (params.client_id, params.client_secret)
    app = await services.oauth.client(client_id, secret or "")
    await services.oauth.revoke(app=app, token=params.token)
    return {}
