"""POST /api/v1/apps: client registration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field, field_validator

from photofeed.api import response_docs as doc
from photofeed.api.deps import Services
from photofeed.api.entities import application_json
from photofeed.api.openapi_doc import body_of
from photofeed.api.params import Params, parse

router = APIRouter()


class AppParams(Params):
    client_name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(min_length=1)
    scopes: str | None = Field(default=None, max_length=500)
    website: str | None = Field(default=None, max_length=2000)

    @field_validator("redirect_uris", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value


@router.post("/api/v1/apps", **doc.answers(doc.Application),
             openapi_extra=body_of(AppParams, required=True))
async def create_app(request: Request, services: Services) -> dict[str, Any]:
    params = await parse(request, AppParams)
    app, secret = await services.oauth.register_app(
        name=params.client_name, redirect_uris=params.redirect_uris, scopes=params.scopes,
        website=params.website)
    return application_json(app, client_secret=secret)
