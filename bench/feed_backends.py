"""Where the benchmark's data lives: the embedded SQLite files, or the scale-out engines.

The measurements (feed_inprocess.py, feed_e2e.py) only talk to a Backend: the settings a
container or server gets, and the few direct looks at the stores a measurement needs
(who follows an author, which feeds already show a post, cleaning up probe posts).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Protocol

from feed_data import DataSet, refresh_activity

# Probe posts are recognised by their caption when cleaning up.
PROBE = "Fan-out lag probe"
Visible = Callable[[list[int]], Awaitable[list[int]]]


class Backend(Protocol):
    name: str

    def config(self, mode: str) -> dict[str, str]:
        """Settings fields (PHOTOFEED_* without the prefix) for a container or server."""
        ...

    async def refresh_activity(self, mode: str) -> None:
        """Make the active readers recently active again, as of now."""
        ...

    async def forget_probes(self, mode: str) -> None:
        """Remove probe posts and their feed entries, so the data stays as built."""
        ...

    async def followers(self, mode: str, author_id: int,
                        active_since: datetime | None) -> list[int]:
        ...

    def watch(self, mode: str, post_id: int, author_id: int,
              pulled: bool) -> AbstractAsyncContextManager[Visible]:
        """An async context giving a poll: which of the given owners' feeds show the post.

        Entered in the polling thread's own event loop, so it opens its own connections.
        """
        ...

    async def feed_entries_of(self, mode: str, author_id: int, post_ids: list[int]) -> int:
        """Feed entries stored for these posts (write amplification)."""
        ...


def sql_text_time(moment: datetime) -> str:
    """The text form SQLAlchemy stores datetimes in on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Embedded:
    """One SQLite file per fan-out mode, as feed_data.py built them."""

    name = "embedded"

    def __init__(self, data: DataSet) -> None:
        self._paths = data.paths

    def path(self, mode: str) -> str:
        return self._paths[mode]

    def config(self, mode: str) -> dict[str, str]:
        return {"database_url": f"sqlite:///{self._paths[mode]}"}

    async def refresh_activity(self, mode: str) -> None:
        refresh_activity(self._paths[mode])

    async def forget_probes(self, mode: str) -> None:
        with sqlite3.connect(self._paths[mode]) as db:
            probes = db.execute("SELECT id, account_id FROM posts WHERE caption LIKE ?",
                                (f"{PROBE}%",)).fetchall()
            marks = ",".join("?" * len(probes))
            found = [p for p, _ in probes]
            for table, column in (("user_feed", "post_id"), ("posts", "id"),
                                  ("account_posts", "post_id"), ("post_tags", "post_id")):
                db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", found)  # noqa: S608
            db.executemany("UPDATE accounts SET statuses_count = statuses_count - 1 "
                           "WHERE id = ?", [(a,) for _, a in probes])
            db.execute("DELETE FROM outbox")

    async def followers(self, mode: str, author_id: int,
                        active_since: datetime | None) -> list[int]:
        query = ("SELECT f.account_id FROM followers f JOIN accounts a ON a.id = f.account_id "
                 "WHERE f.target_id = ?")
        values: tuple[object, ...] = (author_id,)
        if active_since is not None:
            query += " AND a.last_active_at > ?"
            values += (sql_text_time(active_since),)
        with sqlite3.connect(self._paths[mode]) as db:
            return [r[0] for r in db.execute(query, values)]

    @asynccontextmanager
    async def watch(self, mode: str, post_id: int, author_id: int,
                    pulled: bool) -> AsyncIterator[Visible]:
        db = sqlite3.connect(self._paths[mode], check_same_thread=False)

        async def visible(owners: list[int]) -> list[int]:
            if pulled:  # read-time merge: visible to all once the author's index has it
                found = db.execute("SELECT 1 FROM account_posts WHERE account_id = ? AND "
                                   "post_id = ?", (author_id, post_id)).fetchone()
                return owners if found else []
            marks = ",".join("?" * len(owners))
            return [r[0] for r in db.execute(
                f"SELECT owner_id FROM user_feed WHERE post_id = ? AND owner_id IN ({marks})",  # noqa: S608
                (post_id, *owners))]

        try:
            yield visible
        finally:
            db.close()

    async def feed_entries_of(self, mode: str, author_id: int, post_ids: list[int]) -> int:
        marks = ",".join("?" * len(post_ids))
        with sqlite3.connect(self._paths[mode]) as db:
            count: int = db.execute(
                f"SELECT count(*) FROM user_feed WHERE post_id IN ({marks})",  # noqa: S608
                post_ids).fetchone()[0]
        return count
