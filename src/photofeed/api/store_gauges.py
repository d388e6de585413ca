"""Gauges of the stores behind the service, sampled now and then rather than per scrape.

Counting the outbox and the feed store costs a query per database (and a key scan on
Redis), so a scrape reads the last sample and only starts a new one when it is older than
`metrics_sample_seconds`; a slow or failing count never delays or fails the scrape.
"""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import Gauge

from photofeed.bootstrap import Container

log = logging.getLogger(__name__)
OUTBOX_DEPTH = Gauge("photofeed_outbox_depth",
                     "Events waiting for a worker (due, leased or backing off; not parked).")
FEED_STORE_ENTRIES = Gauge("photofeed_feed_store_entries",
                           "Entries over all stored feeds (PostgreSQL: the planner's estimate "
                           "once large).")
SAMPLED_AT = Gauge("photofeed_store_gauges_sampled_timestamp_seconds",
                   "When the outbox and feed store gauges were last sampled.")
# A scrape waits this long for a due sample, then answers with the previous one.
SCRAPE_WAIT_SECONDS = 2.0


class StoreGauges:
    """Samples the outbox depth and the feed store size at most every `interval` seconds."""

    def __init__(self, container: Container, *, interval: float) -> None:
        self._container = container
        self._interval = interval
        self._sampled = float("-inf")
        self._running: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Start a sample if the last is stale, and wait briefly for it."""
        if self._running is None and time.monotonic() - self._sampled >= self._interval:
            self._running = asyncio.create_task(self._sample())
        if self._running is not None:
            await asyncio.wait({self._running}, timeout=SCRAPE_WAIT_SECONDS)

    async def _sample(self) -> None:
        try:
            OUTBOX_DEPTH.set(await self._container.outbox.depth())
            FEED_STORE_ENTRIES.set(await self._container.feeds.size())
            SAMPLED_AT.set_to_current_time()
        except Exception:
            log.warning("could not sample the store gauges", exc_info=True)
        finally:
            self._sampled = time.monotonic()
            self._running = None
