"""Search: posts, people and hashtags (v2 search), people alone, and one hashtag."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, optional
from photofeed.api.entities import account_json
from photofeed.api.openapi_doc import query_of
from photofeed.api.params import Params, validate
from photofeed.api.status_entities import status_json
from photofeed.domain.errors import FieldError, ValidationFailed
from photofeed.domain.search import MAX_QUERY_CHARS, TagStats
from photofeed.ids import parse_id

router = APIRouter()
Kind = Literal["accounts", "statuses", "hashtags"]


class SearchParams(Params):
    q: str = Field(default="", max_length=MAX_QUERY_CHARS)
    type: Kind | None = None
    limit: int = 20
    offset: int = Field(default=0, ge=0)
    account_id: str | None = Field(default=None, max_length=40)
    resolve: bool = False
    following: bool = False

    @field_validator("type", "account_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def clamped(self, default: int, most: int) -> int:
        """The limit within 1..most, as Mastodon clamps it; `default` when not sent."""
        return max(1, min(self.limit, most)) if "limit" in self.model_fields_set else default


def _domain(base_url: str) -> str:
    return base_url.split("://", 1)[-1].split("/", 1)[0]


def _account_filter(params: SearchParams) -> int | None:
    if params.account_id is None:
        return None
    parsed = parse_id(params.account_id)
    if parsed is None:
        raise ValidationFailed({"account_id": [FieldError("ERR_INVALID", "is not a valid ID")]})
    return parsed


def tag_json(tag: TagStats, base_url: str) -> dict[str, Any]:
    return {
        "name": tag.name,
        "url": f"{base_url}/tags/{tag.name}",
        # Mastodon sends these counts as strings.
        "history": [{"day": str(d.day), "uses": str(d.uses), "accounts": str(d.accounts)}
                    for d in tag.history],
        "following": False,
    }


@router.get("/api/v2/search", openapi_extra=query_of(SearchParams))
async def search(request: Request, services: Services, base_url: BaseUrl,
                 caller: Annotated[Caller | None, Depends(optional("read:search"))],
                 ) -> dict[str, Any]:
    params = validate(SearchParams, dict(request.query_params))
    viewer = caller.account if caller else None
    limit = params.clamped(20, 40)
    wanted = {params.type} if params.type else {"accounts", "statuses", "hashtags"}
    body: dict[str, Any] = {"accounts": [], "statuses": [], "hashtags": []}
    search_service = services.search
    if "accounts" in wanted:
        found = await search_service.accounts(
            viewer=viewer, q=params.q, limit=limit, offset=params.offset,
            domain=_domain(base_url), following=params.following)
        body["accounts"] = [account_json(a, base_url) for a in found]
    if "statuses" in wanted:
        views = await search_service.statuses(viewer=viewer, q=params.q, limit=limit,
                                              offset=params.offset,
                                              account_id=_account_filter(params))
        body["statuses"] = [status_json(v, base_url) for v in views]
    if "hashtags" in wanted:
        tags = await search_service.hashtags(q=params.q, limit=limit, offset=params.offset)
        body["hashtags"] = [tag_json(t, base_url) for t in tags]
    return body


@router.get("/api/v1/accounts/search", **doc.answers(list[doc.Account]),
            openapi_extra=query_of(SearchParams))
async def accounts(request: Request, services: Services, base_url: BaseUrl,
                   caller: Annotated[Caller | None, Depends(optional("read:accounts"))],
                   ) -> JSONResponse:
    params = validate(SearchParams, dict(request.query_params))
    found = await services.search.accounts(
        viewer=caller.account if caller else None, q=params.q, limit=params.clamped(40, 80),
        offset=params.offset, domain=_domain(base_url), following=params.following)
    return JSONResponse([account_json(a, base_url) for a in found])


@router.get("/api/v1/tags/{name}")
async def tag(name: str, services: Services, base_url: BaseUrl,
              _: Annotated[Caller | None, Depends(optional("read:statuses"))],
              ) -> dict[str, Any]:
    return tag_json(await services.search.tag(name=name), base_url)
