"""The outbox consumer: at-least-once delivery of events to idempotent handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram

from photofeed.domain.events import Event
from photofeed.ports.outbox import Outbox

log = logging.getLogger(__name__)
# For post_created this is the fan-out lag: from the post's commit to every feed written.
EVENT_LAG = Histogram("photofeed_outbox_event_lag_seconds",
                      "From an event's commit to its handlers finishing.", ["kind"],
                      buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300))
EVENT_FAILURES = Counter("photofeed_outbox_event_failures_total",
                         "Handler runs that raised and will be retried or parked.", ["kind"])

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class OutboxWorker:
    """Claims due events on every partition and runs their handlers.

    A claim is a lease: if this process dies mid-batch, the lease runs out and another
    worker takes the same events again, which is why every handler must be idempotent.
    """

    def __init__(self, outbox: Outbox, handlers: Mapping[str, Sequence[Handler]], *,
                 batch: int = 100, lease: timedelta = timedelta(seconds=60),
                 max_attempts: int = 12, poll_seconds: float = 1.0) -> None:
        self._outbox = outbox
        self._handlers = handlers
        self._batch = batch
        self._lease = lease
        self._max_attempts = max_attempts
        self._poll = poll_seconds
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Handle what is due now on every partition; the number of events handled.

        Once `stop` is set no new batch is claimed; the batch in hand is finished.
        """
        handled = 0
        for partition in range(self._outbox.partitions):
            while not (stop and stop.is_set()) and (events := await self._outbox.claim(
                    partition, owner=self.owner, limit=self._batch, lease=self._lease)):
                handled += await self._handle_batch(partition, events)
                if len(events) < self._batch:
                    break
        return handled

    async def run_until_idle(self, *, max_rounds: int = 100) -> int:
        """Handle events until none are due, including ones handlers queued; for tests/CLI."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            total += handled
            if handled == 0:
                return total
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once(stop)
            except Exception:
                log.exception("outbox worker round failed; retrying")
                handled = 0
            if handled == 0:
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Sleep until new events, the poll interval, or a stop request, whichever is first."""
        waiters = {asyncio.ensure_future(self._outbox.wait(self._poll)),
                   asyncio.ensure_future(stop.wait())}
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _handle_batch(self, partition: int, events: list[Event]) -> int:
        # A long handler (a video transcode) renews the batch's lease while it runs, so a
        # short lease still hands a dead worker's events to a standby within seconds.
        keeper = asyncio.create_task(self._keep_claim(partition, [e.id for e in events]))
        try:
            return await self._run_batch(partition, events)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_claim(self, partition: int, event_ids: list[int]) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                await self._outbox.extend(partition, event_ids, owner=self.owner,
                                          lease=self._lease)
            except Exception:
                log.warning("could not extend the claim on %d events", len(event_ids),
                            exc_info=True)

    async def _run_batch(self, partition: int, events: list[Event]) -> int:
        done: list[int] = []
        for event in events:
            handlers = self._handlers.get(event.kind)
            try:
                if not handlers:
                    raise LookupError(f"no handler for {event.kind!r}")
                # All of an event's handlers run again on a retry; each is idempotent.
                for handler in handlers:
                    await handler(event.payload)
            except Exception as exc:
                EVENT_FAILURES.labels(event.kind).inc()
                give_up = not handlers or event.attempts + 1 >= self._max_attempts
                log.warning("event %s (%s) failed, attempt %d%s: %r", event.id, event.kind,
                            event.attempts + 1, "; parked" if give_up else "", exc)
                await self._outbox.retry(partition, event, error=repr(exc),
                                         delay=_backoff(event.attempts), give_up=give_up)
            else:
                done.append(event.id)
                if event.created_at is not None:
                    lag = (datetime.now(UTC) - event.created_at).total_seconds()
                    EVENT_LAG.labels(event.kind).observe(max(lag, 0.0))
        await self._outbox.complete(partition, done)
        return len(events)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** attempts, 600))
