"""SqlAccountStore against real databases: one SQLite file, two as shards, PostgreSQL.

The tests share one database per backend, so every test uses names of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from photofeed import ids
from photofeed.adapters.sql.accounts import SqlAccountStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import account_emails
from photofeed.domain.accounts import Account, ProfileChanges, email_key, username_key
from photofeed.ports.accounts import EmailTaken, UsernameTaken
from photofeed.services.celebrities import Celebrities

ID_SOURCE = ids.IdGenerator(0)
pytestmark = pytest.mark.asyncio(loop_scope="module")


def new_account(username: str, email: str | None = None) -> Account:
    now = datetime.now(UTC).replace(microsecond=0)
    return Account(
        id=ID_SOURCE.new_id(ids.shard_for_key(username_key(username))), username=username,
        email=email or f"{username}@example.com", password_hash="$argon2id$stand-in",
        display_name="", note="", avatar_key=None, locked=False, bot=False, discoverable=True,
        locale="en", created_at=now, updated_at=now)


@pytest.fixture
def store(shared_router: ShardRouter) -> SqlAccountStore:
    return SqlAccountStore(shared_router)


async def test_an_account_is_found_by_id_username_and_email_in_any_case(
        store: SqlAccountStore) -> None:
    alice = new_account("Alice", "Alice@Example.com")
    await store.create(alice)
    assert await store.get(alice.id) == alice
    assert await store.find_by_username("alice") == alice
    assert await store.find_by_username("ALICE") == alice
    assert await store.find_by_email("alice@example.COM") == alice
    assert await store.get(alice.id + 1) is None
    assert await store.find_by_username("nobody") is None
    assert await store.find_by_email("nobody@example.com") is None


async def test_a_username_differing_only_in_case_is_taken(store: SqlAccountStore) -> None:
    await store.create(new_account("casey"))
    with pytest.raises(UsernameTaken):
        await store.create(new_account("CASEY", "other@example.com"))
    # The loser's e-mail address stays free for a later sign-up.
    dana = new_account("dana", "other@example.com")
    await store.create(dana)
    assert await store.find_by_email("other@example.com") == dana


async def test_an_email_differing_only_in_case_is_taken(store: SqlAccountStore) -> None:
    eve = new_account("eve", "same@example.com")
    await store.create(eve)
    with pytest.raises(EmailTaken):
        await store.create(new_account("fay", "SAME@example.com"))
    assert await store.find_by_email("same@example.com") == eve
    # The loser's username stays free.
    await store.create(new_account("fay", "fay@example.com"))
    assert (await store.find_by_username("fay")) is not None


async def test_racing_sign_ups_for_one_email_give_it_to_exactly_one(
        store: SqlAccountStore) -> None:
    # One race shows a window between the two writes only sometimes; eight show it reliably.
    for round_ in range(8):
        email = f"contested{round_}@example.com"
        contenders = [new_account(f"racer{round_}_{n}", email) for n in range(8)]
        results = await asyncio.gather(*(store.create(a) for a in contenders),
                                       return_exceptions=True)
        winners = [a for a, result in zip(contenders, results, strict=True) if result is None]
        assert len(winners) == 1, (round_, results)
        assert all(isinstance(r, EmailTaken) for r in results if r is not None)
        assert await store.find_by_email(email) == winners[0]
        losers = [a.username for a in contenders if a is not winners[0]]
        assert [await store.find_by_username(name) for name in losers] == [None] * len(losers)


async def test_racing_sign_ups_for_one_username_give_it_to_exactly_one(
        store: SqlAccountStore) -> None:
    contenders = [new_account("popular", f"fan{n}@example.com") for n in range(8)]
    results = await asyncio.gather(*(store.create(a) for a in contenders),
                                   return_exceptions=True)
    assert sum(r is None for r in results) == 1, results
    assert all(isinstance(r, UsernameTaken) for r in results if r is not None)
    free = [a.email for a, r in zip(contenders, results, strict=True) if r is not None]
    assert [await store.find_by_email(email) for email in free] == [None] * len(free)


async def test_an_email_claim_left_by_a_crash_does_not_block_sign_up(
        shared_router: ShardRouter, store: SqlAccountStore) -> None:
    key = email_key("orphan@example.com")
    async with shared_router.write(ids.shard_for_key(key)) as conn:
        await conn.execute(insert(account_emails).values(email_key=key, account_id=12345))
    gus = new_account("gus", "orphan@example.com")
    await store.create(gus)
    assert await store.find_by_email("orphan@example.com") == gus


async def test_get_many_reads_accounts_from_every_database(store: SqlAccountStore) -> None:
    people = [new_account(f"person{n}") for n in range(12)]
    for person in people:
        await store.create(person)
    wanted = [p.id for p in people] + [people[0].id + 1]
    found = await store.get_many(wanted)
    assert found == {p.id: p for p in people}
    assert await store.get_many([]) == {}


async def test_update_profile_changes_only_what_was_given(store: SqlAccountStore) -> None:
    hal = replace(new_account("hal"), display_name="Hal", note="hello")
    await store.create(hal)
    changed = await store.update_profile(hal.id, ProfileChanges(locked=True, note=""))
    assert changed is not None
    assert (changed.locked, changed.note, changed.display_name) == (True, "", "Hal")
    assert await store.get(hal.id) == changed
    assert await store.update_profile(hal.id + 1, ProfileChanges(locked=True)) is None


async def test_celebrities_come_from_every_database_and_are_read_again_once_stale(
        store: SqlAccountStore) -> None:
    # Follower counts far above anything the other tests of this shared database make.
    threshold = 7_000_000
    stars = [replace(new_account(f"star{i}"), followers_count=threshold + i) for i in range(6)]
    for star in stars[:5]:
        await store.create(star)
    await store.create(replace(new_account("almost"), followers_count=threshold - 1))
    assert len({ids.shard_of(s.id) for s in stars[:5]}) > 1, "spread over shards"
    now = [100.0]
    celebrities = Celebrities(store, threshold, refresh_seconds=1.0, clock=lambda: now[0])
    assert await celebrities.current() == {s.id for s in stars[:5]}

    await store.create(stars[5])
    now[0] += 0.5
    assert stars[5].id not in await celebrities.current(), "kept for the refresh period"
    now[0] += 0.5
    assert await celebrities.current() == {s.id for s in stars}
