"""Build a search benchmark database: N posts with realistic titles, straight into the tables.

The schema comes from the real migrations and the index rows from the same functions the
SQLite adapter uses, so the benchmark measures the production index. Rows are written in
big transactions with durability off (a crash just means building again), FTS5 merging
held back until the end, and the result cached under bench/data/ by its parameters.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from photofeed import ids
from photofeed.adapters.sql import search_sqlite
from photofeed.adapters.sql.migrate import migrate_urls
from photofeed.domain.search import SearchDocument
from progress import Progress
from search_vocab import Vocabulary

DAY_MS = 86_400_000
SPAN_DAYS = 300  # posts spread over ten months (IDs start in 2025)
BATCH = 20_000
VISIBILITIES = ("public", "unlisted", "private", "direct")
VISIBILITY_WEIGHTS = (85, 5, 8, 2)


@dataclass
class DataSet:
    path: str
    posts: int
    authors: int
    seed: int
    built_ms: int
    titles: list[str]  # a sample, to draw two-word and phrase queries from

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> DataSet:
        return cls(**json.loads(path.read_text()))


def ensure(posts: int, *, seed: int, root: Path) -> DataSet:
    """The data set for these parameters, built now unless an earlier run cached it."""
    folder = root / f"search-p{posts}-s{seed}-v2"  # v2: stems and words per field
    meta = folder / "meta.json"
    if meta.exists():
        return DataSet.load(meta)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "photofeed.sqlite3"
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    asyncio.run(_migrate(partial))
    built = _fill(partial, posts=posts, seed=seed)
    partial.rename(target)
    built.path = str(target)
    built.save(meta)
    return built


async def _migrate(path: Path) -> None:
    await migrate_urls([f"sqlite:///{path}"])


def _sql_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _fill(path: Path, *, posts: int, seed: int) -> DataSet:
    rng = random.Random(seed)
    vocabulary = Vocabulary(seed)
    built_ms = int(datetime.now(UTC).timestamp() * 1000)
    authors = [ids.compose(built_ms - SPAN_DAYS * DAY_MS - 1000 - n, n % ids.LOGICAL_SHARDS, 0)
               for n in range(max(posts // 50, 10))]
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                   "temp_store=MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    # Merge FTS5 segments once at the end instead of over and over while loading.
    for option, value in (("automerge", 0), ("crisismerge", 64), ("hashsize", 64 << 20)):
        db.execute("INSERT INTO post_search (post_search, rank) VALUES (?, ?)", (option, value))
    _insert_accounts(db, authors, built_ms)
    titles: list[str] = []
    with Progress("posts", posts) as bar:
        for batch in _batches(rng, vocabulary, authors, posts, built_ms, titles):
            _insert_posts(db, batch)
            bar.advance(len(batch))
    db.execute("INSERT INTO post_search (post_search, rank) VALUES ('automerge', 4)")
    db.execute("INSERT INTO post_search (post_search) VALUES ('optimize')")
    db.execute("PRAGMA journal_mode=WAL")  # what the service runs with
    db.close()
    return DataSet(path=str(path), posts=posts, authors=len(authors), seed=seed,
                   built_ms=built_ms, titles=titles)


def _insert_accounts(db: sqlite3.Connection, authors: list[int], built_ms: int) -> None:
    when = _sql_time(built_ms - SPAN_DAYS * DAY_MS)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO accounts (id, username, username_key, email, password_hash, display_name,"
        " note, locked, bot, discoverable, locale, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, '!', ?, '', 0, 0, 1, 'en', ?, ?)",
        [(a, f"u{n}", f"u{n}", f"u{n}@bench.invalid", f"User {n}", when, when)
         for n, a in enumerate(authors)])
    db.execute("COMMIT")


def _batches(rng: random.Random, vocabulary: Vocabulary, authors: list[int], posts: int,
             built_ms: int, titles: list[str]) -> Iterator[list[dict[str, Any]]]:
    # Posting times are drawn in order, so IDs (and every B-tree) grow at the end.
    start = built_ms - SPAN_DAYS * DAY_MS
    step = SPAN_DAYS * DAY_MS / posts
    batch: list[dict[str, Any]] = []
    for n in range(posts):
        ms = int(start + n * step)
        post = _post(rng, vocabulary, ids.compose(ms, rng.randrange(ids.LOGICAL_SHARDS),
                                                  n % 1024), rng.choice(authors), ms)
        if len(titles) < 5000 and rng.random() < 0.01:
            titles.append(post["title"])
        batch.append(post)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _post(rng: random.Random, vocabulary: Vocabulary, post_id: int, author: int,
          ms: int) -> dict[str, Any]:
    tags = vocabulary.hashtags(rng.choice((0, 0, 1, 2, 3)))
    caption = vocabulary.sentence(0, 12) if rng.random() < 0.5 else ""
    caption += "".join(f" #{tag}" for tag in tags)
    return {
        "id": post_id, "account_id": author, "title": vocabulary.title(),
        "caption": caption.strip(), "alt": vocabulary.sentence(4, 10) if rng.random() < 0.3
        else "", "tags": tags, "created_at": _sql_time(ms),
        "visibility": rng.choices(VISIBILITIES, VISIBILITY_WEIGHTS)[0],
        "likes": int(rng.paretovariate(1.3)) - 1, "replies": rng.choice((0, 0, 0, 1, 2)),
    }


def _insert_posts(db: sqlite3.Connection, batch: list[dict[str, Any]]) -> None:
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO posts (id, account_id, title, caption, visibility, sensitive,"
        " spoiler_text, root_id, media_json, mentions_json, tags_json, created_at,"
        " favourites_count, replies_count) VALUES (:id, :account_id, :title, :caption,"
        " :visibility, 0, '', :id, '[]', '[]', :tags_json, :created_at, :likes, :replies)",
        [p | {"tags_json": json.dumps(p["tags"])} for p in batch])
    db.executemany("INSERT INTO post_tags (tag, post_id) VALUES (?, ?)",
                   [(tag, p["id"]) for p in batch for tag in p["tags"]])
    # What SqlSearchIndex.put writes, through the same functions.
    documents = [(p, SearchDocument(title=p["title"], caption=p["caption"],
                                    tags=" ".join(p["tags"]), alt=p["alt"]))
                 for p in batch if p["visibility"] != "direct"]
    db.executemany(search_sqlite.INSERT, [search_sqlite.row(
        p["id"], p["account_id"], p["visibility"], document) for p, document in documents])
    db.executemany(search_sqlite.INSERT_WORD, [{"word": word} for word in sorted(
        {word for _, document in documents for word in search_sqlite.long_words(document)})])
    db.execute("COMMIT")
