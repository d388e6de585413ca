"""SearchIndex on the SQL shards: one index per database, one query per database.

A post's index row lives on the post's own shard. A search asks every physical database
at once for its best matches and merges them by score; each dialect keeps its own index
(FTS5 or tsvector) behind the same few functions.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from types import ModuleType

from sqlalchemy.ext.asyncio import AsyncConnection

from photofeed import ids
from photofeed.adapters.sql import search_names, search_postgres, search_sqlite
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.search_rows import Candidate, best
from photofeed.adapters.sql.search_stats import Statistics
from photofeed.domain.accounts import Account
from photofeed.domain.search import PostQuery, Ranking, SearchDocument, SearchHit, TagStats
from photofeed.ports.search import SearchScope

# Each database ranks at most this many of its newest matches (more when a deep page asks
# for more): ranking costs microseconds per row, so a word in every tenth post would
# otherwise cost a second at a million posts. Recency is part of the ranking anyway; see
# docs/search.md.
CANDIDATES = 200
MAX_CANDIDATES = 2000


def _dialect(conn: AsyncConnection) -> ModuleType:
    return search_postgres if conn.dialect.name == "postgresql" else search_sqlite


class SqlSearchIndex:
    def __init__(self, router: ShardRouter, *, ranking: Ranking | None = None,
                 candidates: int = CANDIDATES) -> None:
        self._router = router
        self._ranking = ranking or Ranking()
        self._candidates = candidates
        # Per SQLite database, the newest posts' statistics that relevance is weighed by.
        self._statistics: list[Statistics] = []

    def _statistics_of(self, index: int) -> Statistics:
        # The router may add databases while the process runs (a shard move).
        while len(self._statistics) <= index:
            self._statistics.append(Statistics())
        return self._statistics[index]

    async def put(self, post_id: int, account_id: int, visibility: str,
                  document: SearchDocument) -> None:
        async with self._router.write(ids.shard_of(post_id)) as conn:
            await _dialect(conn).put(conn, post_id, account_id, visibility, document)

    async def remove(self, post_id: int) -> None:
        async with self._router.write(ids.shard_of(post_id)) as conn:
            await _dialect(conn).remove(conn, post_id)

    async def posts(self, query: PostQuery, scope: SearchScope, limit: int) -> list[SearchHit]:
        if query.empty or limit <= 0:
            return []
        # A query with a phrase ranks half as many: its matches are few and spread over
        # time, so finding each costs the engine many position checks, while they differ
        # little in relevance (at 1M posts, 100 candidates gave the same first page as 2000
        # for 95% of the benchmark's phrases, 200 for 98%; p99 CPU 13 ms instead of 20).
        phrase = any(len(term.words) > 1 for term in query.terms)
        cap = min(max(self._candidates // 2 if phrase else self._candidates, 2 * limit),
                  MAX_CANDIDATES)
        now = scope.now or datetime.now(UTC)

        async def search(conn: AsyncConnection, index: int) -> list[SearchHit]:
            found: list[Candidate]
            if conn.dialect.name == "sqlite":
                found = await search_sqlite.candidates(conn, query, scope, cap,
                                                       self._statistics_of(index))
            else:
                found = await search_postgres.candidates(conn, query, scope, cap)
            return best(found, ranking=self._ranking, now=now, limit=limit)

        batches = await self._router.gather_offloaded(range(len(self._router.engines)), search)
        # Keyed by post: during a shard move, two databases may both hold the moved rows.
        merged = list({hit.post_id: hit for batch in batches for hit in batch}.values())
        merged.sort(key=lambda hit: (hit.score, hit.post_id), reverse=True)
        return merged[:limit]

    async def accounts(self, prefix: str, limit: int, *,
                       among: Collection[int] | None = None) -> list[Account]:
        if among is not None:
            groups = self._router.group_by_engine(set(among), ids.shard_of)
        else:
            groups = {i: [] for i in range(len(self._router.engines))}

        async def find(conn: AsyncConnection, index: int) -> list[Account]:
            return await search_names.accounts(
                conn, prefix, limit, among=groups[index] if among is not None else None)

        batches = await self._router.gather_offloaded(groups, find)
        merged = list({a.id: a for batch in batches for a in batch}.values())
        merged.sort(key=lambda a: (a.username.lower() != prefix, -a.followers_count, a.id))
        return merged[:limit]

    async def tags(self, prefix: str, limit: int) -> list[str]:
        async def find(conn: AsyncConnection, _index: int) -> list[str]:
            return await search_names.tags(conn, prefix, limit)

        batches = await self._router.gather_offloaded(range(len(self._router.engines)), find)
        return sorted({name for batch in batches for name in batch})[:limit]

    async def tag_stats(self, names: Collection[str], since: datetime) -> list[TagStats]:
        if not names:
            return []

        async def count(conn: AsyncConnection, _index: int) -> list[tuple[str, int, int, int]]:
            return await search_names.tag_days(conn, list(names), since)

        batches = await self._router.gather_offloaded(range(len(self._router.engines)), count)
        return search_names.merge_tag_days(row for batch in batches for row in batch)
