"""JSON shapes of the Mastodon entities (Account, Application, Token), IDs as strings."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Relationship
from photofeed.domain.oauth import Application, IssuedToken
from photofeed.domain.scopes import Scopes


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, the way Mastodon writes times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def media_url(base_url: str, key: str) -> str:
    return f"{base_url}/media/{key}"


def account_json(account: Account, base_url: str, *, credentials: bool = False) -> dict[str, Any]:
    avatar = media_url(base_url, account.avatar_key) if account.avatar_key else \
        f"{base_url}/static/avatar.png"
    header = media_url(base_url, account.header_key) if account.header_key else \
        f"{base_url}/static/header.png"
    profile_url = f"{base_url}/@{account.username}"
    body: dict[str, Any] = {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "url": profile_url,
        "uri": profile_url,
        "display_name": account.display_name,
        "note": _note_html(account.note),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": account.locked,
        "bot": account.bot,
        "group": False,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "hide_collections": False,
        "noindex": False,
        "created_at": iso(account.created_at),
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at else None,
        "statuses_count": account.statuses_count,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "fields": [],
        "emojis": [],
        "roles": [],
    }
    if credentials:
        body["source"] = {
            "privacy": "private" if account.locked else "public",
            "sensitive": False,
            "language": account.locale,
            "note": account.note,
            "fields": [],
            "follow_requests_count": 0,
            "hide_collections": False,
            "discoverable": account.discoverable,
            "indexable": account.discoverable,
        }
        body["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "",
                        "highlighted": False}
    return body


def _note_html(note: str) -> str:
    """The bio as the HTML clients expect, with everything the person typed escaped."""
    if not note:
        return ""
    paragraphs = [escape(part).replace("\n", "<br>") for part in note.split("\n\n")]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def application_json(app: Application, *, client_secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": sorted(app.scopes.names),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
        "vapid_key": "",
    }
    if client_secret is not None:
        body |= {"client_id": app.client_id, "client_secret": client_secret,
                 "client_secret_expires_at": 0}
    return body


def token_json(token: IssuedToken, *, requested: Scopes | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": token.access_token,
        "token_type": "Bearer",
        "scope": str(requested or token.scopes),
        "created_at": int(token.created_at.timestamp()),
    }
    if token.expires_at is not None:
        # Clients such as Mastodon.py read this to know when to sign in again.
        body["expires_in"] = int((token.expires_at - token.created_at).total_seconds())
    return body


def relationship_json(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.target_id),
        "following": rel.following,
        "showing_reblogs": rel.following,
        "notifying": False,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": False,
        "muting_notifications": False,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
