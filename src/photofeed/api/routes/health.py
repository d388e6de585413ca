"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from photofeed.api.deps import Services

router = APIRouter()


@router.get("/health/live")
async def live() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(services: Services) -> JSONResponse:
    async def ping(conn: Any, _index: int) -> bool:
        await conn.execute(text("SELECT 1"))
        return True

    try:
        await services.router.gather_engines(range(len(services.router.engines)), ping)
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__},
                            status_code=503)
    return JSONResponse({"status": "ok"})
