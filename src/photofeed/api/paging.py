"""Mastodon paging: max_id / since_id / min_id / limit in, a Link header out."""

from __future__ import annotations

from fastapi import Request

from photofeed.domain.errors import FieldError, ValidationFailed
from photofeed.domain.graph import Page
from photofeed.ids import parse_id


def page_from(request: Request, *, default_limit: int = 40, max_limit: int = 80) -> Page:
    """The page a client asked for; limits outside 1..max are clamped, as Mastodon does."""
    query = request.query_params
    problems: dict[str, list[FieldError]] = {}
    bounds: dict[str, int | None] = {}
    for name in ("max_id", "since_id", "min_id"):
        raw = query.get(name)
        bounds[name] = parse_id(raw) if raw else None
        if raw and bounds[name] is None:
            problems[name] = [FieldError("ERR_INVALID", "is not a valid ID")]
    raw_limit = query.get("limit", "")
    limit = default_limit
    if raw_limit:
        try:
            limit = max(1, min(int(raw_limit), max_limit))
        except ValueError:
            problems["limit"] = [FieldError("ERR_INVALID", "is not a number")]
    if problems:
        raise ValidationFailed(problems)
    return Page(limit=limit, **bounds)


def link_header(request: Request, cursors: list[int]) -> dict[str, str]:
    """`Link: <…max_id=oldest>; rel="next", <…min_id=newest>; rel="prev"` for a page."""
    if not cursors:
        return {}
    base = request.url.remove_query_params(["max_id", "min_id", "since_id"])
    older = base.include_query_params(max_id=str(min(cursors)))
    newer = base.include_query_params(min_id=str(max(cursors)))
    return {"Link": f'<{older}>; rel="next", <{newer}>; rel="prev"'}
