"""Accounts and the rules for what people may call themselves."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from photofeed.domain.errors import FieldError

USERNAME_MAX = 30
DISPLAY_NAME_MAX = 30
NOTE_MAX = 500
PASSWORD_MIN = 8
PASSWORD_MAX = 256  # argon2 takes any length; a cap keeps hashing time bounded
EMAIL_MAX = 320

# ASCII only: letters, digits and underscores, with single dots inside. Refusing everything
# else is what keeps look-alike names (a Cyrillic letter for its Latin twin, full-width letters,
# zero-width joiners) from impersonating someone.
_USERNAME = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
RESERVED_USERNAMES = frozenset({
    "about", "admin", "administrator", "api", "app", "apps", "auth", "explore", "feed",
    "help", "home", "login", "logout", "media", "moderator", "oauth", "photofeed", "postmaster",
    "root", "search", "settings", "signin", "signup", "static", "support", "system", "tags",
    "web", "webmaster", "well-known", "www",
})


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    note: str
    avatar_key: str | None
    locked: bool
    bot: bool
    discoverable: bool
    locale: str
    created_at: datetime
    updated_at: datetime
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: datetime | None = None
    last_active_at: datetime | None = None
    header_key: str | None = None


@dataclass(frozen=True)
class Credentials:
    """What signing up stores and signing in checks, kept apart from Account.

    An Account is read by every page that shows one (feeds, profiles, search) and kept in
    read caches; the password's hash and the e-mail address have no business there.
    """

    email: str
    password_hash: str


@dataclass(frozen=True)
class ProfileChanges:
    """What update_credentials may change; None leaves a field as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    avatar_key: str | None = None
    header_key: str | None = None


def username_key(username: str) -> str:
    """The case-folded form that makes usernames unique regardless of case."""
    return username.lower()


def email_key(email: str) -> str:
    return email.strip().lower()


def check_username(username: str) -> list[FieldError]:
    if not username:
        return [FieldError("ERR_BLANK", "can't be blank")]
    if len(username) > USERNAME_MAX:
        return [FieldError("ERR_TOO_LONG", f"is too long (maximum is {USERNAME_MAX} characters)")]
    if not _USERNAME.fullmatch(username):
        folded = unicodedata.normalize("NFKC", username)
        hint = " (it contains look-alike or non-ASCII characters)" if folded != username or not \
            username.isascii() else ""
        return [FieldError("ERR_INVALID",
                           "must contain only letters, numbers, underscores and inner dots" + hint)]
    if username_key(username) in RESERVED_USERNAMES:
        return [FieldError("ERR_RESERVED", "is reserved")]
    return []


def check_email(email: str) -> list[FieldError]:
    if not email:
        return [FieldError("ERR_BLANK", "can't be blank")]
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email.strip()):
        return [FieldError("ERR_INVALID", "is not a valid e-mail address")]
    return []


def check_password(password: str) -> list[FieldError]:
    if not password:
        return [FieldError("ERR_BLANK", "can't be blank")]
    if len(password) < PASSWORD_MIN:
        return [FieldError("ERR_TOO_SHORT", f"is too short (minimum is {PASSWORD_MIN} characters)")]
    if len(password) > PASSWORD_MAX:
        return [FieldError("ERR_TOO_LONG", f"is too long (maximum is {PASSWORD_MAX} characters)")]
    return []


def check_profile(changes: ProfileChanges) -> dict[str, list[FieldError]]:
    problems: dict[str, list[FieldError]] = {}
    if changes.display_name is not None and len(changes.display_name) > DISPLAY_NAME_MAX:
        problems["display_name"] = [FieldError(
            "ERR_TOO_LONG", f"is too long (maximum is {DISPLAY_NAME_MAX} characters)")]
    if changes.note is not None and len(changes.note) > NOTE_MAX:
        problems["note"] = [FieldError("ERR_TOO_LONG",
                                       f"is too long (maximum is {NOTE_MAX} characters)")]
    return problems
