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
from photofeed.domain.accounts import (
    Account,
    Credentials,
    ProfileChanges,
    email_key,
    username_key,
)
from photofeed.ports.accounts import EmailTaken, UsernameTaken
from photofeed.services.celebrities import Celebrities

ID_SOURCE = ids.IdGenerator(0)
pytestmark = pytest.mark.asyncio(loop_scope="module")


def new_account(username: str) -> Account:
    now = datetime.now(UTC).replace(microsecond=0)
    return Account(
        id=ID_SOURCE.new_id(ids.shard_for_key(username_key(username))), username=username,
        display_name="", note="", avatar_key=None, locked=False, bot=False, discoverable=True,
        locale="en", created_at=now, updated_at=now)


def credentials(email: str) -> Credentials:
    return Credentials(email=email, password_hash=f"$argon2id$stand-in-for-{email}")


async def sign_up(store: SqlAccountStore, username: str, email: str | None = None) -> Account:
    account = new_account(username)
    await store.create(account, credentials(email or f"{username}@example.com"))
    return account


@pytest.fixture
def store(shared_router: ShardRouter) -> SqlAccountStore:
    return SqlAccountStore(shared_router)


async def test_an_account_is_found_by_id_username_and_email_in_any_case(
        store: SqlAccountStore) -> None:
    alice = await sign_up(store, "Alice", "Alice@Example.com")
    assert await store.get(alice.id) == alice
    assert await store.find_by_username("alice") == alice
    assert await store.find_by_username("ALICE") == alice
    assert await store.find_by_email("alice@example.COM") == alice
    assert await store.get(alice.id + 1) is None
    assert await store.find_by_username("nobody") is None
    assert await store.find_by_email("nobody@example.com") is None


async def test_the_password_hash_is_read_apart_from_the_account(
        store: SqlAccountStore) -> None:
    ivy = await sign_up(store, "ivy", "ivy@example.com")
    assert await store.password_hash(ivy.id) == credentials("ivy@example.com").password_hash
    assert await store.password_hash(ivy.id + 1) is None
    # Nothing that reads accounts for showing them carries it.
    read = [await store.get(ivy.id), (await store.get_many([ivy.id]))[ivy.id],
            await store.find_by_username("ivy"), await store.find_by_email("ivy@example.com")]
    assert all(a == ivy and not hasattr(a, "password_hash") for a in read)


async def test_a_username_differing_only_in_case_is_taken(store: SqlAccountStore) -> None:
    await sign_up(store, "casey")
    with pytest.raises(UsernameTaken):
        await sign_up(store, "CASEY", "other@example.com")
    # The loser's e-mail address stays free for a later sign-up.
    dana = await sign_up(store, "dana", "other@example.com")
    assert await store.find_by_email("other@example.com") == dana


async def test_an_email_differing_only_in_case_is_taken(store: SqlAccountStore) -> None:
    eve = await sign_up(store, "eve", "same@example.com")
    with pytest.raises(EmailTaken):
        await sign_up(store, "fay", "SAME@example.com")
    assert await store.find_by_email("same@example.com") == eve
    # The loser's username stays free.
    await sign_up(store, "fay", "fay@example.com")
    assert (await store.find_by_username("fay")) is not None


async def test_racing_sign_ups_for_one_email_give_it_to_exactly_one(
        store: SqlAccountStore) -> None:
    # One race shows a window between the two writes only sometimes; eight show it reliably.
    for round_ in range(8):
        email = f"contested{round_}@example.com"
        contenders = [new_account(f"racer{round_}_{n}") for n in range(8)]
        results = await asyncio.gather(*(store.create(a, credentials(email))
                                         for a in contenders),
                                       return_exceptions=True)
        winners = [a for a, result in zip(contenders, results, strict=True) if result is None]
        assert len(winners) == 1, (round_, results)
        assert all(isinstance(r, EmailTaken) for r in results if r is not None)
        assert await store.find_by_email(email) == winners[0]
        losers = [a.username for a in contenders if a is not winners[0]]
        assert [await store.find_by_username(name) for name in losers] == [None] * len(losers)


async def test_racing_sign_ups_for_one_username_give_it_to_exactly_one(
        store: SqlAccountStore) -> None:
    contenders = [new_account("popular") for _ in range(8)]
    emails = [f"fan{n}@example.com" for n in range(8)]
    results = await asyncio.gather(*(store.create(a, credentials(e))
                                     for a, e in zip(contenders, emails, strict=True)),
                                   return_exceptions=True)
    assert sum(r is None for r in results) == 1, results
    assert all(isinstance(r, UsernameTaken) for r in results if r is not None)
    free = [e for e, r in zip(emails, results, strict=True) if r is not None]
    assert [await store.find_by_email(email) for email in free] == [None] * len(free)


async def test_an_email_claim_left_by_a_crash_does_not_block_sign_up(
        shared_router: ShardRouter, store: SqlAccountStore) -> None:
    key = email_key("orphan@example.com")
    async with shared_router.write(ids.shard_for_key(key)) as conn:
        await conn.execute(insert(account_emails).values(email_key=key, account_id=12345))
    gus = await sign_up(store, "gus", "orphan@example.com")
    assert await store.find_by_email("orphan@example.com") == gus


async def test_get_many_reads_accounts_from_every_database(store: SqlAccountStore) -> None:
    people = [await sign_up(store, f"person{n}") for n in range(12)]
    wanted = [p.id for p in people] + [people[0].id + 1]
    found = await store.get_many(wanted)
    assert found == {p.id: p for p in people}
    assert await store.get_many([]) == {}


async def test_update_profile_changes_only_what_was_given(store: SqlAccountStore) -> None:
    hal = replace(new_account("hal"), display_name="Hal", note="hello")
    await store.create(hal, credentials("hal@example.com"))
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
        await store.create(star, credentials(f"{star.username}@example.com"))
    almost = replace(new_account("almost"), followers_count=threshold - 1)
    await store.create(almost, credentials("almost@example.com"))
    assert len({ids.shard_of(s.id) for s in stars[:5]}) > 1, "spread over shards"
    now = [100.0]
    celebrities = Celebrities(store, threshold, refresh_seconds=1.0, clock=lambda: now[0])
    assert await celebrities.current() == {s.id for s in stars[:5]}

    await store.create(stars[5], credentials("star5@example.com"))
    now[0] += 0.5
    assert stars[5].id not in await celebrities.current(), "kept for the refresh period"
    now[0] += 0.5
    assert await celebrities.current() == {s.id for s in stars}
