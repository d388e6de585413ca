"""What people may call themselves, and the other sign-up rules."""

from __future__ import annotations

import pytest

from photofeed.domain.accounts import (
    ProfileChanges,
    check_email,
    check_password,
    check_profile,
    check_username,
    email_key,
    username_key,
)
from photofeed.domain.errors import FieldError


def codes(errors: list[FieldError]) -> list[str]:
    return [error.code for error in errors]


@pytest.mark.parametrize("username", [
    "alice", "Alice_99", "a", "_", "a.b", "first.middle.last", "x" * 30, "0123",
])
def test_plain_ascii_names_are_accepted(username: str) -> None:
    assert check_username(username) == []


@pytest.mark.parametrize(("username", "code"), [
    ("", "ERR_BLANK"),
    ("x" * 31, "ERR_TOO_LONG"),
    ("\u0430lice", "ERR_INVALID"),          # Cyrillic a, looks like Latin a
    ("\u0440\u0430\u0443\u0440\u0430\u04cf", "ERR_INVALID"),  # "paypal" in Cyrillic
    ("\uff41\uff4c\uff49\uff43\uff45", "ERR_INVALID"),  # full-width "alice"
    ("ali\u200dce", "ERR_INVALID"),         # zero-width joiner
    ("ali\u200bce", "ERR_INVALID"),         # zero-width space
    ("alice\u0301", "ERR_INVALID"),         # combining accent
    ("\U0001f4f7camera", "ERR_INVALID"),    # emoji
    (".alice", "ERR_INVALID"),
    ("alice.", "ERR_INVALID"),
    ("al..ice", "ERR_INVALID"),
    ("al ice", "ERR_INVALID"),
    ("al-ice", "ERR_INVALID"),
    ("alice@example.com", "ERR_INVALID"),
    ("admin", "ERR_RESERVED"),
    ("Admin", "ERR_RESERVED"),
    ("ROOT", "ERR_RESERVED"),
    ("photofeed", "ERR_RESERVED"),
])
def test_look_alike_odd_and_reserved_names_are_refused(username: str, code: str) -> None:
    assert codes(check_username(username)) == [code]


def test_usernames_and_emails_are_unique_regardless_of_case() -> None:
    assert username_key("Alice") == username_key("ALICE") == "alice"
    assert email_key(" Alice@Example.COM ") == "alice@example.com"


@pytest.mark.parametrize(("email", "code"), [
    ("", "ERR_BLANK"),
    ("alice", "ERR_INVALID"),
    ("alice@", "ERR_INVALID"),
    ("alice@example", "ERR_INVALID"),
    ("a b@example.com", "ERR_INVALID"),
    ("a@b@example.com", "ERR_INVALID"),
    ("a" * 310 + "@example.com", "ERR_INVALID"),
])
def test_malformed_emails_are_refused(email: str, code: str) -> None:
    assert codes(check_email(email)) == [code]


def test_a_normal_email_is_accepted() -> None:
    assert check_email("alice+photos@example.co.uk") == []


@pytest.mark.parametrize(("password", "expected"), [
    ("", ["ERR_BLANK"]),
    ("short", ["ERR_TOO_SHORT"]),
    ("x" * 8, []),
    ("x" * 256, []),
    ("x" * 257, ["ERR_TOO_LONG"]),
])
def test_password_length_rules(password: str, expected: list[str]) -> None:
    assert codes(check_password(password)) == expected


def test_profile_limits_name_each_field_that_is_too_long() -> None:
    problems = check_profile(ProfileChanges(display_name="x" * 31, note="y" * 501))
    assert set(problems) == {"display_name", "note"}
    assert check_profile(ProfileChanges(display_name="x" * 30, note="y" * 500)) == {}
