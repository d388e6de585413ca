"""SqlOAuthStore against real databases: apps, tokens and single-use codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from photofeed import ids
from photofeed.adapters.sql.oauth import SqlOAuthStore
from photofeed.adapters.sql.router import ShardRouter
from photofeed.domain.oauth import (
    AccessToken,
    Application,
    AuthorizationCode,
    new_secret,
    secret_hash,
)
from photofeed.domain.scopes import Scopes

ID_SOURCE = ids.IdGenerator(1)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# Every row here has a random key, so the tests can share one database per backend.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def store(shared_router: ShardRouter) -> SqlOAuthStore:
    return SqlOAuthStore(shared_router)


def token(*, account_id: int | None = 42, expires_at: datetime | None = None) -> AccessToken:
    return AccessToken(token_hash=secret_hash(new_secret()), client_id="client",
                       account_id=account_id, scopes=Scopes.parse("read write:statuses"),
                       created_at=NOW,
                       expires_at=expires_at, revoked_at=None)


async def test_an_app_reads_back_as_it_was_stored(store: SqlOAuthStore) -> None:
    app = Application(
        id=ID_SOURCE.new_id(), client_id=new_secret()[:43], client_secret_hash=secret_hash("s"),
        name="Photos for Android", website="https://example.com",
        redirect_uris=("urn:ietf:wg:oauth:2.0:oob", "com.example.app://callback"),
        scopes=Scopes.parse("read write follow push"), created_at=NOW)
    await store.add_app(app)
    assert await store.get_app(app.client_id) == app
    assert await store.get_app("no-such-client") is None


async def test_tokens_read_back_including_app_only_and_expiring_ones(
        store: SqlOAuthStore) -> None:
    user, app_only = token(expires_at=NOW + timedelta(hours=1)), token(account_id=None)
    for t in (user, app_only):
        await store.add_token(t)
        assert await store.get_token(t.token_hash) == t
    assert await store.get_token(secret_hash("never issued")) is None


async def test_revoking_keeps_the_first_revocation_time(store: SqlOAuthStore) -> None:
    t = token()
    await store.add_token(t)
    await store.revoke_token(t.token_hash, NOW + timedelta(minutes=1))
    await store.revoke_token(t.token_hash, NOW + timedelta(minutes=5))
    stored = await store.get_token(t.token_hash)
    assert stored is not None
    assert stored.revoked_at == NOW + timedelta(minutes=1)
    assert not stored.usable_at(NOW + timedelta(minutes=2))
    await store.revoke_token(secret_hash("never issued"), NOW)  # harmless


async def test_a_code_can_be_used_once_even_by_racing_exchanges(store: SqlOAuthStore) -> None:
    code = AuthorizationCode(
        code_hash=secret_hash(new_secret()), client_id="client", account_id=7,
        redirect_uri="urn:ietf:wg:oauth:2.0:oob", scopes=Scopes.parse("read"),
        expires_at=NOW + timedelta(minutes=10), used_at=None)
    await store.add_code(code)
    results = await asyncio.gather(*(store.use_code(code.code_hash, NOW) for _ in range(6)))
    used = [r for r in results if r is not None]
    assert len(used) == 1
    assert used[0].account_id == 7
    assert used[0].used_at == NOW
    assert await store.use_code(code.code_hash, NOW) is None
    assert await store.use_code(secret_hash("unknown"), NOW) is None
