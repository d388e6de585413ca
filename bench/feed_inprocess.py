"""In-process measurements: server-side read latency (with a profile) and fan-out lag."""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import random
import sysconfig
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from feed_backends import PROBE, Backend
from feed_data import DataSet
from load import percentile
from photofeed import bootstrap
from photofeed.api.status_entities import status_json
from photofeed.config import Settings
from photofeed.domain.graph import Page
from photofeed.domain.posts import NewPost
from photofeed.workers.runner import OutboxWorker

BASE_URL = "http://127.0.0.1:8000"


def config_for(backend: Backend, data: DataSet, mode: str, cap: int) -> dict[str, str]:
    """Settings fields of a container or server measuring this mode on this backend."""
    return backend.config(mode) | {
        "fanout": mode, "celebrity_followers": str(data.celebrity_threshold),
        "feed_cap": str(cap), "inprocess_workers": "false", "rate_limits": "off"}


@asynccontextmanager
async def container_for(backend: Backend, data: DataSet, mode: str,
                        cap: int) -> AsyncIterator[bootstrap.Container]:
    with tempfile.TemporaryDirectory(prefix="feed-bench-") as scratch:
        settings = Settings.model_validate(config_for(backend, data, mode, cap)
                                           | {"data_dir": scratch})
        container = await bootstrap.build(settings)
        try:
            yield container
        finally:
            await container.close()


def _summary(seconds: list[float]) -> dict[str, float]:
    done = sorted(seconds)
    return {"p50_ms": percentile(done, 0.5) * 1000, "p95_ms": percentile(done, 0.95) * 1000,
            "p99_ms": percentile(done, 0.99) * 1000, "count": len(done)}


class _TimedReads:
    """Timelines.home for random readers of one container, one at a time, timed."""

    def __init__(self, container: bootstrap.Container, readers: list[Any]) -> None:
        self.container = container
        self.readers = readers
        self._next = 0
        self._home: list[float] = []
        self._render: list[float] = []
        self._shown = 0
        self._cpu = 0.0

    @classmethod
    async def of(cls, container: bootstrap.Container, data: DataSet) -> _TimedReads:
        readers = [await container.accounts.get(r) for r in data.readers]
        random.Random(7).shuffle(readers)
        return cls(container, readers)

    async def run(self, count: int, *, counted: bool = True) -> None:
        page = Page(limit=20)
        for _ in range(count):
            cpu_before = time.process_time()  # every thread of this process, the DB's too
            reader = self.readers[self._next % len(self.readers)]
            self._next += 1
            started = time.perf_counter()
            views, _ = await self.container.timelines.home(reader=reader, page=page)
            fetched = time.perf_counter()
            orjson.dumps([status_json(v, BASE_URL) for v in views])
            rendered = time.perf_counter()
            if counted:
                self._home.append(fetched - started)
                self._render.append(rendered - fetched)
                self._shown += len(views)
                self._cpu += time.process_time() - cpu_before

    def summary(self) -> dict[str, Any]:
        count = max(len(self._home), 1)
        return {"home": _summary(self._home), "render": _summary(self._render),
                "mean_posts": self._shown / count, "cpu_ms_per_read": self._cpu * 1000 / count}


async def server_side(container: bootstrap.Container, data: DataSet, *, reads: int,
                      profile_to: Path | None) -> dict[str, Any]:
    """Latency of Timelines.home for random readers, one at a time, in this process."""
    timed = await _TimedReads.of(container, data)
    await timed.run(reads // 5, counted=False)  # warms caches; not counted
    await timed.run(reads)
    if profile_to is not None:
        await _profile(container, timed.readers[:min(300, reads)], profile_to)
    return timed.summary()


async def server_side_alternating(measured: bootstrap.Container,
                                  baseline: bootstrap.Container, data: DataSet, *,
                                  reads: int, rounds: int, profile_to: Path | None
                                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """server_side of two containers in the same minutes: both are warmed, then they take
    turns, `rounds` times, so that a machine whose speed drifts (a shared virtual
    machine's does, by a third within minutes) slows both alike. The profile, if asked
    for, is of the measured one."""
    timed = [await _TimedReads.of(c, data) for c in (measured, baseline)]
    for each in timed:
        await each.run(reads // 5, counted=False)
    for _ in range(rounds):
        for each in timed:
            await each.run(reads // rounds)
    if profile_to is not None:
        await _profile(measured, timed[0].readers[:min(300, reads)], profile_to)
    return timed[0].summary(), timed[1].summary()


async def _profile(container: bootstrap.Container, readers: list[Any], out: Path) -> None:
    page = Page(limit=20)
    profiler = cProfile.Profile()
    profiler.enable()
    for reader in readers:
        views, _ = await container.timelines.home(reader=reader, page=page)
        orjson.dumps([status_json(v, BASE_URL) for v in views])
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(45)
    await asyncio.to_thread(out.write_text, _without_local_paths(text.getvalue()))


def _without_local_paths(text: str) -> str:
    """File names relative to the checkout or the Python install, not this machine's paths."""
    paths = sysconfig.get_paths()
    for prefix, short in ((paths["purelib"], "site-packages"), (paths["stdlib"], "stdlib"),
                          (str(Path(__file__).resolve().parents[1]), ".")):
        text = text.replace(prefix, short)
    return text


class _Watcher(threading.Thread):
    """Polls the feed store from its own connections, as readers would, and stamps when
    each follower could first see the post."""

    def __init__(self, backend: Backend, mode: str, post_id: int, author_id: int,
                 owners: list[int], pulled: bool, started: float, timeout: float) -> None:
        super().__init__(daemon=True)
        self.seen: dict[int, float] = {}
        self._args = (backend, mode, post_id, author_id, owners, pulled, started, timeout)

    def run(self) -> None:
        asyncio.run(self._poll())

    async def _poll(self) -> None:
        backend, mode, post_id, author_id, owners, pulled, started, timeout = self._args
        async with backend.watch(mode, post_id, author_id, pulled) as visible:
            while len(self.seen) < len(owners) and time.perf_counter() - started < timeout:
                asked = time.perf_counter()
                found = await visible([o for o in owners if o not in self.seen])
                now = time.perf_counter()
                for owner in found:
                    self.seen.setdefault(owner, now - started)
                # Polling thousands of feeds takes a while; resting at least as long keeps
                # the watcher from slowing down the fan-out it is timing.
                await asyncio.sleep(max(0.005, now - asked))


async def fanout_lag(container: bootstrap.Container, backend: Backend, mode: str,
                     author_id: int, *, samples: int, posts: int, active_only: bool = True,
                     give_up_after: float = 60.0) -> dict[str, Any]:
    """Seconds from posting until the post is in 50/99/100% of sampled followers' feeds.

    Followers are sampled among the active ones unless told otherwise: hybrid fan-out
    skips the long inactive on purpose and rebuilds their feeds when they come back.
    """
    since = datetime.now(UTC) - timedelta(days=30) if active_only else None
    followers = await backend.followers(mode, author_id, since)
    owners = random.Random(author_id).sample(followers, min(samples, len(followers)))
    runs, made = [], []
    author = await container.accounts.get(author_id)
    pulled = container.fanout.policy.pulls_for(author.followers_count)
    stop = asyncio.Event()
    # Only the feed's consumers of the events: the lag of the News Feed itself, not of
    # whatever else (search indexing, media) the same worker would also do per post.
    feed_handlers = {kind: [h for h in handlers
                            if getattr(h, "__self__", None) in (container.posts,
                                                                container.fanout)]
                     for kind, handlers in container.handlers.items()}
    worker = OutboxWorker(container.outbox, feed_handlers, lease=timedelta(seconds=60))
    working = asyncio.create_task(worker.run_forever(stop))
    try:
        for n in range(posts):
            started = time.perf_counter()
            view = await container.posts.create(actor=author, new=NewPost(
                caption=f"{PROBE} {n} #benchmark"))
            made.append(view.post.id)
            watcher = _Watcher(backend, mode, view.post.id, author_id, owners, pulled,
                               started, give_up_after)
            watcher.start()
            await asyncio.to_thread(watcher.join)
            runs.append(sorted(watcher.seen.values()))
            await _until_idle(container)
    finally:
        stop.set()
        await working
    # Besides feed entries: the post, its author index row, its tag and the outbox event.
    rows = await backend.feed_entries_of(mode, author_id, made) / len(made) + 4
    await backend.forget_probes(mode)
    return {"author_followers": author.followers_count, "pulled": pulled,
            "sampled": len(owners), "rows_written_per_post": rows,
            "p50_s": _median([percentile(r, 0.5) if len(r) == len(owners) else give_up_after
                              for r in runs]),
            "p99_s": _median([percentile(r, 0.99) if len(r) >= 0.99 * len(owners)
                              else give_up_after for r in runs]),
            "max_s": max((r[-1] if r else give_up_after) for r in runs)}


async def _until_idle(container: bootstrap.Container, *, at_most: float = 60.0) -> None:
    # Lets the worker finish the rest of the fan-out before the next probe is posted;
    # the outbox has no "drained" signal to wait on, so it is polled, for a bounded time
    # (an event that keeps failing stays queued for its retries).
    deadline = time.monotonic() + at_most
    while await container.outbox.depth() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0

