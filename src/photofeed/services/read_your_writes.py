"""Read-your-writes: whoever wrote a moment ago reads from the primary, everyone else may not."""

from __future__ import annotations

import logging

from photofeed.ports import reads
from photofeed.ports.reads import ReadSession, RecentWriters

log = logging.getLogger(__name__)


class ReadYourWrites:
    """Starts each request's read session and keeps track of who wrote within the window."""

    def __init__(self, *, writers: RecentWriters, replicas: bool) -> None:
        self._writers = writers
        self._replicas = replicas

    def session(self, *, read_only: bool) -> ReadSession:
        """A session for one request; only read-only requests may use replicas.

        Requests that write read on the primary throughout: they check, then change, and a
        check against stale data could let a change through that the primary would refuse.
        """
        return ReadSession(replica_ok=read_only and self._replicas)

    async def acting_as(self, account_id: int) -> None:
        """The current request acts for this account; if it wrote lately, read the primary."""
        session = reads.current()
        if session is None:
            return
        session.actor = account_id
        if session.replica_ok and await self._wrote_recently(account_id):
            session.replica_ok = False

    def read_primary(self) -> None:
        """The current request reads rows the moment they are committed: only the primary."""
        session = reads.current()
        if session is not None:
            session.replica_ok = False

    async def wrote(self, session: ReadSession) -> None:
        """The session's request changed something: its account reads the primary a while."""
        if not self._replicas or session.actor is None:
            return
        try:
            await self._writers.mark(session.actor)
        except Exception:  # the write is done; a lost mark only risks a stale read
            log.warning("could not record a write for read-your-writes", exc_info=True)

    async def _wrote_recently(self, account_id: int) -> bool:
        try:
            return await self._writers.wrote_recently(account_id)
        except Exception:  # when unsure, the primary is always right
            log.warning("could not look up recent writes; reading the primary", exc_info=True)
            return True
