"""Lists of people: followers, following, and the follow requests waiting for me."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from photofeed.api.deps import BaseUrl, Services
from photofeed.domain.accounts import Account
from photofeed.domain.errors import Forbidden, NotFound
from photofeed.domain.graph import Page, Relationship
from photofeed.ids import parse_id
from photofeed.web.cards import Person, person
from photofeed.web.render import Current, page, to_sign_in

router = APIRouter()
LIST_PAGE = 40
Which = Literal["followers", "following"]


def _page_of(request: Request) -> Page:
    return Page(limit=LIST_PAGE, max_id=parse_id(request.query_params.get("max_id", "")))


def _more(path: str, cursors: list[int]) -> str:
    return f"{path}?{urlencode({'max_id': min(cursors)})}" if len(cursors) >= LIST_PAGE else ""


async def _relations(services: Services, viewer: Account | None,
                     accounts: list[Account]) -> dict[str, Relationship]:
    """How the viewer stands to each listed person, for their follow buttons."""
    if viewer is None or not accounts:
        return {}
    found = await services.graph.relationships(viewer.id, [a.id for a in accounts])
    return {str(r.target_id): r for r in found}


async def _list(request: Request, username: str, which: Which, services: Services,
                base_url: str, who: Current) -> Response:
    viewer = who.account
    try:
        owner = await services.accounts.lookup(username, domain=urlsplit(base_url).netloc)
        listing = services.graph.followers if which == "followers" else services.graph.following
        accounts, cursors = await listing(viewer_id=viewer.id if viewer else None,
                                          account_id=owner.id, page=_page_of(request))
    except NotFound:
        return page(request, "not_found.html", who, 404)
    except Forbidden:
        return page(request, "people.html", who, 403, owner=person(owner, base_url),
                    which=which, people=[], relations={}, more="", private=True)
    people: list[Person] = [person(a, base_url) for a in accounts]
    return page(request, "people.html", who, owner=person(owner, base_url), which=which,
                people=people, relations=await _relations(services, viewer, accounts),
                more=_more(f"/@{owner.username}/{which}", cursors), private=False)


@router.get("/@{username}/followers", response_class=HTMLResponse)
async def followers(request: Request, username: str, services: Services, base_url: BaseUrl,
                    who: Current) -> Response:
    return await _list(request, username, "followers", services, base_url, who)


@router.get("/@{username}/following", response_class=HTMLResponse)
async def following(request: Request, username: str, services: Services, base_url: BaseUrl,
                    who: Current) -> Response:
    return await _list(request, username, "following", services, base_url, who)


@router.get("/follow_requests", response_class=HTMLResponse)
async def follow_requests(request: Request, services: Services, base_url: BaseUrl,
                          who: Current) -> Response:
    if who.account is None:
        return to_sign_in(request)
    accounts, cursors = await services.graph.follow_requests(actor=who.account,
                                                             page=_page_of(request))
    return page(request, "requests.html", who, people=[person(a, base_url) for a in accounts],
                more=_more("/follow_requests", cursors))
