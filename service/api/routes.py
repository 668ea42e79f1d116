"""The endpoints. Thin: intake validates, the store records, the runner runs."""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.convertors import StringConvertor, register_url_convertor

from zhenggai.api.auth import require_key
from zhenggai.api.errors import ApiError, ErrorBody, error_response
from zhenggai.api.intake import prompt_versions, read_submission
from zhenggai.api.jobs import JobRow, QueueFullError
from zhenggai.api.models import (
    Health,
    Job,
    JobBrief,
    JobList,
    JobStatus,
    ModelsInfo,
    Progress,
    Submission,
)
from zhenggai.outputs.formats import SERVED_FORMATS, OutputFormat
from zhenggai.queue.listen import wait_finished
from zhenggai.schemas.record import SummaryRecord

if TYPE_CHECKING:
    from zhenggai.api.app import Service

JOB_ID_REGEX = "[A-Za-z0-9_-]{1,64}"


class JobIdConvertor(StringConvertor):
    """Job ids have no dots, so `/summaries/{job_id}` can never swallow `/summaries/<id>.md`."""

    regex = JOB_ID_REGEX


register_url_convertor("job_id", JobIdConvertor())

Owner = Annotated[str, Depends(require_key)]
JobId = Annotated[str, Path(description="the job id returned by POST /v1/summaries", pattern=f"^{JOB_ID_REGEX}$")]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "a malformed multipart body",
        401: "no or wrong API key",
        404: "no such job (for this key)",
        409: "the job is not in a state that allows this",
        413: "the body is over the size limit",
        415: "the body or the file is not a supported type",
        422: "invalid request, or a document that cannot be read (undecodable, empty)",
        429: "rate limit of this key reached; see Retry-After",
        503: "too many jobs waiting; see Retry-After",
    }
    return {c: {"model": ErrorBody, "description": text[c]} for c in codes}


def _ts(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


def _links(row: JobRow) -> dict[str, str]:
    base = f"/v1/summaries/{row.id}"
    links = {"self": base}
    if row.status == JobStatus.done:
        links.update({ext: f"{base}.{ext}" for ext in SERVED_FORMATS})
    return links


def _brief_fields(row: JobRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": JobStatus(row.status),
        "name": row.name,
        "model": row.model,
        "prompt_version": row.prompt_version,
        "characters": row.characters,
        "sha256": row.sha256,
        "progress": Progress(done=row.chunks_done, total=row.chunks_total),
        "attempts": row.attempts,
        "created_at": _ts(row.created_at),
        "started_at": _ts(row.started_at),
        "finished_at": _ts(row.finished_at),
        "error": ErrorBody(**row.error) if row.error else None,
        "links": _links(row),
    }


def _job_response(
    row: JobRow, *, status: int = 200, headers: dict[str, str] | None = None, reused: bool | None = None
) -> Response:
    """A `Job` (or `Submission`) body with the stored result spliced in as it was written: a record can
    be hundreds of kilobytes, and parsing and re-serialising it on every poll would load the HTTP loop."""
    brief = JobBrief(**_brief_fields(row)).model_dump_json()
    tail = f',"result":{row.result or "null"}'
    if reused is not None:
        tail += f',"reused":{"true" if reused else "false"}'
    return Response(brief[:-1] + tail + "}", status_code=status, media_type="application/json", headers=headers)


def _service(request: Request) -> Service:
    return request.app.state.service


async def _owned(request: Request, job_id: str, owner: str, *, with_result: bool = False) -> JobRow:
    row = await asyncio.to_thread(_service(request).store.get, job_id, owner, with_result=with_result)
    if row is None:
        raise ApiError(404, "not_found", f"no job {job_id!r}", None)
    return row


router = APIRouter(prefix="/v1", tags=["summaries"])

LOCATION = {"Location": {"description": "the job's URL", "schema": {"type": "string"}}}
JOB_LINKS = {
    name: {"operationId": op, "parameters": {"job_id": "$response.body#/id"}}
    for name, op in (
        ("GetJob", "get_job"),
        ("CancelJob", "cancel_job"),
        *((f"Render{ext.capitalize()}", f"render_{ext}") for ext in SERVED_FORMATS),
    )
}

SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/TextSubmission"}},
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/FileSubmission"}},
        },
    }
}


@router.post(
    "/summaries",
    status_code=202,
    response_model=Submission,
    summary="Submit a report",
    description="The report as JSON text or a multipart file upload. 202 and a Location header while the job "
    "runs; 200 when it is already finished: with `wait=true` a job that finishes within the server's bound "
    "(`api_wait_max_s`) is answered at once, and an identical earlier submission (same normalised text, model "
    "and prompt version) returns that job (`reused: true`).",
    responses={
        202: {"description": "accepted: the job is queued or running", "headers": LOCATION, "links": JOB_LINKS},
        200: {"model": Submission, "description": "finished", "headers": LOCATION, "links": JOB_LINKS},
        **_errors(400, 401, 413, 415, 422, 429, 503),
    },
    openapi_extra=SUBMIT_BODY,
)
async def submit(
    request: Request,
    owner: Owner,
    wait: Annotated[bool, Query(description="hold the request until the job ends, up to the server's bound")] = False,
) -> Response:
    svc = _service(request)
    new = await read_submission(request, svc.settings, owner, svc.runner)
    try:
        row, reused = await asyncio.to_thread(svc.store.submit, new, max_pending=svc.settings.api_max_pending)
    except QueueFullError:
        raise ApiError(
            503, "queue_full", "too many jobs are waiting; retry later", None, headers={"Retry-After": "10"}
        ) from None
    if not reused and svc.events is None:  # on a shared store a worker claims it from the database
        svc.runner.enqueue(row.id)
    if wait and not JobStatus(row.status).finished:
        await _wait(svc, row)
        row = await asyncio.to_thread(svc.store.get, row.id, with_result=True) or row
    return _job_response(
        row,
        status=200 if JobStatus(row.status).finished else 202,
        headers={"Location": f"/v1/summaries/{row.id}"},
        reused=reused,
    )


async def _wait(svc: Service, row: JobRow) -> None:
    """Until the job ends or `api_wait_max_s` passes: woken by the database's NOTIFY when other
    processes may run the job (a shared store), else by this process's runner."""
    if svc.events is None:
        await svc.runner.wait(row.id, svc.settings.api_wait_max_s)
        return

    def status() -> str | None:
        now = svc.store.get(row.id)
        return None if now is None else now.status

    await wait_finished(svc.events, row.id, svc.settings.api_wait_max_s, status)


CURSOR_REGEX = "[A-Za-z0-9_-]{1,200}"


def make_cursor(last_id: str, status: str | None) -> str:
    """An opaque page token: which list it pages (the status filter) and where the page ended.
    Clients pass it back unread; the server may change what is inside."""
    raw = json.dumps([1, status, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str, status: str | None) -> str:
    """The job id a cursor continues after; 422 for one this server did not make for this list."""
    try:
        version, made_for, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        ok = version == 1 and isinstance(last_id, str) and re.fullmatch(JOB_ID_REGEX, last_id)
    except (ValueError, TypeError, binascii.Error):
        ok = False
    if not ok:
        raise ApiError(422, "invalid_cursor", "the cursor is not one this service made; start from the first page")
    if made_for != status:
        raise ApiError(
            422, "invalid_cursor", "the cursor pages another list (another status filter)", {"cursor_status": made_for}
        )
    return last_id


@router.get("/summaries", response_model=JobList, summary="List recent jobs", responses=_errors(401, 422, 429))
async def list_jobs(
    request: Request,
    owner: Owner,
    limit: Annotated[int, Query(ge=1, le=200, description="jobs per page")] = 50,
    status: Annotated[JobStatus | None, Query(description="only jobs in this state")] = None,
    cursor: Annotated[
        str | None, Query(pattern=f"^{CURSOR_REGEX}$", description="`next_cursor` of the previous page (opaque)")
    ] = None,
) -> JobList:
    wanted = status.value if status else None
    before = read_cursor(cursor, wanted) if cursor is not None else None
    rows = await asyncio.to_thread(_service(request).store.list, owner, limit=limit, status=wanted, before=before)
    items = [JobBrief(**_brief_fields(r)) for r in rows]
    return JobList(items=items, next_cursor=make_cursor(rows[-1].id, wanted) if len(rows) == limit else None)


def _rendering_route(rendering: OutputFormat) -> Callable[..., Awaitable[Response]]:
    async def render(request: Request, job_id: JobId, owner: Owner) -> Response:
        row = await _owned(request, job_id, owner, with_result=True)
        if row.status != JobStatus.done or row.result is None:
            message = f"job {job_id} is {row.status}; renderings exist once it is done"
            raise ApiError(409, "not_done", message, {"status": row.status})
        result = row.result
        text = await asyncio.to_thread(_service(request).store.text, job_id) if rendering.needs_text else ""

        def build() -> str:  # parsing a large record and rendering it: off the HTTP loop
            return rendering.render_one(SummaryRecord.model_validate_json(result), text or "")

        body = await asyncio.to_thread(build)
        return Response(
            body,
            media_type=rendering.media_type,
            headers={"Content-Disposition": f'inline; filename="{job_id}.{rendering.name}"'},
        )

    render.__name__ = f"render_{rendering.name}"
    return render


# Before GET /summaries/{job_id} (whose converter already refuses "<id>.md"; belt and braces).
for _r in SERVED_FORMATS.values():
    router.add_api_route(
        f"/summaries/{{job_id:job_id}}.{_r.name}",
        _rendering_route(_r),
        methods=["GET"],
        operation_id=f"render_{_r.name}",
        summary=_r.summary,
        response_class=Response,
        responses={
            200: {"content": {_r.media_type.split(";")[0]: {"schema": {"type": "string"}}}, "description": _r.summary},
            **_errors(401, 404, 409, 429),
        },
    )


@router.get(
    "/summaries/{job_id:job_id}",
    response_model=Job,
    operation_id="get_job",
    summary="A job: status, progress, result or error",
    responses=_errors(401, 404, 429),
)
async def get_job(request: Request, job_id: JobId, owner: Owner) -> Response:
    return _job_response(await _owned(request, job_id, owner, with_result=True))


@router.delete(
    "/summaries/{job_id:job_id}",
    response_model=Job,
    operation_id="cancel_job",
    summary="Cancel a queued or running job",
    description="Cancelling a cancelled job again is harmless; a job that is done or failed cannot be cancelled (409).",
    responses=_errors(401, 404, 409, 429),
)
async def cancel_job(request: Request, job_id: JobId, owner: Owner) -> Response:
    svc = _service(request)
    row, changed = await asyncio.to_thread(svc.store.cancel, job_id, owner)
    if row is None:
        raise ApiError(404, "not_found", f"no job {job_id!r}", None)
    if changed and svc.events is None:  # on a shared store the worker holding it hears the NOTIFY
        svc.runner.cancel(job_id)
    elif row.status != JobStatus.cancelled:
        raise ApiError(409, "already_finished", f"job {job_id} is already {row.status}", {"status": row.status})
    return _job_response(row)


@router.get(
    "/models",
    response_model=ModelsInfo,
    summary="Models and prompt versions a submission may ask for",
    responses=_errors(401, 429),
)
async def models(request: Request, owner: Owner) -> ModelsInfo:
    versions, default = prompt_versions()
    return ModelsInfo(
        models=_service(request).settings.allowed_models, prompt_versions=versions, default_prompt_version=default
    )


health = APIRouter(tags=["health"])


@health.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    return Health(status="ok")


@health.get(
    "/readyz",
    response_model=Health,
    summary="Jobs can run: model reachable, stores writable",
    responses={503: {"model": ErrorBody, "description": "not ready; `detail.checks` says why"}},
)
async def readyz(request: Request) -> Response:
    svc = _service(request)
    checks = await svc.readiness.checks(svc)
    if all(c.ok for c in checks.values()):
        return JSONResponse(Health(status="ready", checks=checks).model_dump(mode="json"))
    failing = ", ".join(k for k, c in checks.items() if not c.ok)
    return error_response(
        503, "not_ready", f"not ready: {failing}", {"checks": {k: c.model_dump() for k, c in checks.items()}}
    )
