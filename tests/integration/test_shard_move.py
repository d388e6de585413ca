"""`photofeed shards move` under a live write load: no acknowledged write is lost.

Two PostgreSQL databases hold the configured map; a third receives logical shards
1024-2047 from the first while an app takes posts, likes and follows and reads them back.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from photofeed import ids
from photofeed.adapters.sql import move_copy
from photofeed.adapters.sql.move_tables import MOVED_TABLES, select_range, unlisted_tables
from photofeed.adapters.sql.schema import affinity
from photofeed.adapters.sql.shard_mover import MOVER_LOCK
from photofeed.cli import main
from photofeed.config import Settings
from tests.api.support import Person, register
from tests.conftest import FAST_HASHING
from tests.running_app import serving
from tests.services import postgres_databases

pytestmark = pytest.mark.postgres

FIRST, LAST = 1024, 2047
BULK_OWNER = ids.compose(ids.EPOCH_MS, 1500, 0)


@pytest.fixture
def databases(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Two configured shard databases, and the target of the move unless asked for two."""
    with postgres_databases(getattr(request, "param", 3)) as urls:
        yield urls


def in_range(name: str) -> bool:
    return FIRST <= ids.shard_for_key(name) <= LAST


def usernames(count: int, *, moving: bool) -> list[str]:
    found = (f"user{n}" for n in range(100_000))
    return [name for name in found if in_range(name) == moving][:count]


async def range_rows(url: str) -> dict[str, int]:
    """How many rows of each table this database holds on the moving logical shards."""
    conn = await asyncpg.connect(url)
    try:
        counts = {}
        for table in MOVED_TABLES:
            selection = await select_range(conn, table, FIRST, LAST)
            counts[table] = await conn.fetchval(
                f'SELECT count(*) FROM public."{table}" t WHERE {selection.where}',  # noqa: S608
                *selection.args)
        return counts
    finally:
        await conn.close()


async def run_cli(*args: str, database_url: str) -> tuple[int, str]:
    env = {**os.environ, "PHOTOFEED_DATABASE_URL": database_url,
           "PHOTOFEED_SHARD_MAP_REFRESH_SECONDS": "0.2"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "photofeed.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


class Load:
    """Posts, likes and follows as fast as the app takes them; remembers what was accepted."""

    def __init__(self, http: httpx.AsyncClient, people: list[Person]) -> None:
        self.http, self.people = http, people
        self.posts: list[tuple[Person, str]] = []
        self.likes: list[tuple[Person, str]] = []
        self.follows: set[tuple[Person, Person]] = set()
        self.failures: list[str] = []
        self.reads = 0
        self.stop = asyncio.Event()

    async def write(self) -> None:
        while not self.stop.is_set():
            person = random.choice(self.people)
            choice = random.random()
            if choice < 0.5 or not self.posts:
                response = await self.http.post("/api/v1/statuses", headers=person.headers,
                                                data={"status": f"photo by {person.username}"})
                if self._ok(response):
                    self.posts.append((person, response.json()["id"]))
            elif choice < 0.8:
                _, post = random.choice(self.posts)
                response = await self.http.post(f"/api/v1/statuses/{post}/favourite",
                                                headers=person.headers)
                if self._ok(response):
                    self.likes.append((person, post))
            else:
                other = random.choice(self.people)
                if other != person and (person, other) not in self.follows:
                    self.follows.add((person, other))  # claimed before the await: no 409
                    response = await self.http.post(f"/api/v1/accounts/{other.id}/follow",
                                                    headers=person.headers)
                    self._ok(response)

    async def read(self) -> None:
        """Every accepted post stays readable through the API, before, during and after."""
        while not self.stop.is_set():
            if self.posts:
                _, post = random.choice(self.posts)
                response = await self.http.get(f"/api/v1/statuses/{post}")
                self._ok(response)
                self.reads += 1
            await asyncio.sleep(0)

    def _ok(self, response: httpx.Response) -> bool:
        if response.status_code != 200:
            self.failures.append(f"{response.request.url}: {response.status_code} "
                                 f"{response.text[:200]}")
        return response.status_code == 200


async def verify(http: httpx.AsyncClient, load: Load) -> None:
    """Every acknowledged post, like and follow is there."""
    for _, post in load.posts:
        response = await http.get(f"/api/v1/statuses/{post}")
        assert response.status_code == 200, post
    for person, post in load.likes:
        response = await http.get(f"/api/v1/statuses/{post}", headers=person.headers)
        assert response.json()["favourited"] is True, (person.username, post)
    for person, other in load.follows:
        response = await http.get("/api/v1/accounts/relationships",
                                  params={"id[]": other.id}, headers=person.headers)
        assert response.json()[0]["following"] is True, (person.username, other.username)


async def test_move_under_write_load_loses_nothing(tmp_path: Path,
                                                  databases: list[str]) -> None:
    first_db, second_db, target = databases
    await expect_every_table_known(target)
    configured = f"{first_db},{second_db}"
    base: dict[str, Any] = {"data_dir": tmp_path / "data", "database_url": configured,
                            "rate_limits": "off", **FAST_HASHING}
    server = Settings(**base, shard_map_refresh_seconds=0.2)
    # A second process that would not notice the new map on its own for a minute.
    stale = Settings(**base, shard_map_refresh_seconds=60, inprocess_workers=False)
    async with serving(server) as (app, http), serving(stale) as (stale_app, stale_http):
        people = [await register(http, name) for name in
                  usernames(4, moving=True) + usernames(3, moving=False)]
        # Bulk on the range, so the copy takes long enough for the load to change rows
        # behind it, which the catch-up must then carry over.
        await execute(first_db, "INSERT INTO user_feed SELECT $1, g, 1 "
                                "FROM generate_series(1, 60000) g", BULK_OWNER)
        load = Load(http, people)
        tasks = [asyncio.create_task(load.write()), asyncio.create_task(load.write()),
                 asyncio.create_task(load.read())]
        await asyncio.sleep(1.5)
        before = len(load.posts)
        code, output = await run_cli("shards", "move", f"{FIRST}-{LAST}", "--to", target,
                                     "--grace", "1", database_url=configured)
        during = len(load.posts) - before
        await asyncio.sleep(1.0)
        load.stop.set()
        await asyncio.gather(*tasks)
        assert code == 0, output
        assert "done: logical shards 1024-2047" in output
        assert "caught up while live: nothing changed" not in output, output
        assert load.failures == []
        assert during > 0
        assert load.reads > 0
        moved_posts = [p for _, p in load.posts if FIRST <= ids.shard_of(int(p)) <= LAST]
        assert moved_posts, "the load wrote posts on the moving shards"

        await verify(http, load)
        # The rows of the range live on the target only.
        assert not any((await range_rows(first_db)).values())
        assert not any((await range_rows(second_db)).values())
        on_target = await range_rows(target)
        assert on_target["posts"] == len(moved_posts)
        assert on_target["user_feed"] >= 60000
        assert on_target["accounts"] == 4
        # The running app learnt the new map; its workers drained every event.
        router = app.state.container.router
        assert router.urls[router.engine_index(FIRST)] == router.urls[-1]
        await wait_for_empty_outbox(app)

        # A process that has not re-read the map yet still routes by the old one, but
        # its first write to the range meets the fence and goes to the target instead.
        stale_router = stale_app.state.container.router
        assert stale_router.engine_index(FIRST) == 0
        owner = int(people[0].id)  # an account on the moved shards
        async with stale_router.write(ids.shard_of(owner)) as conn:
            await conn.execute(insert(affinity).values(
                account_id=owner, author_id=owner, score=7))
        assert stale_router.urls[stale_router.engine_index(FIRST)] == stale_router.urls[-1]
        assert await affinity_score(target, owner) == 7
        assert await affinity_score(first_db, owner) is None
        response = await stale_http.get(f"/api/v1/statuses/{moved_posts[0]}")
        assert response.status_code == 200

    # A fresh process configured as before routes by the recorded moves.
    async with serving(Settings(**base)) as (_, fresh):
        await verify(fresh, load)
    code, output = await run_cli("shards", "show", database_url=configured)
    assert code == 0
    assert f"{FIRST}-{LAST}" in output
    assert target.rsplit("/", 1)[-1] in output


async def wait_for_empty_outbox(app: FastAPI) -> None:
    outbox = app.state.container.outbox
    for _ in range(100):
        if await outbox.depth() == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{await outbox.depth()} events left in the outbox")


async def affinity_score(url: str, account_id: int) -> int | None:
    conn = await asyncpg.connect(url)
    try:
        score = await conn.fetchval(
            "SELECT score FROM affinity WHERE account_id = $1 AND author_id = $1", account_id)
        return None if score is None else int(score)
    finally:
        await conn.close()


def move_refusal(capsys: pytest.CaptureFixture[str], configured: str, *args: str) -> str:
    """Run `photofeed shards move` in this process; it must refuse with a message."""
    code = main(["shards", "move", *args, "--database-url", configured])
    message = capsys.readouterr().err
    assert code == 2, message
    return message


@pytest.mark.parametrize("databases", [2], indirect=True)
def test_bad_moves_are_refused_with_clear_errors(databases: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    first_db, target = databases
    configured = f"{first_db},{target}"
    cases = [
        (("8000-9000", "--to", target), "not within 0-8191"),
        (("20-10", "--to", target), "not within 0-8191"),
        (("lots", "--to", target), "is not a range of logical shards"),
        (("4000-4200", "--to", target), "lie on 2 databases; move each piece on its own: "
                                        "4000-4095, 4096-4200"),
        (("0-10", "--to", target), "logical shard 0 stays on the control database"),
        (("1-10", "--to", first_db), "are on postgresql"),
        (("1-10", "--to", f"sqlite:///{tmp_path / 'x.sqlite3'}"), "needs PostgreSQL"),
        (("1-10", "--to", "postgresql://postgres@127.0.0.1:1/nowhere"), "unreachable"),
    ]
    for args, expected in cases:
        assert expected in move_refusal(capsys, configured, *args), args
    # Nothing was recorded or fenced by the refused moves.
    asyncio.run(expect_no_moves(first_db))
    # A move that overlaps one in progress waits for it.
    asyncio.run(record_move(first_db, 1000, 1100, target))
    message = move_refusal(capsys, configured, "1024-2047", "--to", target)
    assert "a move of logical shards 1000-1100" in message
    assert "is in progress (copying)" in message


def test_moves_need_postgresql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configured = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    message = move_refusal(capsys, configured, "1-10", "--to", "postgresql://x@127.0.0.1/y")
    assert "moving shards needs PostgreSQL; the source database is sqlite" in message


async def expect_every_table_known(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        assert await unlisted_tables(conn) == [], "tables shard moves would leave behind"
    finally:
        await conn.close()


async def expect_no_moves(control: str) -> None:
    conn = await asyncpg.connect(control)
    try:
        assert await conn.fetchval("SELECT count(*) FROM shard_moves") == 0
        assert await conn.fetchval("SELECT count(*) FROM shard_fences") == 0
    finally:
        await conn.close()


async def record_move(control: str, first: int, last: int, target: str, *,
                      state: str = "copying") -> None:
    conn = await asyncpg.connect(control)
    try:
        await conn.execute(
            "INSERT INTO shard_moves (first_shard, last_shard, source_url, target_url, state, "
            "started_at, updated_at) VALUES ($1, $2, $3, $4, $5, now(), now())",
            first, last, control, target, state)
    finally:
        await conn.close()


def left_fenced_by_a_dead_mover(source: str, target: str, *, holding: int) -> None:
    """The move of FIRST-LAST as a mover that died with writes fenced leaves it, with a
    row of account `holding` on the source."""
    asyncio.run(record_move(source, FIRST, LAST, target, state="fenced"))
    asyncio.run(execute(source, "INSERT INTO shard_fences VALUES ($1, $2, 'fenced')",
                        FIRST, LAST))
    asyncio.run(execute(source, "INSERT INTO affinity VALUES ($1, $1, 3)", holding))


@pytest.mark.parametrize("databases", [2], indirect=True)
def test_an_interrupted_move_resumes_when_run_again(databases: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    source, target = databases
    configured = f"{source},{target}"
    account = ids.compose(ids.EPOCH_MS, 1500, 0)
    left_fenced_by_a_dead_mover(source, target, holding=account)
    code = main(["shards", "move", f"{FIRST}-{LAST}", "--to", target, "--grace", "0.1",
                 "--database-url", configured])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "resuming the unfinished move (fenced)" in output
    assert asyncio.run(affinity_score(target, account)) == 3
    assert asyncio.run(affinity_score(source, account)) is None
    states = asyncio.run(fetch(source, "SELECT state FROM shard_moves UNION ALL "
                                       "SELECT state FROM shard_fences"))
    assert sorted(states) == ["done", "moved"]


@contextmanager
def mover_running(control: str, move_id: int) -> Iterator[None]:
    """Hold a move's mover lock from another connection, as a live mover would."""
    held, done = threading.Event(), threading.Event()

    async def hold() -> None:
        conn = await asyncpg.connect(control)
        try:
            await conn.execute("SELECT pg_advisory_lock($1::int, $2::int)", MOVER_LOCK, move_id)
            held.set()
            await asyncio.to_thread(done.wait, 30)
        finally:
            await conn.close()

    holder = threading.Thread(target=asyncio.run, args=(hold(),))
    holder.start()
    try:
        assert held.wait(10), "could not take the mover lock"
        yield
    finally:
        done.set()
        holder.join()


@pytest.mark.parametrize("databases", [2], indirect=True)
def test_a_move_whose_mover_died_can_be_aborted(databases: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    source, target = databases
    configured = f"{source},{target}"
    account = ids.compose(ids.EPOCH_MS, 1500, 0)
    assert "there is no unfinished move of logical shards 1024-2047" in move_refusal(
        capsys, configured, f"{FIRST}-{LAST}", "--to", target, "--abort")
    left_fenced_by_a_dead_mover(source, target, holding=account)
    # The row it had copied already.
    asyncio.run(execute(target, "INSERT INTO affinity VALUES ($1, $1, 3)", account))
    [move_id] = asyncio.run(fetch(source, "SELECT id FROM shard_moves"))

    with mover_running(source, move_id):
        refused = move_refusal(capsys, configured, f"{FIRST}-{LAST}", "--to", target,
                               "--abort")
    code = main(["shards", "move", f"{FIRST}-{LAST}", "--to", target, "--abort",
                 "--database-url", configured])
    output = capsys.readouterr().out

    assert f"move {move_id} is being run by another mover" in refused
    assert code == 0, output
    assert "the move was aborted; its copies are deleted" in output
    assert asyncio.run(affinity_score(target, account)) is None
    assert asyncio.run(affinity_score(source, account)) == 3
    assert asyncio.run(fetch(source, "SELECT state FROM shard_moves")) == ["failed"]
    assert asyncio.run(fetch(source, "SELECT state FROM shard_fences")) == []


async def execute(url: str, statement: str, *args: Any) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def fetch(url: str, query: str) -> list[Any]:
    conn = await asyncpg.connect(url)
    try:
        return [row[0] for row in await conn.fetch(query)]
    finally:
        await conn.close()


async def test_installing_change_capture_gives_way_to_a_write_in_progress(
        databases: list[str]) -> None:
    # Installing the capture triggers locks the tables one after another (alphabetically);
    # a write holding a later table and then wanting an earlier one must neither wait on it
    # for long nor be picked as a deadlock's victim.
    writer, mover = await asyncpg.connect(databases[0]), await asyncpg.connect(databases[0])
    try:
        write = writer.transaction()
        await write.start()
        await writer.execute("UPDATE follows SET version = version WHERE false")
        installing = asyncio.create_task(move_copy.start_capture(mover))
        await asyncio.sleep(0.3)  # the mover holds the tables before follows, or retries
        await asyncio.wait_for(
            writer.execute("UPDATE accounts SET followers_count = followers_count WHERE false"),
            timeout=5)
        await write.commit()
        await asyncio.wait_for(installing, timeout=30)
        installed = await mover.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgname = $1", move_copy.TRIGGER)
        assert installed == len(MOVED_TABLES)
        await move_copy.stop_capture(mover)
    finally:
        await writer.close()
        await mover.close()
