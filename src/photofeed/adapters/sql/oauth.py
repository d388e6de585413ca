"""OAuthStore on the SQL shards: every row on the shard of its own key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import RowMapping

from photofeed import ids
from photofeed.adapters.sql.prepared import Prepared
from photofeed.adapters.sql.router import ShardRouter
from photofeed.adapters.sql.schema import oauth_apps, oauth_codes, oauth_tokens
from photofeed.domain.oauth import AccessToken, Application, AuthorizationCode
from photofeed.domain.scopes import Scopes

# Built once: every authenticated request whose token this process has not kept looks
# it up (services/token_cache.py).
_TOKEN = Prepared(select(
    oauth_tokens.c.token_hash, oauth_tokens.c.client_id, oauth_tokens.c.account_id,
    oauth_tokens.c.scopes, oauth_tokens.c.created_at, oauth_tokens.c.expires_at,
    oauth_tokens.c.revoked_at).where(oauth_tokens.c.token_hash == bindparam("hash")))


def _app(row: RowMapping) -> Application:
    return Application(
        id=row["id"], client_id=row["client_id"], client_secret_hash=row["client_secret_hash"],
        name=row["name"], website=row["website"],
        redirect_uris=tuple(row["redirect_uris"].split()), scopes=Scopes.parse(row["scopes"]),
        created_at=row["created_at"])


def _token(row: Sequence[Any]) -> AccessToken:
    token_hash, client_id, account_id, scopes, created_at, expires_at, revoked_at = row
    return AccessToken(
        token_hash=token_hash, client_id=client_id, account_id=account_id,
        scopes=Scopes.parse(scopes), created_at=created_at, expires_at=expires_at,
        revoked_at=revoked_at)


def _code(row: RowMapping) -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=row["code_hash"], client_id=row["client_id"], account_id=row["account_id"],
        redirect_uri=row["redirect_uri"], scopes=Scopes.parse(row["scopes"]),
        expires_at=row["expires_at"], used_at=row["used_at"])


class SqlOAuthStore:
    def __init__(self, router: ShardRouter) -> None:
        self._router = router

    async def add_app(self, app: Application) -> None:
        async with self._router.write(ids.shard_for_key(app.client_id)) as conn:
            await conn.execute(insert(oauth_apps).values(
                client_id=app.client_id, id=app.id, client_secret_hash=app.client_secret_hash,
                name=app.name, website=app.website, redirect_uris="\n".join(app.redirect_uris),
                scopes=str(app.scopes), created_at=app.created_at))

    async def get_app(self, client_id: str) -> Application | None:
        async with self._router.read(ids.shard_for_key(client_id), primary=True) as conn:
            row = (await conn.execute(select(oauth_apps).where(
                oauth_apps.c.client_id == client_id))).mappings().first()
        return _app(row) if row else None

    async def add_token(self, token: AccessToken) -> None:
        async with self._router.write(ids.shard_for_key(token.token_hash)) as conn:
            await conn.execute(insert(oauth_tokens).values(
                token_hash=token.token_hash, client_id=token.client_id,
                account_id=token.account_id, scopes=str(token.scopes),
                created_at=token.created_at, expires_at=token.expires_at,
                revoked_at=token.revoked_at))

    async def get_token(self, token_hash: str) -> AccessToken | None:
        # On the primary: a new token works at once, and a revoked one stops at once.
        async with self._router.read(ids.shard_for_key(token_hash), primary=True) as conn:
            rows = await _TOKEN.rows(conn, {"hash": token_hash})
        return _token(rows[0]) if rows else None

    async def revoke_token(self, token_hash: str, at: datetime) -> None:
        async with self._router.write(ids.shard_for_key(token_hash)) as conn:
            await conn.execute(update(oauth_tokens).where(
                oauth_tokens.c.token_hash == token_hash, oauth_tokens.c.revoked_at.is_(None)
            ).values(revoked_at=at))

    async def add_code(self, code: AuthorizationCode) -> None:
        async with self._router.write(ids.shard_for_key(code.code_hash)) as conn:
            await conn.execute(insert(oauth_codes).values(
                code_hash=code.code_hash, client_id=code.client_id, account_id=code.account_id,
                redirect_uri=code.redirect_uri, scopes=str(code.scopes),
                expires_at=code.expires_at, used_at=None))

    async def use_code(self, code_hash: str, at: datetime) -> AuthorizationCode | None:
        async with self._router.write(ids.shard_for_key(code_hash)) as conn:
            # The conditional update is the single-use guarantee: two racing exchanges of
            # one code cannot both see used_at IS NULL.
            result = await conn.execute(update(oauth_codes).where(
                oauth_codes.c.code_hash == code_hash, oauth_codes.c.used_at.is_(None)
            ).values(used_at=at))
            if result.rowcount != 1:
                return None
            row = (await conn.execute(select(oauth_codes).where(
                oauth_codes.c.code_hash == code_hash))).mappings().one()
        return _code(row)
