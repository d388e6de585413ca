"""HTTP conditional and range requests (RFC 9110 sections 13 and 14), for media files."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime


class Unsatisfiable(Exception):
    """The Range header names no byte of the file: answer 416."""


def http_date(timestamp: float) -> str:
    # strftime with English names fixed: a quarter of email.utils.formatdate's cost.
    moment = time.gmtime(timestamp)
    return (f"{_DAYS[moment.tm_wday]}, {moment.tm_mday:02d} {_MONTHS[moment.tm_mon - 1]} "
            f"{moment.tm_year} {moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} GMT")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def not_modified(headers: dict[bytes, bytes], etag: str, mtime: float) -> bool:
    """Whether the client's cached copy is current: If-None-Match, else If-Modified-Since."""
    tags = headers.get(b"if-none-match")
    if tags is not None:
        return _etag_listed(tags.decode("latin-1"), etag)
    since = headers.get(b"if-modified-since")
    if since is None:
        return False
    moment = _parse_date(since.decode("latin-1"))
    return moment is not None and int(mtime) <= moment


def wanted_range(headers: dict[bytes, bytes], size: int, etag: str,
                 mtime: float) -> tuple[int, int] | None:
    """The single byte range [start, end] asked for, or None for the whole file.

    Several ranges are answered with the whole file (allowed, and simpler than multipart
    bodies no media player asks for); a stale If-Range also means the whole file.
    """
    raw = headers.get(b"range")
    if raw is None or not _if_range_holds(headers.get(b"if-range"), etag, mtime):
        return None
    unit, _, spec = raw.decode("latin-1").partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()) or \
            (first and not first.isdigit()) or (last and not last.isdigit()):
        return None  # malformed: ignored, as the RFC asks
    if not first:  # "-N": the last N bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return start, end


def _if_range_holds(condition: bytes | None, etag: str, mtime: float) -> bool:
    if condition is None:
        return True
    text = condition.decode("latin-1").strip()
    if text.startswith(('"', "W/")):
        return text == f'"{etag}"'  # a strong comparison
    moment = _parse_date(text)
    return moment is not None and int(mtime) <= moment


def _etag_listed(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    # A weak comparison: W/"x" matches "x".
    return any(tag.strip().removeprefix("W/") == f'"{etag}"' for tag in header.split(","))


def _parse_date(text: str) -> int | None:
    try:
        return int(parsedate_to_datetime(text).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
