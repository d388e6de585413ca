"""Follow, block and the lists around them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, optional, require
from photofeed.api.entities import account_json, relationship_json
from photofeed.api.paging import link_header, page_from
from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.ids import parse_id

router = APIRouter()
Follower = Annotated[Caller, Depends(require("write:follows"))]
Blocker = Annotated[Caller, Depends(require("write:blocks"))]
Reader = Annotated[Caller | None, Depends(optional("read:accounts"))]


def _id(text: str) -> int:
    parsed = parse_id(text)
    if parsed is None:
        raise NotFound("Record not found")
    return parsed


@router.post("/api/v1/accounts/{account_id}/follow", **doc.answers(doc.Relationship))
async def follow(account_id: str, services: Services, caller: Follower) -> dict[str, Any]:
    return relationship_json(await services.graph.follow(actor=caller.user,
                                                         target_id=_id(account_id)))


@router.post("/api/v1/accounts/{account_id}/unfollow", **doc.answers(doc.Relationship))
async def unfollow(account_id: str, services: Services, caller: Follower) -> dict[str, Any]:
    return relationship_json(await services.graph.unfollow(actor=caller.user,
                                                           target_id=_id(account_id)))


@router.post("/api/v1/accounts/{account_id}/remove_from_followers", **doc.answers(doc.Relationship))
async def remove_from_followers(account_id: str, services: Services,
                                caller: Follower) -> dict[str, Any]:
    return relationship_json(await services.graph.remove_follower(
        actor=caller.user, follower_id=_id(account_id)))


@router.post("/api/v1/accounts/{account_id}/block", **doc.answers(doc.Relationship))
async def block(account_id: str, services: Services, caller: Blocker) -> dict[str, Any]:
    return relationship_json(await services.graph.block(actor=caller.user,
                                                        target_id=_id(account_id)))


@router.post("/api/v1/accounts/{account_id}/unblock", **doc.answers(doc.Relationship))
async def unblock(account_id: str, services: Services, caller: Blocker) -> dict[str, Any]:
    return relationship_json(await services.graph.unblock(actor=caller.user,
                                                          target_id=_id(account_id)))


@router.get("/api/v1/accounts/relationships", **doc.answers(list[doc.Relationship]))
async def relationships(request: Request, services: Services,
                        caller: Annotated[Caller, Depends(require("read:follows"))],
                        ) -> list[dict[str, Any]]:
    raw = request.query_params.getlist("id[]") or request.query_params.getlist("id")
    wanted = [parsed for parsed in (parse_id(value) for value in raw[:100]) if parsed]
    found = await services.graph.relationships(caller.user.id, wanted)
    return [relationship_json(rel) for rel in found]


def _accounts_page(request: Request, base_url: str, accounts: list[Account],
                   cursors: list[int]) -> JSONResponse:
    return JSONResponse([account_json(a, base_url) for a in accounts],
                        headers=link_header(request, cursors))


@router.get("/api/v1/accounts/{account_id}/followers", **doc.answers(list[doc.Account]))
async def followers(account_id: str, request: Request, services: Services, base_url: BaseUrl,
                    caller: Reader) -> JSONResponse:
    viewer = caller.account.id if caller and caller.account else None
    accounts, cursors = await services.graph.followers(
        viewer_id=viewer, account_id=_id(account_id), page=page_from(request))
    return _accounts_page(request, base_url, accounts, cursors)


@router.get("/api/v1/accounts/{account_id}/following", **doc.answers(list[doc.Account]))
async def following(account_id: str, request: Request, services: Services, base_url: BaseUrl,
                    caller: Reader) -> JSONResponse:
    viewer = caller.account.id if caller and caller.account else None
    accounts, cursors = await services.graph.following(
        viewer_id=viewer, account_id=_id(account_id), page=page_from(request))
    return _accounts_page(request, base_url, accounts, cursors)


@router.get("/api/v1/follow_requests", **doc.answers(list[doc.Account]))
async def follow_requests(request: Request, services: Services, base_url: BaseUrl,
                          caller: Annotated[Caller, Depends(require("read:follows"))],
                          ) -> JSONResponse:
    accounts, cursors = await services.graph.follow_requests(actor=caller.user,
                                                             page=page_from(request))
    return _accounts_page(request, base_url, accounts, cursors)


@router.post("/api/v1/follow_requests/{account_id}/authorize", **doc.answers(doc.Relationship))
async def authorize(account_id: str, services: Services, caller: Follower) -> dict[str, Any]:
    return relationship_json(await services.graph.authorize(actor=caller.user,
                                                            requester_id=_id(account_id)))


@router.post("/api/v1/follow_requests/{account_id}/reject", **doc.answers(doc.Relationship))
async def reject(account_id: str, services: Services, caller: Follower) -> dict[str, Any]:
    return relationship_json(await services.graph.reject(actor=caller.user,
                                                         requester_id=_id(account_id)))
