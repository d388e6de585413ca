"""One place that turns failures into `{"error": ..., "error_description"?: ...}` responses."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from photofeed.api.params import BadRequest
from photofeed.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    OAuthError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    Unavailable,
    Unprocessable,
    UnsupportedMedia,
    ValidationFailed,
)

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404), (Unauthenticated, 401), (Forbidden, 403), (Conflict, 409),
    (Unprocessable, 422), (RateLimited, 429), (PayloadTooLarge, 413), (UnsupportedMedia, 415),
    (Unavailable, 503),
]
_HTTP_MESSAGES = {404: "Record not found", 405: "Method not allowed"}


def error_response(status: int, error: str, description: str | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": error}
    if description:
        body["error_description"] = description
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers)


def connection_lost() -> JSONResponse:
    return error_response(503, "The database connection was lost; try again",
                          headers={"Retry-After": "1"})


def domain_error_response(exc: DomainError) -> JSONResponse:
    if isinstance(exc, OAuthError):
        return error_response(exc.status, exc.code, exc.message)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, RateLimited):
        headers.update({"X-RateLimit-Limit": str(exc.limit), "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": exc.reset_at.isoformat(timespec="seconds"),
                        "Retry-After": str(max(1, int(exc.reset_at.timestamp()
                                                          - time.time())))})
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = "1"
    if isinstance(exc, ValidationFailed):
        extra["details"] = {field: [{"error": e.code, "description": e.description}
                                    for e in errors] for field, errors in exc.details.items()}
    return error_response(status, exc.message, headers=headers, **extra)


def _allowed(request: Request) -> list[str]:
    """Every method some route of this path answers; Starlette names only the first route's."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(BadRequest)
    async def _bad(_: Request, exc: BadRequest) -> JSONResponse:
        return error_response(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                           for e in exc.errors())
        return error_response(422, f"Validation failed: {fields}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else \
            _HTTP_MESSAGES.get(exc.status_code, "Error")
        if exc.status_code == 404:
            message = _HTTP_MESSAGES[404]
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(request))
        return error_response(exc.status_code, message, headers=headers or None)

    # A read that lost its connection (ReadLost) is run again or refused by ReadRouting.
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            # The database closed the connection (a restart, say); nothing was committed
            # and the pool has dropped its old connections, so the client may try again.
            log.warning("database connection lost on %s %s: %s", request.method,
                        request.url.path, exc.orig)
            return connection_lost()
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")
