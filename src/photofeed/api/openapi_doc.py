"""The OpenAPI document describes what routes really take and answer.

Routes read their parameters with api/params.py (query, form, multipart or JSON, merged)
rather than FastAPI's signature binding, so their inputs are declared here from the same
pydantic models; every error comes from api/errors.py in one shape, declared once for all.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

# What api/errors.py and the middleware answer with, on any route: bad input (400, 415,
# 422), authentication (401, 403), unknown IDs (404), the wrong server role (405),
# conflicts (409), size limits and storage quotas (413), rate limits (429) and the
# connection limit (503).
ERROR_STATUSES = {
    "400": "The request cannot be read", "401": "Not signed in, or the token is invalid",
    "403": "The token lacks a scope, or the action is not allowed",
    "404": "No such record, or not visible to the caller",
    "405": "Not answered by this server role, or not by this path",
    "409": "Conflicts with the current state", "413": "Too large, or over the storage quota",
    "415": "Unsupported content type", "422": "Invalid parameters",
    "429": "Rate limit or daily upload quota reached (see Retry-After)",
    "503": "The server is at its connection limit (see Retry-After)",
}
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"},
                   "details": {"type": "object"}},
}
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def body_of(model: type[BaseModel], *, files: tuple[str, ...] = (),
            required: bool = False) -> dict[str, Any]:
    """`openapi_extra` declaring a body read by `params.parse(request, model)`."""
    schema = _inline(model)
    multipart = schema
    if files:
        multipart = {**schema, "properties": {
            **schema.get("properties", {}),
            **{name: {"type": "string", "format": "binary"} for name in files}}}
    content = {kind: {"schema": multipart if kind == "multipart/form-data" else schema}
               for kind in (BODY_TYPES if not files else ("multipart/form-data",))}
    return {"requestBody": {"required": required, "content": content}}


def query_of(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring query parameters read with `params.validate(model, …)`."""
    schema = _inline(model)
    return {"parameters": [
        {"name": name, "in": "query", "required": name in schema.get("required", []),
         "schema": prop} for name, prop in schema.get("properties", {}).items()]}


# Form fields are text, and Mastodon clients send booleans as 1/0/true/false in JSON too:
# the parameter models accept these spellings (pydantic's lax mode), so the document says so.
_BOOL_TEXT = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy]"
                                           "([Ee][Ss])?|[Nn][Oo]?|[Oo]([Nn]|[Ff][Ff])|[TtFf01])$"}
_INT_TEXT = {"type": "string", "pattern": "^ *[+-]?[0-9][0-9_]*(\\.0*)? *$"}
_SPELLINGS = {"boolean": [_BOOL_TEXT, {"type": "integer", "enum": [0, 1]}],
              "integer": [_INT_TEXT, {"type": "boolean"}, {"type": "number", "multipleOf": 1}]}


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise ValueError(f"{model.__name__} nests models; declare it by hand")
    for name, prop in schema.get("properties", {}).items():
        schema["properties"][name] = _as_sent(prop)
    return schema


def _as_sent(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema widened to the text forms the models also accept."""
    if "anyOf" in prop:
        return {**prop, "anyOf": [_as_sent(option) for option in prop["anyOf"]]}
    spelled = _SPELLINGS.get(prop.get("type", ""))
    if spelled is None:
        return prop
    kept = {k: v for k, v in prop.items() if k in ("title", "default", "description")}
    typed = {k: v for k, v in prop.items() if k not in kept}
    return {**kept, "anyOf": [typed, *spelled]}


def install(app: FastAPI) -> None:
    """Generate the document once, with the shared error answers on every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes)
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    _declare_errors(operation, html=_is_page(operation))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_page(operation: dict[str, Any]) -> bool:
    """Whether the operation is a web page (its success is HTML), which errors in HTML too."""
    answers = operation.get("responses", {}).get("200", {}).get("content", {})
    return "text/html" in answers


def _declare_errors(operation: dict[str, Any], *, html: bool) -> None:
    responses = operation.setdefault("responses", {})
    if html:
        # Pages answer HTML, or send the browser on with a redirect.
        for status in [s for s in responses if s.startswith("2")]:
            responses[status]["content"] = {"text/html": {"schema": {"type": "string"}}}
        responses.setdefault("303", {"description": "On to the next page"})
    for status, description in ERROR_STATUSES.items():
        if status in responses and status != "422":
            continue
        content = {"application/json": {"schema": ERROR_SCHEMA}}
        if html:
            content["text/html"] = {"schema": {"type": "string"}}
        responses[status] = {"description": description, "content": content}
