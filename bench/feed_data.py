"""Write the synthetic graph into photofeed's SQLite schema, one database file per mode.

Rows go straight into the tables the migrations made, in big transactions, sorted by
primary key so that every B-tree is appended to rather than split at random. Secondary
indexes are dropped first and rebuilt at the end, which sorts once instead of inserting
tens of millions of keys one by one. A finished set is cached under bench/data/, keyed by
its parameters, so later runs skip the build.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import numpy as np

from feed_graph import Graph, GraphParams, build
from feed_rows import (
    DERIVED,
    Rows,
    account_rows,
    follow_rows,
    post_rows,
    reader_tokens,
    token_rows,
)
from photofeed.adapters.sql.migrate import migrate_urls
from progress import Progress

MODES = ("push", "pull", "hybrid")
# Indexes rebuilt after the bulk load: (name, table, columns).
SECONDARY = [("ix_follows_list", "follows", "account_id, state, version"),
             ("ix_followers_list", "followers", "target_id, state, version"),
             ("ix_posts_root", "posts", "root_id, id"),
             ("ix_user_feed_author", "user_feed", "owner_id, author_id")]


@dataclass
class DataSet:
    """What a benchmark run needs to know about a built data set."""

    graph_key: str
    paths: dict[str, str]
    readers: list[int]
    tokens: list[str]
    lag_author: int
    lag_author_followers: int
    celebrity: int
    celebrity_followers: int
    celebrity_threshold: int
    feed_rows_per_post: dict[str, float]
    feed_rows: dict[str, int]
    feed_bytes: dict[str, int]
    users: int
    follows: int
    posts: int
    # The dedicated probe author (GraphParams.probe_followers); 0 when there is none.
    probe_author: int = 0
    probe_followers: int = 0

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> DataSet:
        return cls(**json.loads(path.read_text()))


def ensure(params: GraphParams, *, threshold: int, cap: int, readers: int,
           root: Path) -> DataSet:
    """The data set for these parameters, built now unless a previous run cached it."""
    folder = (root / f"feed-{params.key}-t{threshold}-c{cap}-r{readers}").resolve()
    meta = folder / "meta.json"
    if meta.exists():
        cached = DataSet.load(meta)
        # The folder may have moved since it was built; its files are where meta.json is.
        cached.paths = {m: str(folder / f"{m}.sqlite3") for m in MODES}
        return cached
    folder.mkdir(parents=True, exist_ok=True)
    graph = build(params)
    base = folder / "pull.sqlite3"
    _write_base(graph, base, readers=readers)
    built = _describe(graph, folder, threshold, readers)
    for mode in ("push", "hybrid"):
        target = folder / f"{mode}.sqlite3"
        _copy(base, target)
        built.feed_rows[mode], built.feed_bytes[mode] = _write_feeds(
            graph, target, mode=mode, threshold=threshold, cap=cap)
    built.save(meta)
    return built


def _copy(source: Path, target: Path) -> None:
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    partial.rename(target)


def _open_for_load(path: Path) -> sqlite3.Connection:
    # Durability is pointless while building: a crash just means building again.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute("PRAGMA temp_store=MEMORY")
    return db


def _finish_load(db: sqlite3.Connection, tables: set[str]) -> None:
    for name, table, columns in SECONDARY:
        if table in tables:
            db.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    db.execute("PRAGMA journal_mode=WAL")  # what the service runs with
    db.close()


def _drop_secondary(db: sqlite3.Connection, tables: set[str]) -> None:
    for name, table, _ in SECONDARY:
        if table in tables:
            db.execute(f"DROP INDEX IF EXISTS {name}")


def _insert(db: sqlite3.Connection, rows: Rows, progress: Progress, *,
            batch: int = 50_000) -> None:
    table, columns, source = rows
    # Table and column names are ours, never input.
    names, marks = ", ".join(columns), ", ".join("?" * len(columns))
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    while chunk := list(islice(source, batch)):
        db.executemany(statement, chunk)
        progress.advance(len(chunk))


def _write_base(graph: Graph, path: Path, *, readers: int) -> None:
    """The graph, the posts and the readers' tokens: all the pull mode needs."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    asyncio.run(_migrate(partial))
    db = _open_for_load(partial)
    tables = {"follows", "followers", "posts"}
    _drop_secondary(db, tables)
    edges = len(graph.follow_src)
    posts = len(graph.post_ids)
    total = 2 * graph.params.users + edges + posts
    with Progress("graph and posts", total) as progress:
        db.execute("BEGIN")
        for rows in (*account_rows(graph), *follow_rows(graph), *post_rows(graph),
                     *token_rows(graph, readers)):
            _insert(db, rows, progress)
        for statement in DERIVED:
            db.execute(statement)
        db.execute("COMMIT")
    _finish_load(db, tables)
    partial.rename(path)


async def _migrate(path: Path) -> None:
    await migrate_urls([f"sqlite:///{path}"])


def _feed_statement(mode: str) -> str:
    """Fill one reader's feed with the newest posts fan-out would have pushed to it.

    SQLite does the merge of the followees' posts itself; only the reader's ID crosses
    from Python, which makes the load several times faster than sending rows.
    """
    followees = "SELECT target_id FROM follows WHERE account_id = :owner"
    if mode == "hybrid":
        # Celebrities are pulled at read time, so their posts are never stored.
        followees = ("SELECT f.target_id FROM follows f JOIN accounts a ON a.id = f.target_id "
                     "WHERE f.account_id = :owner AND a.followers_count < :threshold")
    # Only our own fixed SQL is pieced together here; values are bound.
    return ("INSERT INTO user_feed (owner_id, post_id, author_id) "  # noqa: S608
            "SELECT :owner, post_id, account_id FROM account_posts "
            f"WHERE account_id IN ({followees} UNION ALL SELECT :owner) "
            "ORDER BY post_id DESC LIMIT :cap")


def _write_feeds(graph: Graph, path: Path, *, mode: str, threshold: int,
                 cap: int) -> tuple[int, int]:
    partial = path.with_suffix(".feeds")
    path.rename(partial)
    db = _open_for_load(partial)
    _drop_secondary(db, {"user_feed"})
    statement = _feed_statement(mode)
    own_only = ("INSERT INTO user_feed (owner_id, post_id, author_id) SELECT :owner, post_id, "
                "account_id FROM account_posts WHERE account_id = :owner "
                "ORDER BY post_id DESC LIMIT :cap")
    with Progress(f"{mode} feeds", graph.params.users, unit="readers") as progress:
        db.execute("BEGIN")
        for reader, owner in enumerate(graph.account_ids.tolist()):
            # Hybrid fan-out skips long-inactive readers; only their own posts are there.
            skipped = mode == "hybrid" and graph.inactive[reader]
            db.execute(own_only if skipped else statement,
                       {"owner": owner, "threshold": threshold, "cap": cap})
            if reader % 1000 == 999:
                progress.advance(1000)
        progress.advance(graph.params.users % 1000)
        db.execute("COMMIT")
    _finish_load(db, {"user_feed"})
    partial.rename(path)
    return feed_store_size(path)


def feed_store_size(path: Path) -> tuple[int, int]:
    """Rows in user_feed and bytes of the table with its indexes."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT count(*) FROM user_feed").fetchone()[0]
        size = db.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                          "('user_feed', 'sqlite_autoindex_user_feed_1', "
                          "'ix_user_feed_author')").fetchone()[0]
    return int(rows), int(size)


def _describe(graph: Graph, folder: Path, threshold: int, readers: int) -> DataSet:
    followers = graph.followers_count
    below = np.where(followers < threshold)[0]
    lag_author = int(below[np.argmax(followers[below])])
    celebrity = int(np.argmax(followers))
    tokens = reader_tokens(graph, readers)
    active_followers = np.bincount(graph.follow_dst[~graph.inactive[graph.follow_src]],
                                   minlength=graph.params.users)
    per_post = {"pull": 0.0,
                "push": float(np.mean(followers[graph.post_author] + 1)),
                "hybrid": float(np.mean(np.where(followers[graph.post_author] < threshold,
                                                 active_followers[graph.post_author] + 1,
                                                 1)))}
    return DataSet(
        graph_key=graph.params.key,
        paths={m: str(folder / f"{m}.sqlite3") for m in MODES},
        readers=[int(graph.account_ids[i]) for _, i in tokens],
        tokens=[token for token, _ in tokens], lag_author=int(graph.account_ids[lag_author]),
        lag_author_followers=int(followers[lag_author]),
        celebrity=int(graph.account_ids[celebrity]),
        celebrity_followers=int(followers[celebrity]), celebrity_threshold=threshold,
        feed_rows_per_post=per_post, feed_rows={"pull": 0}, feed_bytes={"pull": 0},
        users=graph.params.users, follows=len(graph.follow_src), posts=len(graph.post_ids),
        probe_author=int(graph.account_ids[graph.probe]) if graph.probe >= 0 else 0,
        probe_followers=int(followers[graph.probe]) if graph.probe >= 0 else 0)


def refresh_activity(path: str) -> None:
    """Make the active readers recently active again, as of now.

    Activity is relative to the clock: a data set built days ago would otherwise look
    long inactive, and hybrid reads would rebuild feeds instead of reading them.
    """
    now = datetime.now(UTC)
    with sqlite3.connect(path) as db:
        newest = db.execute("SELECT max(last_active_at) FROM accounts").fetchone()[0]
        cutoff = datetime.fromisoformat(newest) - timedelta(days=30)
        db.execute("UPDATE accounts SET last_active_at = CASE WHEN last_active_at > ? "
                   "THEN ? ELSE ? END", (_sql_time(cutoff), _sql_time(now - timedelta(
                       minutes=10)), _sql_time(now - timedelta(days=60))))


def sql_time_ago(delta: timedelta) -> str:
    return _sql_time(datetime.now(UTC) - delta)


def _sql_time(moment: datetime) -> str:
    """The text form SQLAlchemy stores datetimes in on SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
