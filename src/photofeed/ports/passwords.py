"""Password hashing."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str:
        """A salted, slow hash for storage."""

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; never raises for a mismatch."""
