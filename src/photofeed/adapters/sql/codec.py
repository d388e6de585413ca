"""JSON forms of domain values that are stored inside a row."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

import orjson

from photofeed.domain.media import MediaAttachment, Variant
from photofeed.domain.posts import Mention


def media_to_dict(media: MediaAttachment) -> dict[str, Any]:
    body = asdict(media)
    body["created_at"] = media.created_at.isoformat()
    body["focus"] = list(media.focus) if media.focus else None
    return body


def media_from_dict(body: dict[str, Any]) -> MediaAttachment:
    values = dict(body)
    values["variants"] = {name: Variant(**v) for name, v in body["variants"].items()}
    values["created_at"] = datetime.fromisoformat(body["created_at"])
    values["focus"] = tuple(body["focus"]) if body.get("focus") else None
    return MediaAttachment(**values)


def media_list_to_json(media: tuple[MediaAttachment, ...]) -> str:
    return json.dumps([media_to_dict(m) for m in media], separators=(",", ":"))


def media_list_from_json(text: str) -> tuple[MediaAttachment, ...]:
    return tuple(media_from_dict(item) for item in orjson.loads(text or "[]"))


def mentions_to_json(mentions: tuple[Mention, ...]) -> str:
    return json.dumps([[m.account_id, m.username] for m in mentions], separators=(",", ":"))


def mentions_from_json(text: str) -> tuple[Mention, ...]:
    return tuple(Mention(account_id=int(i), username=u) for i, u in orjson.loads(text or "[]"))
