"""Events written to the outbox in the same transaction as the change they describe.

Payloads carry IDs only (as strings), never objects, so a consumer always reads the current
state and an event stays valid however late it is handled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """One outbox entry as a consumer sees it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime | None = None


def payload(kind: str, **ids: int | str | bool) -> dict[str, Any]:
    """A versioned payload; integer IDs become strings, as everywhere else in JSON."""
    body: dict[str, Any] = {"type": kind, "v": 1}
    body.update({key: str(value) if isinstance(value, int) and not isinstance(value, bool)
                 else value for key, value in ids.items()})
    return body
