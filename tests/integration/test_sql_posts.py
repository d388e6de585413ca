"""SqlPostStore against real databases: one SQLite file, two as shards, PostgreSQL.

The tests share one database per backend, so every test makes posts of its own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from photofeed import ids
from photofeed.adapters.sql.id_lists import IdList
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import NEWEST_BY_AUTHOR, SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.posts import Post

ID_SOURCE = ids.IdGenerator(0)
pytestmark = pytest.mark.asyncio(loop_scope="module")


def new_post(author: int, shard: int) -> Post:
    post_id = ID_SOURCE.new_id(shard)
    return Post(id=post_id, account_id=author, title="", caption=f"post {post_id}",
                visibility="public", sensitive=False, spoiler_text="", language=None,
                in_reply_to_id=None, in_reply_to_account_id=None, root_id=post_id, media=(),
                mentions=(), tags=(), created_at=datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def store(shared_router: ShardRouter) -> SqlPostStore:
    return SqlPostStore(shared_router, OutboxSignal())


async def test_newest_by_author_lists_each_authors_newest_feed_worthy_posts(
        store: SqlPostStore) -> None:
    prolific, quiet, silent = (ID_SOURCE.new_id(s) for s in (5, 8100, 6))
    made: dict[int, list[int]] = {prolific: [], quiet: []}
    for author, shards in ((prolific, (10, 8010, 11, 8011, 12)), (quiet, (13,))):
        for shard in shards:
            post = new_post(author, shard)
            await store.add(post)
            await store.index_for_author(post.id)
            made[author].append(post.id)
    # Neither a comment nor a direct post is for the feed.
    comment = replace(new_post(quiet, 14), in_reply_to_id=made[quiet][0],
                      in_reply_to_account_id=quiet, root_id=made[quiet][0])
    direct = replace(new_post(quiet, 8014), visibility="direct")
    for post in (comment, direct):
        await store.add(post)
        await store.index_for_author(post.id)

    newest = await store.newest_by_author([prolific, quiet, silent], per_author=3)

    # Authors on both databases, each answered for, newest first.
    assert newest == {prolific: tuple(sorted(made[prolific], reverse=True)[:3]),
                      quiet: tuple(made[quiet]), silent: ()}


async def test_a_pulled_feed_probes_the_index_of_posts_a_feed_may_show(
        shared_router: ShardRouter) -> None:
    """It reads every followee's newest posts, so comments and direct posts are left out
    of its index. Its condition's constant is written into the SQL: as a parameter, the plan
    PostgreSQL makes once for a prepared statement would not use the index."""
    engine = shared_router.engines[0]
    compiled = NEWEST_BY_AUTHOR[engine.dialect.name].statement.compile(dialect=engine.dialect)
    authors = IdList().process_bind_param([ID_SOURCE.new_id(3)], engine.dialect)
    given = compiled.construct_params({"authors": authors, "per_author": 40})
    parameters = tuple(given[name] for name in compiled.positiontup or ())
    async with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # The plan a prepared statement settles on, made without the values; SET LOCAL
            # and the rollback leave the pooled connection as it was.
            await conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            await conn.exec_driver_sql(f"PREPARE pulled_feed AS {compiled}")
            explain = f"EXPLAIN EXECUTE pulled_feed({', '.join(['NULL'] * len(parameters))})"
            rows = await conn.exec_driver_sql(explain)
            await conn.exec_driver_sql("DEALLOCATE pulled_feed")
        else:
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters)
        plan = "\n".join(str(row[-1]) for row in rows)
        await conn.rollback()
    assert "ix_account_posts_feed_worthy" in plan, plan
