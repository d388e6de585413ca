"""Use cases for OAuth 2: registering apps, the grants, checking and revoking tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from photofeed import ids
from photofeed.domain.accounts import Account
from photofeed.domain.errors import OAuthError, Unauthenticated
from photofeed.domain.oauth import (
    OOB_REDIRECT,
    AccessToken,
    Application,
    AuthorizationCode,
    IssuedToken,
    new_secret,
    secret_hash,
    secrets_match,
)
from photofeed.domain.scopes import Scopes, UnknownScope
from photofeed.ports.oauth import OAuthStore
from photofeed.services.accounts import AccountService
from photofeed.services.clock import Clock, utc_now
from photofeed.services.token_cache import TokenCache

CODE_LIFETIME = timedelta(minutes=10)
MAX_REDIRECT_URIS = 10
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what new_secret() makes


class OAuthService:
    def __init__(self, *, store: OAuthStore, accounts: AccountService, id_source: ids.IdGenerator,
                 tokens: TokenCache, token_ttl: timedelta | None = None,
                 clock: Clock = utc_now) -> None:
        self._store = store
        self._tokens = tokens
        self._accounts = accounts
        self._ids = id_source
        self._token_ttl = token_ttl
        self._clock = clock

    async def register_app(self, *, name: str, redirect_uris: list[str], scopes: str | None,
                           website: str | None) -> tuple[Application, str]:
        """A new client application and its secret, which is shown only this once."""
        uris = tuple(uri for uri in redirect_uris if uri)
        if not uris or len(uris) > MAX_REDIRECT_URIS or any(not _valid_redirect(u) for u in uris):
            raise OAuthError("invalid_redirect_uri", "redirect_uris must be absolute URIs "
                             f"or {OOB_REDIRECT}", status=422)
        app_id = self._ids.new_id()
        secret = new_secret()
        app = Application(
            id=app_id, client_id=new_secret()[:43], client_secret_hash=secret_hash(secret),
            name=name, website=website or None, redirect_uris=uris,
            scopes=_scopes(scopes), created_at=self._clock())
        await self._store.add_app(app)
        return app, secret

    async def client(self, client_id: str, client_secret: str | None = None) -> Application:
        """The application, checking its secret when one is given."""
        # Only ask the store about IDs shaped like ours: anything else (a NUL, say) is unknown.
        app = await self._store.get_app(client_id) if _CLIENT_ID.fullmatch(client_id) else None
        if app is None or (client_secret is not None
                           and not secrets_match(client_secret, app.client_secret_hash)):
            raise OAuthError("invalid_client", "Client authentication failed due to unknown "
                             "client, no client authentication included, or unsupported "
                             "authentication method.", status=401)
        return app

    def requested_scopes(self, app: Application, scope: str | None) -> Scopes:
        """The scopes asked for, which must lie within the app's."""
        wanted = _scopes(scope)
        if not app.scopes.covers(wanted):
            raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or "
                             "malformed.")
        return wanted

    async def password_grant(self, *, app: Application, login: str, password: str,
                             scope: str | None) -> IssuedToken:
        scopes = self.requested_scopes(app, scope)
        account = await self._accounts.authenticate(login=login, password=password)
        if account is None:
            raise OAuthError("invalid_grant", "The provided authorization grant is invalid, "
                             "expired, revoked, does not match the redirection URI used in the "
                             "authorization request, or was issued to another client.")
        return await self._issue(app, account.id, scopes)

    async def client_credentials_grant(self, *, app: Application,
                                       scope: str | None) -> IssuedToken:
        return await self._issue(app, None, self.requested_scopes(app, scope))

    async def authorization_code_grant(self, *, app: Application, code: str,
                                       redirect_uri: str | None) -> IssuedToken:
        grant = await self._store.use_code(secret_hash(code), self._clock()) if code else None
        # RFC 6749 4.1.3: the redirect URI the code was sent to must be named again, so a
        # code that leaked from one redirect cannot be spent without knowing it.
        if (grant is None or grant.client_id != app.client_id
                or grant.expires_at <= self._clock() or redirect_uri != grant.redirect_uri):
            raise OAuthError("invalid_grant", "The provided authorization grant is invalid, "
                             "expired, revoked, does not match the redirection URI used in the "
                             "authorization request, or was issued to another client.")
        return await self._issue(app, grant.account_id, grant.scopes)

    def check_redirect(self, app: Application, redirect_uri: str) -> None:
        if redirect_uri not in app.redirect_uris:
            raise OAuthError("invalid_redirect_uri", "The redirect uri included is not valid.")

    async def grant_code(self, *, app: Application, account: Account, redirect_uri: str,
                         scopes: Scopes) -> str:
        """An authorization code for the consent the person just gave."""
        self.check_redirect(app, redirect_uri)
        code = new_secret()
        await self._store.add_code(AuthorizationCode(
            code_hash=secret_hash(code), client_id=app.client_id, account_id=account.id,
            redirect_uri=redirect_uri, scopes=scopes,
            expires_at=self._clock() + CODE_LIFETIME, used_at=None))
        return code

    async def issue_for(self, *, client_id: str, account_id: int, scopes: Scopes) -> IssuedToken:
        """A user token for an app that just signed the user up."""
        return await self._issue(await self.client(client_id), account_id, scopes)

    async def revoke(self, *, app: Application, token: str) -> None:
        """Revoke a token this client holds; unknown tokens are ignored, as RFC 7009 says."""
        stored = await self._store.get_token(secret_hash(token)) if token else None
        if stored is None:
            return
        if stored.client_id != app.client_id:
            raise OAuthError("unauthorized_client", "You are not authorized to revoke this "
                             "token", status=403)
        await self._store.revoke_token(stored.token_hash, self._clock())
        await self._tokens.revoked(stored.token_hash)

    async def bearer(self, token: str) -> AccessToken:
        """The stored token behind a bearer string, if it may still be used."""
        if not token:
            raise Unauthenticated("The access token is invalid")
        hashed = secret_hash(token)
        stored = self._tokens.get(hashed)
        if stored is None:
            stored = await self._store.get_token(hashed)
            if stored is None:
                raise Unauthenticated("The access token is invalid")
            if stored.revoked_at is None:
                self._tokens.keep(stored)
        if stored.revoked_at is not None:
            raise Unauthenticated("The access token was revoked")
        if not stored.usable_at(self._clock()):
            raise Unauthenticated("The access token expired")
        return stored

    async def _issue(self, app: Application, account_id: int | None,
                     scopes: Scopes) -> IssuedToken:
        secret = new_secret()
        now = self._clock()
        expires_at = now + self._token_ttl if self._token_ttl else None
        await self._store.add_token(AccessToken(
            token_hash=secret_hash(secret), client_id=app.client_id, account_id=account_id,
            scopes=scopes, created_at=now, expires_at=expires_at, revoked_at=None))
        return IssuedToken(access_token=secret, scopes=scopes, created_at=now,
                           expires_at=expires_at)

    @property
    def token_ttl(self) -> timedelta | None:
        return self._token_ttl


def _scopes(text: str | None, *, default: str = "read") -> Scopes:
    try:
        return Scopes.parse(text, default=default)
    except UnknownScope as exc:
        raise OAuthError("invalid_scope", f"Unknown scope: {exc}") from None


def _valid_redirect(uri: str) -> bool:
    if uri == OOB_REDIRECT:
        return True
    scheme, sep, rest = uri.partition("://")
    return bool(sep and scheme and rest) and len(uri) <= 2000 and not any(
        ch.isspace() for ch in uri)
