"""Read routing per request: which reads may use a replica, retries, and read-your-writes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.types import Message, Receive, Scope, Send

from photofeed.adapters.recent_writers import InProcessRecentWriters
from photofeed.api.reads import ReadRouting
from photofeed.ports import reads
from photofeed.ports.reads import ReplicaLost
from photofeed.services.read_your_writes import ReadYourWrites


class Routes:
    """Stands in for the routes: notes where each run may read, fails as told."""

    def __init__(self, *, fail_runs: int = 0, fail_after_start: bool = False,
                 actor: int | None = None, writes: bool = False) -> None:
        self.replica_allowed: list[bool] = []
        self.writes = writes
        self.fail_runs = fail_runs
        self.fail_after_start = fail_after_start
        self.actor = actor
        self.reads: ReadYourWrites | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.actor is not None and self.reads is not None:
            await self.reads.acting_as(self.actor)
        self.replica_allowed.append(reads.replica_allowed())
        if self.writes:
            reads.note_write()  # as the SQL router does after a commit
            self.replica_allowed.append(reads.replica_allowed())
        if len(self.replica_allowed) <= self.fail_runs and not self.fail_after_start:
            raise ReplicaLost("replica went away")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if self.fail_after_start:
            raise ReplicaLost("replica went away mid-answer")
        await send({"type": "http.response.body", "body": b"ok"})


def scope_for(method: str, reads_service: ReadYourWrites) -> Scope:
    app = SimpleNamespace(state=SimpleNamespace(container=SimpleNamespace(reads=reads_service)))
    return {"type": "http", "method": method, "path": "/", "app": app}


async def run(routes: Routes, method: str, service: ReadYourWrites) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    routes.reads = service
    await ReadRouting(routes)(scope_for(method, service), receive, send)
    return sent


def service() -> ReadYourWrites:
    return ReadYourWrites(writers=InProcessRecentWriters(window_seconds=60), replicas=True)


async def test_a_get_whose_replica_fails_runs_again_on_the_primary() -> None:
    routes = Routes(fail_runs=1)
    sent = await run(routes, "GET", service())
    assert routes.replica_allowed == [True, False]
    assert sent[0]["status"] == 200


async def test_a_failure_after_the_answer_started_is_not_retried() -> None:
    routes = Routes(fail_after_start=True)
    with pytest.raises(ReplicaLost):
        await run(routes, "GET", service())
    assert routes.replica_allowed == [True]


async def test_writes_read_the_primary_and_send_their_author_there_afterwards() -> None:
    reads_service = service()
    writer = Routes(actor=7)
    await run(writer, "POST", reads_service)
    assert writer.replica_allowed == [False]
    author_reads, other_reads = Routes(actor=7), Routes(actor=8)
    await run(author_reads, "GET", reads_service)
    await run(other_reads, "GET", reads_service)
    assert author_reads.replica_allowed == [False]
    assert other_reads.replica_allowed == [True]


async def test_without_replicas_nothing_reads_a_replica_or_is_recorded() -> None:
    writers = InProcessRecentWriters(window_seconds=60)
    reads_service = ReadYourWrites(writers=writers, replicas=False)
    await run(Routes(actor=7), "POST", reads_service)
    routes = Routes(actor=8)
    await run(routes, "GET", reads_service)
    assert routes.replica_allowed == [False]
    assert not await writers.wrote_recently(7)


async def test_a_get_that_writes_reads_the_primary_from_then_on_and_marks_its_author() -> None:
    reads_service = service()
    refreshing = Routes(actor=7, writes=True)
    await run(refreshing, "GET", reads_service)
    assert refreshing.replica_allowed == [True, False]
    next_page = Routes(actor=7)
    await run(next_page, "GET", reads_service)
    assert next_page.replica_allowed == [False]


async def test_a_request_may_insist_on_the_primary() -> None:
    reads_service = service()
    session = reads_service.session(read_only=True)
    token = reads.use(session)
    try:
        assert reads.replica_allowed()
        reads_service.read_primary()  # as the streaming API does
        assert not reads.replica_allowed()
    finally:
        reads.leave(token)
