"""Where a read may go: a read replica, or the primary for whoever wrote a moment ago.

A request's read session lives in a context variable, so the SQL router can consult it
without every service passing it along. Outside a request (workers, the CLI) there is no
session and every read goes to the primary: a worker must see the row it was told about.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Protocol


@dataclass
class ReadSession:
    """One request's read routing: mutable, as the caller's identity is learnt mid-request."""

    replica_ok: bool
    actor: int | None = None
    # Set once the request committed a write, even a GET that refreshed a cache.
    wrote: bool = False


_session: ContextVar[ReadSession | None] = ContextVar("photofeed_read_session", default=None)


def use(session: ReadSession) -> Token[ReadSession | None]:
    """Make `session` the current one; hand the token back to `leave` when done."""
    return _session.set(session)


def leave(token: Token[ReadSession | None]) -> None:
    _session.reset(token)


def current() -> ReadSession | None:
    return _session.get()


def note_write() -> None:
    """The current request committed a write: it and its author now read the primary."""
    session = _session.get()
    if session is not None:
        session.wrote = True
        session.replica_ok = False


def replica_allowed() -> bool:
    """Whether the current read may be served by a read replica."""
    session = _session.get()
    return session is not None and session.replica_ok


class ReadLost(ConnectionError):
    """A database connection failed in the middle of a read; running it again is safe."""


class ReplicaLost(ReadLost):
    """A read replica failed in the middle of a read; the same read on the primary is safe."""


class RecentWriters(Protocol):
    """Who wrote within the read-your-writes window, shared by every server process."""

    async def mark(self, account_id: int) -> None:
        """Remember that this account just wrote."""

    async def wrote_recently(self, account_id: int) -> bool:
        """Whether this account wrote within the window."""
