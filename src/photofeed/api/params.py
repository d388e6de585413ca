"""Request parameters the way Mastodon clients send them: query, form, multipart or JSON.

Lists arrive as repeated `key[]` fields or JSON arrays, nested hashes as `key[sub]`, booleans
as 1/0/true/false. Everything is gathered into one dict and validated by a pydantic model,
so a route sees typed values and a client sees which field was wrong.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import Request

from photofeed.api.middleware import BodyTooLarge
from photofeed.domain.errors import FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)
MAX_FIELDS = 200


class BadRequest(Exception):
    """The body cannot be read at all (malformed JSON, unsupported content type)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Params(BaseModel):
    """Base for parameter models: unknown fields are ignored, as Mastodon does."""

    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True,
                              str_strip_whitespace=False)


def _put(params: dict[str, Any], key: str, value: Any) -> None:
    if key.endswith("[]"):
        params.setdefault(key[:-2], [])
        if isinstance(params[key[:-2]], list):
            params[key[:-2]].append(value)
        return
    head, bracket, rest = key.partition("[")
    if bracket and rest.endswith("]") and head:
        nested = params.setdefault(head, {})
        if isinstance(nested, dict):
            nested[rest[:-1]] = value
        return
    params[key] = value


async def read_params(request: Request) -> dict[str, Any]:
    """Query string and body merged; the body wins where both name a field."""
    params: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        _put(params, key, value)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return params
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        params.update(await _json_body(request))
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=20, max_fields=MAX_FIELDS)
        except BodyTooLarge:
            raise  # the size limit answers 413, not "malformed"
        except Exception as exc:  # the multipart parser raises several unrelated types
            raise BadRequest(f"Malformed form body: {exc}") from None
        for name, item in form.multi_items():
            _put(params, name, item)
    elif await request.body():
        raise BadRequest(f"Unsupported content type {ctype or '(none)'}; send JSON, a form "
                         "or multipart", status=415)
    return params


def _refuse_unstorable(model: type[BaseModel], params: dict[str, Any]) -> None:
    """Refuse text no database can keep, before it reaches one as a 500.

    PostgreSQL rejects NUL in text, and a lone surrogate (legal in a JSON escape) cannot be
    encoded as UTF-8 by any driver, the password hasher or the response writer. Only fields
    the model reads are checked: unknown fields stay ignored, whatever they hold.
    """
    bad = sorted(name for name, value in params.items()
                 if name in model.model_fields and not _storable(value))
    if bad:
        raise ValidationFailed({name: [FieldError(
            "ERR_INVALID", "contains a NUL character or an unpaired surrogate")] for name in bad})


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return True


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest("Malformed JSON body") from None
    if not isinstance(data, dict):
        raise BadRequest("The JSON body must be an object")
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        _put(cleaned, key, value)
    return cleaned


def validate(model: type[M], params: dict[str, Any]) -> M:
    """Typed parameters, or a 422 naming each field that was wrong."""
    _refuse_unstorable(model, params)
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        details: dict[str, list[FieldError]] = {}
        for error in exc.errors(include_url=False, include_input=False):
            field = ".".join(str(part) for part in error["loc"]) or "body"
            details.setdefault(field, []).append(FieldError("ERR_INVALID", error["msg"]))
        raise ValidationFailed(details) from None


async def parse(request: Request, model: type[M]) -> M:
    return validate(model, await read_params(request))


def upload(value: Any) -> UploadFile | None:
    """A file field, or None when the field held no file."""
    return value if isinstance(value, UploadFile) and value.filename is not None else None
