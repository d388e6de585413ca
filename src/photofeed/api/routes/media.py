"""Media uploads, Mastodon-compatible: POST /api/v1|v2/media, GET and PUT /api/v1/media/:id.

The multipart parser has spooled the file to an anonymous temporary file by the time a
route runs (a client that goes away mid-upload leaves nothing: the parser closes its
files, and such files have no name to leave behind). The type is told from the first
bytes, the size checked, and only then is the file copied into a scratch directory the
processing reads from, removed when the request ends.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.datastructures import UploadFile

from photofeed.api import response_docs as doc
from photofeed.api.deps import BaseUrl, Caller, Services, require
from photofeed.api.openapi_doc import body_of
from photofeed.api.params import Params, read_params, upload, validate
from photofeed.api.status_entities import media_json
from photofeed.bootstrap import Container
from photofeed.domain.errors import FieldError, NotFound, Unprocessable, ValidationFailed
from photofeed.domain.media import MediaAttachment
from photofeed.ids import parse_id
from photofeed.services.media import MediaDetails, parse_focus

router = APIRouter()
Uploader = Annotated[Caller, Depends(require("write:media"))]
UPLOAD_PATHS = ("/api/v1/media", "/api/v2/media")
# Room beside the largest video for the other fields and the multipart framing; a
# thumbnail may come too, up to the photo limit.
FORM_OVERHEAD = 1024 * 1024
_COPY_CHUNK = 1024 * 1024


class MediaParams(Params):
    description: str | None = Field(default=None, max_length=10_000)
    focus: str | None = Field(default=None, max_length=100)


UPLOAD_BODY = body_of(MediaParams, files=("file", "thumbnail"), required=True)


@dataclass(frozen=True)
class Form:
    fields: MediaParams
    files: dict[str, Path]
    work: Path  # the scratch directory the files were copied into


@asynccontextmanager
async def form_files(request: Request, services: Container,
                     names: tuple[str, ...]) -> AsyncIterator[Form]:
    """Parse the form; check and copy each named file into a scratch directory.

    Everything is removed on exit.
    """
    try:
        params = await read_params(request)
        fields = validate(MediaParams, params)
        async with services.media.workspace() as work:
            copied = {}
            for name in names:
                part = upload(params.get(name))
                if part is not None:
                    copied[name] = await copy_upload(services, part, work / name)
            yield Form(fields, copied, work)
    finally:
        await request.close()  # the spooled parts, at once rather than when collected


async def copy_upload(services: Container, part: UploadFile, target: Path) -> Path:
    """Check an uploaded part's type and size by content, then copy it to target."""
    size = part.size if part.size is not None else 0
    if size == 0:
        raise Unprocessable("The file is empty")
    head = await part.read(4096)
    services.media.check_upload(head, size)  # 415 or 413 before any copying
    await part.seek(0)

    def copy() -> None:
        with target.open("wb") as out:
            shutil.copyfileobj(part.file, out, _COPY_CHUNK)

    await asyncio.to_thread(copy)
    return target


def _details(form: Form) -> MediaDetails:
    return MediaDetails(description=form.fields.description,
                        focus=parse_focus(form.fields.focus), thumbnail=form.files.get("thumbnail"))


async def _upload(request: Request, services: Container, caller: Caller, *,
                  synchronous: bool = False) -> MediaAttachment:
    async with form_files(request, services, ("file", "thumbnail")) as form:
        if "file" not in form.files:
            raise ValidationFailed({"file": [FieldError("ERR_BLANK", "can't be blank")]})
        return await services.media.upload(actor=caller.user, src=form.files["file"],
                                           work=form.work, details=_details(form),
                                           synchronous=synchronous)


@router.post("/api/v2/media", **doc.answers(doc.MediaAttachment), openapi_extra=UPLOAD_BODY)
async def upload_v2(request: Request, services: Services, base_url: BaseUrl,
                    caller: Uploader) -> JSONResponse:
    """Photos are ready in the answer (200); videos are processed after it (202)."""
    item = await _upload(request, services, caller)
    return JSONResponse(media_json(item, base_url), status_code=200 if item.ready else 202)


@router.post("/api/v1/media", **doc.answers(doc.MediaAttachment), openapi_extra=UPLOAD_BODY)
async def upload_v1(request: Request, services: Services, base_url: BaseUrl,
                    caller: Uploader) -> dict[str, Any]:
    """The old, synchronous form: a video is processed before the answer too."""
    return _finished(await _upload(request, services, caller, synchronous=True), base_url)


@router.get("/api/v1/media/{media_id}", **doc.answers(doc.MediaAttachment))
async def get_media(media_id: str, services: Services, base_url: BaseUrl,
                    caller: Uploader) -> JSONResponse:
    """206 while processing, 200 once done, as Mastodon clients poll for."""
    item = await services.media.get(actor=caller.user, media_id=_id(media_id))
    if item.status == "processing":
        return JSONResponse(media_json(item, base_url), status_code=206)
    return JSONResponse(_finished(item, base_url))


@router.put("/api/v1/media/{media_id}", **doc.answers(doc.MediaAttachment),
            openapi_extra=body_of(MediaParams, files=("thumbnail",)))
async def update_media(media_id: str, request: Request, services: Services,
                       base_url: BaseUrl, caller: Uploader) -> dict[str, Any]:
    parsed = _id(media_id)
    async with form_files(request, services, ("thumbnail",)) as form:
        item = await services.media.update(actor=caller.user, media_id=parsed,
                                           details=_details(form), work=form.work)
    return media_json(item, base_url)


def _finished(item: MediaAttachment, base_url: str) -> dict[str, Any]:
    if item.status == "failed":
        raise Unprocessable(f"The file could not be processed: {item.error or 'unknown'}")
    return media_json(item, base_url)


def _id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound("Record not found")
    return parsed
