"""Posts: create, read, delete, threads, likes, and an account's posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, field_validator

from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, optional, require
from photofeed.api.entities import account_json
from photofeed.api.openapi_doc import body_of
from photofeed.api.paging import link_header, page_from
from photofeed.api.params import Params, parse
from photofeed.api.status_entities import status_json, statuses_response
from photofeed.domain import text
from photofeed.domain.errors import NotFound
from photofeed.domain.posts import MAX_MEDIA, NewPost, ProfileFilter, Visibility
from photofeed.ids import parse_id

router = APIRouter()
Reader = Annotated[Caller | None, Depends(optional("read:statuses"))]
Writer = Annotated[Caller, Depends(require("write:statuses"))]
Liker = Annotated[Caller, Depends(require("write:favourites"))]


def _id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound("Record not found")
    return parsed


def _viewer(caller: Caller | None) -> Any:
    return caller.account if caller else None


def _documented(**limits: int) -> Callable[[dict[str, Any]], None]:
    """A field's schema as the document states it: the real limits, no empty default."""

    def amend(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        schema.update(limits)

    return amend


class StatusParams(Params):
    # The parse limits are loose so the service names the real ones in its error; the
    # document states the real ones (a caption is needed unless media is attached).
    status: str = Field(default="", max_length=20_000, json_schema_extra=_documented(
        maxLength=text.CAPTION_MAX, minLength=1))
    title: str | None = Field(default=None, max_length=2_000,
                              json_schema_extra={"maxLength": text.TITLE_MAX})
    media_ids: list[str] = Field(default_factory=list, max_length=100,
                                 json_schema_extra={"maxItems": MAX_MEDIA})
    visibility: Visibility = "public"
    sensitive: bool = False
    spoiler_text: str = Field(default="", max_length=500)
    language: str | None = Field(default=None, max_length=16)
    in_reply_to_id: str | None = Field(default=None, max_length=30)

    @field_validator("media_ids", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        # IDs are strings in Mastodon's JSON, but some clients send JSON numbers.
        value = [value] if isinstance(value, str | int) else value
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                    for v in value]
        return value

    @field_validator("in_reply_to_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("media_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        if any(parse_id(v) is None for v in value):
            raise ValueError("every media id must be a numeric ID")
        return value


class ProfileParams(Params):
    only_media: bool = False
    exclude_replies: bool = False
    pinned: bool = False


@router.post("/api/v1/statuses", **doc.answers(doc.Status), openapi_extra=body_of(StatusParams))
async def create(request: Request, services: Services, base_url: BaseUrl,
                 caller: Writer) -> dict[str, Any]:
    params = await parse(request, StatusParams)
    reply_to = params.in_reply_to_id
    new = NewPost(
        caption=params.status, title=params.title,
        media_ids=[int(m) for m in params.media_ids], visibility=params.visibility,
        sensitive=params.sensitive, spoiler_text=params.spoiler_text,
        language=params.language or None,
        in_reply_to_id=_id(reply_to) if reply_to else None)
    view = await services.posts.create(actor=caller.user, new=new,
                                       idempotency_key=request.headers.get("idempotency-key"))
    return status_json(view, base_url)


@router.get("/api/v1/statuses/{status_id}", **doc.answers(doc.Status))
async def show(status_id: str, services: Services, base_url: BaseUrl,
               caller: Reader) -> dict[str, Any]:
    view = await services.posts.get(viewer=_viewer(caller), post_id=_id(status_id))
    return status_json(view, base_url)


@router.delete("/api/v1/statuses/{status_id}", **doc.answers(doc.Status))
async def delete(status_id: str, services: Services, base_url: BaseUrl,
                 caller: Writer) -> dict[str, Any]:
    view = await services.posts.delete(actor=caller.user, post_id=_id(status_id))
    return status_json(view, base_url, source=True)


@router.get("/api/v1/statuses/{status_id}/context", **doc.answers(doc.Context))
async def context(status_id: str, services: Services, base_url: BaseUrl,
                  caller: Reader) -> dict[str, Any]:
    above, below = await services.posts.context(viewer=_viewer(caller), post_id=_id(status_id))
    return {"ancestors": [status_json(v, base_url) for v in above],
            "descendants": [status_json(v, base_url) for v in below]}


@router.post("/api/v1/statuses/{status_id}/favourite", **doc.answers(doc.Status))
async def favourite(status_id: str, services: Services, base_url: BaseUrl,
                    caller: Liker) -> dict[str, Any]:
    view = await services.posts.favourite(actor=caller.user, post_id=_id(status_id), on=True)
    return status_json(view, base_url)


@router.post("/api/v1/statuses/{status_id}/unfavourite", **doc.answers(doc.Status))
async def unfavourite(status_id: str, services: Services, base_url: BaseUrl,
                      caller: Liker) -> dict[str, Any]:
    view = await services.posts.favourite(actor=caller.user, post_id=_id(status_id), on=False)
    return status_json(view, base_url)


@router.get("/api/v1/statuses/{status_id}/favourited_by", **doc.answers(list[doc.Account]))
async def favourited_by(status_id: str, request: Request, services: Services,
                        base_url: BaseUrl, caller: Reader) -> JSONResponse:
    accounts, cursors = await services.posts.favourited_by(
        viewer=_viewer(caller), post_id=_id(status_id), page=page_from(request))
    return JSONResponse([account_json(a, base_url) for a in accounts],
                        headers=link_header(request, cursors))


@router.get("/api/v1/accounts/{account_id}/statuses", **doc.answers(list[doc.Status]))
async def account_statuses(account_id: str, request: Request, services: Services,
                           base_url: BaseUrl, caller: Reader) -> Response:
    params = await parse(request, ProfileParams)
    views, cursors = await services.posts.by_author(
        viewer=_viewer(caller), account_id=_id(account_id),
        only=ProfileFilter(only_media=params.only_media,
                           exclude_replies=params.exclude_replies, pinned=params.pinned),
        page=page_from(request, default_limit=20, max_limit=40))
    return statuses_response(views, base_url, link_header(request, cursors))
