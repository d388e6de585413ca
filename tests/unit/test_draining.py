"""Draining: the stop signal reaches the app, and still reaches the server."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from photofeed.api.draining import Draining


@pytest.fixture
def server_handler() -> Iterator[list[int]]:
    """A SIGTERM handler standing for the server's own, restored afterwards."""
    heard: list[int] = []

    def server(number: int, _frame: FrameType | None) -> None:
        heard.append(number)

    before = signal.signal(signal.SIGTERM, server)
    try:
        yield heard
    finally:
        signal.signal(signal.SIGTERM, before)


async def test_sigterm_starts_draining_and_still_reaches_the_servers_handler(
        server_handler: list[int]) -> None:
    draining = Draining()
    draining.install()

    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(draining.wait(), timeout=5)  # fails the test if never started

    assert server_handler == [signal.SIGTERM]
    draining.uninstall()
    signal.raise_signal(signal.SIGTERM)
    assert server_handler == [signal.SIGTERM, signal.SIGTERM]


async def test_uninstalling_leaves_a_handler_installed_since_in_place(
        server_handler: list[int]) -> None:
    first, second = Draining(), Draining()
    first.install()
    second.install()

    first.uninstall()  # stopped before the one that started after it

    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(second.wait(), timeout=5)
    assert server_handler == [signal.SIGTERM]
    second.uninstall()
