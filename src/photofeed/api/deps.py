"""What routes ask FastAPI for: the container, the caller's identity, the base URL, whether
the server is stopping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from photofeed.api.draining import Draining
from photofeed.bootstrap import Container
from photofeed.domain.accounts import Account
from photofeed.domain.errors import Forbidden, Unauthenticated, Unprocessable
from photofeed.domain.oauth import AccessToken


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


async def _container(request: Request) -> Container:
    # Dependencies are async: FastAPI runs a plain `def` one on a worker thread, and the
    # round trip cost more than the rest of a cached feed read.
    return container(request)


Services = Annotated[Container, Depends(_container)]


async def _draining(request: Request) -> Draining:
    return request.app.state.draining  # type: ignore[no-any-return]


# Whether the server has been told to stop: for responses that would never end by themselves.
ServerDraining = Annotated[Draining, Depends(_draining)]


def base_url(request: Request) -> str:
    """Where links in responses should point: the configured public URL, else this host."""
    configured: str = request.app.state.container.settings.public_url
    if configured:
        return configured.rstrip("/")
    # Starlette parses and checks the Host header anew for each request; the answer depends
    # only on these parts of the request, so it is worked out once for each combination.
    scope = request.scope
    key = (scope.get("scheme"), request.headers.get("host"), scope.get("server"),
           scope.get("root_path"))
    found = _BASE_URLS.get(key)
    if found is None:
        if len(_BASE_URLS) >= _MAX_BASE_URLS:  # Host headers come from clients: stay bounded
            _BASE_URLS.clear()
        found = _BASE_URLS[key] = str(request.base_url).rstrip("/")
    return found


_MAX_BASE_URLS = 64
_BASE_URLS: dict[tuple[Any, ...], str] = {}


async def _base_url(request: Request) -> str:
    return base_url(request)


BaseUrl = Annotated[str, Depends(_base_url)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Caller:
    """An authenticated request: the token and, for a user token, its account."""

    token: AccessToken
    account: Account | None

    @property
    def user(self) -> Account:
        if self.account is None:
            raise Unprocessable("This method requires an authenticated user")
        return self.account


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers' EventSource cannot send headers, so the streaming API takes the token in
    # the query string; nowhere else, since URLs end up in logs.
    if request.url.path.startswith("/api/v1/streaming"):
        return request.query_params.get("access_token") or None
    return None


async def _caller(request: Request, required: str | None) -> Caller | None:
    token_text = _bearer(request)
    if token_text is None:
        return None
    services = container(request)
    token = await services.oauth.bearer(token_text)
    if required and not token.scopes.allows(required):
        raise Forbidden("This action is outside the authorized scopes")
    account = None
    if token.account_id is not None:
        await services.reads.acting_as(token.account_id)
        account = await services.accounts.get(token.account_id)
    return Caller(token=token, account=account)


def require(scope: str, *, user: bool = True) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that insists on a token with `scope` (and a user behind it)."""

    async def dependency(request: Request) -> Caller:
        caller = await _caller(request, scope)
        if caller is None:
            raise Unauthenticated("The access token is invalid")
        if user:
            caller.user  # noqa: B018 - raises for an app-only token
        if scope.startswith("write"):
            await container(request).throttle.write(
                ip=client_ip(request),
                account_id=caller.account.id if caller.account else None)
        return caller

    return dependency


def optional(scope: str) -> Callable[[Request], Awaitable[Caller | None]]:
    """A dependency for public routes that read the caller when a token is sent."""

    async def dependency(request: Request) -> Caller | None:
        return await _caller(request, scope)

    return dependency
