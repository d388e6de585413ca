"""SqlFeedPages against real databases: one SQLite file, two as shards, PostgreSQL.

The tests share one database per backend, so every test makes accounts of its own.
"""

from __future__ import annotations

import pytest

from photofeed import ids
from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.feed_pages import SqlFeedPages
from photofeed.adapters.sql.graph import SqlGraphStore
from photofeed.adapters.sql.outbox import OutboxSignal
from photofeed.adapters.sql.posts import SqlPostStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.accounts import ProfileChanges
from tests.integration.test_sql_accounts import sign_up
from tests.integration.test_sql_posts import new_post

pytestmark = pytest.mark.asyncio(loop_scope="module")
# Logical shards from both ends of the map: two databases when there are two.
SPREAD = (1, 2, 8000, 8001, 4100)


async def test_a_page_comes_with_its_authors_the_viewers_likes_and_relationships(
        shared_router: ShardRouter) -> None:
    signal = OutboxSignal()
    accounts, graph = SqlAccountStore(shared_router), SqlGraphStore(shared_router, signal)
    posts, pages = SqlPostStore(shared_router, signal), SqlFeedPages(shared_router)
    ann, bob, cat, dan = [await sign_up(accounts, f"pages{name}")
                          for name in ("ann", "bob", "cat", "dan")]
    made = [new_post(author.id, shard) for author in (bob, cat) for shard in SPREAD]
    for post in made:
        await posts.add(post)
    await posts.set_favourite(made[0].id, ann.id, True, cursor=1)
    await posts.set_favourite(made[7].id, ann.id, True, cursor=2)
    await posts.set_favourite(made[1].id, bob.id, True, cursor=3)  # not ann's
    await graph.set_follow(ann.id, bob.id, "accepted", version=1)
    await graph.set_follow(cat.id, ann.id, "accepted", version=1)
    await graph.sync_follow(cat.id, ann.id)  # ann's copy of her followers
    await graph.set_block(ann.id, dan.id, "active", version=1)
    wanted = [p.id for p in made] + [made[0].id + 1]  # and a post that does not exist

    page = await pages.read(ann.id, wanted, {bob.id, cat.id, dan.id})
    by_bob = await pages.read(bob.id, wanted, {bob.id, cat.id})

    assert set(page.posts) == {p.id for p in made}
    assert page.posts[made[6].id].caption == made[6].caption
    assert page.posts[made[0].id].favourites_count == 1
    assert page.liked == {made[0].id, made[7].id}
    assert by_bob.liked == {made[1].id}
    assert set(page.authors) == {bob.id, cat.id, dan.id}
    assert page.authors[cat.id].username == cat.username
    assert page.relationships[bob.id].following
    assert not page.relationships[bob.id].followed_by
    assert page.relationships[cat.id].followed_by
    assert not page.relationships[cat.id].following
    assert page.relationships[dan.id].blocking
    assert by_bob.relationships[cat.id].following is False
    assert by_bob.posts == page.posts
    if len(shared_router.engines) > 1:  # spread over both databases, and read from both
        assert len({shared_router.engine_index(ids.shard_of(p)) for p in page.posts}) == 2


async def test_an_empty_page_reads_nothing_and_the_viewer_alone_still_gets_answers(
        shared_router: ShardRouter) -> None:
    pages = SqlFeedPages(shared_router)
    viewer = ids.IdGenerator(0).new_id(5)
    empty = await pages.read(viewer, [], [])
    assert (empty.posts, empty.liked, empty.authors, empty.relationships) == ({}, set(), {}, {})
    stranger = ids.IdGenerator(0).new_id(8000)
    alone = await pages.read(viewer, [stranger + 1], [stranger])
    assert alone.posts == {}
    assert alone.authors == {}
    assert not alone.relationships[stranger].following


async def test_a_post_or_author_changed_since_an_earlier_page_is_read_anew(
        shared_router: ShardRouter) -> None:
    signal = OutboxSignal()
    accounts, posts = SqlAccountStore(shared_router), SqlPostStore(shared_router, signal)
    pages = SqlFeedPages(shared_router)
    eve, fay = [await sign_up(accounts, f"pages{name}") for name in ("eve", "fay")]
    made = [new_post(fay.id, shard) for shard in SPREAD]
    for post in made:
        await posts.add(post)
    wanted = [p.id for p in made]
    first = await pages.read(eve.id, wanted, {fay.id})

    await posts.set_favourite(made[0].id, eve.id, True, cursor=1)
    await posts.set_favourite(made[3].id, fay.id, True, cursor=2)
    await accounts.update_profile(fay.id, ProfileChanges(display_name="Fay, renamed"))
    second = await pages.read(eve.id, wanted, {fay.id})

    assert [second.posts[p.id].favourites_count for p in made] == [1, 0, 0, 1, 0]
    assert second.liked == {made[0].id}
    assert second.authors[fay.id].display_name == "Fay, renamed"
    # What did not change is what the first page read, not read in full again.
    assert all(second.posts[p.id] is first.posts[p.id] for p in made if p not in
               (made[0], made[3]))
