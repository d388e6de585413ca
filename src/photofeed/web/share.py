"""Public pages other networks link to: a post at /@username/:id, a profile, and oEmbed.

Every page asks the same services as the API, so the privacy policy is the one in
domain/visibility.py: a post the viewer may not see is a 404, and link-preview tags,
share links and oEmbed exist only for posts listed publicly.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field

from photofeed.api.deps import BaseUrl, Services
from photofeed.api.errors import error_response
from photofeed.api.params import Params, parse
from photofeed.domain.accounts import Account
from photofeed.domain.errors import NotFound
from photofeed.domain.graph import Page
from photofeed.domain.posts import PostView, ProfileFilter
from photofeed.domain.visibility import can_see_profile_content, listed_publicly
from photofeed.ids import parse_id
from photofeed.web import cards, previews
from photofeed.web.render import Current, page

router = APIRouter()
_POST_PATH = re.compile(r"/@(?P<username>[A-Za-z0-9_.]{1,30})/(?P<id>[0-9]{1,20})/?")
GRID_SIZE = 30


class OEmbedParams(Params):
    url: str = Field(default="", max_length=2000)
    maxwidth: int | None = Field(default=None, ge=1)
    maxheight: int | None = Field(default=None, ge=1)
    format: str = Field(default="json", max_length=10)


async def _post(services: Services, viewer: Account | None, username: str,
                status_id: str) -> PostView:
    """The post at /@username/:id if the viewer may see it; NotFound otherwise."""
    post_id = parse_id(status_id)
    if post_id is None:
        raise NotFound("Record not found")
    view = await services.posts.get(viewer=viewer, post_id=post_id)
    if view.author.username.lower() != username.lower():
        raise NotFound("Record not found")
    return view


@router.get("/@{username}/{status_id}", response_class=HTMLResponse)
async def post_page(request: Request, username: str, status_id: str, services: Services,
                    base_url: BaseUrl, who: Current) -> Response:
    viewer = who.account
    try:
        view = await _post(services, viewer, username, status_id)
        _, comments = await services.posts.context(viewer=viewer, post_id=view.post.id)
    except NotFound:
        return page(request, "not_found.html", who, 404)
    public = listed_publicly(view.post, view.author)
    site = services.settings.instance_title
    return page(
        # A stranger arriving from a shared link runs no script at all.
        request, "post.html", who, index=public, scripts=None if viewer else (),
        post=cards.post_card(view, base_url),
        comments=[cards.post_card(c, base_url) for c in comments],
        description=previews.description(view) if public else "",
        meta=previews.meta_tags(view, base_url, site) if public else [],
        oembed_url=f"{base_url}/api/oembed?"
        + urlencode({"url": previews.post_url(view, base_url)}) if public else "")


@router.get("/@{username}", response_class=HTMLResponse)
async def profile_page(request: Request, username: str, services: Services,
                       base_url: BaseUrl, who: Current) -> Response:
    viewer = who.account
    try:
        account = await services.accounts.lookup(username, domain=urlsplit(base_url).netloc)
        relationship = await services.graph.relationship(viewer.id, account.id) \
            if viewer else None
        if relationship is not None and relationship.blocked_either_way:
            raise NotFound("Record not found")
        views, _ = await services.posts.by_author(
            viewer=viewer, account_id=account.id, only=ProfileFilter(exclude_replies=True),
            page=Page(limit=GRID_SIZE))
    except NotFound:
        return page(request, "not_found.html", who, 404)
    private = not can_see_profile_content(viewer.id if viewer else None, account, relationship)
    return page(request, "profile.html", who, index=not account.locked, account=account,
                person=cards.person(account, base_url), relationship=relationship,
                bio=account.note, private=private,
                posts=[cards.post_card(v, base_url) for v in views])


@router.get("/api/oembed")
async def oembed(request: Request, services: Services, base_url: BaseUrl) -> JSONResponse:
    params = await parse(request, OEmbedParams)
    if params.format != "json":
        return error_response(501, "Only format=json is supported")
    target = urlsplit(params.url)
    found = _POST_PATH.fullmatch(target.path)
    if found is None or target.netloc != urlsplit(base_url).netloc:
        raise NotFound("Record not found")
    view = await _post(services, None, found["username"], found["id"])
    if not listed_publicly(view.post, view.author):
        raise NotFound("Record not found")
    return JSONResponse(previews.oembed(
        view, base_url, services.settings.instance_title,
        max_width=params.maxwidth, max_height=params.maxheight))
