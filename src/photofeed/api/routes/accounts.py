"""Account endpoints: sign up, who am I, edit my profile, look people up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, client_ip, optional, require
from photofeed.api.entities import account_json, token_json
from photofeed.api.openapi_doc import body_of
from photofeed.api.params import Params, parse, read_params, upload, validate
from photofeed.api.routes.media import copy_upload
from photofeed.bootstrap import Container
from photofeed.domain.accounts import Account, ProfileChanges
from photofeed.domain.errors import Forbidden, NotFound
from photofeed.ids import parse_id

router = APIRouter()
MaybeCaller = Annotated[Caller | None, Depends(optional("read:accounts"))]


class RegisterParams(Params):
    username: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=400)
    password: str = Field(default="", max_length=1000)
    agreement: bool = False
    locale: str = Field(default="en", max_length=16)
    reason: str | None = Field(default=None, max_length=1000)


class ProfileParams(Params):
    display_name: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None


@router.post("/api/v1/accounts", **doc.answers(doc.Token),
             openapi_extra=body_of(RegisterParams, required=True))
async def register(request: Request, services: Services,
                   caller: Annotated[Caller, Depends(require("write:accounts", user=False))],
                   ) -> dict[str, Any]:
    if not services.settings.registrations_open:
        raise Forbidden("Registrations are closed on this server")
    params = await parse(request, RegisterParams)
    await services.throttle.registration(ip=client_ip(request))
    account = await services.accounts.register(
        username=params.username, email=params.email, password=params.password,
        agreement=params.agreement, locale=params.locale)
    # The new account's first reads must find it: they go to the primary for a while.
    await services.reads.acting_as(account.id)
    issued = await services.oauth.issue_for(client_id=caller.token.client_id,
                                            account_id=account.id, scopes=caller.token.scopes)
    return token_json(issued)


@router.get("/api/v1/accounts/verify_credentials", **doc.answers(doc.Account))
async def verify_credentials(
    base_url: BaseUrl, caller: Annotated[Caller, Depends(require("profile"))],
) -> dict[str, Any]:
    return account_json(caller.user, base_url, credentials=True)


@router.patch("/api/v1/accounts/update_credentials", **doc.answers(doc.Account),
              openapi_extra=body_of(ProfileParams, files=("avatar", "header")))
async def update_credentials(
    request: Request, services: Services, base_url: BaseUrl,
    caller: Annotated[Caller, Depends(require("write:accounts"))],
) -> dict[str, Any]:
    try:
        raw = await read_params(request)
        params = validate(ProfileParams, raw)
        pictures = await _portraits(services, caller.user, raw)
    finally:
        await request.close()
    account = await services.accounts.update_profile(
        account_id=caller.user.id,
        changes=ProfileChanges(display_name=params.display_name, note=params.note,
                               locked=params.locked, bot=params.bot,
                               discoverable=params.discoverable,
                               avatar_key=pictures.get("avatar"),
                               header_key=pictures.get("header")))
    await _forget_replaced(services, caller.user, account)
    if params.locked is not None and params.locked != caller.user.locked:
        # Who may see every post changed: the worker publishes or withdraws their media.
        await services.media_store.announce_audience_change(account.id)
    return account_json(account, base_url, credentials=True)


async def _portraits(services: Container, actor: Account, raw: dict[str, Any]) -> dict[str, str]:
    """Store the avatar and header files sent (multipart `avatar`, `header`); their keys."""
    keys: dict[str, str] = {}
    for which in ("avatar", "header"):
        part = upload(raw.get(which))
        if part is None:
            continue
        async with services.media.workspace() as work:
            src = await copy_upload(services, part, work / which)
            keys[which] = await services.media.store_portrait(actor=actor, src=src, work=work,
                                                              which=which)
    return keys


async def _forget_replaced(services: Container, before: Account, after: Account) -> None:
    for old, new in ((before.avatar_key, after.avatar_key),
                     (before.header_key, after.header_key)):
        if old and old != new:
            await services.media.drop_portrait(actor=before, key=old)


@router.get("/api/v1/accounts/lookup", **doc.answers(doc.Account))
async def lookup(services: Services, base_url: BaseUrl, _: MaybeCaller,
                 acct: str = "") -> dict[str, Any]:
    if len(acct) > 400:
        raise NotFound("Record not found")
    domain = base_url.split("://", 1)[-1]
    return account_json(await services.accounts.lookup(acct, domain=domain), base_url)


@router.get("/api/v1/accounts/{account_id}", **doc.answers(doc.Account))
async def get_account(account_id: str, services: Services, base_url: BaseUrl,
                      _: MaybeCaller) -> dict[str, Any]:
    parsed = parse_id(account_id)
    if parsed is None:
        raise NotFound("Record not found")
    return account_json(await services.accounts.get(parsed), base_url)
