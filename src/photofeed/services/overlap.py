"""Awaiting independent reads together, or one after the other when none of them waits.

Reads that cross a network (PostgreSQL, Redis) are worth overlapping: the waits add up
otherwise. Reads of an embedded SQLite file are answered inline, without ever yielding to
the event loop, so running them as concurrent tasks gains nothing and costs a task each
and extra turns of the loop (a feed read made seven). The container decides which applies.
Overlapped, the first read runs in the calling task and only the others get tasks of their
own (`all_of`): put first the read sure to wait on a network, and the others' tasks run
during its wait.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")


@overload
async def gather(overlap: bool, first: Awaitable[A], second: Awaitable[B], /) -> tuple[A, B]:
    ...


@overload
async def gather(overlap: bool, first: Awaitable[A], second: Awaitable[B],
                 third: Awaitable[C], /) -> tuple[A, B, C]:
    ...


@overload
async def gather(overlap: bool, first: Awaitable[A], second: Awaitable[B],
                 third: Awaitable[C], fourth: Awaitable[D], /) -> tuple[A, B, C, D]:
    ...


async def gather(overlap: bool, *reads: Awaitable[Any]) -> tuple[Any, ...]:
    if overlap:
        return tuple(await all_of(reads))
    done: list[Any] = []
    try:
        for read in reads:
            done.append(await read)
    except BaseException:
        for never_run in reads[len(done) + 1:]:
            if inspect.iscoroutine(never_run):
                never_run.close()  # no "never awaited" warning for reads made moot
        raise
    return tuple(done)


async def all_of(reads: Sequence[Awaitable[T]]) -> list[T]:
    """Every read's result, in order, awaited together as asyncio.gather does, with one
    task fewer: the first runs in the calling task. Should one fail, the others are
    cancelled rather than left running with nobody to hear their outcome."""
    if not reads:
        return []
    first, *rest = reads
    if not rest:
        return [await first]
    later = [asyncio.ensure_future(read) for read in rest]
    try:
        done = [await first]
        for task in later:
            done.append(await task)
        return done
    finally:
        unfinished = [task for task in later if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
        for task in later:
            if task.done() and not task.cancelled():
                task.exception()  # heard, so asyncio does not log it as lost
