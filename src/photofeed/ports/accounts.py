"""Where accounts are kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from photofeed.domain.accounts import Account, Credentials, ProfileChanges


class UsernameTaken(Exception):
    """Another account already has this username, in any letter case."""


class EmailTaken(Exception):
    """Another account already signed up with this e-mail address."""


class AccountStore(Protocol):
    async def create(self, account: Account, credentials: Credentials) -> None:
        """Store a new account; raise UsernameTaken or EmailTaken on a clash."""

    async def get(self, account_id: int) -> Account | None:
        """One account by ID."""

    async def get_many(self, account_ids: Iterable[int]) -> dict[int, Account]:
        """Several accounts by ID, one query per database."""

    async def with_followers_at_least(self, count: int) -> set[int]:
        """Every account with `count` followers or more (hybrid's celebrities)."""

    async def find_by_username(self, username: str) -> Account | None:
        """The account with this username, compared case-insensitively."""

    async def find_by_email(self, email: str) -> Account | None:
        """The account registered with this e-mail address."""

    async def password_hash(self, account_id: int) -> str | None:
        """The hash signing in checks the password against; None for no such account."""

    async def active_since(self, account_ids: Iterable[int], since: datetime) -> set[int]:
        """Which of these accounts read their feed after `since`."""

    async def touch_active(self, account_id: int, at: datetime) -> None:
        """Record that the account just read its feed."""

    async def all_ids(self) -> list[int]:
        """Every account's ID, for maintenance jobs."""

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account | None:
        """Apply profile changes; None when the account does not exist."""
