"""Jobs that run every so often (media cleanup), beside the outbox consumer.

Each job is idempotent, so every worker process may run it; they only repeat each
other's checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)


async def run_periodically(jobs: Sequence[tuple[float, Callable[[], Awaitable[object]]]],
                           stop: asyncio.Event) -> None:
    """Run each job now and then every `seconds`, until stop is set."""
    await asyncio.gather(*(_every(seconds, job, stop) for seconds, job in jobs))


async def _every(seconds: float, job: Callable[[], Awaitable[object]],
                 stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("periodic job failed; trying again in %.0f s", seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
