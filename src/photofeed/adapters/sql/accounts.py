"""AccountStore on the SQL shards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from photofeed import ids
from photofeed.adapters.sql.id_lists import in_ids
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import Reads, ShardRouter
from photofeed.adapters.sql.row_decoding import RowDecoder
from photofeed.adapters.sql.schema import account_emails, accounts
from photofeed.domain.accounts import (
    Account,
    Credentials,
    ProfileChanges,
    email_key,
    username_key,
)
from photofeed.ports.accounts import EmailTaken, UsernameTaken

# Accounts decoded once per distinct row: a feed page shows the same authors again and again.
ACCOUNT_CACHE_SIZE = 16384
_POPULAR = Prepared(select(accounts.c.id).where(
    accounts.c.followers_count >= bindparam("count")))


def _account(row: Mapping[str, Any]) -> Account:
    return Account(**row)


# The credentials stay out (domain.accounts.Credentials): only signing in reads them.
ACCOUNT_ROWS = RowDecoder(accounts, _account, cache_size=ACCOUNT_CACHE_SIZE,
                          skip=frozenset({"username_key", "email", "password_hash"}))
# Built once: building a statement costs more than running it from SQLite's page cache.
_BY_ID = Prepared(select(*ACCOUNT_ROWS.columns).where(accounts.c.id == bindparam("id")))
_BY_IDS = Prepared(select(*ACCOUNT_ROWS.columns).where(in_ids(accounts.c.id)))
_PASSWORD_HASH = Prepared(select(accounts.c.password_hash)
                          .where(accounts.c.id == bindparam("id")))


class SqlAccountStore:
    """Accounts live on their own ID's shard, e-mail claims on the e-mail's shard."""

    def __init__(self, router: ShardRouter) -> None:
        self._router = router

    async def create(self, account: Account, credentials: Credentials) -> None:
        # The account row comes first and the e-mail claim second, so a claim always points
        # at an account that was written: one whose account is missing is truly stale, and
        # two sign-ups racing for one address cannot both take it.
        values = asdict(account) | asdict(credentials) | {
            "username_key": username_key(account.username)}
        try:
            async with self._router.write(ids.shard_of(account.id)) as conn:
                await conn.execute(insert(accounts).values(**values))
        except IntegrityError:
            raise UsernameTaken(account.username) from None
        try:
            await self._claim_email(email_key(credentials.email), account.id)
        except EmailTaken:
            async with self._router.write(ids.shard_of(account.id)) as conn:
                await conn.execute(delete(accounts).where(accounts.c.id == account.id))
            raise

    async def _claim_email(self, key: str, account_id: int) -> None:
        shard = ids.shard_for_key(key)
        try:
            async with self._router.write(shard) as conn:
                await conn.execute(insert(account_emails).values(email_key=key,
                                                                 account_id=account_id))
            return
        except IntegrityError:
            pass
        async with self._router.read(shard) as conn:
            holder = (await conn.execute(select(account_emails.c.account_id).where(
                account_emails.c.email_key == key))).scalar()
        if holder is not None and await self.get(holder) is not None:
            raise EmailTaken(key)
        # Take over a stale claim only if nobody else took it over first.
        async with self._router.write(shard) as conn:
            taken = await conn.execute(update(account_emails).where(
                account_emails.c.email_key == key, account_emails.c.account_id == holder
            ).values(account_id=account_id))
        if taken.rowcount != 1:
            raise EmailTaken(key)

    async def get(self, account_id: int) -> Account | None:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            rows = await _BY_ID.rows(conn, {"id": account_id})
        return ACCOUNT_ROWS.decode(rows[0]) if rows else None

    async def get_many(self, account_ids: Iterable[int]) -> dict[int, Account]:
        groups = self._router.group_by_engine(set(account_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> list[Account]:
            rows = await _BY_IDS.rows(conn, {"ids": groups[index]})
            return [ACCOUNT_ROWS.decode(row) for row in rows]

        found = await self._router.gather_engines(groups, fetch)
        return {account.id: account for batch in found for account in batch}

    async def with_followers_at_least(self, count: int) -> set[int]:
        async def fetch(conn: Reads, index: int) -> list[int]:
            return await _POPULAR.scalars(conn, {"count": count})

        batches = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        return {i for batch in batches for i in batch}

    async def find_by_username(self, username: str) -> Account | None:
        key = username_key(username)
        async with self._router.read(ids.shard_for_key(key)) as conn:
            row = (await conn.execute(select(*ACCOUNT_ROWS.columns)
                                      .where(accounts.c.username_key == key))).first()
        return ACCOUNT_ROWS.decode(row) if row else None

    async def find_by_email(self, email: str) -> Account | None:
        key = email_key(email)
        async with self._router.read(ids.shard_for_key(key)) as conn:
            account_id = (await conn.execute(select(account_emails.c.account_id).where(
                account_emails.c.email_key == key))).scalar()
        return await self.get(account_id) if account_id is not None else None

    async def password_hash(self, account_id: int) -> str | None:
        async with self._router.read(ids.shard_of(account_id)) as conn:
            found = await _PASSWORD_HASH.scalars(conn, {"id": account_id})
        return found[0] if found else None

    async def active_since(self, account_ids: Iterable[int], since: datetime) -> set[int]:
        groups = self._router.group_by_engine(set(account_ids), ids.shard_of)

        async def fetch(conn: Reads, index: int) -> list[int]:
            found: list[int] = []
            group = groups[index]
            for start in range(0, len(group), 1000):
                found += (await conn.execute(select(accounts.c.id).where(
                    accounts.c.id.in_(group[start:start + 1000]),
                    accounts.c.last_active_at >= since))).scalars()
            return found

        return {i for batch in await self._router.gather_engines(groups, fetch) for i in batch}

    async def touch_active(self, account_id: int, at: datetime) -> None:
        async with self._router.write(ids.shard_of(account_id)) as conn:
            await conn.execute(update(accounts).where(accounts.c.id == account_id)
                               .values(last_active_at=at))

    async def all_ids(self) -> list[int]:
        async def fetch(conn: Reads, _index: int) -> list[int]:
            return list((await conn.execute(select(accounts.c.id))).scalars())

        batches = await self._router.gather_engines(range(len(self._router.engines)), fetch)
        # A set: during a shard move, the old and new database both hold the moved rows.
        return sorted({i for batch in batches for i in batch})

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account | None:
        values: dict[str, Any] = {k: v for k, v in asdict(changes).items() if v is not None}
        if values:
            async with self._router.write(ids.shard_of(account_id)) as conn:
                await conn.execute(update(accounts).where(accounts.c.id == account_id)
                                   .values(**values, updated_at=datetime.now(UTC)))
        return await self.get(account_id)
