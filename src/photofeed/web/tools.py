"""Search, upload and settings pages. Search results render on the server, so they work
without scripts; upload and settings send their changes from the page to the JSON API."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from photofeed.api.deps import BaseUrl, Services
from photofeed.domain.search import MAX_QUERY_CHARS
from photofeed.web.cards import person, post_card
from photofeed.web.render import Current, page, to_sign_in

router = APIRouter()
SEARCH_LIMIT = 12


@router.get("/search", response_class=HTMLResponse)
async def search(request: Request, services: Services, base_url: BaseUrl,
                 who: Current) -> Response:
    q = request.query_params.get("q", "")[:MAX_QUERY_CHARS].strip()
    viewer = who.account
    found = services.search
    people = await found.accounts(viewer=viewer, q=q, limit=SEARCH_LIMIT, offset=0,
                                  domain=urlsplit(base_url).netloc) if q else []
    posts = await found.statuses(viewer=viewer, q=q, limit=SEARCH_LIMIT, offset=0) if q else []
    tags = await found.hashtags(q=q, limit=SEARCH_LIMIT, offset=0) if q else []
    return page(request, "search.html", who, scripts=("app" if viewer else "view", "search"),
                q=q, people=[person(a, base_url) for a in people],
                posts=[post_card(v, base_url) for v in posts], tags=[t.name for t in tags])


@router.get("/upload", response_class=HTMLResponse)
async def upload(request: Request, services: Services, who: Current) -> Response:
    if who.account is None:
        return to_sign_in(request)
    return page(request, "upload.html", who, scripts=("app", "upload"),
                max_photo_mb=services.settings.max_photo_bytes // (1024 * 1024),
                max_video_mb=services.settings.max_video_bytes // (1024 * 1024))


@router.get("/settings", response_class=HTMLResponse)
async def settings(request: Request, who: Current) -> Response:
    if who.account is None:
        return to_sign_in(request)
    return page(request, "settings.html", who, scripts=("app", "settings"), account=who.account)
