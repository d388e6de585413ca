"""Waiting for the News Feed to get something newer: the home timeline's long poll."""

from __future__ import annotations

import asyncio
import time

from photofeed.domain.accounts import Account
from photofeed.domain.graph import Page
from photofeed.domain.posts import PostView
from photofeed.ports.events import EventBus
from photofeed.services.feed_read import Timelines


async def home_when_newer(timelines: Timelines, events: EventBus, *, reader: Account,
                          page: Page, wait: float) -> tuple[list[PostView], list[int]]:
    """The page once something newer is in it, or as it is when `wait` seconds are over.

    An event may be about a post this reader may not see, or a deletion; the wait then goes
    on. The page is read again once subscribed, so a post that arrived between the
    caller's read and the subscription is not left waiting for the deadline.
    """
    deadline = time.monotonic() + wait
    channels = await timelines.live_channels(reader.id)
    async with events.subscribe(channels) as messages:
        views, cursors = await timelines.home(reader=reader, page=page)
        while not cursors and (left := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(anext(messages), left)
            except TimeoutError:
                break
            views, cursors = await timelines.home(reader=reader, page=page)
    return views, cursors
