"""The home page: the News Feed when signed in, a welcome with public posts when not."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from photofeed.api.deps import BaseUrl, Services
from photofeed.domain.accounts import Account
from photofeed.domain.graph import Page
from photofeed.domain.posts import PostView
from photofeed.ids import parse_id
from photofeed.web.cards import post_card
from photofeed.web.render import Current, page

router = APIRouter()
FEED_PAGE = 10
Order = Literal["latest", "top"]


async def _feed(services: Services, reader: Account, order: Order, request: Request,
                ) -> tuple[list[PostView], str]:
    """One page of the reader's feed and the address of the next ("" at the end)."""
    query = request.query_params
    if order == "top":
        cursor = query.get("cursor", "")[:200] or None
        views, following = await services.timelines.top(reader=reader, cursor=cursor,
                                                        limit=FEED_PAGE)
        return views, f"/?{urlencode({'order': 'top', 'cursor': following})}" \
            if following else ""
    max_id = parse_id(query.get("max_id", ""))
    views, covered = await services.timelines.home(
        reader=reader, page=Page(limit=FEED_PAGE, max_id=max_id))
    more = len(covered) >= FEED_PAGE
    return views, f"/?{urlencode({'max_id': min(covered)})}" if more else ""


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, services: Services, base_url: BaseUrl,
               who: Current) -> Response:
    if who.account is None:
        views, _ = await services.timelines.public(viewer=None, page=Page(limit=12))
        return page(request, "welcome.html", who, index=True,
                    posts=[post_card(v, base_url) for v in views],
                    title=services.settings.instance_title,
                    about=services.settings.instance_description)
    order: Order = "top" if request.query_params.get("order") == "top" else "latest"
    views, more = await _feed(services, who.account, order, request)
    return page(request, "feed.html", who, scripts=("app", "feed"), order=order,
                posts=[post_card(v, base_url) for v in views], more=more,
                first=not (request.query_params.get("max_id")
                           or request.query_params.get("cursor")))


@router.get("/tags/{name}", response_class=HTMLResponse)
async def tag(request: Request, name: str, services: Services, base_url: BaseUrl,
              who: Current) -> Response:
    tag_name = name.lower().lstrip("#")[:100]
    max_id = parse_id(request.query_params.get("max_id", ""))
    views, covered = await services.timelines.public(
        viewer=who.account, page=Page(limit=FEED_PAGE, max_id=max_id), tag=tag_name)
    more = f"/tags/{tag_name}?{urlencode({'max_id': min(covered)})}" \
        if len(covered) >= FEED_PAGE else ""
    scripts = ("app", "feed") if who.account else ("view", "feed")
    return page(request, "tag.html", who, scripts=scripts,
                tag=tag_name, posts=[post_card(v, base_url) for v in views], more=more)
