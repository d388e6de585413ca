"""The JSON entities routes answer with, for the OpenAPI document only.

Routes build their JSON by hand (api/entities.py, api/status_entities.py) for speed; these
models describe that JSON so clients and the fuzz run can check it. Extra fields are
allowed: Mastodon adds fields over time and clients ignore what they do not know.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Entity(BaseModel):
    model_config = ConfigDict(extra="allow")


class Account(_Entity):
    id: str
    username: str
    acct: str
    url: str
    display_name: str
    note: str
    avatar: str
    header: str
    locked: bool
    bot: bool
    discoverable: bool
    created_at: str
    last_status_at: str | None
    statuses_count: int
    followers_count: int
    following_count: int
    fields: list[Any]
    emojis: list[Any]


class MediaAttachment(_Entity):
    id: str
    type: Literal["image", "video", "gifv", "audio", "unknown"]
    url: str | None
    preview_url: str | None
    remote_url: None
    meta: dict[str, Any]
    description: str | None
    blurhash: str | None
    download_url: str | None = None


class Mention(_Entity):
    id: str
    username: str
    acct: str
    url: str


class Tag(_Entity):
    name: str
    url: str


class Status(_Entity):
    id: str
    uri: str
    url: str
    created_at: str
    edited_at: str | None
    account: Account
    title: str
    content: str
    visibility: Literal["public", "unlisted", "private", "direct"]
    sensitive: bool
    spoiler_text: str
    language: str | None
    media_attachments: list[MediaAttachment]
    mentions: list[Mention]
    tags: list[Tag]
    favourites_count: int
    replies_count: int
    reblogs_count: int
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    favourited: bool
    share_links: dict[str, str] | None = None


class Context(_Entity):
    ancestors: list[Status]
    descendants: list[Status]


class Relationship(_Entity):
    id: str
    following: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    requested: bool
    requested_by: bool


class Application(_Entity):
    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    client_id: str | None = None
    client_secret: str | None = None


class Token(_Entity):
    access_token: str
    token_type: Literal["Bearer"]
    scope: str
    created_at: int


def answers(model: Any, *, status: int = 200) -> dict[str, Any]:
    """Route keyword arguments documenting a success answer, e.g. `**answers(list[Status])`."""
    return {"response_model": None, "responses": {status: {"model": model}}}
