"""Posting, indexing and searching for the search tests."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from photofeed.workers.runner import OutboxWorker
from tests.api.support import Person


async def drain(app: FastAPI) -> None:
    """Run every queued worker event, the search indexing among them."""
    container = app.state.container
    await OutboxWorker(container.outbox, container.handlers).run_until_idle()


async def post(client: httpx.AsyncClient, who: Person, caption: str, *,
               title: str | None = None, visibility: str = "public",
               media_ids: list[str] | None = None) -> str:
    data: dict[str, Any] = {"status": caption, "visibility": visibility}
    if title is not None:
        data["title"] = title
    if media_ids:
        data["media_ids[]"] = media_ids
    response = await client.post("/api/v1/statuses", headers=who.headers, data=data)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def search(client: httpx.AsyncClient, q: str, who: Person | None = None,
                 **params: str) -> dict[str, Any]:
    response = await client.get("/api/v2/search", params={"q": q, **params},
                                headers=who.headers if who else {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def found(client: httpx.AsyncClient, q: str, who: Person | None = None,
                **params: str) -> list[str]:
    """IDs of the statuses a search returns, best first."""
    body = await search(client, q, who, type="statuses", **params)
    return [status["id"] for status in body["statuses"]]
