"""OAuth applications, access tokens and authorization codes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from photofeed.domain.scopes import Scopes

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"


@dataclass(frozen=True)
class Application:
    id: int
    client_id: str
    client_secret_hash: str
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: Scopes
    created_at: datetime


@dataclass(frozen=True)
class AccessToken:
    """A stored token; only the hash of the bearer string is kept."""

    token_hash: str
    client_id: str
    account_id: int | None  # None for an app-only (client_credentials) token
    scopes: Scopes
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class AuthorizationCode:
    code_hash: str
    client_id: str
    account_id: int
    redirect_uri: str
    scopes: Scopes
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to a client, the one time its secret is known."""

    access_token: str
    scopes: Scopes
    created_at: datetime
    expires_at: datetime | None = None


def new_secret() -> str:
    """A bearer secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """How secrets are stored: high-entropy values need a fast hash, not a password hash."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secrets_match(secret: str, stored_hash: str) -> bool:
    return secrets.compare_digest(secret_hash(secret), stored_hash)
