"""SqlPostStore against real databases: one SQLite file, two as shards, PostgreSQL.

The tests share one database per backend, so every test makes posts of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from photofeed import ids
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.graph import Page
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


async def test_recent_followed_pulls_only_authors_the_reader_follows(
        store: SqlPostStore, shared_router: ShardRouter) -> None:
    graph = SqlGraphStore(shared_router, OutboxSignal())
    reader = ID_SOURCE.new_id(3)
    followed, requested, unfollowed, stranger = (ID_SOURCE.new_id(s) for s in (5, 8100, 6, 9))
    made = {}
    for author in (followed, requested, unfollowed, stranger):
        made[author] = [new_post(author, shard) for shard in (10, 8010)]
        for post in made[author]:
            await store.add(post)
            await store.index_for_author(post.id)
    for target, state in ((followed, "accepted"), (requested, "requested"),
                          (unfollowed, "accepted")):
        await graph.set_follow(reader, target, state, version=1)  # type: ignore[arg-type]
    await graph.set_follow(reader, unfollowed, "none", version=2)
    candidates = [followed, requested, unfollowed, stranger]
    before_sync = await store.recent_followed(reader, candidates, Page(limit=20))
    for target in (followed, requested, unfollowed):
        await graph.sync_follow(reader, target)  # what the workers do after a change

    found = await store.recent_followed(reader, candidates, Page(limit=20))
    newest_one = await store.recent_followed(reader, candidates, Page(limit=1))

    # The followers copy on the authors' databases decides; it is written by the workers.
    assert before_sync == []
    assert [e.post_id for e in found] == sorted((p.id for p in made[followed]), reverse=True)
    assert {e.author_id for e in found} == {followed}
    assert [e.post_id for e in newest_one] == [max(p.id for p in made[followed])]
