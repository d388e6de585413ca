"""Timelines: the home News Feed (latest or top), public, and hashtag timelines."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field

from photofeed.api import deps
from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, container, optional, require
from photofeed.api.openapi_doc import query_of
from photofeed.api.paging import link_header, page_from
from photofeed.api.params import Params, validate
from photofeed.api.status_entities import statuses_response
from photofeed.services.feed_wait import home_when_newer

router = APIRouter()
MAX_WAIT_SECONDS = 60


class HomeParams(Params):
    order: Literal["latest", "top"] = "latest"
    cursor: str | None = Field(default=None, max_length=200)
    wait: float = Field(default=0, ge=0, le=MAX_WAIT_SECONDS)
    limit: int = Field(default=20)


@router.get("/api/v1/timelines/home", **doc.answers(list[doc.Status]),
            openapi_extra=query_of(HomeParams))
async def home(request: Request,
               caller: Annotated[Caller, Depends(require("read:statuses"))]) -> Response:
    # The container and base URL are read here rather than declared: on the busiest
    # route, FastAPI's resolving of each declared dependency cost more than its work.
    services, base_url = container(request), deps.base_url(request)
    params = validate(HomeParams, dict(request.query_params))
    timelines = services.timelines
    if params.order == "top":
        limit = max(1, min(params.limit, 40))
        views, cursor = await timelines.top(reader=caller.user, cursor=params.cursor,
                                            limit=limit)
        headers = {}
        if cursor:
            url = request.url.remove_query_params("cursor").include_query_params(cursor=cursor)
            headers["Link"] = f'<{url}>; rel="next"'
        return statuses_response(views, base_url, headers)
    page = page_from(request, default_limit=20, max_limit=40)
    views, cursors = await timelines.home(reader=caller.user, page=page)
    if not cursors and params.wait and (page.min_id or page.since_id):
        views, cursors = await home_when_newer(timelines, services.events, reader=caller.user,
                                               page=page, wait=params.wait)
    return statuses_response(views, base_url, link_header(request, cursors))


@router.get("/api/v1/timelines/public", **doc.answers(list[doc.Status]))
async def public(request: Request, services: Services, base_url: BaseUrl,
                 caller: Annotated[Caller | None, Depends(optional("read:statuses"))],
                 ) -> Response:
    views, cursors = await services.timelines.public(
        viewer=caller.account if caller else None, page=page_from(request, default_limit=20,
                                                                   max_limit=40))
    return statuses_response(views, base_url, link_header(request, cursors))


@router.get("/api/v1/timelines/tag/{hashtag}", **doc.answers(list[doc.Status]))
async def tag(hashtag: str, request: Request, services: Services, base_url: BaseUrl,
              caller: Annotated[Caller | None, Depends(optional("read:statuses"))],
              ) -> Response:
    views, cursors = await services.timelines.public(
        viewer=caller.account if caller else None,
        page=page_from(request, default_limit=20, max_limit=40),
        tag=hashtag.lower().lstrip("#")[:100])
    return statuses_response(views, base_url, link_header(request, cursors))
