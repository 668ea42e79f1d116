"""A submission, from request to a validated `NewJob`: body type, options, the document itself.

Everything that can be wrong with a submission is found here, before a job exists: the body
type (415), the form or JSON (422), the model and prompt version (422), and the document
(empty or undecodable 422, binary or unsupported file type 415), so a job that is accepted
can always be read again when it runs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from zhenggai.api.errors import ApiError
from zhenggai.api.jobs import NewJob
from zhenggai.api.models import SubmitOptions, TextSubmission
from zhenggai.api.worker import JobRunner
from zhenggai.extract.judge import JUDGE_PROMPT
from zhenggai.ingest import formats
from zhenggai.ingest.decode import text_codec
from zhenggai.llm.prompts import list_versions, load_prompt
from zhenggai.settings import Settings

ACCEPTED_BODIES = ("application/json", "multipart/form-data")  # and a raw file of any input format


@lru_cache(maxsize=1)
def prompt_versions() -> tuple[list[str], str]:
    """(every version of the judging prompt, the default one)."""
    return list_versions(JUDGE_PROMPT), load_prompt(JUDGE_PROMPT).version


def resolve_options(opts: SubmitOptions, settings: Settings) -> tuple[str, str]:
    """(model, prompt version) of a submission, defaults filled in; 422 for what the server does not offer."""
    model = opts.model or settings.model
    allowed = settings.allowed_models
    if model not in allowed:
        raise ApiError(422, "unknown_model", f"model {model!r} is not offered by this service", {"allowed": allowed})
    versions, default = prompt_versions()
    version = opts.prompt_version or default
    if version not in versions:
        raise ApiError(
            422,
            "unknown_prompt_version",
            f"prompt version {version!r} does not exist",
            {"available": versions},
        )
    return model, version


def _media_of_upload(upload: UploadFile) -> str | None:
    """The media type of an uploaded file (None = detect from the content); 415 for a format the
    registry (`zhenggai.ingest.formats`) does not know."""
    name = upload.filename or ""
    suffix = Path(name).suffix.lower()
    fmt = formats.by_suffix(name) or formats.by_media_type(upload.content_type)
    if fmt is not None:
        return fmt.media_type
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in ("", "application/octet-stream") or suffix:
        what = f"file type {suffix!r}" if suffix else f"content type {declared!r}"
        raise ApiError(
            415,
            "unsupported_media_type",
            f"unsupported {what}; upload a {formats.describe()} report",
            {"accepted": formats.suffixes(), "media_types": formats.media_types()},
        )
    return None


def _validation(exc: ValidationError, where: str) -> RequestValidationError:
    errors = [{**e, "loc": (where, *e.get("loc", ()))} for e in exc.errors(include_url=False)]
    return RequestValidationError(errors)


async def _from_json(request: Request) -> tuple[TextSubmission, bytes]:
    raw = await request.body()
    try:
        sub = TextSubmission.model_validate_json(raw)
    except ValidationError as exc:
        raise _validation(exc, "body") from None
    return sub, sub.text.encode("utf-8")  # JSON parsing has refused lone surrogates


async def _from_form(request: Request) -> tuple[SubmitOptions, str, str | None, bytes, str | None]:
    """(options, file name, media type or None to detect, file bytes, forced encoding) of a multipart body."""
    async with request.form(max_files=1, max_fields=8) as form:  # closes the spooled upload
        upload = form.get("file")
        fields: dict[str, str] = {}
        for key in ("model", "prompt_version", "encoding"):
            value = form.get(key)
            if isinstance(value, str) and value != "":
                fields[key] = value
            elif value is not None and not isinstance(value, str):
                raise ApiError(422, "validation_error", f"form field {key!r} must be text, not a file", None)
        if not isinstance(upload, UploadFile):
            raise ApiError(
                422,
                "validation_error",
                "the form has no file: send the report as the 'file' part",
                [{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}],
            )
        name = Path(upload.filename or "upload").name or "upload"
        media = _media_of_upload(upload)
        data = await upload.read()
    encoding = fields.pop("encoding", None)
    try:
        opts = SubmitOptions.model_validate(fields)
    except ValidationError as exc:
        raise _validation(exc, "body") from None
    if encoding is not None:
        try:  # a text encoding: base64 or rot13 are codecs too, but they do not turn bytes into text
            encoding = text_codec(encoding)
        except LookupError as e:
            raise ApiError(422, "unknown_encoding", f"unknown or refused text encoding: {e}", None) from None
    return opts, name, media, data, encoding


async def _from_raw(request: Request, media: str) -> tuple[SubmitOptions, str, bytes, str | None]:
    """(options, file name, bytes, forced encoding) of a raw file body (`Content-Type: application/pdf`);
    the options and a name come as query parameters."""
    params = request.query_params
    fields = {k: params[k] for k in ("model", "prompt_version") if params.get(k)}
    try:
        opts = SubmitOptions.model_validate(fields)
    except ValidationError as exc:
        raise _validation(exc, "query") from None
    fmt = formats.by_media_type(media)
    suffix = fmt.suffixes[0] if fmt else ""
    name = Path(params.get("name") or f"upload{suffix}").name[:255] or f"upload{suffix}"
    encoding = params.get("encoding") or None
    if encoding is not None:
        try:
            encoding = text_codec(encoding)
        except LookupError as e:
            raise ApiError(422, "unknown_encoding", f"unknown or refused text encoding: {e}", None) from None
    return opts, name, await request.body(), encoding


async def read_submission(request: Request, settings: Settings, owner: str, runner: JobRunner) -> NewJob:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    encoding: str | None = None
    if content_type == "application/json":
        sub, source = await _from_json(request)
        opts: SubmitOptions = sub
        kind, name, media = "text", sub.name or "<text>", sub.media_type
    elif content_type == "multipart/form-data":
        opts, name, media, source, encoding = await _from_form(request)
        kind = "bytes"
    elif formats.by_media_type(content_type) is not None:
        opts, name, source, encoding = await _from_raw(request, content_type)
        kind, media = "bytes", content_type
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"request body of type {content_type or '(none)'!r} is not accepted; send JSON, a multipart upload "
            f"or the file itself ({formats.describe()}) with its media type",
            {"accepted": [*ACCEPTED_BODIES, *formats.media_types()]},
        )
    model, version = resolve_options(opts, settings)
    # read in a worker process: a hostile body costs a worker, never the service's interpreter lock
    status, value = await runner.read((kind, source, name, media, encoding))
    if status != "ok":
        raise ApiError(*value)
    return NewJob(
        owner=owner,
        name=name,
        media_type=media,
        encoding=encoding,
        source_kind=kind,
        source=source,
        text=value,
        model=model,
        prompt_version=version,
    )
