"""Errors the domain and services raise; the API maps each kind to one HTTP status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class DomainError(Exception):
    """Base of every expected failure; `message` is safe to show to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Unauthenticated(DomainError):
    """No valid credentials were presented."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state."""


class Unprocessable(DomainError):
    """Well-formed input that breaks a rule."""


class Unavailable(DomainError):
    """A backend cannot take the request right now; retrying shortly will work."""


class PayloadTooLarge(DomainError):
    """An upload is over a size limit (bytes, or pixels of a decompression bomb)."""


class UnsupportedMedia(DomainError):
    """An upload is not one of the accepted photo or video formats."""


@dataclass(frozen=True)
class FieldError:
    code: str  # Mastodon's ERR_* codes, e.g. ERR_TAKEN, ERR_INVALID, ERR_BLANK
    description: str


class ValidationFailed(Unprocessable):
    """Input broke rules on named fields; clients show the details beside each field."""

    def __init__(self, details: dict[str, list[FieldError]]) -> None:
        summary = "; ".join(
            f"{field} {error.description}" for field, errors in details.items() for error in errors
        )
        super().__init__(f"Validation failed: {summary}")
        self.details = details


class RateLimited(DomainError):
    """Too many attempts; try again after `reset_at`."""

    def __init__(self, message: str, *, limit: int, reset_at: datetime) -> None:
        super().__init__(message)
        self.limit = limit
        self.reset_at = reset_at


class OAuthError(DomainError):
    """An RFC 6749 error: `code` is the standard error code, e.g. invalid_grant."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
