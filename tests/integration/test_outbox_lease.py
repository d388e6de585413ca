"""The outbox lease: a slow handler keeps its events; a dead worker's are taken over."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from photofeed.adapters.sql.outbox import OutboxSignal, SqlOutbox, add_event
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.events import payload
from photofeed.workers.runner import OutboxWorker

LEASE = timedelta(seconds=0.6)


async def test_a_slow_handler_is_not_started_twice(router: ShardRouter) -> None:
    outbox = SqlOutbox(router, OutboxSignal())
    runs: list[str] = []

    async def slow(event: dict[str, Any]) -> None:
        runs.append(event["type"])
        await asyncio.sleep(2.0)  # more than three leases long

    async with router.write(5) as conn:
        await add_event(conn, 5, payload("slow_job", item=1))
    first = OutboxWorker(outbox, {"slow_job": [slow]}, lease=LEASE)
    second = OutboxWorker(outbox, {"slow_job": [slow]}, lease=LEASE)
    busy = asyncio.create_task(first.run_once())
    await asyncio.sleep(0.3)
    for _ in range(12):  # the other worker keeps looking while the first one works
        assert await second.run_once() == 0
        await asyncio.sleep(0.2)
    assert await busy == 1
    assert runs == ["slow_job"]
    assert await outbox.depth() == 0


async def test_events_of_a_worker_that_stopped_renewing_are_taken_over(
        router: ShardRouter) -> None:
    outbox = SqlOutbox(router, OutboxSignal())
    async with router.write(5) as conn:
        await add_event(conn, 5, payload("job", item=2))
    # A worker that claimed the event and then died: nothing renews or completes it.
    claimed = await outbox.claim(0, owner="dead-worker", limit=10, lease=LEASE)
    assert len(claimed) == 1
    handled: list[dict[str, Any]] = []

    async def job(event: dict[str, Any]) -> None:
        handled.append(event)

    standby = OutboxWorker(outbox, {"job": [job]}, lease=LEASE)
    assert await standby.run_once() == 0, "the lease still holds"
    await asyncio.sleep(LEASE.total_seconds() + 0.1)
    assert await standby.run_once() == 1
    assert handled[0]["item"] == "2"
