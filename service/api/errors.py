"""One error shape for every failure the service reports: `{"type", "message", "detail"}`.

Clients branch on `type` (a stable code), show `message` (a sentence saying what is wrong and
what to do), and may read `detail` (structured, type-specific). Framework errors (unknown
route, wrong method, request validation) are converted to the same shape here; an uncaught
exception becomes a 500 of the same shape in `logs.RequestContextMiddleware`.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhenggai.api.jobs import StorageError
from zhenggai.ingest.errors import (
    BinaryInputError,
    DecodingError,
    EmptyDocumentError,
    IngestError,
    TooLargeError,
    UnsupportedMediaError,
)


class ErrorBody(BaseModel):
    """The body of every error response."""

    type: str = Field(description="stable machine-readable code, e.g. unauthorized, undecodable, rate_limited")
    message: str = Field(description="what is wrong, in a sentence")
    detail: Any = Field(default=None, description="structured specifics; shape depends on `type`")


class ApiError(StarletteHTTPException):
    """An error with its status, code and message. A subclass of Starlette's HTTPException so
    it passes through FastAPI's body parsing (which re-raises HTTPExceptions) unchanged."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.type = type_
        self.message = message
        self.body_detail = detail

    def body(self) -> ErrorBody:
        return ErrorBody(type=self.type, message=self.message, detail=self.body_detail)


_STATUS_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
    507: "storage_full",
}

STORAGE_RETRY_S = 30


def error_response(
    status: int, type_: str, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(type=type_, message=message, detail=detail).model_dump(mode="json")
    return JSONResponse(body, status_code=status, headers=headers)


def from_ingest(exc: IngestError) -> ApiError:
    """Map a reading failure onto its HTTP status: the caller's document, not the service, is at fault."""
    detail = {"reason": exc.reason}
    if isinstance(exc, TooLargeError):
        return ApiError(413, "payload_too_large", str(exc), detail)
    if isinstance(exc, UnsupportedMediaError | BinaryInputError):
        return ApiError(415, "unsupported_media_type", str(exc), detail)
    if isinstance(exc, DecodingError):
        return ApiError(422, "undecodable", str(exc), detail)
    if isinstance(exc, EmptyDocumentError):
        return ApiError(422, "empty_document", str(exc), detail)
    return ApiError(422, "unreadable", str(exc), detail)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API documents for `path` (the router's own 405 names only one route's).
    Path parameters are job ids, which never contain a dot or a slash."""
    found: set[str] = set()
    for template, ops in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[A-Za-z0-9_-]+", re.escape(template))
        if re.fullmatch(pattern, path):
            found.update(m.upper() for m in ops)
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    # `input` is left out: it may be (a piece of) the document, and the caller already has it.
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()[:20]
    ]


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body().model_dump(mode="json"), status_code=exc.status_code, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_ = _STATUS_TYPES.get(exc.status_code, "http_error")
    message = str(exc.detail) if exc.detail else type_.replace("_", " ")
    if exc.status_code == 404:
        message = f"no such resource: {request.url.path}"
    elif exc.status_code == 405:
        allowed = allowed_methods(request.app, request.url.path)
        message = f"{request.method} is not allowed on {request.url.path}; allowed: {', '.join(allowed)}"
        return error_response(405, type_, message, {"allowed": allowed}, {"Allow": ", ".join(allowed)})
    return error_response(exc.status_code, type_, message, None, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = _validation_detail(exc)
    first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"]) or "request"
    return error_response(422, "validation_error", f"invalid {where}: {first['msg']}", detail)


def storage_error(exc: StorageError) -> JSONResponse:
    """507 when the job store's disk is full (or over a size limit), 503 when it is read-only or failing:
    the service, not the request, is at fault, and a retry later may succeed."""
    if exc.full:
        status, message = 507, "the job store's disk is full: the submission was not stored; retry later"
    else:
        status, message = 503, "the job store cannot be written (read-only or failing); retry later"
    detail = {getattr(exc, "engine", "sqlite"): exc.name}  # the engine's own name for the failure
    return error_response(status, exc.type, message, detail, {"Retry-After": str(STORAGE_RETRY_S)})


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorageError)
    return storage_error(exc)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StorageError, _storage_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
