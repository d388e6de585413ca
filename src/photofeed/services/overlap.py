"""Awaiting independent reads together, or one after the other when none of them waits.

Reads that cross a network (PostgreSQL, Redis) are worth overlapping: the waits add up
otherwise. Reads of an embedded SQLite file are answered inline, without ever yielding to
the event loop, so running them as concurrent tasks gains nothing and costs a task each
and extra turns of the loop (a feed read made seven). The container decides which applies.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any, TypeVar, overload

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
        return tuple(await asyncio.gather(*reads))
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
