"""FollowedCelebrities over a real graph store and a real event bus, on every backend.

A kept answer shows itself by what it does not see: a follow stored behind its back (as by
another process whose news has not arrived) stays unseen until the reader is forgotten,
announced, or the answer ages out.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from photofeed import ids
from photofeed.adapters.sql.events import SqlEventBus
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.graph import FollowState
from photofeed.ports.events import EventBus
from photofeed.services.followed_celebrities import CHANGES_CHANNEL, FollowedCelebrities
from tests.integration.kept_reads import Clock, eventually, following

ID_SOURCE = ids.IdGenerator(1)
pytestmark = pytest.mark.asyncio(loop_scope="module")


class People:
    """A reader and four celebrities spread over the shards: one followed, one asked to
    be followed (a private account), one followed and then unfollowed, one a stranger."""

    def __init__(self, graph: SqlGraphStore) -> None:
        self.graph = graph
        self.reader = ID_SOURCE.new_id(3)
        self.followed, self.requested, self.unfollowed, self.stranger = (
            ID_SOURCE.new_id(s) for s in (5, 8100, 6, 4000))
        self.celebrities = frozenset(
            (self.followed, self.requested, self.unfollowed, self.stranger))
        self._version = 0

    async def follow(self, target: int, state: FollowState = "accepted") -> None:
        self._version += 1
        await self.graph.set_follow(self.reader, target, state, version=self._version)

    async def start(self) -> None:
        await self.follow(self.followed)
        await self.follow(self.requested, "requested")
        await self.follow(self.unfollowed)
        await self.follow(self.unfollowed, "none")


@pytest.fixture
def graph(shared_router: ShardRouter) -> SqlGraphStore:
    return SqlGraphStore(shared_router, OutboxSignal())


@pytest.fixture
def bus(shared_router: ShardRouter) -> EventBus:
    return SqlEventBus(shared_router)


@pytest_asyncio.fixture(loop_scope="module")
async def people(graph: SqlGraphStore) -> People:
    made = People(graph)
    await made.start()
    return made


async def test_only_accepted_follows_count_and_the_answer_is_kept_until_forgotten(
        graph: SqlGraphStore, bus: EventBus, people: People) -> None:
    kept = FollowedCelebrities(graph, bus)
    async with following(kept):
        assert await kept.of(people.reader, people.celebrities) == {people.followed}

        await people.follow(people.stranger)
        assert await kept.of(people.reader, people.celebrities) == {people.followed}, "kept"
        kept.forget(people.reader)  # as the process that took the follow does
        assert await kept.of(people.reader, people.celebrities) == {
            people.followed, people.stranger}


async def test_another_list_of_celebrities_is_answered_anew(
        graph: SqlGraphStore, bus: EventBus, people: People) -> None:
    kept = FollowedCelebrities(graph, bus)
    fewer = frozenset({people.followed})
    async with following(kept):
        assert await kept.of(people.reader, fewer) == {people.followed}
        await people.follow(people.stranger)
        assert await kept.of(people.reader, people.celebrities) == {
            people.followed, people.stranger}


async def test_a_change_announced_by_another_process_is_heard(
        graph: SqlGraphStore, shared_router: ShardRouter, people: People) -> None:
    here_bus, there_bus = SqlEventBus(shared_router), SqlEventBus(shared_router)
    await there_bus.deliver()  # starts from the log as it is
    there = FollowedCelebrities(graph, there_bus)
    async with following(there):
        assert await there.of(people.reader, people.celebrities) == {people.followed}
        await people.follow(people.stranger)
        assert await there.of(people.reader, people.celebrities) == {people.followed}

        await here_bus.publish(CHANGES_CHANNEL, str(people.reader))  # as the worker does
        await there_bus.deliver()  # what the bus's poller does each 0.1 s

        async def there_sees_it() -> bool:
            return await there.of(people.reader, people.celebrities) == {
                people.followed, people.stranger}
        assert await eventually(there_sees_it)


async def test_nothing_is_kept_before_subscribing_and_answers_age_out(
        graph: SqlGraphStore, bus: EventBus, people: People) -> None:
    clock = Clock()
    kept = FollowedCelebrities(graph, bus, ttl=60.0, clock=clock)

    assert await kept.of(people.reader, people.celebrities) == {people.followed}
    await people.follow(people.stranger)
    assert await kept.of(people.reader, people.celebrities) == {
        people.followed, people.stranger}, "not subscribed, so not kept"

    async with following(kept):
        await kept.of(people.reader, people.celebrities)
        await people.follow(people.stranger, "none")
        clock.now += 59
        assert await kept.of(people.reader, people.celebrities) == {
            people.followed, people.stranger}
        clock.now += 1
        assert await kept.of(people.reader, people.celebrities) == {people.followed}
