"""OAuth scopes as Mastodon defines them: read, write, follow, push and their sub-scopes."""

from __future__ import annotations

from dataclasses import dataclass

TOP_LEVEL = frozenset({"read", "write", "follow", "push", "profile"})
_SUB = {
    "read": ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
             "mutes", "notifications", "search", "statuses"),
    "write": ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
              "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"),
}
KNOWN = TOP_LEVEL | {f"{top}:{sub}" for top, subs in _SUB.items() for sub in subs}
# The legacy "follow" scope grants these granular scopes.
_FOLLOW_GRANTS = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                            "read:mutes", "write:mutes"})


class UnknownScope(ValueError):
    """A requested scope name is not one Mastodon defines."""


@dataclass(frozen=True)
class Scopes:
    """A set of granted scopes that answers whether a required scope is covered."""

    names: frozenset[str]

    @classmethod
    def parse(cls, text: str | None, *, default: str = "read") -> Scopes:
        """Scopes from a space- (or plus-) separated string; unknown names are refused."""
        raw = (text or "").replace("+", " ").split()
        names = frozenset(raw or default.split())
        unknown = sorted(names - KNOWN)
        if unknown:
            raise UnknownScope(", ".join(unknown))
        return cls(names)

    def allows(self, required: str) -> bool:
        # `profile` is the narrowest way to read one's own account: read:accounts (and so
        # read) grants it too, as Mastodon's verify_credentials accepts either.
        if required in self.names or (required == "profile" and self.allows("read:accounts")):
            return True
        top = required.split(":", 1)[0]
        return top in self.names or (required in _FOLLOW_GRANTS and "follow" in self.names)

    def covers(self, other: Scopes) -> bool:
        """Whether every scope of `other` is granted by these."""
        return all(self.allows(name) for name in other.names)

    def __str__(self) -> str:
        return " ".join(sorted(self.names))
