"""Structured logs: one JSON object per line, an access line per request with its request id.

What is never logged: API keys (only the owner name the key maps to), document text,
request bodies, query strings. Messages of failed jobs can quote the document, so they
are logged only with `api_log_details`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhenggai.api.errors import error_response

access_log = logging.getLogger("zhenggai.api.access")
log = logging.getLogger("zhenggai.api")

REQUEST_ID_HEADER = "X-Request-ID"
CONTEXT_KEY = "zhenggai.ctx"  # per-request dict in the ASGI scope: request_id, owner
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event as a JSON object (the formatter adds time, level and logger)."""
    logger.log(level, json.dumps({"event": name, **fields}, ensure_ascii=False, default=str))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        try:
            fields = json.loads(msg) if msg.startswith("{") else None
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            payload.update(fields)
        else:
            payload["message"] = msg
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str = "info") -> None:
    """JSON lines on stderr for our loggers and uvicorn's (whose own access log is replaced by ours)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


# Client libraries that log request bodies (prompts, hence document text) at debug level.
_BODY_LOGGERS = ("openai", "httpx", "httpcore", "LiteLLM", "litellm")


def quiet_client_libraries(details: bool) -> None:
    """Cap the model clients' loggers at WARNING, whatever the root level, unless details are asked for."""
    if not details:
        for name in _BODY_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(max(logger.level, logging.WARNING))


def request_context(scope: Scope) -> dict[str, Any]:
    return scope.setdefault(CONTEXT_KEY, {"request_id": None, "owner": None})


class RequestContextMiddleware:
    """Outermost layer: assigns the request id (a safe incoming `X-Request-ID` is kept), echoes it,
    turns any exception that escaped the app into the JSON error shape, writes the access line."""

    def __init__(self, app: ASGIApp, log_details: bool = False) -> None:
        self.app = app
        self.log_details = log_details  # tracebacks can quote the document: off by default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = ""
        for k, v in scope.get("headers", []):
            if k == b"x-request-id":
                incoming = v.decode("latin-1")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        ctx = request_context(scope)
        ctx["request_id"] = request_id
        state = {"status": 0, "bytes": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            event(log, "unhandled_exception", logging.ERROR, request_id=request_id, exception=type(exc).__name__)
            if self.log_details:
                log.error("unhandled exception in request %s", request_id, exc_info=exc)
            if not state["status"]:
                response = error_response(
                    500, "internal", "an internal error occurred; quote the X-Request-ID header when reporting it"
                )
                await response(scope, receive, send_wrapper)
        finally:
            event(
                access_log,
                "request",
                request_id=request_id,
                method=scope.get("method"),
                path=scope.get("path"),
                status=state["status"],
                ms=round((time.perf_counter() - started) * 1000, 1),
                owner=ctx.get("owner"),
                client=(scope.get("client") or ("", 0))[0],
                bytes_out=state["bytes"],
            )
