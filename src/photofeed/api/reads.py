"""Read routing per request: GET and HEAD may read from replicas, writes mark their author."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from photofeed.api.errors import connection_lost
from photofeed.ports import reads
from photofeed.ports.reads import ReadLost, ReplicaLost

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
log = logging.getLogger(__name__)


class ReadRouting:
    """Give each request a read session and keep read-your-writes.

    A successful write by an account is recorded before its response leaves, so the
    client's next request, to whichever server, already reads the primary. A read whose
    replica fails before anything was sent is run again on the primary: GET and HEAD
    change nothing, so running them twice is safe. So is one whose connection to the
    primary was closed under it (a database restart): the second run gets a fresh one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        container = getattr(scope["app"].state, "container", None) \
            if scope["type"] == "http" else None
        if container is None:
            await self.app(scope, receive, send)
            return
        read_only = scope["method"] in READ_ONLY_METHODS
        session = container.reads.session(read_only=read_only)
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if (session.wrote or not read_only) and message["status"] < 400:
                    await container.reads.wrote(session)
            await send(message)

        token = reads.use(session)
        try:
            try:
                await self.app(scope, receive, sending)
            except ReadLost as lost:
                if started:
                    raise
                if not read_only:
                    log.warning("a read of %s %s lost its connection: %s", scope["method"],
                                scope["path"], lost)
                    await connection_lost()(scope, receive, send)
                    return
                if isinstance(lost, ReplicaLost):
                    session.replica_ok = False
                await self.app(scope, receive, sending)
        finally:
            reads.leave(token)
