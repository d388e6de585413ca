"""What the tests of reads kept between requests (services/kept_reads.py) share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from photofeed.services.kept_reads import KeptReads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def following(kept: KeptReads[Any]) -> AsyncIterator[None]:
    """Run the process's subscription to changes, as the container does."""
    task = asyncio.create_task(kept.follow_changes())
    try:
        async with asyncio.timeout(5):
            await kept.subscribed()
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    """Whether the check passes within two seconds."""
    for _ in range(200):
        if await check():
            return True
        await asyncio.sleep(0.01)
    return False
