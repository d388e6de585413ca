"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from photofeed.api.deps import Services

router = APIRouter()


@router.get("/health/live")
async def live() -> dict[str, Any]:
    """The process answers; says nothing about its backends."""
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(services: Services) -> JSONResponse:
    """Every backend this server needs answers; a proxy sends traffic elsewhere if not."""
    checks = await services.readiness()
    healthy = all(state == "ok" for state in checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)
