"""Where OAuth applications, tokens and authorization codes are kept."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from photofeed.domain.oauth import AccessToken, Application, AuthorizationCode


class OAuthStore(Protocol):
    async def add_app(self, app: Application) -> None:
        """Store a registered client application."""

    async def get_app(self, client_id: str) -> Application | None:
        """An application by its public client_id."""

    async def add_token(self, token: AccessToken) -> None:
        """Store an issued access token (by hash)."""

    async def get_token(self, token_hash: str) -> AccessToken | None:
        """A token by the hash of its bearer string."""

    async def revoke_token(self, token_hash: str, at: datetime) -> None:
        """Mark a token revoked; revoking twice is harmless."""

    async def add_code(self, code: AuthorizationCode) -> None:
        """Store an authorization code (by hash)."""

    async def use_code(self, code_hash: str, at: datetime) -> AuthorizationCode | None:
        """Mark a code used and return it, exactly once; None when unknown or already used."""
