"""The Jinja2 environment for server-rendered pages; autoescaping is always on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def _moment(iso_time: str) -> datetime:
    return datetime.fromisoformat(iso_time.replace("Z", "+00:00"))


def ago(iso_time: str, now: datetime | None = None) -> str:
    """How long ago, the short way a feed says it: "now", "5m", "3h", "2d", else the date."""
    moment = _moment(iso_time)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    for limit, unit, size in ((60, "", 0), (3600, "m", 60), (86400, "h", 3600),
                              (7 * 86400, "d", 86400)):
        if seconds < limit:
            return "now" if not unit else f"{int(seconds // size)}{unit}"
    return day(iso_time)


def day(iso_time: str) -> str:
    moment = _moment(iso_time)
    return f"{moment:%B} {moment.day}, {moment.year}"


def urlpath(url: str) -> str:
    """The path of a URL: where a sign-in should come back to."""
    return urlsplit(url).path or "/"


templates.env.filters.update(ago=ago, day=day, urlpath=urlpath)
