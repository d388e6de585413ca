"""Bearer tokens this process checked lately, so a request does not ask the database each time.

Every API request carries a token, and looking it up cost as much as a whole statement of
the feed read it came with. A token found valid is kept for a while. Revoking one drops it
here at once and tells every other process through the event bus; a process the message
cannot reach (one whose connection to the bus was down for a moment) still stops
accepting it once its entry is `TTL_SECONDS` old. Expiry needs no message: it is checked
on every use against the token's own time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from photofeed.domain.oauth import AccessToken
from photofeed.ports.events import EventBus

TTL_SECONDS = 30.0
MAX_TOKENS = 50_000
REVOKED_CHANNEL = "oauth:revoked"
RESUBSCRIBE_SECONDS = 1.0
log = logging.getLogger(__name__)


class TokenCache:
    def __init__(self, events: EventBus, *, ttl: float = TTL_SECONDS,
                 max_tokens: int = MAX_TOKENS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._events = events
        self._ttl = ttl
        self._max_tokens = max_tokens
        self._clock = clock
        # Insertion order is age order: the oldest entry is the first to go.
        self._tokens: dict[str, tuple[AccessToken, float]] = {}

    def get(self, token_hash: str) -> AccessToken | None:
        found = self._tokens.get(token_hash)
        if found is None:
            return None
        token, read_at = found
        if self._clock() - read_at >= self._ttl:
            del self._tokens[token_hash]
            return None
        return token

    def keep(self, token: AccessToken) -> None:
        """Remember a token just read from the store and found usable."""
        self._tokens.pop(token.token_hash, None)
        self._tokens[token.token_hash] = (token, self._clock())
        while len(self._tokens) > self._max_tokens:
            del self._tokens[next(iter(self._tokens))]

    async def revoked(self, token_hash: str) -> None:
        """A token was revoked in the store: forget it here and in every other process."""
        self._tokens.pop(token_hash, None)
        try:
            await self._events.publish(REVOKED_CHANNEL, token_hash)
        except Exception:  # the revocation is stored; other processes drop it within the TTL
            log.warning("could not announce a token revocation", exc_info=True)

    async def follow_revocations(self) -> None:
        """Forget tokens other processes revoke (a background task for the process's life)."""
        while True:
            try:
                async with self._events.subscribe([REVOKED_CHANNEL]) as messages:
                    async for token_hash in messages:
                        self._tokens.pop(token_hash, None)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the token revocation channel; subscribing again",
                            exc_info=True)
            # Whatever was missed meanwhile ages out within the TTL.
            await asyncio.sleep(RESUBSCRIBE_SECONDS)
