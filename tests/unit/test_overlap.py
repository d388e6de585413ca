"""overlap.gather: the same results whether reads overlap or run one after the other."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from photofeed.services import overlap


async def _value(value: int, log: list[str], name: str) -> int:
    log.append(f"{name} starts")
    await asyncio.sleep(0)
    log.append(f"{name} ends")
    return value


async def _fails(log: list[str]) -> int:
    log.append("failing starts")
    raise LookupError("gone")


async def test_both_ways_give_the_results_in_order() -> None:
    for overlapping in (True, False):
        log: list[str] = []
        assert await overlap.gather(overlapping, _value(1, log, "a"), _value(2, log, "b"),
                                    _value(3, log, "c")) == (1, 2, 3)
        if overlapping:  # all started before any finished
            assert log[:3] == ["a starts", "b starts", "c starts"]
        else:
            assert log == ["a starts", "a ends", "b starts", "b ends", "c starts", "c ends"]


async def test_a_failure_ends_the_rest_without_leaving_coroutines_unawaited() -> None:
    log: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "never awaited" RuntimeWarning would fail here
        with pytest.raises(LookupError):
            await overlap.gather(False, _fails(log), _value(2, log, "b"))
    assert log == ["failing starts"]


async def test_overlapped_the_first_read_runs_in_the_calling_task() -> None:
    caller = asyncio.current_task()
    ran_in: list[asyncio.Task[object] | None] = []

    async def where(value: int) -> int:
        ran_in.append(asyncio.current_task())
        await asyncio.sleep(0)
        return value

    assert await overlap.all_of([where(1), where(2)]) == [1, 2]
    assert ran_in[0] is caller
    assert ran_in[1] is not caller


async def test_overlapped_a_failure_cancels_the_reads_still_running() -> None:
    cancelled = asyncio.Event()

    async def slow() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 2

    async def fails_after_a_turn() -> int:
        await asyncio.sleep(0)
        raise LookupError("gone")

    with pytest.raises(LookupError):
        await overlap.gather(True, fails_after_a_turn(), slow())
    assert cancelled.is_set()
    assert await overlap.all_of([]) == []
